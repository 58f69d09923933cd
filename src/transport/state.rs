//! What a synchronized state must offer the transport, and the numbered,
//! timestamped copies of it that sender and receiver keep.
//!
//! mosh synchronizes two kinds of state: the user's input stream (an
//! append-only list of keystrokes and resizes) and the complete terminal
//! (a screen that is replaced wholesale). The transport treats both alike
//! through [`SyncState`]: it asks for the difference between two states,
//! applies a difference it received, and trims a prefix both ends already
//! agree on.

use super::time::Millis;
use crate::wire::WireError;

/// A state that the transport can keep in sync with a peer.
///
/// The sender keeps copies of the states it sent (numbered 1, 2, ...) and
/// sends `newest.diff_from(state_the_receiver_has)`; the receiver applies
/// that diff to its copy of the same older state. Copies are taken often,
/// so `clone` must be cheap (share what has not changed).
pub trait SyncState: Clone + PartialEq {
    /// The bytes that turn `existing` into `self`, for [`apply_diff`] on
    /// the peer. `existing` is always a state this one evolved from (an
    /// earlier value of the same stream, trimmed by the same
    /// [`subtract`] calls). Equal states must give an empty diff.
    ///
    /// [`apply_diff`]: SyncState::apply_diff
    /// [`subtract`]: SyncState::subtract
    fn diff_from(&self, existing: &Self) -> Vec<u8>;

    /// Applies a diff made by the peer's [`diff_from`] against the state
    /// `self` now equals. The bytes come from the network (authenticated,
    /// but possibly from a buggy peer): malformed input must return `Err`,
    /// never panic, and must not grow memory without bound. On `Err` the
    /// transport discards `self`, so it may be left half-applied.
    ///
    /// [`diff_from`]: SyncState::diff_from
    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError>;

    /// Forgets the part of `self` that it shares with `prefix`, an earlier
    /// state of the same stream that both ends now hold, so that an
    /// append-only stream does not grow forever. The sender calls it on
    /// its current state and every kept sent state each time the peer
    /// acknowledges a newer state (with a copy of that state as `prefix`,
    /// so that state itself becomes empty); the receiver does the same
    /// with its oldest kept state on each
    /// [`take_remote_diff`](super::Transport::take_remote_diff). A prefix
    /// that was already trimmed to nothing must change nothing. States
    /// that are replaced wholesale (a screen) implement it as a no-op.
    ///
    /// After `s.subtract(&p)` for every kept `s`, `diff_from` between
    /// any two of them must give the same bytes as before.
    fn subtract(&mut self, prefix: &Self);

    /// Whether the state holds back content it may still take in (the
    /// server's scrollback, published a step per frame): the sender then
    /// plans a send even when nothing else changed.
    fn has_unpublished(&self) -> bool {
        false
    }

    /// Takes in the next step of held-back content, just before the
    /// sender compares the state with what it sent and diffs it.
    fn publish(&mut self) {}

    /// Roughly how much memory the state holds (bytes), counting parts it
    /// shares with other states in full. The receiver bounds the sum over
    /// the states it holds, so a peer cannot make it hold thousands of
    /// large ones. States that stay small may keep the default, 0.
    fn memory_bytes(&self) -> usize {
        0
    }
}

/// A state with the number the protocol gave it and the time (ms) it was
/// last sent or received.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NumberedState<S> {
    /// The state number: 0 for the initial state, then increasing;
    /// `u64::MAX` marks the shutdown state.
    pub num: u64,
    /// When this state was last sent (sender) or was received (receiver),
    /// in the caller's `now` milliseconds.
    pub timestamp: Millis,
    /// The state itself.
    pub state: S,
}

impl<S> NumberedState<S> {
    /// Bundles a state with its number and time.
    pub fn new(num: u64, timestamp: Millis, state: S) -> Self {
        NumberedState {
            num,
            timestamp,
            state,
        }
    }
}
