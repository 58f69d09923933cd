//! The client's side of native scrollback (a mosh-rs server that keeps
//! it, and `--no-scrollback` unset): the lines each new server state
//! brings that were not shown yet, gathered after every datagram (a
//! later state may be built on an earlier one and not carry its lines)
//! and written into the user's terminal at the next draw.

use crate::statesync::CompleteTerminal;
use crate::terminal::HistoryLine;

/// Lines held for the next draw at most; beyond it the oldest are
/// counted as skipped (the terminal is not being drawn, e.g. suspended).
const MAX_PENDING_LINES: usize = 20_000;

/// History waiting to be written into the user's terminal.
#[derive(Debug, Default)]
pub(super) struct ScrollbackView {
    /// The lines before this number were shown (or skipped).
    shown: u64,
    /// Lines that left the server's log before they could be sent.
    skipped: u64,
    pending: Vec<HistoryLine>,
}

impl ScrollbackView {
    /// Takes in what `state` (the newest from the server) brought.
    pub(super) fn collect(&mut self, state: &CompleteTerminal) {
        let (skipped, lines) = state.unseen_history(self.shown);
        self.skipped += skipped;
        self.pending.extend_from_slice(lines);
        self.shown = self.shown.max(state.history_end());
        if self.pending.len() > MAX_PENDING_LINES {
            let excess = self.pending.len() - MAX_PENDING_LINES;
            self.pending.drain(..excess);
            self.skipped += excess as u64;
        }
    }

    /// Whether anything waits to be written.
    pub(super) fn has_pending(&self) -> bool {
        self.skipped > 0 || !self.pending.is_empty()
    }

    /// The skipped count and the lines to write now.
    pub(super) fn take(&mut self) -> (u64, Vec<HistoryLine>) {
        (
            std::mem::take(&mut self.skipped),
            std::mem::take(&mut self.pending),
        )
    }
}
