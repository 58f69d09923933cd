//! Summaries of the datagrams a transport sent and received, for
//! diagnostics (`MOSH_LOG`): numbers and sizes only, never contents.
//! Off by default; when on, a bounded queue the caller drains.

use std::collections::VecDeque;

/// Summaries kept before the oldest is dropped (the caller drains them
/// every turn, so this is only reached if it stops).
const MAX_QUEUED: usize = 1024;

/// Which way a datagram went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameDirection {
    /// We sent it.
    Sent,
    /// It arrived and was authentic.
    Received,
}

/// The instruction numbers a complete datagram carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameNumbers {
    /// The state the diff applies to.
    pub old_num: u64,
    /// The state it produces (`u64::MAX`: shutting down).
    pub new_num: u64,
    /// The newest state the sender had received.
    pub ack_num: u64,
    /// The receiver may forget states older than this.
    pub throwaway_num: u64,
    /// Bytes of the (compressed-away) diff.
    pub diff_len: usize,
}

/// One datagram, summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameRecord {
    /// Sent or received.
    pub direction: FrameDirection,
    /// Size of the UDP payload in bytes.
    pub datagram_len: usize,
    /// The fragment's instruction id.
    pub fragment_id: u64,
    /// The fragment's position in its instruction.
    pub fragment_num: u16,
    /// Whether it was the instruction's last fragment.
    pub is_final: bool,
    /// The instruction's numbers: on every sent fragment, and on a
    /// received one that completed its instruction.
    pub numbers: Option<FrameNumbers>,
}

/// The queue of summaries, empty and free while off.
#[derive(Debug, Default)]
pub(crate) struct FrameRecords {
    enabled: bool,
    queue: VecDeque<FrameRecord>,
}

impl FrameRecords {
    pub(crate) fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        if !on {
            self.queue.clear();
        }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn push(&mut self, record: FrameRecord) {
        if !self.enabled {
            return;
        }
        if self.queue.len() >= MAX_QUEUED {
            self.queue.pop_front();
        }
        self.queue.push_back(record);
    }

    pub(crate) fn pop(&mut self) -> Option<FrameRecord> {
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> FrameRecord {
        FrameRecord {
            direction: FrameDirection::Sent,
            datagram_len: 10,
            fragment_id: id,
            fragment_num: 0,
            is_final: true,
            numbers: None,
        }
    }

    #[test]
    fn nothing_is_kept_while_off_and_the_queue_is_bounded_while_on() {
        let mut r = FrameRecords::default();
        r.push(record(1));
        assert_eq!(r.pop(), None);
        r.set_enabled(true);
        for id in 0..(MAX_QUEUED as u64 + 5) {
            r.push(record(id));
        }
        assert_eq!(r.pop().map(|f| f.fragment_id), Some(5));
    }
}
