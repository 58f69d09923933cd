//! Round-trip timing carried in every datagram: 16-bit timestamps, the
//! echo of the peer's last timestamp, and the RTT estimator (RFC 6298
//! smoothing) that sets the retransmission timeout and frame rate.
//!
//! Time is passed in as `now`: milliseconds on a monotonic clock with an
//! arbitrary origin.

/// The timestamp value that means "none"; never sent as a timestamp.
pub const TIMESTAMP_NONE: u16 = u16::MAX;
/// An echoed timestamp older than this is not sent (ms).
pub(crate) const ECHO_MAX_HOLD_MS: u64 = 1000;
/// RTT samples at or above this are ignored, e.g. a peer that was
/// suspended (ms).
pub(crate) const RTT_SAMPLE_LIMIT_MS: f64 = 5000.0;
#[cfg(test)]
/// What a congestion-experienced mark subtracts from the echoed
/// timestamp, to make the peer see a longer RTT and slow down (ms).
pub(crate) const CONGESTION_PENALTY_MS: u16 = 500;
/// Bounds of the retransmission timeout (ms).
pub(crate) const MIN_RTO_MS: u64 = 50;
pub(crate) const MAX_RTO_MS: u64 = 1000;

/// `now` mod 65536, with 65535 (the "none" value) bumped to 0.
pub fn timestamp16(now: u64) -> u16 {
    let [low, high, ..] = now.to_le_bytes();
    let stamp = u16::from_le_bytes([low, high]);
    if stamp == TIMESTAMP_NONE {
        0
    } else {
        stamp
    }
}

/// Milliseconds from `older` to `newer`, modulo 65536.
pub(crate) fn timestamp_diff(newer: u16, older: u16) -> u16 {
    newer.wrapping_sub(older)
}

/// Smoothed RTT and its variation, as in RFC 6298 (alpha 1/8, beta 1/4).
#[derive(Clone, Debug, PartialEq)]
pub struct RttEstimator {
    srtt: f64,
    rttvar: f64,
    has_sample: bool,
}

impl Default for RttEstimator {
    fn default() -> Self {
        RttEstimator::new()
    }
}

impl RttEstimator {
    /// Before any sample: SRTT 1000 ms, RTTVAR 500 ms.
    pub fn new() -> RttEstimator {
        RttEstimator {
            srtt: 1000.0,
            rttvar: 500.0,
            has_sample: false,
        }
    }

    /// Feeds one measured round trip in milliseconds. Samples of 5000 ms
    /// or more, negative, or not finite are ignored.
    pub fn sample(&mut self, rtt_ms: f64) {
        if !rtt_ms.is_finite() || !(0.0..RTT_SAMPLE_LIMIT_MS).contains(&rtt_ms) {
            return;
        }
        if self.has_sample {
            const ALPHA: f64 = 1.0 / 8.0;
            const BETA: f64 = 1.0 / 4.0;
            self.rttvar = (1.0 - BETA) * self.rttvar + BETA * (self.srtt - rtt_ms).abs();
            self.srtt = (1.0 - ALPHA) * self.srtt + ALPHA * rtt_ms;
        } else {
            self.srtt = rtt_ms;
            self.rttvar = rtt_ms / 2.0;
            self.has_sample = true;
        }
    }

    /// Takes the sample a received `timestamp_reply` gives at `now`
    /// (nothing if the reply is 65535, "none").
    pub fn sample_echo(&mut self, timestamp_reply: u16, now: u64) {
        if timestamp_reply != TIMESTAMP_NONE {
            self.sample(f64::from(timestamp_diff(timestamp16(now), timestamp_reply)));
        }
    }

    /// Smoothed round-trip time (ms).
    pub fn srtt(&self) -> f64 {
        self.srtt
    }

    /// Round-trip time variation (ms).
    pub(crate) fn rttvar(&self) -> f64 {
        self.rttvar
    }

    /// Whether any sample has been taken yet.
    pub fn has_sample(&self) -> bool {
        self.has_sample
    }

    /// Retransmission timeout: ceil(SRTT + 4 RTTVAR), clamped to
    /// [50, 1000] ms.
    // The cast is of a whole number already clamped to 50..=1000.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn rto(&self) -> u64 {
        let rto = (self.srtt + 4.0 * self.rttvar).ceil();
        // The clamp happens in f64, so the cast cannot saturate oddly.
        rto.clamp(MIN_RTO_MS as f64, MAX_RTO_MS as f64) as u64
    }
}

/// Remembers the peer's newest timestamp so the next datagram can echo it,
/// corrected by how long it was held. Each timestamp is echoed once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimestampEcho {
    saved: Option<(u16, u64)>,
}

impl TimestampEcho {
    pub fn new() -> TimestampEcho {
        TimestampEcho::default()
    }

    /// Records the timestamp of an in-order datagram received at `now`.
    /// A timestamp of 65535 ("none") is ignored.
    pub fn received(&mut self, timestamp: u16, now: u64) {
        if timestamp != TIMESTAMP_NONE {
            self.saved = Some((timestamp, now));
        }
    }

    #[cfg(test)]
    /// Like `received`, for a datagram that carried a congestion-
    /// experienced mark: the echo is made 500 ms older than the truth.
    pub(crate) fn received_congested(&mut self, timestamp: u16, now: u64) {
        if timestamp != TIMESTAMP_NONE {
            self.saved = Some((timestamp.wrapping_sub(CONGESTION_PENALTY_MS), now));
        }
    }

    /// The `timestamp_reply` for a datagram sent at `now`: the saved
    /// timestamp advanced by how long it was held, if it arrived less
    /// than 1 s ago (then it is forgotten), else 65535.
    pub fn reply(&mut self, now: u64) -> u16 {
        match self.saved {
            Some((timestamp, at)) if now.saturating_sub(at) < ECHO_MAX_HOLD_MS => {
                self.saved = None;
                // Below ECHO_MAX_HOLD_MS, so it fits.
                let held = u16::try_from(now.saturating_sub(at)).unwrap_or(u16::MAX);
                timestamp.wrapping_add(held)
            }
            _ => TIMESTAMP_NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp16_wraps_and_skips_none() {
        assert_eq!(timestamp16(0), 0);
        assert_eq!(timestamp16(65534), 65534);
        assert_eq!(timestamp16(65535), 0);
        assert_eq!(timestamp16(65536), 0);
        assert_eq!(timestamp16(65537), 1);
        assert_eq!(timestamp16(3 * 65536 + 65535), 0);
    }

    #[test]
    fn timestamp_diff_wraps() {
        assert_eq!(timestamp_diff(10, 5), 5);
        assert_eq!(timestamp_diff(5, 65530), 11);
    }

    #[test]
    fn estimator_starts_at_one_second() {
        let rtt = RttEstimator::new();
        assert_eq!((rtt.srtt(), rtt.rttvar()), (1000.0, 500.0));
        assert_eq!(rtt.rto(), 1000);
        assert!(!rtt.has_sample());
    }

    #[test]
    fn first_sample_sets_srtt_and_half_variance() {
        let mut rtt = RttEstimator::new();
        rtt.sample(100.0);
        assert_eq!((rtt.srtt(), rtt.rttvar()), (100.0, 50.0));
        assert_eq!(rtt.rto(), 300);
    }

    #[test]
    fn later_samples_follow_rfc6298() {
        let mut rtt = RttEstimator::new();
        rtt.sample(100.0);
        rtt.sample(200.0);
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
        assert_eq!((rtt.srtt(), rtt.rttvar()), (112.5, 62.5));
        assert_eq!(rtt.rto(), 363);
    }

    #[test]
    fn large_and_bogus_samples_are_ignored() {
        let mut rtt = RttEstimator::new();
        for bogus in [5000.0, 60000.0, -1.0, f64::NAN, f64::INFINITY] {
            rtt.sample(bogus);
        }
        assert!(!rtt.has_sample());
        rtt.sample(4999.0);
        assert!(rtt.has_sample());
    }

    #[test]
    fn rto_is_clamped() {
        let mut fast = RttEstimator::new();
        fast.sample(1.0);
        assert_eq!(fast.rto(), 50);
        let mut slow = RttEstimator::new();
        slow.sample(4000.0);
        assert_eq!(slow.rto(), 1000);
    }

    #[test]
    fn echo_sample_uses_wrapped_difference() {
        let mut rtt = RttEstimator::new();
        rtt.sample_echo(65530, 65536 + 20);
        assert_eq!(rtt.srtt(), 26.0);
        let mut none = RttEstimator::new();
        none.sample_echo(TIMESTAMP_NONE, 100);
        assert!(!none.has_sample());
    }

    #[test]
    fn echo_is_advanced_by_hold_time_and_sent_once() {
        let mut echo = TimestampEcho::new();
        assert_eq!(echo.reply(5), TIMESTAMP_NONE);
        echo.received(1000, 50_000);
        assert_eq!(echo.reply(50_030), 1030);
        assert_eq!(echo.reply(50_031), TIMESTAMP_NONE);
    }

    #[test]
    fn echo_expires_after_one_second() {
        let mut echo = TimestampEcho::new();
        echo.received(7, 10_000);
        assert_eq!(echo.reply(11_000), TIMESTAMP_NONE);
        echo.received(7, 10_000);
        assert_eq!(echo.reply(10_999), 7 + 999);
    }

    #[test]
    fn echo_wraps_and_ignores_none() {
        let mut echo = TimestampEcho::new();
        echo.received(65530, 0);
        assert_eq!(echo.reply(10), 4);
        echo.received(TIMESTAMP_NONE, 20);
        assert_eq!(echo.reply(21), TIMESTAMP_NONE);
    }

    #[test]
    fn newest_timestamp_replaces_older() {
        let mut echo = TimestampEcho::new();
        echo.received(100, 0);
        echo.received(300, 200);
        assert_eq!(echo.reply(250), 350);
    }

    #[test]
    fn congestion_mark_makes_echo_older() {
        let mut echo = TimestampEcho::new();
        echo.received_congested(1000, 0);
        assert_eq!(echo.reply(10), 510);
        echo.received_congested(100, 0);
        assert_eq!(echo.reply(0), 100u16.wrapping_sub(500));
    }
}
