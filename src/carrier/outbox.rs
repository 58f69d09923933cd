//! Frames waiting to be written to the carrier's stream. A stream that
//! cannot keep up (a slow link under ssh) must not hold seconds of stale
//! screens, or Ctrl-C in a flood would take seconds to show: past a byte
//! limit the oldest droppable frames (the server's screen updates, which
//! newer ones supersede) are dropped whole, as a congested UDP path would
//! drop them. Frames that are not droppable (the client's, which carry
//! typing) are never dropped; a frame already partly written is always
//! finished, so the stream stays in step.

use std::collections::VecDeque;
use std::io::{self, Write};

use super::framing::encode;

/// One frame and how much of it was written.
#[derive(Debug)]
struct Frame {
    bytes: Vec<u8>,
    droppable: bool,
}

/// The frames queued for a stream.
#[derive(Debug)]
pub struct Outbox {
    frames: VecDeque<Frame>,
    /// Bytes of the front frame already written.
    written: usize,
    /// Bytes queued, counting the front frame whole.
    queued: usize,
    limit: usize,
    dropped: u64,
}

impl Outbox {
    /// An empty outbox that sheds droppable frames past `limit` bytes.
    pub fn new(limit: usize) -> Outbox {
        Outbox {
            frames: VecDeque::new(),
            written: 0,
            queued: 0,
            limit,
            dropped: 0,
        }
    }

    /// Queues `datagram`; false when it is too long to frame.
    pub fn push(&mut self, datagram: &[u8], droppable: bool) -> bool {
        let mut bytes = Vec::with_capacity(datagram.len() + 2);
        if !encode(datagram, &mut bytes) {
            return false;
        }
        self.queued += bytes.len();
        self.frames.push_back(Frame { bytes, droppable });
        self.shed();
        true
    }

    /// Drops the oldest droppable frames not yet started while over the
    /// limit, keeping the newest frame.
    fn shed(&mut self) {
        let mut index = usize::from(self.written > 0);
        while self.queued > self.limit && index + 1 < self.frames.len() {
            if self.frames.get(index).is_some_and(|f| f.droppable) {
                if let Some(frame) = self.frames.remove(index) {
                    self.queued -= frame.bytes.len();
                    self.dropped += 1;
                }
            } else {
                index += 1;
            }
        }
    }

    /// The bytes to write next (the rest of the front frame).
    pub fn next_bytes(&self) -> Option<&[u8]> {
        self.frames
            .front()
            .and_then(|f| f.bytes.get(self.written..))
    }

    /// Records that `n` bytes of [`Outbox::next_bytes`] were written.
    pub fn consume(&mut self, n: usize) {
        self.written += n;
        let finished = self
            .frames
            .front()
            .is_some_and(|f| self.written >= f.bytes.len());
        if finished {
            if let Some(frame) = self.frames.pop_front() {
                self.queued -= frame.bytes.len();
            }
            self.written = 0;
        }
    }

    /// Writes queued frames to `out` until it would block (a non-blocking
    /// pipe) or the queue is empty.
    pub fn write_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        while let Some(bytes) = self.next_bytes() {
            match out.write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.consume(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether nothing waits to be written.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// How many frames were dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::framing::FrameReader;

    /// Writes everything out in pieces of `piece` bytes after `stream`
    /// and reads the datagrams back.
    fn drain_after(mut stream: Vec<u8>, outbox: &mut Outbox, piece: usize) -> Vec<Vec<u8>> {
        while let Some(bytes) = outbox.next_bytes() {
            let n = bytes.len().min(piece);
            stream.extend_from_slice(&bytes[..n]);
            outbox.consume(n);
        }
        let mut got = Vec::new();
        FrameReader::new().feed(&stream, |d| got.push(d.to_vec()));
        got
    }

    fn drain(outbox: &mut Outbox, piece: usize) -> Vec<Vec<u8>> {
        drain_after(Vec::new(), outbox, piece)
    }

    #[test]
    fn frames_go_out_in_order_under_the_limit() {
        let mut o = Outbox::new(1000);
        for d in [&b"one"[..], b"two", b"three"] {
            assert!(o.push(d, true));
        }
        assert_eq!(
            drain(&mut o, 2),
            [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
        assert!(o.is_empty());
        assert_eq!(o.dropped(), 0);
    }

    #[test]
    fn past_the_limit_old_screens_go_and_typing_stays() {
        let mut o = Outbox::new(100);
        o.push(&[b'k'; 30], false);
        for n in 0..10u8 {
            o.push(&[n; 30], true);
        }
        let got = drain(&mut o, 1000);
        assert_eq!(
            got.first(),
            Some(&vec![b'k'; 30]),
            "typing is never dropped"
        );
        assert_eq!(
            got.last(),
            Some(&vec![9u8; 30]),
            "the newest screen is kept"
        );
        assert!(got.len() <= 4, "{} frames", got.len());
        assert_eq!(o.dropped(), 11 - got.len() as u64);
    }

    #[test]
    fn a_frame_being_written_is_finished() {
        let mut o = Outbox::new(40);
        o.push(&[1; 30], true);
        let half = o.next_bytes().unwrap().len() / 2;
        let started = o.next_bytes().unwrap()[..half].to_vec();
        o.consume(half);
        for n in 2..6u8 {
            o.push(&[n; 30], true);
        }
        let got = drain_after(started, &mut o, 1000);
        // The half-written frame cannot be recalled: its rest comes first.
        assert_eq!(got.first(), Some(&vec![1u8; 30]));
        assert_eq!(got.last(), Some(&vec![5u8; 30]));
    }
}
