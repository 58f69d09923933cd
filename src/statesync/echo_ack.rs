//! The server's echo acknowledgement: the newest user-state number whose
//! keystrokes reached the program at least 50 ms ago. The client judges
//! its typing predictions against it.

use std::collections::VecDeque;

/// How long input must have been with the program before it is acked (ms).
pub(crate) const ECHO_TIMEOUT_MS: u64 = 50;

/// Most input frames remembered; older ones only delay the ack, so
/// dropping them is safe.
const MAX_HISTORY: usize = 1024;

/// Input frames delivered to the program and the ack derived from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EchoAck {
    /// `(user state number, when its input was delivered)`, oldest first.
    history: VecDeque<(u64, u64)>,
    acked: u64,
}

impl EchoAck {
    /// The current echo ack number.
    pub fn value(&self) -> u64 {
        self.acked
    }

    /// Sets the ack directly (the client side, from the server's message).
    pub(crate) fn set_value(&mut self, num: u64) {
        self.acked = num;
    }

    /// Records that the input of user state `num` reached the program at `now`.
    pub(crate) fn register_input(&mut self, num: u64, now: u64) {
        if self.history.len() >= MAX_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back((num, now));
    }

    /// Advances the ack to the newest input at least `ECHO_TIMEOUT_MS`
    /// old; returns whether it changed.
    pub(crate) fn update(&mut self, now: u64) -> bool {
        let newest = self
            .history
            .iter()
            .rev()
            .find(|(_, at)| at.saturating_add(ECHO_TIMEOUT_MS) <= now)
            .map(|(num, _)| *num);
        let Some(newest) = newest else {
            return false;
        };
        self.history.retain(|(num, _)| *num >= newest);
        let changed = newest != self.acked;
        self.acked = newest;
        changed
    }

    /// When `update` next has something to do, if ever.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.history
            .iter()
            .map(|(num, at)| (*num, at.saturating_add(ECHO_TIMEOUT_MS)))
            .find(|(num, _)| *num != self.acked)
            .map(|(_, due)| due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_follows_input_after_fifty_ms() {
        let mut e = EchoAck::default();
        e.register_input(3, 1000);
        e.register_input(5, 1030);
        assert!(!e.update(1049));
        assert_eq!(e.next_deadline(), Some(1050));
        assert!(e.update(1050));
        assert_eq!(e.value(), 3);
        assert_eq!(e.next_deadline(), Some(1080));
        assert!(!e.update(1079));
        assert!(e.update(1080));
        assert_eq!(e.value(), 5);
        assert_eq!(e.next_deadline(), None);
        assert!(!e.update(5000));
    }

    #[test]
    fn history_stays_bounded() {
        let mut e = EchoAck::default();
        for n in 0..10_000 {
            e.register_input(n, 0);
        }
        assert!(e.history.len() <= MAX_HISTORY);
        assert!(e.update(100));
        assert_eq!(e.value(), 9_999);
    }
}
