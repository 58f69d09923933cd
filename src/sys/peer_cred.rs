//! The credentials of the process at the other end of a Unix stream
//! socket (`SO_PEERCRED` on Linux, `getpeereid` on macOS and the BSDs),
//! and a liveness check for process ids.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use super::check;

/// The user id of the process that connected `fd` (a Unix stream socket).
#[cfg(target_os = "linux")]
pub(crate) fn peer_uid(fd: BorrowedFd<'_>) -> io::Result<u32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a live, writable ucred and `len` holds its exact size;
    // the kernel writes at most `len` bytes into it.
    check(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    })?;
    Ok(cred.uid)
}

/// The effective user id of the process that connected `fd` (a Unix
/// stream socket), as the kernel recorded it at `connect`.
#[cfg(not(target_os = "linux"))]
pub(crate) fn peer_uid(fd: BorrowedFd<'_>) -> io::Result<u32> {
    let mut uid: libc::uid_t = libc::uid_t::MAX;
    let mut gid: libc::gid_t = libc::gid_t::MAX;
    // SAFETY: getpeereid writes one uid and one gid into live locals.
    check(unsafe { libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) })?;
    Ok(uid)
}

/// Whether a process with this id exists (it may belong to another user).
pub(crate) fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for existence; it sends nothing.
    let ret = unsafe { libc::kill(pid, 0) };
    ret == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn the_peer_of_a_socket_pair_is_this_user() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_eq!(
            peer_uid(a.as_fd()).unwrap(),
            crate::sys::process::current_uid()
        );
    }

    #[test]
    fn this_process_exists_and_a_reaped_child_does_not() {
        assert!(process_exists(std::process::id() as i32));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        child.wait().unwrap();
        assert!(!process_exists(pid));
        assert!(!process_exists(0));
    }
}
