//! The client's end of the ssh carrier: a child process (ssh running
//! `mosh-server relay -p PORT` on the remote) whose standard input and
//! output carry the session's datagrams as frames. The child's pipes are
//! non-blocking, so the event loop polls them beside the UDP sockets;
//! what ssh writes on its standard error is kept (the last few lines) to
//! explain a carrier that could not be opened.

use std::ffi::OsString;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::carrier::framing::FrameReader;
use crate::carrier::outbox::Outbox;
use crate::sys::fd::set_nonblocking;

/// Bytes of datagrams allowed to wait for ssh. The client's datagrams
/// carry typing and are never dropped, so this only bounds memory if ssh
/// stops reading altogether (then the carrier is given up).
const OUTBOX_LIMIT: usize = 1024 * 1024;

/// The most of ssh's standard error kept for messages.
const MAX_STDERR: usize = 4096;

/// How long an ended carrier's ssh is given to exit by itself.
const LAST_WORDS_WAIT: Duration = Duration::from_millis(300);

/// A running carrier.
#[derive(Debug)]
pub struct SshCarrier {
    child: Child,
    to_relay: ChildStdin,
    from_relay: ChildStdout,
    errors: ChildStderr,
    stderr_text: Vec<u8>,
    reader: FrameReader,
    outbox: Outbox,
}

impl SshCarrier {
    /// Starts `argv` (the ssh command, ending with the remote relay
    /// command) with its three standard streams piped.
    pub fn spawn(argv: &[OsString]) -> io::Result<SshCarrier> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::other("no carrier command"))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (Some(to_relay), Some(from_relay), Some(errors)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(io::Error::other("carrier pipes missing"));
        };
        set_nonblocking(to_relay.as_fd(), true)?;
        set_nonblocking(from_relay.as_fd(), true)?;
        set_nonblocking(errors.as_fd(), true)?;
        Ok(SshCarrier {
            child,
            to_relay,
            from_relay,
            errors,
            stderr_text: Vec::new(),
            reader: FrameReader::new(),
            outbox: Outbox::new(OUTBOX_LIMIT),
        })
    }

    /// The descriptors to poll: datagrams in, ssh's messages, and (while
    /// something waits to be written) datagrams out.
    pub fn readable_fds(&self) -> [RawFd; 2] {
        [self.from_relay.as_raw_fd(), self.errors.as_raw_fd()]
    }

    /// The descriptor written to.
    pub fn writable_fd(&self) -> RawFd {
        self.to_relay.as_raw_fd()
    }

    /// Queues `datagram` for the relay and writes what ssh takes now.
    pub fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        if !self.outbox.push(datagram, false) {
            return Err(io::Error::other("datagram too long for the carrier"));
        }
        self.flush()
    }

    /// Writes queued frames until ssh would block.
    pub fn flush(&mut self) -> io::Result<()> {
        self.outbox.write_to(&mut self.to_relay)
    }

    /// Whether datagrams wait for ssh to read them.
    #[cfg(test)]
    pub fn has_pending_output(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// Hands each datagram that arrived to `deliver`; false once the
    /// relay's output has ended (the carrier is gone).
    pub fn receive(&mut self, mut deliver: impl FnMut(&[u8])) -> io::Result<bool> {
        self.collect_stderr();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.from_relay.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => self
                    .reader
                    .feed(buf.get(..n).unwrap_or_default(), &mut deliver),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Keeps the tail of what ssh said on its standard error.
    fn collect_stderr(&mut self) {
        let mut buf = [0u8; 1024];
        while let Ok(n) = self.errors.read(&mut buf) {
            if n == 0 {
                break;
            }
            self.stderr_text
                .extend_from_slice(buf.get(..n).unwrap_or_default());
            let excess = self.stderr_text.len().saturating_sub(MAX_STDERR);
            self.stderr_text.drain(..excess);
        }
    }

    /// Ends the carrier and gives ssh's last words: ssh is given a moment
    /// to exit by itself (its output ended, so it is on its way) so that
    /// what it says last has been written.
    pub fn last_words(mut self) -> Option<String> {
        let deadline = Instant::now() + LAST_WORDS_WAIT;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Ok(Some(_)) | Err(_) => break,
            }
        }
        self.last_error_line()
    }

    /// The last line ssh wrote on its standard error, if any.
    pub fn last_error_line(&mut self) -> Option<String> {
        self.collect_stderr();
        let text = String::from_utf8_lossy(&self.stderr_text);
        text.lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_string)
    }
}

impl Drop for SshCarrier {
    /// Ends ssh (and with it the remote relay), by pid, and reaps it.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::framing::encode;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn receive_all(carrier: &mut SshCarrier, want: usize) -> (Vec<Vec<u8>>, bool) {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut alive = true;
        while got.len() < want && alive && Instant::now() < deadline {
            alive = carrier.receive(|d| got.push(d.to_vec())).unwrap();
            std::thread::sleep(Duration::from_millis(10));
        }
        (got, alive)
    }

    #[test]
    fn datagrams_make_the_round_trip_through_a_stand_in_relay() {
        // `cat` echoes frames back as a relay to a mirror would.
        let mut carrier = SshCarrier::spawn(&argv(&["cat"])).unwrap();
        let sent: Vec<Vec<u8>> = (0..50u8)
            .map(|n| vec![n; 100 + usize::from(n) * 20])
            .collect();
        for d in &sent {
            carrier.send(d).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while carrier.has_pending_output() && Instant::now() < deadline {
            carrier.flush().unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        let (got, alive) = receive_all(&mut carrier, sent.len());
        assert!(alive);
        assert_eq!(got, sent);
    }

    #[test]
    fn an_ended_carrier_says_so_with_its_last_words() {
        let mut frame = Vec::new();
        encode(b"bye", &mut frame);
        let script = "printf '\\000\\003bye'; echo 'Permission denied (publickey).' >&2";
        let mut carrier = SshCarrier::spawn(&argv(&["sh", "-c", script])).unwrap();
        let (got, alive) = receive_all(&mut carrier, 2);
        assert_eq!(got, [b"bye".to_vec()]);
        assert!(!alive, "the output ended");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut line = None;
        while line.is_none() && Instant::now() < deadline {
            line = carrier.last_error_line();
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(line.as_deref(), Some("Permission denied (publickey)."));
    }

    #[test]
    fn a_missing_program_is_an_error() {
        assert!(SshCarrier::spawn(&argv(&["/nonexistent/ssh"])).is_err());
        assert!(SshCarrier::spawn(&[]).is_err());
    }
}
