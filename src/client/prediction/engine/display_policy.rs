//! The display policy: whether predictions are shown and underlined.
//! Adaptively they appear when the frame interval says the round trip is
//! slow, or when a prediction stayed pending for long (a glitch), each
//! switch with hysteresis so the display does not flicker.

use super::super::overlay::Lifetime;
use super::{PredictionDisplay, PredictionEngine};

/// Frame interval (ms) at or below which the slow-link display switches
/// off again.
const SRTT_TRIGGER_LOW: u64 = 20;
/// Frame interval (ms) above which predictions are shown.
const SRTT_TRIGGER_HIGH: u64 = 30;
/// Frame interval (ms) at or below which underlining stops.
const FLAG_TRIGGER_LOW: u64 = 50;
/// Frame interval (ms) above which predictions are underlined.
const FLAG_TRIGGER_HIGH: u64 = 80;
/// A prediction pending this long (ms) is a glitch: show predictions.
const GLITCH_THRESHOLD: u64 = 250;
/// Quick confirmations needed to cure the glitch display.
pub(super) const GLITCH_REPAIR_COUNT: u32 = 10;
/// Least time (ms) between two quick confirmations that count.
const GLITCH_REPAIR_MIN_INTERVAL: u64 = 150;
/// A prediction pending this long (ms) also turns on underlining.
const GLITCH_FLAG_THRESHOLD: u64 = 5000;
/// How often (ms) the engine wants to re-judge while timing triggers may
/// still fire.
pub(super) const TIMING_CHECK_INTERVAL: u64 = 50;

impl PredictionEngine {
    /// Whether predictions are drawn at all right now.
    pub(crate) fn is_showing(&self) -> bool {
        match self.display {
            PredictionDisplay::Never => false,
            PredictionDisplay::Always | PredictionDisplay::Experimental => true,
            PredictionDisplay::Adaptive => self.srtt_trigger || self.glitch_trigger > 0,
        }
    }

    #[cfg(test)]
    /// Whether shown predictions are underlined.
    pub(crate) fn is_flagging(&self) -> bool {
        self.flagging
    }

    /// How soon (ms) the engine wants to be consulted again, if at all:
    /// while predictions are pending and a timing trigger may still fire.
    pub(crate) fn wait_time(&self) -> Option<u64> {
        let timing_tests_necessary = !(self.glitch_trigger > 0 && self.flagging);
        (timing_tests_necessary && self.is_active()).then_some(TIMING_CHECK_INTERVAL)
    }

    pub(super) fn update_triggers(&mut self) {
        if self.send_interval > SRTT_TRIGGER_HIGH {
            self.srtt_trigger = true;
        } else if self.srtt_trigger && self.send_interval <= SRTT_TRIGGER_LOW && !self.is_active() {
            self.srtt_trigger = false;
        }
        if self.send_interval > FLAG_TRIGGER_HIGH {
            self.flagging = true;
        } else if self.send_interval <= FLAG_TRIGGER_LOW {
            self.flagging = false;
        }
        if self.glitch_trigger > GLITCH_REPAIR_COUNT {
            self.flagging = true;
        }
    }

    /// A correct prediction confirms its epoch; a quick one also cures
    /// the glitch display a little.
    pub(super) fn confirm(&mut self, lifetime: Lifetime, now: u64) {
        if lifetime.tentative_until_epoch > self.confirmed_epoch {
            self.confirmed_epoch = lifetime.tentative_until_epoch;
        }
        if lifetime.age(now) < GLITCH_THRESHOLD
            && self.glitch_trigger > 0
            && now.saturating_sub(GLITCH_REPAIR_MIN_INTERVAL) >= self.last_quick_confirmation
        {
            self.glitch_trigger -= 1;
            self.last_quick_confirmation = now;
        }
    }

    /// A long-pending prediction turns on the display (and underlining).
    pub(super) fn note_pending(&mut self, lifetime: Lifetime, now: u64) {
        let age = lifetime.age(now);
        if age >= GLITCH_FLAG_THRESHOLD {
            self.glitch_trigger = GLITCH_REPAIR_COUNT * 2;
        } else if age >= GLITCH_THRESHOLD && self.glitch_trigger < GLITCH_REPAIR_COUNT {
            self.glitch_trigger = GLITCH_REPAIR_COUNT;
        }
    }
}
