//! What a pty's line discipline is doing, read from the master side: the
//! echo and canonical-mode flags the program set on the slave, and which
//! program holds the terminal (the foreground process group's command
//! name). The server sends this to a mosh-rs client, whose predictions
//! then know whether typing is echoed and by whom.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

pub(crate) use super::process_info::command_name;
use super::termios::get_attributes;

/// The echo and canonical-mode flags of the terminal on `fd` (either
/// side of a pty: both share one termios).
pub(crate) fn echo_and_canonical(fd: BorrowedFd<'_>) -> io::Result<(bool, bool)> {
    let termios = get_attributes(fd)?;
    Ok((termios.echo(), termios.canonical()))
}

/// The foreground process group of the terminal on `fd`, if it has one.
pub(crate) fn foreground_group(fd: BorrowedFd<'_>) -> Option<i32> {
    // SAFETY: tcgetpgrp only reads the descriptor, which the borrow keeps
    // open; it returns -1 on error.
    let pgid = unsafe { libc::tcgetpgrp(fd.as_raw_fd()) };
    (pgid > 0).then_some(pgid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::pty::open_pty;
    use crate::sys::termios::set_attributes;
    use std::fs::File;
    use std::os::fd::AsFd;
    use std::os::unix::fs::OpenOptionsExt;

    fn open_slave(path: &std::ffi::CStr) -> File {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(path.to_str().expect("a path"))
            .expect("the slave opens")
    }

    #[test]
    fn flags_set_on_the_slave_are_read_on_the_master() {
        let pair = open_pty().expect("a pty");
        let slave = open_slave(&pair.slave_path);
        let mut attributes = get_attributes(slave.as_fd()).expect("attributes");
        attributes.set_echo_and_canonical(false, true);
        set_attributes(slave.as_fd(), &attributes).expect("set");
        assert_eq!(
            echo_and_canonical(pair.master.as_fd()).expect("read"),
            (false, true)
        );
        attributes.set_echo_and_canonical(true, false);
        set_attributes(slave.as_fd(), &attributes).expect("set");
        assert_eq!(
            echo_and_canonical(pair.master.as_fd()).expect("read"),
            (true, false)
        );
    }

    #[test]
    fn a_pty_nobody_took_as_controlling_terminal_has_no_foreground() {
        let pair = open_pty().expect("a pty");
        assert_eq!(foreground_group(pair.master.as_fd()), None);
    }
}
