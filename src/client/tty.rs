//! The user's terminal while the client runs: raw mode, the strings that
//! set it up (alternate screen, cursor keys) and put it back, unbuffered
//! reads and writes, and the promise that it is restored on every way
//! out — a normal exit, a suspend, an error, or a panic.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

use super::capabilities::Capabilities;
use crate::sys::pty::{window_size, WindowSize};
use crate::sys::termios::{set_attributes, RawModeGuard, Termios};

/// Sent on entry after the alternate screen: cursor keys in application
/// mode (as upstream's client does).
const OPEN_TAIL: &[u8] = b"\x1b[?1h";
/// Sent on the way out before leaving the alternate screen: normal cursor
/// keys and keypad, plain rendition, a visible cursor of the default
/// shape, and every mouse, paste and focus mode a program may have
/// switched on through us.
const CLOSE_HEAD: &[u8] = b"\x1b[?1l\x1b[0m\x1b[?25h\x1b>\x1b[0 q\
\x1b[?1003l\x1b[?1002l\x1b[?1001l\x1b[?1000l\x1b[?1016l\x1b[?1015l\x1b[?1006l\x1b[?1005l\
\x1b[?2004l\x1b[?1004l\x1b[?5l";

/// Pushes flags 0 on the keyboard protocol's stack (a terminal that has
/// the protocol), so the session's changes land on an entry of its own.
const KEYBOARD_PUSH: &[u8] = b"\x1b[>0u";
/// Pops that entry: the flags from before the session are back.
const KEYBOARD_POP: &[u8] = b"\x1b[<u";

/// What the panic hook needs to put the terminal back.
struct Restore {
    saved: Termios,
    close: Vec<u8>,
    input: File,
    output: File,
}

/// Set while the terminal is in raw mode; read by the panic hook.
static RESTORE: Mutex<Option<Restore>> = Mutex::new(None);

/// Puts the terminal back from a panic hook: best effort, never blocks
/// on a lock held by the panicking code.
fn restore_from_panic() {
    let Ok(mut guard) = RESTORE.try_lock() else {
        return;
    };
    if let Some(mut restore) = guard.take() {
        let _ = restore.output.write_all(&restore.close);
        let _ = set_attributes(restore.input.as_fd(), &restore.saved);
    }
}

/// Installs (once) a panic hook that restores the terminal before the
/// panic message is printed.
fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_from_panic();
            previous(info);
        }));
    });
}

/// The local terminal in raw mode.
#[derive(Debug)]
pub(crate) struct LocalTerminal {
    raw: RawModeGuard,
    input: File,
    output: File,
    open: Vec<u8>,
    close: Vec<u8>,
    active: bool,
}

impl LocalTerminal {
    /// Switches standard input to raw mode and sends the set-up string
    /// to standard output. Fails (with the terminal untouched) when
    /// standard input is not a terminal.
    pub fn enter(caps: &Capabilities) -> io::Result<LocalTerminal> {
        let input = File::from(io::stdin().as_fd().try_clone_to_owned()?);
        let output = File::from(io::stdout().as_fd().try_clone_to_owned()?);
        LocalTerminal::enter_on(input, output, caps)
    }

    /// As [`enter`](LocalTerminal::enter), on the terminal open as
    /// `input` (read, and switched to raw mode) and `output` (written).
    pub(crate) fn enter_on(
        input: File,
        output: File,
        caps: &Capabilities,
    ) -> io::Result<LocalTerminal> {
        let raw = RawModeGuard::enter(input.as_fd())?;
        let mut open = caps.enter_alternate.clone().unwrap_or_default();
        open.extend_from_slice(OPEN_TAIL);
        let mut close = CLOSE_HEAD.to_vec();
        close.extend(caps.leave_alternate.iter().flatten());
        let mut terminal = LocalTerminal {
            raw,
            input,
            output,
            open,
            close,
            active: true,
        };
        terminal.arm_panic_restore();
        install_panic_hook();
        let open = terminal.open.clone();
        terminal.write(&open)?;
        Ok(terminal)
    }

    fn arm_panic_restore(&self) {
        let (Ok(input), Ok(output)) = (self.input.try_clone(), self.output.try_clone()) else {
            return;
        };
        if let Ok(mut slot) = RESTORE.lock() {
            *slot = Some(Restore {
                saved: *self.raw.saved(),
                close: self.close.clone(),
                input,
                output,
            });
        }
    }

    fn disarm_panic_restore() {
        if let Ok(mut slot) = RESTORE.lock() {
            *slot = None;
        }
    }

    /// From now on the keyboard protocol's flags may change on the user's
    /// terminal: an entry of 0 is pushed on its stack now and after every
    /// resume, and popped again before every way out, so the terminal gets
    /// back the flags it had, whatever the session set.
    pub(crate) fn use_keyboard_protocol(&mut self) -> io::Result<()> {
        self.open.extend_from_slice(KEYBOARD_PUSH);
        self.close.splice(0..0, KEYBOARD_POP.iter().copied());
        self.arm_panic_restore();
        self.write(KEYBOARD_PUSH)
    }

    /// The descriptor to poll for typed input.
    pub(crate) fn input_fd(&self) -> RawFd {
        self.input.as_raw_fd()
    }

    /// The window size, in cells (at least 1x1).
    pub fn size(&self) -> io::Result<WindowSize> {
        let size = window_size(self.input.as_fd())?;
        Ok(WindowSize {
            cols: size.cols.max(1),
            rows: size.rows.max(1),
        })
    }

    /// Reads what was typed (one read; `Ok(0)` is end of input).
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }

    /// Writes all of `bytes`, waiting out a full or non-blocking terminal.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.output.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Puts the terminal back as it was (for a suspend); [`resume`]
    /// switches to raw mode again.
    ///
    /// [`resume`]: LocalTerminal::resume
    pub fn suspend(&mut self) -> io::Result<()> {
        if !self.active {
            return Ok(());
        }
        let close = self.close.clone();
        let written = self.write(&close);
        Self::disarm_panic_restore();
        self.active = false;
        self.raw.restore()?;
        written
    }

    /// Replaces what the set-up string starts with (the capabilities'
    /// `enter_alternate`) for the next [`resume`](LocalTerminal::resume).
    pub fn set_enter(&mut self, enter: &[u8]) {
        self.open = [enter, OPEN_TAIL].concat();
    }

    /// Raw mode and the set-up string again, after a suspend. Nothing
    /// when the terminal was not given back: a SIGCONT also comes after
    /// the client's own suspend, which resumed already, and a second
    /// set-up string would push the repainted screen into the scrollback.
    pub fn resume(&mut self) -> io::Result<()> {
        if self.active {
            return Ok(());
        }
        self.raw.reenter()?;
        self.active = true;
        self.arm_panic_restore();
        let open = self.open.clone();
        self.write(&open)
    }

    /// Writes the reset string and restores the saved attributes.
    pub fn leave(mut self) -> io::Result<()> {
        self.suspend()
    }
}

impl Drop for LocalTerminal {
    fn drop(&mut self) {
        if self.active {
            let _ = self.suspend();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::fd::set_nonblocking;
    use crate::sys::pty::open_pty;
    use crate::sys::termios::get_attributes;
    use std::os::unix::fs::OpenOptionsExt;

    fn caps() -> Capabilities {
        Capabilities::detect(&|name| match name {
            "TERM" => Some("xterm-no-such-entry".into()),
            _ => None,
        })
    }

    /// A pty: (master, slave opened for reading and writing).
    fn pty() -> (File, File) {
        let pair = open_pty().unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(std::ffi::OsStr::new(pair.slave_path.to_str().unwrap()))
            .unwrap();
        set_nonblocking(pair.master.as_fd(), true).unwrap();
        (File::from(pair.master), slave)
    }

    fn drain(master: &mut File) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn raw_on_entry_restored_by_leave_suspend_and_a_panic() {
        let (mut master, slave) = pty();
        let open = |slave: &File| {
            LocalTerminal::enter_on(
                slave.try_clone().unwrap(),
                slave.try_clone().unwrap(),
                &caps(),
            )
            .unwrap()
        };
        let cooked = |slave: &File| {
            let t = get_attributes(slave.as_fd()).unwrap();
            t.echo() && t.canonical()
        };

        let terminal = open(&slave);
        assert!(!cooked(&slave));
        assert!(contains(&drain(&mut master), b"\x1b[?1049h\x1b[?1h"));
        terminal.leave().unwrap();
        assert!(cooked(&slave));
        assert!(contains(&drain(&mut master), b"\x1b[?25h"));

        let mut terminal = open(&slave);
        terminal.suspend().unwrap();
        assert!(cooked(&slave));
        terminal.resume().unwrap();
        assert!(!cooked(&slave));
        assert!(contains(&drain(&mut master), b"\x1b[?1049h"));
        terminal.resume().unwrap();
        assert_eq!(drain(&mut master), b"", "a second resume writes nothing");

        let panicked = std::panic::catch_unwind(|| {
            let _terminal = &terminal;
            panic!("deliberate panic while the terminal is raw");
        });
        assert!(panicked.is_err());
        assert!(cooked(&slave), "the panic hook restored the terminal");
        let written = drain(&mut master);
        assert!(
            contains(&written, b"\x1b[?1l\x1b[0m\x1b[?25h"),
            "{written:?}"
        );
        assert!(contains(&written, b"\x1b[?1049l"), "{written:?}");
        drop(terminal);
    }

    #[test]
    fn the_keyboard_protocol_entry_is_popped_on_every_way_out() {
        let (mut master, slave) = pty();
        let mut terminal = LocalTerminal::enter_on(
            slave.try_clone().unwrap(),
            slave.try_clone().unwrap(),
            &caps(),
        )
        .unwrap();
        drain(&mut master);
        terminal.use_keyboard_protocol().unwrap();
        assert_eq!(drain(&mut master), KEYBOARD_PUSH);
        terminal.suspend().unwrap();
        let written = drain(&mut master);
        assert!(
            contains(&written, b"\x1b[<u\x1b[?1l") && contains(&written, b"\x1b[?1049l"),
            "popped before the alternate screen is left: {written:?}"
        );
        terminal.resume().unwrap();
        assert!(contains(
            &drain(&mut master),
            b"\x1b[?1049h\x1b[?1h\x1b[>0u"
        ));
        terminal.leave().unwrap();
        assert!(contains(&drain(&mut master), b"\x1b[<u"));
    }
}
