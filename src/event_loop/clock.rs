//! The session's clock: milliseconds on a monotonic clock since the event
//! loop started, the `now` every sans-IO layer is handed.

use std::time::Instant;

use crate::transport::Millis;

/// Milliseconds since the session started, on a monotonic clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock(Instant);

impl Clock {
    /// A clock reading 0 now.
    pub fn start() -> Clock {
        Clock(Instant::now())
    }

    /// Milliseconds since [`Clock::start`] (saturating, after 584 million
    /// years).
    pub fn now(&self) -> Millis {
        Millis(u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_starts_near_zero_and_never_goes_back() {
        let clock = Clock::start();
        let first = clock.now();
        assert!(first < Millis(1000));
        assert!(clock.now() >= first);
    }
}
