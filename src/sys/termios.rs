//! Terminal attributes: reading and setting termios, the `IUTF8` flag,
//! and raw mode with a guard that restores the saved settings.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use super::{check, context};

/// The input flag that makes character erase remove a whole UTF-8
/// character (`IUTF8`). FreeBSD's terminals have no such flag (erase
/// removes one byte there), so it is none.
#[cfg(not(target_os = "freebsd"))]
pub(crate) const UTF8_INPUT: libc::tcflag_t = libc::IUTF8;
#[cfg(target_os = "freebsd")]
pub(crate) const UTF8_INPUT: libc::tcflag_t = 0;

/// A snapshot of a terminal's attributes.
#[derive(Clone, Copy)]
pub(crate) struct Termios(libc::termios);

impl std::fmt::Debug for Termios {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Termios")
            .field("iflag", &self.0.c_iflag)
            .field("oflag", &self.0.c_oflag)
            .field("cflag", &self.0.c_cflag)
            .field("lflag", &self.0.c_lflag)
            .finish()
    }
}

impl Termios {
    /// Whether the kernel echoes typed characters (`ECHO`).
    pub(crate) fn echo(&self) -> bool {
        self.0.c_lflag & libc::ECHO != 0
    }

    /// Whether input is read a line at a time (`ICANON`).
    pub(crate) fn canonical(&self) -> bool {
        self.0.c_lflag & libc::ICANON != 0
    }

    #[cfg(test)]
    /// Sets or clears `ECHO` and `ICANON`.
    pub(crate) fn set_echo_and_canonical(&mut self, echo: bool, canonical: bool) {
        for (flag, on) in [(libc::ECHO, echo), (libc::ICANON, canonical)] {
            if on {
                self.0.c_lflag |= flag;
            } else {
                self.0.c_lflag &= !flag;
            }
        }
    }

    #[cfg(test)]
    /// Whether input is treated as UTF-8 for character erase.
    pub(crate) fn iutf8(&self) -> bool {
        self.0.c_iflag & UTF8_INPUT != 0
    }

    #[cfg(test)]
    /// Sets or clears `IUTF8`.
    pub(crate) fn set_iutf8(&mut self, on: bool) {
        if on {
            self.0.c_iflag |= UTF8_INPUT;
        } else {
            self.0.c_iflag &= !UTF8_INPUT;
        }
    }

    /// These attributes in raw mode (as `cfmakeraw`), keeping `IUTF8`
    /// and with output flow control (`IXON`) off.
    pub fn raw(&self) -> Termios {
        let mut t = self.0;
        t.c_iflag &= !(libc::IGNBRK
            | libc::BRKINT
            | libc::PARMRK
            | libc::ISTRIP
            | libc::INLCR
            | libc::IGNCR
            | libc::ICRNL
            | libc::IXON);
        t.c_iflag |= UTF8_INPUT;
        t.c_oflag &= !libc::OPOST;
        t.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::ISIG | libc::IEXTEN);
        t.c_cflag &= !(libc::CSIZE | libc::PARENB);
        t.c_cflag |= libc::CS8;
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        Termios(t)
    }
}

/// Reads the attributes of terminal `fd`.
pub(crate) fn get_attributes(fd: BorrowedFd<'_>) -> io::Result<Termios> {
    // SAFETY: termios is plain old data; tcgetattr fills it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` outlives the call; the descriptor is kept open by the borrow.
    check(unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut t) })
        .map_err(|e| context(e, "tcgetattr"))?;
    Ok(Termios(t))
}

/// Applies `attributes` to terminal `fd` now.
pub(crate) fn set_attributes(fd: BorrowedFd<'_>, attributes: &Termios) -> io::Result<()> {
    set_raw_fd(fd.as_raw_fd(), attributes)
}

fn set_raw_fd(fd: RawFd, attributes: &Termios) -> io::Result<()> {
    // SAFETY: tcsetattr reads one termios that outlives the call.
    check(unsafe { libc::tcsetattr(fd, libc::TCSANOW, &attributes.0) })
        .map_err(|e| context(e, "tcsetattr"))?;
    Ok(())
}

/// Puts a terminal in raw mode until the guard is dropped (or
/// `restore` is called), then puts the saved attributes back.
#[derive(Debug)]
pub(crate) struct RawModeGuard {
    fd: RawFd,
    saved: Termios,
    restored: bool,
}

impl RawModeGuard {
    /// Saves the attributes of `fd` and switches it to raw mode. The
    /// descriptor must stay open for as long as the guard lives.
    pub fn enter(fd: BorrowedFd<'_>) -> io::Result<RawModeGuard> {
        let saved = get_attributes(fd)?;
        set_attributes(fd, &saved.raw())?;
        Ok(RawModeGuard {
            fd: fd.as_raw_fd(),
            saved,
            restored: false,
        })
    }

    /// The attributes saved on entry.
    pub(crate) fn saved(&self) -> &Termios {
        &self.saved
    }

    /// Restores the saved attributes now.
    pub fn restore(&mut self) -> io::Result<()> {
        self.restored = true;
        set_raw_fd(self.fd, &self.saved)
    }

    /// Switches back to raw mode after `restore` (e.g. after SIGCONT).
    pub(crate) fn reenter(&mut self) -> io::Result<()> {
        self.restored = false;
        set_raw_fd(self.fd, &self.saved.raw())
    }
}

impl Drop for RawModeGuard {
    fn drop(&mut self) {
        if !self.restored {
            let _ = set_raw_fd(self.fd, &self.saved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::pty::open_pty;
    use std::os::fd::AsFd;
    use std::os::unix::fs::OpenOptionsExt;

    #[test]
    fn raw_mode_is_entered_and_restored() {
        let pair = open_pty().unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(std::ffi::OsStr::new(pair.slave_path.to_str().unwrap()))
            .unwrap();
        let before = get_attributes(slave.as_fd()).unwrap();
        assert!(before.echo() && before.canonical());
        {
            let guard = RawModeGuard::enter(slave.as_fd()).unwrap();
            let now = get_attributes(slave.as_fd()).unwrap();
            assert!(!now.echo() && !now.canonical());
            assert!(now.iutf8());
            assert!(guard.saved().echo());
        }
        let after = get_attributes(slave.as_fd()).unwrap();
        assert!(after.echo() && after.canonical());
        let mut t = after;
        t.set_iutf8(true);
        set_attributes(slave.as_fd(), &t).unwrap();
        assert!(get_attributes(slave.as_fd()).unwrap().iutf8());
    }
}
