//! File-descriptor flags and small descriptor operations: non-blocking
//! mode, close-on-exec pipes, tty checks and pointing stdio at /dev/null.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::{check, context};

/// Switches `O_NONBLOCK` on or off for `fd`.
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    // SAFETY: fcntl F_GETFL/F_SETFL on a descriptor kept open by the borrow.
    let flags = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    let wanted = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: as above; F_SETFL takes an int argument.
        check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, wanted) })?;
    }
    Ok(())
}

/// A pipe whose both ends are close-on-exec: `(read end, write end)`.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    open_pipe().map_err(|e| context(e, "pipe"))
}

#[cfg(not(target_os = "macos"))]
fn open_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both are fresh descriptors owned by nobody else.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok(ends)
}

/// macOS has no `pipe2`: `pipe`, then close-on-exec on each end. A
/// program another thread starts between the two calls inherits the
/// ends (the window is two system calls wide); at worst a reader then
/// sees end-of-file later.
#[cfg(target_os = "macos")]
fn open_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe to fill.
    check(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    // SAFETY: pipe succeeded, so both are fresh descriptors owned by nobody else.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    set_close_on_exec(ends.0.as_fd())?;
    set_close_on_exec(ends.1.as_fd())?;
    Ok(ends)
}

/// Sets `FD_CLOEXEC` on `fd`, for descriptors macOS cannot open with
/// `O_CLOEXEC`/`SOCK_CLOEXEC` (pipes, sockets, the pty master).
#[cfg(target_os = "macos")]
pub(crate) fn set_close_on_exec(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: fcntl F_SETFD on a descriptor kept open by the borrow;
    // FD_CLOEXEC is the only descriptor flag, so nothing else is cleared.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
    Ok(())
}

/// Whether `fd` refers to a terminal.
pub(crate) fn is_tty(fd: BorrowedFd<'_>) -> bool {
    // SAFETY: isatty only inspects the descriptor, kept open by the borrow.
    unsafe { libc::isatty(fd.as_raw_fd()) == 1 }
}

/// Whether standard input is a terminal.
pub(crate) fn stdin_is_tty() -> bool {
    is_tty(io::stdin().as_fd())
}

/// Waits until everything written to the terminal `fd` has been sent.
pub(crate) fn tcdrain(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: tcdrain only waits on the descriptor, kept open by the borrow.
    check(unsafe { libc::tcdrain(fd.as_raw_fd()) })?;
    Ok(())
}

/// Points the descriptor `target` at `/dev/null`, dropping this process's
/// reference to what it was open on: a pipe reader on the other end sees
/// end-of-file once nobody else holds the pipe, while the descriptor
/// number stays valid (used to close standard output early).
pub(crate) fn point_at_null(target: BorrowedFd<'_>) -> io::Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| context(e, "open /dev/null"))?;
    // SAFETY: dup2 replaces the open file behind `target`, which the borrow
    // keeps allocated; `null` stays open for the call.
    check(unsafe { libc::dup2(null.as_raw_fd(), target.as_raw_fd()) })
        .map_err(|e| context(e, "dup2"))?;
    Ok(())
}

/// Points standard input, output and error at `/dev/null`, so a detached
/// daemon holds none of the terminal or ssh channel it was started from.
pub(crate) fn redirect_stdio_to_null() -> io::Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| context(e, "open /dev/null"))?;
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors; `null` stays open
        // for the call and std never caches these descriptors' identity.
        check(unsafe { libc::dup2(null.as_raw_fd(), target) }).map_err(|e| context(e, "dup2"))?;
    }
    Ok(())
}
