//! Pseudo-terminals: opening a master/slave pair and the window size a
//! pty reports to the program running on it.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::{check, context};

/// A terminal size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

/// The master side of a fresh pty and the path of its slave device.
#[derive(Debug)]
pub(crate) struct PtyPair {
    /// The master descriptor (close-on-exec, blocking).
    pub master: OwnedFd,
    /// Path of the slave device, e.g. `/dev/pts/3`.
    pub slave_path: CString,
}

/// Opens a new pseudo-terminal. The slave is not opened here, so it does
/// not become anyone's controlling terminal by accident.
pub(crate) fn open_pty() -> io::Result<PtyPair> {
    // SAFETY: posix_openpt takes flags only and returns a new descriptor or -1.
    let raw = check(unsafe { libc::posix_openpt(MASTER_FLAGS) })
        .map_err(|e| context(e, "posix_openpt"))?;
    // SAFETY: `raw` was just returned by posix_openpt and is owned by nobody else.
    let master = unsafe { OwnedFd::from_raw_fd(raw) };
    #[cfg(target_os = "macos")]
    super::fd::set_close_on_exec(std::os::fd::AsFd::as_fd(&master))
        .map_err(|e| context(e, "FD_CLOEXEC"))?;
    // SAFETY: grantpt/unlockpt only act on the master descriptor we own.
    check(unsafe { libc::grantpt(master.as_raw_fd()) }).map_err(|e| context(e, "grantpt"))?;
    // SAFETY: as above.
    check(unsafe { libc::unlockpt(master.as_raw_fd()) }).map_err(|e| context(e, "unlockpt"))?;
    let slave_path = slave_name(master.as_raw_fd())?;
    Ok(PtyPair { master, slave_path })
}

/// The flags for the master: close-on-exec from the start, except on
/// macOS, whose `posix_openpt` accepts only `O_RDWR` and `O_NOCTTY`
/// (the flag is set right after; see `fd::pipe` for that window).
#[cfg(not(target_os = "macos"))]
const MASTER_FLAGS: libc::c_int = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
#[cfg(target_os = "macos")]
const MASTER_FLAGS: libc::c_int = libc::O_RDWR | libc::O_NOCTTY;

/// The path of the slave device of the pty master `master`
/// (`ptsname_r`, the thread-safe form of `ptsname`).
#[cfg(not(target_os = "macos"))]
fn slave_name(master: libc::c_int) -> io::Result<CString> {
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: ptsname_r writes at most `name.len()` bytes, NUL included, into `name`.
    let rc = unsafe { libc::ptsname_r(master, name.as_mut_ptr(), name.len()) };
    if rc != 0 {
        return Err(context(io::Error::from_raw_os_error(rc), "ptsname_r"));
    }
    // SAFETY: on success ptsname_r stored a NUL-terminated string inside `name`.
    Ok(unsafe { CStr::from_ptr(name.as_ptr()) }.to_owned())
}

/// The path of the slave device of the pty master `master`. macOS's
/// `ptsname` returns a static buffer another thread may overwrite, so
/// the name is asked of the kernel directly with `TIOCPTYGNAME` (which
/// `ptsname` itself uses), into a buffer of the 128 bytes it writes.
#[cfg(target_os = "macos")]
fn slave_name(master: libc::c_int) -> io::Result<CString> {
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: TIOCPTYGNAME writes a NUL-terminated name of at most 128
    // bytes (the size encoded in the request) into `name`.
    check(unsafe {
        libc::ioctl(
            master,
            libc::c_ulong::from(libc::TIOCPTYGNAME),
            name.as_mut_ptr(),
        )
    })
    .map_err(|e| context(e, "TIOCPTYGNAME"))?;
    // Never read past the buffer, even if the kernel's string filled it.
    name[name.len() - 1] = 0;
    // SAFETY: `name` ends in a NUL (set above).
    Ok(unsafe { CStr::from_ptr(name.as_ptr()) }.to_owned())
}

/// The window size of the terminal `fd`.
pub(crate) fn window_size(fd: BorrowedFd<'_>) -> io::Result<WindowSize> {
    // SAFETY: winsize is plain old data; all-zero is a valid value.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into `ws`, which outlives the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) })?;
    Ok(WindowSize {
        cols: ws.ws_col,
        rows: ws.ws_row,
    })
}

/// Sets the window size of the terminal `fd`; the kernel then sends
/// SIGWINCH to the terminal's foreground process group.
pub(crate) fn set_window_size(fd: BorrowedFd<'_>, size: WindowSize) -> io::Result<()> {
    let ws = libc::winsize {
        ws_row: size.rows,
        ws_col: size.cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize from `ws`, which outlives the call.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) })
        .map_err(|e| context(e, "TIOCSWINSZ"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_new_pty_remembers_its_window_size() {
        let pair = open_pty().unwrap();
        assert!(pair.slave_path.to_bytes().starts_with(b"/dev/"));
        let size = WindowSize {
            cols: 132,
            rows: 43,
        };
        set_window_size(pair.master.as_fd(), size).unwrap();
        assert_eq!(window_size(pair.master.as_fd()).unwrap(), size);
    }
}
