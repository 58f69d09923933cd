//! The receiving half of SSP: the states received from the peer, kept in
//! number order so that any of them can serve as the base of the next
//! diff.
//!
//! An instruction says "apply this diff to your state `old_num` to get
//! state `new_num`". It is ignored when `new_num` is already held (a
//! duplicate or resend) or `old_num` is not (its base was thrown away or
//! never arrived); that is what makes resends harmless. The peer's
//! `throwaway_num` says which old states it will never diff from again.

use std::collections::VecDeque;

use super::state::{NumberedState, SyncState};
use super::time::Millis;
use crate::wire::WireError;

/// Above this many held states, new states are refused except one per
/// `QUENCH_INTERVAL`: the peer is not throwing states away, which
/// means it does not hear our acks (or misbehaves).
pub const SOFT_STATE_LIMIT: usize = 1024;
/// While over [`SOFT_STATE_LIMIT`], one new state is let in this often
/// (ms), so the screen still moves on a one-way link.
pub(crate) const QUENCH_INTERVAL: u64 = 15_000;
/// Never hold more states than this, whatever the timing.
pub const HARD_STATE_LIMIT: usize = 2 * SOFT_STATE_LIMIT;
/// Beyond this many held states, a new one is refused when the states'
/// memory ([`SyncState::memory_bytes`]) would pass [`MAX_HELD_BYTES`].
pub const STATES_HELD_REGARDLESS: usize = 4;
/// The most memory the held states may claim together, short of the
/// last [`STATES_HELD_REGARDLESS`]: at most a few dozen full screens of
/// the largest size, where thousands of them could take gigabytes.
pub const MAX_HELD_BYTES: usize = 256 << 20;

/// The fields of an instruction the receiver acts on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Incoming<'a> {
    /// The state the diff applies to.
    pub old_num: u64,
    /// The state it produces.
    pub new_num: u64,
    /// The peer discards its states older than this; so may we.
    pub throwaway_num: u64,
    /// The state-specific diff.
    pub diff: &'a [u8],
}

/// What became of an incoming instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// A state newer than all held ones: acknowledge it.
    Newest,
    /// A state older than the newest held one, slotted in place.
    OutOfOrder,
    /// `new_num` was already held.
    Duplicate,
    /// `old_num` is not held, so the diff cannot be applied.
    UnknownBase,
    /// Too many states held; the instruction was dropped.
    Full,
}

/// The states received from the peer, oldest first.
#[derive(Debug)]
pub(crate) struct Receiver<S: SyncState> {
    /// Never empty; sorted by `num`.
    states: VecDeque<NumberedState<S>>,
    /// While over the soft limit, no new state is accepted before this.
    quench_until: Millis,
    /// The sum of the held states' `memory_bytes`.
    held_bytes: usize,
    /// The state last handed out by [`take_diff`](Self::take_diff).
    last_taken: S,
}

impl<S: SyncState> Receiver<S> {
    /// A receiver holding the initial state (number 0) received at `now`.
    pub fn new(initial: S, now: Millis) -> Self {
        Receiver {
            last_taken: initial.clone(),
            held_bytes: initial.memory_bytes(),
            states: VecDeque::from([NumberedState::new(0, now, initial)]),
            quench_until: Millis::ZERO,
        }
    }

    /// The newest state received.
    pub fn latest(&self) -> &NumberedState<S> {
        self.states.back().expect("never empty") // ok: starts with one state; throw_away_before keeps one
    }

    /// How many received states are kept.
    pub(crate) fn states_held(&self) -> usize {
        self.states.len()
    }

    /// Applies one instruction from the peer at time `now`. An `Err` means
    /// the diff did not apply (malformed); nothing was stored.
    pub fn receive(&mut self, incoming: Incoming<'_>, now: Millis) -> Result<Received, WireError> {
        if self.states.iter().any(|s| s.num == incoming.new_num) {
            return Ok(Received::Duplicate);
        }
        let Some(base) = self.states.iter().find(|s| s.num == incoming.old_num) else {
            return Ok(Received::UnknownBase);
        };
        let mut state = base.state.clone();
        if !incoming.diff.is_empty() {
            state.apply_diff(incoming.diff)?;
        }

        self.throw_away_before(incoming.throwaway_num);
        let bytes = state.memory_bytes();
        if !self.has_room(now, bytes) {
            return Ok(Received::Full);
        }

        self.held_bytes = self.held_bytes.saturating_add(bytes);
        let new = NumberedState::new(incoming.new_num, now, state);
        match self.states.iter().position(|s| s.num > new.num) {
            Some(index) => {
                self.states.insert(index, new);
                Ok(Received::OutOfOrder)
            }
            None => {
                self.states.push_back(new);
                Ok(Received::Newest)
            }
        }
    }

    /// The diff from the state last taken to the newest one, for callers
    /// that consume the peer's state as a stream of changes (the server
    /// reads user input this way). Then trims every held state by the
    /// oldest one so an append-only stream stays short.
    pub(crate) fn take_diff(&mut self) -> Vec<u8> {
        let diff = self.latest().state.diff_from(&self.last_taken);
        if let Some(oldest) = self.states.front() {
            let prefix = oldest.state.clone();
            for held in self.states.iter_mut() {
                held.state.subtract(&prefix);
            }
        }
        self.last_taken = self.latest().state.clone();
        diff
    }

    /// Drops states the peer will never diff from again. Keeps the newest
    /// held state even if the peer claims otherwise, so the list is never
    /// empty (the caller adds the new state next, or refuses it only when
    /// the list is long).
    fn throw_away_before(&mut self, throwaway_num: u64) {
        while self.states.len() > 1 && self.states.front().is_some_and(|s| s.num < throwaway_num) {
            if let Some(gone) = self.states.pop_front() {
                self.held_bytes = self.held_bytes.saturating_sub(gone.state.memory_bytes());
            }
        }
    }

    /// Whether a new state of `bytes` may be held.
    fn has_room(&mut self, now: Millis, bytes: usize) -> bool {
        if self.states.len() >= HARD_STATE_LIMIT {
            return false;
        }
        let over_budget = self.held_bytes.saturating_add(bytes) > MAX_HELD_BYTES;
        if over_budget && self.states.len() >= STATES_HELD_REGARDLESS {
            return false;
        }
        if self.states.len() > SOFT_STATE_LIMIT {
            if now < self.quench_until {
                return false;
            }
            self.quench_until = now.saturating_add(QUENCH_INTERVAL);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::test_state::ByteLog;

    fn diff(from: &[u8], to: &[u8]) -> Vec<u8> {
        let log = |b: &[u8]| ByteLog {
            start: 0,
            bytes: b.to_vec(),
        };
        log(to).diff_from(&log(from))
    }

    fn incoming(old_num: u64, new_num: u64, throwaway_num: u64, diff: &[u8]) -> Incoming<'_> {
        Incoming {
            old_num,
            new_num,
            throwaway_num,
            diff,
        }
    }

    #[test]
    fn applies_diffs_to_the_named_base_in_any_order() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        let d1 = diff(b"", b"ab");
        let d3 = diff(b"ab", b"abcd");
        let d2 = diff(b"ab", b"abc");
        assert_eq!(
            r.receive(incoming(0, 1, 0, &d1), Millis(10)),
            Ok(Received::Newest)
        );
        assert_eq!(
            r.receive(incoming(1, 3, 0, &d3), Millis(20)),
            Ok(Received::Newest)
        );
        assert_eq!(
            r.receive(incoming(1, 2, 0, &d2), Millis(30)),
            Ok(Received::OutOfOrder)
        );
        assert_eq!(r.latest().num, 3);
        assert_eq!(r.latest().state.bytes, b"abcd");
        assert_eq!(r.latest().timestamp, Millis(20));
        let nums: Vec<u64> = r.states.iter().map(|s| s.num).collect();
        assert_eq!(nums, vec![0, 1, 2, 3]);
    }

    #[test]
    fn duplicates_and_diffs_against_unknown_states_are_ignored() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        let d1 = diff(b"", b"ab");
        assert_eq!(
            r.receive(incoming(0, 1, 0, &d1), Millis(1)),
            Ok(Received::Newest)
        );
        assert_eq!(
            r.receive(incoming(0, 1, 0, &d1), Millis(2)),
            Ok(Received::Duplicate)
        );
        let d5 = diff(b"abc", b"abcd");
        assert_eq!(
            r.receive(incoming(4, 5, 0, &d5), Millis(3)),
            Ok(Received::UnknownBase)
        );
        assert_eq!(r.latest().state.bytes, b"ab");
        assert_eq!(r.states_held(), 2);
    }

    #[test]
    fn a_diff_that_does_not_apply_stores_nothing() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        let wrong_base = diff(b"xyz", b"xyzw");
        assert!(r
            .receive(incoming(0, 1, 0, &wrong_base), Millis(1))
            .is_err());
        assert_eq!(r.states_held(), 1);
        assert_eq!(r.latest().num, 0);
    }

    #[test]
    fn throwaway_drops_older_states_but_never_all_of_them() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        for n in 1..=5u64 {
            r.receive(incoming(n - 1, n, 0, &[]), Millis(n)).unwrap();
        }
        r.receive(incoming(5, 6, 4, &[]), Millis(6)).unwrap();
        let nums: Vec<u64> = r.states.iter().map(|s| s.num).collect();
        assert_eq!(nums, vec![4, 5, 6]);
        // A peer claiming to have thrown away everything we hold.
        r.receive(incoming(6, 7, 1000, &[]), Millis(7)).unwrap();
        let nums: Vec<u64> = r.states.iter().map(|s| s.num).collect();
        assert_eq!(nums, vec![6, 7]);
    }

    #[test]
    fn a_peer_that_never_throws_away_cannot_grow_the_list_without_bound() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        let mut now = 0;
        let mut accepted_over_soft_limit = 0;
        for n in 1..=(SOFT_STATE_LIMIT as u64 + 500) {
            now += 1000;
            let held_before = r.states_held();
            // Each diff builds on the newest state we hold, as a sender
            // that hears our acks (but never throws away) would do.
            let base = r.latest().num;
            let outcome = r.receive(incoming(base, n, 0, &[]), Millis(now));
            if held_before > SOFT_STATE_LIMIT && outcome == Ok(Received::Newest) {
                accepted_over_soft_limit += 1;
            }
            assert!(r.states_held() <= HARD_STATE_LIMIT);
        }
        // Over the soft limit, one state per 15 s still gets in (500
        // offers, one per second, after the limit was reached).
        assert!(r.states_held() > SOFT_STATE_LIMIT);
        let allowed = 1 + 500 / (QUENCH_INTERVAL / 1000) as usize;
        assert!(
            accepted_over_soft_limit >= allowed - 1,
            "{accepted_over_soft_limit}"
        );
        assert!(
            accepted_over_soft_limit <= allowed,
            "{accepted_over_soft_limit}"
        );
    }

    #[test]
    fn a_peer_cannot_make_us_hold_thousands_of_large_states() {
        use crate::transport::test_state::Claimed;
        const STATE: usize = 64 << 20;
        let mut r = Receiver::new(Claimed::default(), Millis(0));
        let diff = |version: u64| {
            Claimed {
                claimed: STATE,
                version,
            }
            .diff_from(&Claimed::default())
        };
        // One a second, never throwing anything away.
        for n in 1..=2000u64 {
            let base = r.latest().num;
            let _ = r.receive(incoming(base, n, 0, &diff(n)), Millis(n * 1000));
        }
        let held: usize = r.states.iter().map(|s| s.state.memory_bytes()).sum();
        assert!(
            held <= MAX_HELD_BYTES + STATES_HELD_REGARDLESS * STATE,
            "{} states claiming {} MB held",
            r.states_held(),
            held >> 20
        );
        assert_eq!(r.held_bytes, held);
        // A peer that throws away is heard again at once.
        let base = r.latest().num;
        let outcome = r.receive(incoming(base, 5000, base, &diff(5000)), Millis(2_001_000));
        assert_eq!(outcome, Ok(Received::Newest));
        assert_eq!(r.states_held(), 2);
        assert_eq!(r.held_bytes, 2 * STATE);
    }

    #[test]
    fn one_state_per_quench_interval_for_hours_still_stops_at_the_hard_limit() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        let mut now = 0;
        for n in 1..=(HARD_STATE_LIMIT as u64 + 10) {
            now += QUENCH_INTERVAL;
            let base = r.latest().num;
            let _ = r.receive(incoming(base, n, 0, &[]), Millis(now));
        }
        assert_eq!(r.states_held(), HARD_STATE_LIMIT);
        // A peer that finally throws away old states is heard again.
        let base = r.latest().num;
        let outcome = r.receive(
            incoming(base, base + 1, base, &[]),
            Millis(now + QUENCH_INTERVAL),
        );
        assert_eq!(outcome, Ok(Received::Newest));
        assert_eq!(r.states_held(), 2);
    }

    #[test]
    fn taking_diffs_yields_each_change_once_and_trims_held_states() {
        let mut r = Receiver::new(ByteLog::default(), Millis(0));
        r.receive(incoming(0, 1, 0, &diff(b"", b"ab")), Millis(1))
            .unwrap();
        r.receive(incoming(1, 2, 0, &diff(b"ab", b"abc")), Millis(2))
            .unwrap();
        let mut taken = ByteLog::default();
        taken.apply_diff(&r.take_diff()).unwrap();
        assert_eq!(taken.bytes, b"abc");
        assert!(r.take_diff().is_empty(), "nothing new");
        r.receive(incoming(2, 3, 2, &diff(b"abc", b"abcde")), Millis(3))
            .unwrap();
        taken.apply_diff(&r.take_diff()).unwrap();
        assert_eq!(taken.bytes, b"abcde");
        assert_eq!(
            r.latest().state.start,
            3,
            "trimmed by the oldest held state"
        );
    }
}
