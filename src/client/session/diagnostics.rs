//! What the client tells about itself: the figures the status view and
//! `SIGUSR1` show, and the prediction epochs `MOSH_LOG` records.

use super::Client;
use crate::diag::{Event, HeldState, StatusFigures};
use crate::transport::Millis;

impl Client {
    /// The figures the status view and `SIGUSR1` show.
    pub(super) fn status_figures(&self, now: u64) -> StatusFigures {
        let outcomes = self.overlays.predictions.outcomes();
        StatusFigures {
            srtt_ms: self.transport.srtt(),
            rttvar_ms: self.transport.rttvar(),
            frame_interval_ms: self.transport.send_interval(),
            server: self.transport.remote_addr().unwrap_or(self.server),
            transport: if self.carrier.as_ref().is_some_and(|c| c.is_active()) {
                "ssh"
            } else {
                "UDP"
            },
            since_contact_ms: self
                .transport
                .last_heard()
                .map(|heard| Millis(now).since(heard)),
            stats: self.stats,
            prediction_mode: self.prediction_mode,
            predictions_shown: self.overlays.predictions.is_showing(),
            predictions_confirmed: outcomes.cells_confirmed,
            predictions_wrong: outcomes.cells_wrong,
            held: HeldState::of(&self.transport),
        }
    }

    /// Logs prediction epochs confirmed or discarded since last time.
    pub(super) fn log_prediction_epochs(&mut self) {
        if !self.diag.wants(1) {
            return;
        }
        let confirmed = self.overlays.predictions.confirmed_epoch();
        let discarded = self.overlays.predictions.outcomes().epochs_discarded;
        let (logged_confirmed, logged_discarded) = self.logged_epochs;
        if confirmed > logged_confirmed {
            self.diag.record(&Event::EpochConfirmed(confirmed));
        }
        if discarded > logged_discarded {
            self.diag.record(&Event::EpochsDiscarded(discarded));
        }
        self.logged_epochs = (confirmed, discarded);
    }
}
