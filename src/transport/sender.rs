//! The sending half of SSP: which state to send, against which base,
//! and when.
//!
//! The sender keeps the states it has sent (oldest first; the first one
//! is the newest the receiver acknowledged) and guesses which of them the
//! receiver holds now: the newest one sent less than RTO + 100 ms ago,
//! else the acknowledged one. It sends the current state as a diff from
//! that guess, at most once per frame interval, 8 ms after the first
//! change (so a burst of changes goes out as one), acknowledges received
//! data within 100 ms, and sends a heartbeat every 3 s otherwise.

use std::collections::VecDeque;

use super::chaff::ChaffSource;
use super::state::{NumberedState, SyncState};
use super::time::Millis;
use crate::wire::{Instruction, PROTOCOL_VERSION};

/// Shortest time between two frames (ms).
pub(crate) const SEND_INTERVAL_MIN: u64 = 20;
/// Longest time between two frames (ms).
pub(crate) const SEND_INTERVAL_MAX: u64 = 250;
/// Time between heartbeats when nothing else is sent (ms).
pub(crate) const ACK_INTERVAL: u64 = 3000;
/// Delay before a data-less acknowledgement of received data (ms).
pub(crate) const ACK_DELAY: u64 = 100;
/// Default wait after a state change before sending it, to coalesce
/// changes that come in a burst (ms).
pub(crate) const DEFAULT_SEND_DELAY: u64 = 8;
/// How many shutdown instructions are sent before giving up on an ack.
pub const SHUTDOWN_RETRIES: u32 = 16;
/// How long the sender keeps resending actively after it last heard from
/// the peer, and how long a shutdown waits for its ack (ms).
pub(crate) const ACTIVE_RETRY_TIMEOUT: u64 = 10_000;
/// Most sent states kept; beyond it one is dropped from the middle.
pub const MAX_SENT_STATES: usize = 32;
/// The state number that means "this side is shutting down".
pub const SHUTDOWN_NUM: u64 = u64::MAX;

/// A diff this long or shorter may replace a shorter one, see
/// [`Sender::prefer_acknowledged_base`].
const RESEND_DIFF_LIMIT: usize = 1000;
/// How much longer a diff from the acknowledged state may be.
const RESEND_EXTRA_LIMIT: usize = 100;
/// Position, counted from the newest, of the sent state dropped when the
/// queue is full: old enough not to be the receiver's likely base, new
/// enough not to be the acknowledged one.
const DROP_POSITION_FROM_BACK: usize = 16;

/// Round-trip figures the sender's timers depend on, from the datagram
/// layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LinkTiming {
    /// Smoothed round-trip time (ms).
    pub srtt: f64,
    /// Retransmission timeout (ms).
    pub rto: u64,
}

impl LinkTiming {
    /// Time between frames: half the smoothed RTT, within 20..=250 ms.
    // The cast is of a whole number already checked to lie in 20..=250.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn send_interval(&self) -> u64 {
        let half = (self.srtt / 2.0).ceil();
        if half.is_nan() || half < SEND_INTERVAL_MIN as f64 {
            SEND_INTERVAL_MIN
        } else if half > SEND_INTERVAL_MAX as f64 {
            SEND_INTERVAL_MAX
        } else {
            half as u64
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Shutdown {
    started_at: Millis,
    tries: u32,
}

/// The sending half of one end of an SSP session.
#[derive(Debug)]
pub(crate) struct Sender<S: SyncState> {
    current: S,
    /// The newest state the receiver acknowledged (at first the initial
    /// state). Together with `unacked` it forms the sent-state queue;
    /// position 0 of that queue is this state.
    acked: NumberedState<S>,
    /// States sent after `acked`, oldest first.
    unacked: VecDeque<NumberedState<S>>,
    /// Queue position of the state the receiver is assumed to hold.
    assumed: usize,
    /// Set when the acknowledged state changed and the kept states still
    /// have to be trimmed by it.
    needs_trim: bool,
    next_ack_time: Millis,
    next_send_time: Millis,
    /// When the current state first differed from the last sent one.
    change_pending_since: Option<Millis>,
    send_delay: u64,
    shutdown: Option<Shutdown>,
    /// Newest state received from the peer, acknowledged on every send.
    ack_num: u64,
    /// Received data that has not been acknowledged yet.
    pending_data_ack: bool,
    /// When the peer last gave us a new state.
    last_heard: Option<Millis>,
    last_ack_sent: Option<u64>,
    chaff: ChaffSource,
}

impl<S: SyncState> Sender<S> {
    /// A sender whose initial state (number 0) both ends already hold.
    pub fn new(initial: S, now: Millis, chaff: ChaffSource) -> Self {
        Sender {
            current: initial.clone(),
            acked: NumberedState::new(0, now, initial),
            unacked: VecDeque::new(),
            assumed: 0,
            needs_trim: true,
            next_ack_time: now,
            next_send_time: now,
            change_pending_since: None,
            send_delay: DEFAULT_SEND_DELAY,
            shutdown: None,
            ack_num: 0,
            pending_data_ack: false,
            last_heard: None,
            last_ack_sent: None,
            chaff,
        }
    }

    /// The state to be sent.
    pub fn current_state(&self) -> &S {
        &self.current
    }

    /// The state to be sent, to change in place.
    pub fn current_state_mut(&mut self) -> &mut S {
        &mut self.current
    }

    /// Replaces the state to be sent.
    pub fn set_current_state(&mut self, state: S) {
        self.current = state;
    }

    /// Sets the coalescing delay (ms) after a change before it is sent.
    pub fn set_send_delay(&mut self, delay_ms: u64) {
        self.send_delay = delay_ms;
    }

    /// The newest state the receiver acknowledged.
    pub fn acked(&self) -> &NumberedState<S> {
        &self.acked
    }

    /// Number of the newest state sent.
    pub(crate) fn last_sent_num(&self) -> u64 {
        self.newest().num
    }

    /// How many sent states are kept (the acknowledged one included).
    pub(crate) fn states_held(&self) -> usize {
        1 + self.unacked.len()
    }

    /// Records that the peer has all our states up to `ack_num`. Acks for
    /// states no longer kept are ignored.
    pub(crate) fn process_ack(&mut self, ack_num: u64) {
        let Some(position) = self.unacked.iter().position(|s| s.num == ack_num) else {
            return;
        };
        self.unacked.drain(..position);
        if let Some(newly_acked) = self.unacked.pop_front() {
            self.acked = newly_acked;
        }
        self.assumed = 0;
        self.needs_trim = true;
    }

    /// Records the newest state received from the peer (acked from now on).
    pub(crate) fn set_ack_num(&mut self, ack_num: u64) {
        self.ack_num = ack_num;
    }

    /// Asks for an acknowledgement within [`ACK_DELAY`].
    pub(crate) fn set_data_ack(&mut self) {
        self.pending_data_ack = true;
    }

    /// Records that the peer just gave us a new state.
    pub(crate) fn remote_heard(&mut self, now: Millis) {
        self.last_heard = Some(now);
    }

    /// Starts sending the shutdown state (number `u64::MAX`).
    pub fn start_shutdown(&mut self, now: Millis) {
        if self.shutdown.is_none() {
            self.shutdown = Some(Shutdown {
                started_at: now,
                tries: 0,
            });
        }
    }

    /// Whether [`start_shutdown`](Self::start_shutdown) was called.
    pub fn shutdown_in_progress(&self) -> bool {
        self.shutdown.is_some()
    }

    /// Whether the peer acknowledged our shutdown state.
    pub fn shutdown_acknowledged(&self) -> bool {
        self.acked.num == SHUTDOWN_NUM
    }

    /// Whether we gave up waiting for the peer to acknowledge our
    /// shutdown: 16 tries sent or 10 s passed.
    pub fn shutdown_ack_timed_out(&self, now: Millis) -> bool {
        match self.shutdown {
            Some(s) => {
                s.tries >= SHUTDOWN_RETRIES || now.since(s.started_at) >= ACTIVE_RETRY_TIMEOUT
            }
            None => false,
        }
    }

    /// Whether we have sent an acknowledgement of the peer's shutdown.
    pub fn counterparty_shutdown_ack_sent(&self) -> bool {
        self.last_ack_sent == Some(SHUTDOWN_NUM)
    }

    /// The absolute time (ms) at which [`tick`](Self::tick) next has
    /// something to do; may be `<= now`.
    pub fn next_wakeup(&mut self, now: Millis, timing: LinkTiming) -> Millis {
        self.calculate_timers(now, timing);
        self.next_ack_time.min(self.next_send_time)
    }

    /// Sends what is due at `now`: a diff, a delayed ack or a heartbeat.
    /// Returns the instruction to fragment and transmit, if any.
    pub fn tick(&mut self, now: Millis, timing: LinkTiming) -> Option<Instruction> {
        self.calculate_timers(now, timing);
        if now < self.next_ack_time && now < self.next_send_time {
            return None;
        }
        if now >= self.next_send_time {
            self.current.publish();
        }
        let mut diff = self.current.diff_from(&self.assumed_state().state);
        self.prefer_acknowledged_base(&mut diff);

        if diff.is_empty() {
            let mut instruction = None;
            if now >= self.next_ack_time {
                instruction = Some(self.send_empty_ack(now));
                self.change_pending_since = None;
            }
            if now >= self.next_send_time {
                self.next_send_time = Millis::NEVER;
                self.change_pending_since = None;
            }
            instruction
        } else {
            self.change_pending_since = None;
            Some(self.send_diff(diff, now))
        }
    }

    /// The sent state at `position` in the queue (0 = acknowledged).
    fn queued(&self, position: usize) -> Option<&NumberedState<S>> {
        match position.checked_sub(1) {
            None => Some(&self.acked),
            Some(i) => self.unacked.get(i),
        }
    }

    fn newest(&self) -> &NumberedState<S> {
        self.unacked.back().unwrap_or(&self.acked)
    }

    fn assumed_state(&self) -> &NumberedState<S> {
        self.queued(self.assumed).unwrap_or(&self.acked)
    }

    fn calculate_timers(&mut self, now: Millis, timing: LinkTiming) {
        self.update_assumed_receiver_state(now, timing);
        self.trim_acknowledged_prefix();

        if self.pending_data_ack && self.next_ack_time > now.saturating_add(ACK_DELAY) {
            self.next_ack_time = now.saturating_add(ACK_DELAY);
        }

        let interval = timing.send_interval();
        let last_send = self.newest().timestamp;
        let heard_recently = self
            .last_heard
            .is_some_and(|heard| heard.saturating_add(ACTIVE_RETRY_TIMEOUT) > now);

        let changed = self.current != self.newest().state || self.current.has_unpublished();
        self.next_send_time = if changed {
            let since = *self.change_pending_since.get_or_insert(now);
            since
                .saturating_add(self.send_delay)
                .max(last_send.saturating_add(interval))
        } else if self.current != self.assumed_state().state && heard_recently {
            let frame = last_send.saturating_add(interval);
            match self.change_pending_since {
                Some(since) => frame.max(since.saturating_add(self.send_delay)),
                None => frame,
            }
        } else if self.current != self.acked.state && heard_recently {
            last_send
                .saturating_add(timing.rto)
                .saturating_add(ACK_DELAY)
        } else {
            Millis::NEVER
        };

        if self.shutdown.is_some() || self.ack_num == SHUTDOWN_NUM {
            self.next_ack_time = last_send.saturating_add(interval);
        }
    }

    /// The receiver is assumed to hold the newest state sent less than
    /// RTO + 100 ms ago (it probably arrived), else the acknowledged one.
    fn update_assumed_receiver_state(&mut self, now: Millis, timing: LinkTiming) {
        let fresh = timing.rto.saturating_add(ACK_DELAY);
        self.assumed = self
            .unacked
            .iter()
            .take_while(|s| now.since(s.timestamp) < fresh)
            .count();
    }

    /// Trims every kept state by the newly acknowledged one, so that
    /// append-only states stay short.
    fn trim_acknowledged_prefix(&mut self) {
        if !self.needs_trim {
            return;
        }
        self.needs_trim = false;
        let prefix = self.acked.state.clone();
        self.current.subtract(&prefix);
        self.acked.state.subtract(&prefix);
        for sent in self.unacked.iter_mut() {
            sent.state.subtract(&prefix);
        }
    }

    /// A diff from the acknowledged state is safe (the receiver surely
    /// has it); use it instead of the guessed base when it is no longer,
    /// or only a little longer on a small diff.
    fn prefer_acknowledged_base(&mut self, diff: &mut Vec<u8>) {
        if self.assumed == 0 {
            return;
        }
        let resend = self.current.diff_from(&self.acked.state);
        let barely_longer = resend.len() < RESEND_DIFF_LIMIT
            && resend.len().saturating_sub(diff.len()) < RESEND_EXTRA_LIMIT;
        if resend.len() <= diff.len() || barely_longer {
            self.assumed = 0;
            *diff = resend;
        }
    }

    fn send_empty_ack(&mut self, now: Millis) -> Instruction {
        let new_num = match self.shutdown {
            Some(_) => SHUTDOWN_NUM,
            None => self.newest().num.saturating_add(1),
        };
        let old_num = self.assumed_state().num;
        self.add_sent_state(now, new_num);
        self.next_ack_time = now.saturating_add(ACK_INTERVAL);
        self.next_send_time = Millis::NEVER;
        self.make_instruction(old_num, new_num, Vec::new())
    }

    fn send_diff(&mut self, diff: Vec<u8>, now: Millis) -> Instruction {
        let new_num = if self.shutdown.is_some() {
            SHUTDOWN_NUM
        } else if self.current == self.newest().state {
            self.newest().num
        } else {
            self.newest().num.saturating_add(1)
        };
        let old_num = self.assumed_state().num;
        if new_num == self.newest().num {
            match self.unacked.back_mut() {
                Some(newest) => newest.timestamp = now,
                None => self.acked.timestamp = now,
            }
        } else {
            self.add_sent_state(now, new_num);
        }
        self.assumed = self.unacked.len();
        self.next_ack_time = now.saturating_add(ACK_INTERVAL);
        self.next_send_time = Millis::NEVER;
        self.make_instruction(old_num, new_num, diff)
    }

    fn add_sent_state(&mut self, now: Millis, num: u64) {
        self.unacked
            .push_back(NumberedState::new(num, now, self.current.clone()));
        if self.states_held() > MAX_SENT_STATES {
            // Queue position `held - 16` is `unacked` index `held - 17`.
            let drop_at = self.unacked.len().saturating_sub(DROP_POSITION_FROM_BACK);
            self.unacked.remove(drop_at);
        }
    }

    fn make_instruction(&mut self, old_num: u64, new_num: u64, diff: Vec<u8>) -> Instruction {
        if new_num == SHUTDOWN_NUM {
            if let Some(shutdown) = self.shutdown.as_mut() {
                shutdown.tries = shutdown.tries.saturating_add(1);
            }
        }
        self.pending_data_ack = false;
        self.last_ack_sent = Some(self.ack_num);
        Instruction {
            protocol_version: PROTOCOL_VERSION,
            old_num,
            new_num,
            ack_num: self.ack_num,
            throwaway_num: self.acked.num,
            diff,
            chaff: self.chaff.next_chaff(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::test_state::ByteLog;

    /// SRTT 40 ms: frame interval 20 ms, RTO 100 ms.
    const FAST: LinkTiming = LinkTiming {
        srtt: 40.0,
        rto: 100,
    };

    fn sender() -> Sender<ByteLog> {
        Sender::new(ByteLog::default(), Millis(0), ChaffSource::new(1))
    }

    /// Ticks every millisecond from `from` to `to` inclusive and returns
    /// what was sent, with the time it was sent.
    fn run(s: &mut Sender<ByteLog>, from: u64, to: u64) -> Vec<(u64, Instruction)> {
        (from..=to)
            .filter_map(|now| s.tick(Millis(now), FAST).map(|i| (now, i)))
            .collect()
    }

    #[test]
    fn frame_interval_follows_half_the_srtt_within_bounds() {
        let interval = |srtt| LinkTiming { srtt, rto: 1000 }.send_interval();
        assert_eq!(interval(10.0), SEND_INTERVAL_MIN);
        assert_eq!(interval(101.0), 51);
        assert_eq!(interval(1000.0), SEND_INTERVAL_MAX);
        assert_eq!(interval(f64::NAN), SEND_INTERVAL_MIN);
    }

    #[test]
    fn a_change_waits_for_the_coalescing_delay_then_goes_out_once() {
        let mut s = sender();
        assert!(run(&mut s, 0, 99).iter().all(|(_, i)| i.diff.is_empty()));
        s.current_state_mut().push(b"ls");
        assert!(run(&mut s, 100, 103).is_empty(), "still coalescing");
        s.current_state_mut().push(b"\r");
        let sent = run(&mut s, 104, 200);
        let data: Vec<_> = sent.iter().filter(|(_, i)| !i.diff.is_empty()).collect();
        assert_eq!(data.len(), 1, "one frame for the burst: {sent:?}");
        let (at, inst) = data[0];
        assert_eq!(*at, 100 + DEFAULT_SEND_DELAY);
        let mut receiver_copy = ByteLog::default();
        receiver_copy.apply_diff(&inst.diff).unwrap();
        assert_eq!(receiver_copy.bytes, b"ls\r");
        // The heartbeat sent at 0 took number 1.
        assert_eq!((inst.old_num, inst.new_num), (0, 2));
    }

    #[test]
    fn frames_are_at_least_one_interval_apart() {
        let mut s = sender();
        s.set_send_delay(0);
        let mut sent_at = Vec::new();
        for now in 0..500 {
            s.current_state_mut().push(b"x");
            if let Some(inst) = s.tick(Millis(now), FAST) {
                assert!(!inst.diff.is_empty());
                sent_at.push(now);
            }
        }
        assert!(sent_at.len() > 10);
        for pair in sent_at.windows(2) {
            assert!(pair[1] - pair[0] >= FAST.send_interval(), "{sent_at:?}");
        }
    }

    #[test]
    fn received_data_is_acked_within_the_ack_delay_and_idle_links_get_heartbeats() {
        let mut s = sender();
        let first = run(&mut s, 0, 0);
        assert_eq!(first.len(), 1, "the initial heartbeat is due at once");
        s.set_ack_num(5);
        s.remote_heard(Millis(1000));
        s.set_data_ack();
        let sent = run(&mut s, 1000, 1200);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, 1000 + ACK_DELAY);
        assert_eq!(sent[0].1.ack_num, 5);
        assert!(sent[0].1.diff.is_empty());
        let idle = run(&mut s, 1201, 1100 + 3 * ACK_INTERVAL);
        let times: Vec<u64> = idle.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            times,
            vec![
                1100 + ACK_INTERVAL,
                1100 + 2 * ACK_INTERVAL,
                1100 + 3 * ACK_INTERVAL
            ]
        );
        assert!(idle.iter().all(|(_, i)| i.diff.is_empty()));
        let nums: Vec<u64> = idle.iter().map(|(_, i)| i.new_num).collect();
        assert!(nums.windows(2).all(|w| w[1] == w[0] + 1), "{nums:?}");
    }

    #[test]
    fn acks_advance_the_base_and_the_throwaway_number() {
        let mut s = sender();
        s.current_state_mut().push(b"hello");
        let sent = run(&mut s, 0, 50);
        let new_num = sent
            .iter()
            .find(|(_, i)| !i.diff.is_empty())
            .unwrap()
            .1
            .new_num;
        s.process_ack(new_num);
        assert_eq!(s.acked().num, new_num);
        s.current_state_mut().push(b" world");
        let sent = run(&mut s, 51, 100);
        let (_, inst) = sent.iter().find(|(_, i)| !i.diff.is_empty()).unwrap();
        assert_eq!(inst.old_num, new_num);
        assert_eq!(inst.throwaway_num, new_num);
        let mut copy = ByteLog::default();
        copy.push(b"hello");
        copy.apply_diff(&inst.diff).unwrap();
        assert_eq!(copy.bytes, b"hello world");
        assert_eq!(s.current_state().start, 5, "acked prefix trimmed away");
    }

    #[test]
    fn acks_for_states_no_longer_held_are_ignored() {
        let mut s = sender();
        s.current_state_mut().push(b"a");
        run(&mut s, 0, 50);
        s.process_ack(77);
        assert_eq!(s.acked().num, 0);
    }

    #[test]
    fn the_sent_queue_stays_bounded_and_keeps_the_acked_and_newest_states() {
        let mut s = sender();
        s.set_send_delay(0);
        for now in 0..5000 {
            s.current_state_mut().push(b"k");
            s.tick(Millis(now), FAST);
            assert!(s.states_held() <= MAX_SENT_STATES);
        }
        assert_eq!(s.acked().num, 0);
        assert!(s.last_sent_num() > 100);
        let newest = s.last_sent_num();
        s.process_ack(newest);
        assert_eq!(s.states_held(), 1);
    }

    #[test]
    fn a_large_diff_goes_against_the_recently_sent_state_then_falls_back_to_the_acked_one() {
        let mut s = sender();
        s.current_state_mut().push(&[b'a'; 3000]);
        let first = run(&mut s, 0, 20);
        let sent_num = first.last().unwrap().1.new_num;
        s.current_state_mut().push(b"b");
        let second = run(&mut s, 21, 60);
        let (_, inst) = second.iter().find(|(_, i)| !i.diff.is_empty()).unwrap();
        assert_eq!(
            inst.old_num, sent_num,
            "receiver presumed to hold the fresh state"
        );
        assert!(inst.diff.len() < 100);

        // No ack within RTO + 100 ms: the sender resends from the acked state.
        s.remote_heard(Millis(100));
        let later = run(&mut s, 61, 400);
        let (_, resend) = later.iter().find(|(_, i)| !i.diff.is_empty()).unwrap();
        assert_eq!(resend.old_num, 0);
        assert_eq!(resend.diff.len(), 8 + 3001);
    }

    #[test]
    fn a_small_diff_is_resent_from_the_acked_state() {
        let mut s = sender();
        s.current_state_mut().push(b"a");
        run(&mut s, 0, 20);
        s.current_state_mut().push(b"b");
        let sent = run(&mut s, 21, 60);
        let (_, inst) = sent.iter().find(|(_, i)| !i.diff.is_empty()).unwrap();
        assert_eq!(
            inst.old_num, 0,
            "prospective resend: at most 100 bytes longer"
        );
    }

    #[test]
    fn without_news_from_the_peer_unacked_data_is_resent_only_with_heartbeats() {
        let mut s = sender();
        s.current_state_mut().push(b"a");
        let sent = run(&mut s, 0, 10_000);
        let times: Vec<u64> = sent.iter().map(|(t, _)| *t).collect();
        // The first heartbeat is due at once and carries the data.
        let expected: Vec<u64> = (0..4).map(|k| k * ACK_INTERVAL).collect();
        assert_eq!(times, expected);
        assert!(sent.iter().all(|(_, i)| !i.diff.is_empty()));
    }

    #[test]
    fn while_the_peer_is_heard_unacked_data_is_resent_after_the_timeout() {
        let mut s = sender();
        s.remote_heard(Millis(0));
        s.current_state_mut().push(b"a");
        let sent = run(&mut s, 0, 1000);
        assert!(sent.len() >= 4, "{sent:?}");
        for pair in sent.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= FAST.rto + ACK_DELAY);
        }
    }

    #[test]
    fn shutdown_sends_the_max_number_and_gives_up_after_sixteen_tries() {
        let mut s = sender();
        s.remote_heard(Millis(0));
        s.start_shutdown(Millis(0));
        assert!(s.shutdown_in_progress());
        let mut tries = 0;
        let mut now = 0;
        while !s.shutdown_ack_timed_out(Millis(now)) {
            if let Some(inst) = s.tick(Millis(now), FAST) {
                assert_eq!(inst.new_num, SHUTDOWN_NUM);
                tries += 1;
            }
            now += 1;
        }
        assert_eq!(tries, SHUTDOWN_RETRIES);
        assert!(now < ACTIVE_RETRY_TIMEOUT);
        assert!(!s.shutdown_acknowledged());
        s.process_ack(SHUTDOWN_NUM);
        assert!(s.shutdown_acknowledged());
    }

    #[test]
    fn shutdown_times_out_after_ten_seconds_even_with_few_tries() {
        let mut s = sender();
        s.start_shutdown(Millis(500));
        assert!(!s.shutdown_ack_timed_out(Millis(500 + ACTIVE_RETRY_TIMEOUT - 1)));
        assert!(s.shutdown_ack_timed_out(Millis(500 + ACTIVE_RETRY_TIMEOUT)));
    }

    #[test]
    fn acknowledging_the_peers_shutdown_is_reported_once_sent() {
        let mut s = sender();
        run(&mut s, 0, 0);
        s.set_ack_num(SHUTDOWN_NUM);
        assert!(!s.counterparty_shutdown_ack_sent());
        let sent = run(&mut s, 1, 100);
        assert!(!sent.is_empty());
        assert_eq!(sent[0].1.ack_num, SHUTDOWN_NUM);
        assert!(
            sent[0].0 <= FAST.send_interval(),
            "shutdown acks are sped up"
        );
        assert!(s.counterparty_shutdown_ack_sent());
    }

    #[test]
    fn chaff_is_attached_and_bounded() {
        let mut s = sender();
        s.set_send_delay(0);
        let mut lengths = std::collections::BTreeSet::new();
        for now in 0..3000 {
            s.current_state_mut().push(b"z");
            if let Some(inst) = s.tick(Millis(now), FAST) {
                assert!(inst.chaff.len() <= 16);
                assert_eq!(inst.protocol_version, PROTOCOL_VERSION);
                lengths.insert(inst.chaff.len());
            }
        }
        assert!(lengths.len() > 5);
    }
}
