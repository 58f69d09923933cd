//! Judging: each prediction against the server's newest screen —
//! confirming epochs, taking back wrong guesses (one tentative epoch, or
//! everything) and letting confirmed cells go.

use super::super::overlay::Validity;
use super::{PredictionDisplay, PredictionEngine};
use crate::terminal::Framebuffer;

impl PredictionEngine {
    /// Judges every prediction against `fb` (the newest screen from the
    /// server, or the screen as shown), confirming epochs, killing wrong
    /// predictions and updating the display triggers.
    pub fn cull(&mut self, fb: &Framebuffer, now: u64) {
        if self.display == PredictionDisplay::Never {
            return;
        }
        let size = (fb.width(), fb.height());
        if size != self.last_size {
            self.last_size = size;
            self.reset();
        }
        self.update_triggers();
        self.follow_scrolling(fb);
        if !self.cull_cells(fb, now) {
            return;
        }
        self.cull_cursors(fb);
    }

    /// Judges the cell predictions; false if everything was reset.
    pub(super) fn cull_cells(&mut self, fb: &Framebuffer, now: u64) -> bool {
        self.rows.retain(|r| r.row < fb.height());
        for r in 0..self.rows.len() {
            let Some(row) = self.rows.get(r).map(|p| p.row) else {
                break;
            };
            let count = self.rows.get(r).map_or(0, |p| p.cells.len());
            for c in 0..count {
                let Some(p) = self.rows.get(r).and_then(|p| p.cells.get(c)) else {
                    break;
                };
                let (validity, lifetime) = (p.validity(fb, row, self.frame_echo_acked), p.lifetime);
                match validity {
                    Validity::IncorrectOrExpired => {
                        self.outcomes.cells_wrong += 1;
                        self.echo.learn(false);
                        if self.display == PredictionDisplay::Experimental {
                            self.reset_cell(r, c);
                        } else if lifetime.is_tentative(self.confirmed_epoch) {
                            self.outcomes.epochs_discarded += 1;
                            self.kill_epoch(lifetime.tentative_until_epoch, fb);
                        } else {
                            self.outcomes.epochs_discarded += 1;
                            self.reset();
                            return false;
                        }
                    }
                    Validity::Correct => {
                        self.outcomes.cells_confirmed += 1;
                        self.echo.learn(true);
                        self.confirm(lifetime, now);
                        let actual = fb.cell(row, c).rendition();
                        if let Some(rest) = self.rows.get_mut(r).and_then(|p| p.cells.get_mut(c..))
                        {
                            for later in rest {
                                later.replacement.set_rendition(actual);
                            }
                        }
                        self.reset_cell(r, c);
                    }
                    Validity::CorrectNoCredit => {
                        self.reset_cell(r, c);
                    }
                    Validity::Pending => self.note_pending(lifetime, now),
                    Validity::Inactive => {}
                }
            }
        }
        true
    }

    pub(super) fn reset_cell(&mut self, r: usize, c: usize) {
        if let Some(p) = self.rows.get_mut(r).and_then(|p| p.cells.get_mut(c)) {
            p.reset();
        }
    }

    pub(super) fn cull_cursors(&mut self, fb: &Framebuffer) {
        let newest_wrong = self
            .cursors
            .last()
            .is_some_and(|c| c.validity(fb, self.frame_echo_acked) == Validity::IncorrectOrExpired);
        if newest_wrong {
            if self.display == PredictionDisplay::Experimental {
                self.cursors.clear();
            } else {
                self.reset();
                return;
            }
        }
        let echo_acked = self.frame_echo_acked;
        self.cursors
            .retain(|c| c.validity(fb, echo_acked) == Validity::Pending);
    }

    /// Drops the predictions of `epoch` and later and starts a new epoch
    /// from the screen's real cursor.
    pub(super) fn kill_epoch(&mut self, epoch: u64, fb: &Framebuffer) {
        let before = epoch.saturating_sub(1);
        self.cursors.retain(|c| !c.lifetime.is_tentative(before));
        let (row, col) = fb.cursor();
        self.push_cursor(row, col);
        for p in self.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
            if p.lifetime.is_tentative(before) {
                p.reset();
            }
        }
        self.become_tentative();
    }
}
