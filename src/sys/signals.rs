//! Signals delivered to an event loop through a self-pipe: the handler
//! writes the signal number into a non-blocking pipe whose read end the
//! loop polls (it implements `mio::event::Source`), so no work is done in
//! signal context.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

use super::fd::{pipe, set_nonblocking};
use super::{check, context};

/// The signals mosh-rs reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGHUP
    Hangup,
    /// SIGINT
    Interrupt,
    /// SIGTERM
    Terminate,
    /// SIGUSR1
    User1,
    /// SIGUSR2
    User2,
    /// SIGWINCH
    WindowChange,
    /// SIGPIPE
    Pipe,
    /// SIGCONT
    Continue,
    /// SIGTSTP
    TerminalStop,
}

impl Signal {
    /// The libc signal number.
    pub fn number(self) -> libc::c_int {
        match self {
            Signal::Hangup => libc::SIGHUP,
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::User1 => libc::SIGUSR1,
            Signal::User2 => libc::SIGUSR2,
            Signal::WindowChange => libc::SIGWINCH,
            Signal::Pipe => libc::SIGPIPE,
            Signal::Continue => libc::SIGCONT,
            Signal::TerminalStop => libc::SIGTSTP,
        }
    }
}

/// A set of signals received since the last look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SignalSet(u64);

impl SignalSet {
    /// Whether `signal` is in the set.
    pub fn contains(self, signal: Signal) -> bool {
        self.0 & bit(signal.number()) != 0
    }

    /// Whether the set is empty.
    #[cfg(test)]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn insert_number(&mut self, number: u8) {
        self.0 |= bit(libc::c_int::from(number));
    }
}

fn bit(number: libc::c_int) -> u64 {
    1u64.checked_shl(number as u32).unwrap_or(0)
}

/// Write end of the pipe the handler writes to; -1 when none is installed.
static PIPE_WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(number: libc::c_int) {
    let fd = PIPE_WRITE_FD.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    // SAFETY: errno is thread-local; it is saved and restored around write,
    // which is async-signal-safe and reads one byte from a stack value.
    unsafe {
        let errno = errno_location();
        let saved = *errno;
        let byte = number as u8;
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *errno = saved;
    }
}

/// Where this thread's `errno` lives. Async-signal-safe: it only
/// returns a thread-local address.
#[cfg(target_os = "linux")]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: __errno_location has no preconditions.
    unsafe { libc::__errno_location() }
}

/// Where this thread's `errno` lives (`__error` on macOS and FreeBSD).
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
fn errno_location() -> *mut libc::c_int {
    // SAFETY: __error has no preconditions.
    unsafe { libc::__error() }
}

/// The read end of the self-pipe, with handlers installed for a set of
/// signals. One per process; dropping it makes the handlers inert.
#[derive(Debug)]
pub(crate) struct SignalPipe {
    read: OwnedFd,
    _write: OwnedFd,
}

impl SignalPipe {
    /// Installs handlers for `signals` that report them through a new pipe.
    pub fn install(signals: &[Signal]) -> io::Result<SignalPipe> {
        let (read, write) = pipe()?;
        set_nonblocking(std::os::fd::AsFd::as_fd(&read), true)?;
        set_nonblocking(std::os::fd::AsFd::as_fd(&write), true)?;
        PIPE_WRITE_FD.store(write.as_raw_fd(), Ordering::SeqCst);
        for &signal in signals {
            set_disposition(signal, on_signal as *const () as libc::sighandler_t)?;
        }
        Ok(SignalPipe {
            read,
            _write: write,
        })
    }

    /// Takes every signal that arrived since the last call.
    pub fn take(&self) -> SignalSet {
        let mut set = SignalSet::default();
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: read into a buffer of the stated length that outlives the call.
            let n =
                unsafe { libc::read(self.read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            for &number in buf.iter().take(n as usize) {
                set.insert_number(number);
            }
        }
        set
    }

    fn raw(&self) -> RawFd {
        self.read.as_raw_fd()
    }
}

impl Drop for SignalPipe {
    fn drop(&mut self) {
        PIPE_WRITE_FD.store(-1, Ordering::SeqCst);
    }
}

impl mio::event::Source for SignalPipe {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.raw()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.raw()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.raw()).deregister(registry)
    }
}

/// Makes the process ignore `signal`.
pub(crate) fn ignore(signal: Signal) -> io::Result<()> {
    set_disposition(signal, libc::SIG_IGN)
}

fn set_disposition(signal: Signal, handler: libc::sighandler_t) -> io::Result<()> {
    // SAFETY: sigaction is plain old data; all-zero is a valid start.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: sa_mask is part of `action`, which we own; sigfillset blocks
    // other signals while the handler runs.
    unsafe { libc::sigfillset(&mut action.sa_mask) };
    // SAFETY: `action` outlives the call; the handler is either a libc
    // constant or `on_signal`, which is async-signal-safe.
    check(unsafe { libc::sigaction(signal.number(), &action, std::ptr::null_mut()) })
        .map_err(|e| context(e, "sigaction"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn raised_signals_arrive_through_the_pipe() {
        let pipe = SignalPipe::install(&[Signal::User1, Signal::WindowChange]).unwrap();
        assert!(pipe.take().is_empty());
        super::super::process::kill(super::super::process::current_pid(), libc::SIGUSR1).unwrap();
        super::super::process::kill(super::super::process::current_pid(), libc::SIGWINCH).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut seen = SignalSet::default();
        while Instant::now() < deadline
            && !(seen.contains(Signal::User1) && seen.contains(Signal::WindowChange))
        {
            seen.0 |= pipe.take().0;
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(seen.contains(Signal::User1));
        assert!(seen.contains(Signal::WindowChange));
        assert!(!seen.contains(Signal::Terminate));
        ignore(Signal::User1).unwrap();
    }
}
