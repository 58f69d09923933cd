//! Time as the transport sees it: a point in milliseconds on the caller's
//! monotonic clock, a type of its own so it is never mixed up with the
//! `u64` state numbers it travels beside. Lengths of time (intervals,
//! timeouts) stay plain milliseconds.

/// A point in time: milliseconds since the caller's clock started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub u64);

impl Millis {
    /// The clock's start.
    pub const ZERO: Millis = Millis(0);
    /// Never: later than any time a clock will read.
    pub(crate) const NEVER: Millis = Millis(u64::MAX);

    /// The milliseconds since the clock started.
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// `ms` milliseconds later, saturating at `Millis::NEVER`.
    #[must_use]
    pub fn saturating_add(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }

    /// `ms` milliseconds earlier, saturating at [`ZERO`](Self::ZERO).
    #[must_use]
    pub fn saturating_sub(self, ms: u64) -> Millis {
        Millis(self.0.saturating_sub(ms))
    }

    /// Milliseconds from `earlier` to this time; 0 if `earlier` is later.
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_times_order() {
        assert_eq!(Millis(5).saturating_add(10), Millis(15));
        assert_eq!(Millis::NEVER.saturating_add(1), Millis::NEVER);
        assert_eq!(Millis(5).saturating_sub(10), Millis::ZERO);
        assert_eq!(Millis(15).since(Millis(5)), 10);
        assert_eq!(Millis(5).since(Millis(15)), 0);
        assert!(Millis(1) < Millis(2) && Millis::NEVER > Millis(u64::MAX - 1));
    }
}
