//! The client's drawing: the composed frame written to the user's
//! terminal as a difference from what it shows, with history waiting fed
//! in above it (native scrollback), and the frame left behind when the
//! terminal is given away.

use super::scrollback::ScrollbackView;
use super::Client;
use crate::terminal::scrollback::{
    feed_history_and_repaint, leave_primary_under, rows_left_behind,
};
use crate::terminal::{render, Framebuffer, HistoryLine};

impl Client {
    /// Draws the composed frame, as a difference from what is shown. A
    /// terminal that can no longer be written (hung up) is left alone;
    /// the hangup itself ends the session.
    pub(super) fn draw(&mut self, now: u64) {
        if self.overlays.status.is_visible() {
            let lines = self.status_figures(now).overlay_lines();
            self.overlays.status.set_lines(&lines);
        }
        let frame = self
            .overlays
            .compose(self.transport.remote_state().framebuffer(), now);
        self.log_prediction_epochs();
        let history = self
            .scrollback
            .as_mut()
            .filter(|view| view.has_pending(now))
            .map(|view| view.take(now));
        self.present(frame, history);
    }

    /// Writes `frame`, with `history` (a skipped count and lines) fed in
    /// above it first.
    pub(super) fn present(&mut self, frame: Framebuffer, history: Option<(u64, Vec<HistoryLine>)>) {
        let history = history.filter(|(skipped, lines)| *skipped > 0 || !lines.is_empty());
        let mut bytes = match history {
            Some((skipped, lines)) => {
                feed_history_and_repaint(skipped, &lines, &frame, &self.render_caps)
            }
            None => {
                let previous = (!self.repaint).then_some(&self.shown);
                render(previous, &frame, &self.render_caps)
            }
        };
        self.repaint = false;
        self.clipboard
            .write_new_copy(self.transport.remote_state().framebuffer(), &mut bytes);
        self.shown = frame;
        if bytes.is_empty() || self.output_broken {
            return;
        }
        if let Some(terminal) = self.terminal.as_mut() {
            if terminal.write(&bytes).is_err() {
                self.output_broken = true;
            }
        }
    }

    /// With native scrollback, the session's last frame stays on the
    /// screen: the cursor goes under it, where the shell's prompt follows.
    fn park_cursor_under_frame(&mut self) {
        let bytes = leave_primary_under(&self.shown);
        if let Some(terminal) = self.terminal.as_mut() {
            let _ = terminal.write(&bytes);
        }
    }

    /// Before the terminal is given away (a suspend, ssh asking for a
    /// password, the end): with native scrollback, the server's
    /// screen is drawn without the client's layers (no bar or guess may
    /// reach the scrollback), history waiting included, and left behind
    /// with the cursor under it; the view then expects its rows back.
    pub(super) fn leave_the_frame_behind(&mut self) {
        if self.scrollback.is_none() || self.output_broken {
            return;
        }
        let frame = self.transport.remote_state().framebuffer().clone();
        let history = self.scrollback.as_mut().map(ScrollbackView::take_all);
        self.present(frame, history);
        self.park_cursor_under_frame();
        if let Some(view) = self.scrollback.as_mut() {
            view.frame_left_behind(&self.shown, rows_left_behind(&self.shown));
        }
    }
}
