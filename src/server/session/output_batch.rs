//! Holding a flood's output back for a moment. The emulator's flood
//! skipper jumps over lines that would leave the screen unseen (with a
//! history log, only over those the log would drop again), but only
//! within what it is fed at once: fed a pty read (a few kilobytes) at a
//! time, it must draw the screen of every read, and with a log keep and
//! encode every line. Fed the output of one frame interval at once, it
//! draws one screen and keeps only the log's worth of each batch.
//!
//! Only large reads start a batch (a flood fills the pty's buffer; typing
//! and its echo never do), and a batch is fed after [`HOLD_MS`] or once
//! it holds [`BATCH_LIMIT`] bytes, so interactive output is never held
//! and a flood's newest screen is at most one frame late.

use crate::transport::Millis;

/// A read at least this long means the program writes faster than it is
/// read.
const LARGE_READ: usize = 2048;
/// How long a batch waits for more output (ms): the shortest frame
/// interval.
const HOLD_MS: u64 = 20;
/// The most a batch holds before it is fed.
const BATCH_LIMIT: usize = 1 << 20;

/// Output read from the pty and not yet given to the emulator.
#[derive(Debug, Default)]
pub(super) struct OutputBatch {
    held: Vec<u8>,
    due: Option<Millis>,
}

impl OutputBatch {
    /// Whether a read of `len` bytes goes into the batch: one is open (the
    /// order of output is kept), or the read is large.
    pub(super) fn takes(&self, len: usize) -> bool {
        !self.held.is_empty() || len >= LARGE_READ
    }

    /// Adds a read to the batch.
    pub(super) fn hold(&mut self, bytes: &[u8], now: Millis) {
        self.held.extend_from_slice(bytes);
        self.due.get_or_insert(now.saturating_add(HOLD_MS));
    }

    /// Whether the batch must be fed now: it is full, or has waited long
    /// enough.
    pub(super) fn ready(&self, now: Millis) -> bool {
        self.held.len() >= BATCH_LIMIT || self.due.is_some_and(|due| now >= due)
    }

    /// When the batch must be fed by, if one is open.
    pub(super) fn due(&self) -> Option<Millis> {
        self.due
    }

    /// Empties the batch, handing its bytes to `feed`.
    pub(super) fn feed_with(&mut self, feed: impl FnOnce(&[u8])) {
        if self.held.is_empty() {
            return;
        }
        feed(&self.held);
        self.held.clear();
        if self.held.capacity() > BATCH_LIMIT {
            self.held.shrink_to(BATCH_LIMIT);
        }
        self.due = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_reads_are_never_held() {
        let batch = OutputBatch::default();
        assert!(!batch.takes(10), "typing's echo");
        assert!(batch.takes(4096));
    }

    #[test]
    fn a_batch_keeps_order_and_is_fed_when_due_or_full() {
        let mut batch = OutputBatch::default();
        batch.hold(&[b'a'; LARGE_READ], Millis(100));
        assert!(batch.takes(1), "a small read after it joins it");
        batch.hold(b"b", Millis(105));
        assert!(!batch.ready(Millis(119)));
        assert!(batch.ready(Millis(100 + HOLD_MS)));
        let mut fed = Vec::new();
        batch.feed_with(|bytes| fed.extend_from_slice(bytes));
        assert_eq!(fed.len(), LARGE_READ + 1);
        assert_eq!(fed.last(), Some(&b'b'));
        assert_eq!(batch.due(), None);
        assert!(!batch.takes(1));

        batch.hold(&vec![b'c'; BATCH_LIMIT], Millis(200));
        assert!(batch.ready(Millis(200)), "full");
    }
}
