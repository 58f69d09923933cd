//! How much protocol state an endpoint holds right now: our sent states
//! kept until the peer acknowledges them, the peer's states kept as bases
//! for its diffs, and the bytes of a partly received instruction. Each is
//! bounded; the figures are logged so a long session can show they stay
//! flat (the client's `SIGUSR1` line, the server's `SIGUSR2` line).

use std::fmt;

use crate::transport::{SyncState, Transport};

/// The held-state counts of one transport.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HeldState {
    /// Our states not yet known to be superseded at the peer.
    pub sent_states: usize,
    /// The peer's states kept as diff bases.
    pub received_states: usize,
    /// Bytes of a partly received instruction.
    pub reassembly_bytes: usize,
}

impl HeldState {
    /// The counts of `transport` now.
    pub fn of<L: SyncState, R: SyncState>(transport: &Transport<L, R>) -> HeldState {
        HeldState {
            sent_states: transport.sent_states_held(),
            received_states: transport.received_states_held(),
            reassembly_bytes: transport.reassembly_bytes_held(),
        }
    }
}

impl fmt::Display for HeldState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "held sent states {} received states {} reassembly bytes {}",
            self.sent_states, self.received_states, self.reassembly_bytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_each_count() {
        let held = HeldState {
            sent_states: 3,
            received_states: 2,
            reassembly_bytes: 1400,
        };
        assert_eq!(
            held.to_string(),
            "held sent states 3 received states 2 reassembly bytes 1400"
        );
    }
}
