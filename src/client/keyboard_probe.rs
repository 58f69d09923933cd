//! Whether the user's terminal has the keyboard protocol (progressive
//! keyboard enhancement): the client asks for its flags (`CSI ? u`) and
//! for its primary device attributes (`CSI c`), which every terminal
//! answers. A terminal with the protocol answers `CSI ? flags u` before
//! the attributes; one without answers only the attributes. Both answers
//! are taken out of the input; what the user typed meanwhile is kept for
//! the session.

use std::io;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::tty::LocalTerminal;

/// The two questions, flags first.
pub(crate) const QUERY: &[u8] = b"\x1b[?u\x1b[c";

/// The longest wait for the answers: a terminal answers the attributes
/// within one round trip to it, so this only bounds a silent one.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Input longer than this while waiting ends the wait (a paste, not an
/// answer); what was read is kept as typed.
const MAX_PENDING: usize = 4096;

/// What the answers said so far.
#[derive(Debug, Default)]
pub(crate) struct ProbeAnswers {
    /// Input not yet sorted (may end in part of an answer).
    pending: Vec<u8>,
    /// Input that was no answer: the user's typing.
    typed: Vec<u8>,
    /// A flags answer arrived.
    supported: bool,
    /// The attributes answer arrived: nothing more to wait for.
    done: bool,
}

/// Where a `CSI ?` sequence ends in `bytes` (which start with it): the
/// index of its final byte, or `None` while it is incomplete; `Err` when
/// it is no answer (a byte a reply never holds).
fn reply_end(bytes: &[u8]) -> Result<Option<usize>, ()> {
    for (i, &byte) in bytes.iter().enumerate().skip(3) {
        match byte {
            b'0'..=b'9' | b';' => {}
            b'u' | b'c' => return Ok(Some(i)),
            _ => return Err(()),
        }
    }
    Ok(None)
}

impl ProbeAnswers {
    /// Takes bytes read from the terminal.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        while !self.done {
            let Some(start) = memchr::memmem::find(&self.pending, b"\x1b[?") else {
                // Keep a possible start of an answer for the next read.
                let keep = self.pending.len() - trailing_prefix(&self.pending);
                self.typed.extend(self.pending.drain(..keep));
                return;
            };
            self.typed.extend(self.pending.drain(..start));
            match reply_end(&self.pending) {
                Ok(Some(end)) => {
                    match self.pending.get(end) {
                        Some(b'u') => self.supported = true,
                        _ => self.done = true,
                    }
                    self.pending.drain(..=end);
                }
                Ok(None) if self.pending.len() < MAX_PENDING => return,
                _ => self.typed.extend(self.pending.drain(..3)),
            }
        }
        self.typed.append(&mut self.pending);
    }

    /// Whether the attributes answer arrived.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Whether the terminal has the protocol, and what the user typed.
    pub fn finish(mut self) -> (bool, Vec<u8>) {
        self.typed.append(&mut self.pending);
        (self.supported, self.typed)
    }
}

/// How many bytes at the end of `bytes` could begin `ESC [ ?`.
fn trailing_prefix(bytes: &[u8]) -> usize {
    match bytes {
        [.., 0x1b, b'['] => 2,
        [.., 0x1b] => 1,
        _ => 0,
    }
}

/// Asks the user's terminal and waits (at most [`PROBE_TIMEOUT`]) for
/// its answers: whether it has the protocol, and what the user typed
/// meanwhile.
pub(crate) fn probe(terminal: &mut LocalTerminal) -> io::Result<(bool, Vec<u8>)> {
    let mut poll = Poll::new()?;
    let fd = terminal.input_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)?;
    terminal.write(QUERY)?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let mut answers = ProbeAnswers::default();
    let mut events = Events::with_capacity(4);
    let mut buf = [0u8; 1024];
    while !answers.done() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match poll.poll(&mut events, Some(left)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if events.is_empty() {
            continue;
        }
        match terminal.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answers.feed(buf.get(..n).unwrap_or_default()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    poll.registry().deregister(&mut SourceFd(&fd))?;
    Ok(answers.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(reads: &[&[u8]]) -> (bool, bool, Vec<u8>) {
        let mut a = ProbeAnswers::default();
        for read in reads {
            a.feed(read);
        }
        let done = a.done();
        let (supported, typed) = a.finish();
        (done, supported, typed)
    }

    #[test]
    fn a_flags_answer_before_the_attributes_means_the_protocol() {
        assert_eq!(
            answers(&[b"\x1b[?0u\x1b[?62;22c"]),
            (true, true, Vec::new())
        );
    }

    #[test]
    fn only_the_attributes_means_no_protocol() {
        assert_eq!(answers(&[b"\x1b[?1;2c"]), (true, false, Vec::new()));
    }

    #[test]
    fn answers_split_across_reads_are_taken_out_and_typing_kept() {
        let reads: [&[u8]; 5] = [b"ls\x1b", b"[?", b"1u", b"\x1b[A\x1b[?6", b"2c -l"];
        assert_eq!(answers(&reads), (true, true, b"ls\x1b[A -l".to_vec()));
    }

    #[test]
    fn without_answers_everything_typed_is_kept() {
        assert_eq!(answers(&[b"a\x1b"]), (false, false, b"a\x1b".to_vec()));
        assert_eq!(answers(&[b"\x1b[?x"]), (false, false, b"\x1b[?x".to_vec()));
    }
}
