//! The client's side of native scrollback (a mosh-rs server that keeps
//! it, and `--no-scrollback` unset): the lines each new server state
//! brings that were not shown yet, gathered after every datagram (a
//! later state may be built on an earlier one and not carry its lines)
//! and written into the user's terminal at the next draw.
//!
//! A resize of the user's window moves lines between the terminal's
//! screen and its scrollback by itself (xterm, tmux, VTE, kitty and
//! Alacritty alike keep the cursor's row in view): a shorter window
//! pushes the top rows of the frame into the scrollback (after the rows
//! below the cursor are dropped), where the server's history will bring
//! them again; a taller one pulls the newest lines of the scrollback down
//! above the frame, where the next repaint would draw over them. The view
//! leaves out the first and pushes the second back up. The same holds
//! for the frame left on the screen when the terminal is given away (a
//! suspend): its rows reach the scrollback without the session.

use std::collections::VecDeque;

use crate::statesync::CompleteTerminal;
use crate::terminal::scrollback::push_back_pulled_rows;
use crate::terminal::{encode_row, Framebuffer, HistoryLine};

/// Lines held for the next draw at most; beyond it the oldest are
/// counted as skipped (the terminal is not being drawn, e.g. suspended).
const MAX_PENDING_LINES: usize = 20_000;

/// History waiting to be written into the user's terminal.
#[derive(Debug)]
pub(super) struct ScrollbackView {
    /// The lines before this number were shown (or skipped).
    shown: u64,
    /// Lines that left the server's log before they could be sent.
    skipped: u64,
    pending: Vec<HistoryLine>,
    /// The user's terminal's rows, as last known.
    terminal_rows: usize,
    /// Lines the session put into the terminal's scrollback (and did not
    /// take back): as many as a taller window can have pulled down.
    lines_in_terminal: u64,
    /// Rows the terminal pushed into its scrollback when it got shorter,
    /// oldest first: when history brings them next, they are not written.
    pushed_by_resize: VecDeque<HistoryLine>,
}

impl ScrollbackView {
    /// A view for a terminal of `rows` rows.
    pub(super) fn new(rows: usize) -> ScrollbackView {
        ScrollbackView {
            shown: 0,
            skipped: 0,
            pending: Vec::new(),
            terminal_rows: rows,
            lines_in_terminal: 0,
            pushed_by_resize: VecDeque::new(),
        }
    }

    /// Takes in what `state` (the newest from the server) brought.
    pub(super) fn collect(&mut self, state: &CompleteTerminal) {
        let (skipped, lines) = state.unseen_history(self.shown);
        self.take_in(skipped, lines);
        self.shown = self.shown.max(state.history_end());
    }

    fn take_in(&mut self, skipped: u64, lines: &[HistoryLine]) {
        if skipped > 0 {
            self.pushed_by_resize.clear();
        }
        self.skipped += skipped;
        self.pending.extend_from_slice(lines);
        self.drop_lines_the_terminal_has();
        if self.pending.len() > MAX_PENDING_LINES {
            let excess = self.pending.len() - MAX_PENDING_LINES;
            self.pending.drain(..excess);
            self.skipped += excess as u64;
        }
    }

    /// The user's terminal now has `rows` rows, with `shown` on it before
    /// the resize. Returns what to write to it at once (then repaint in
    /// full): the lines a taller terminal pulled down, pushed back up.
    pub(super) fn terminal_resized(&mut self, rows: usize, shown: &Framebuffer) -> Vec<u8> {
        let before = std::mem::replace(&mut self.terminal_rows, rows);
        if rows > before {
            let pulled = ((rows - before) as u64).min(self.lines_in_terminal);
            self.lines_in_terminal -= pulled;
            return push_back_pulled_rows(pulled as usize, rows);
        }
        let cursor_row = shown.cursor().0.min(before.saturating_sub(1));
        let below_cursor = before - 1 - cursor_row;
        let pushed = (before - rows).saturating_sub(below_cursor);
        let pushed_rows = (0..pushed.min(shown.height())).map(|r| encode_row(shown.row(r)));
        self.pushed_by_resize.extend(pushed_rows);
        self.lines_in_terminal += pushed as u64;
        self.drop_lines_the_terminal_has();
        Vec::new()
    }

    /// The client gave the terminal away (a suspend, ssh asking for a
    /// password) with the top `rows` rows of `shown` left on the screen:
    /// the user's shell pushes them into the scrollback, or the next
    /// start of drawing does, so when history brings them they are not
    /// written again. Call with nothing pending (after a draw).
    pub(super) fn frame_left_behind(&mut self, shown: &Framebuffer, rows: usize) {
        let rows = rows.min(shown.height());
        self.pushed_by_resize
            .extend((0..rows).map(|r| encode_row(shown.row(r))));
        self.lines_in_terminal += rows as u64;
    }

    /// Leaves out the lines at the front of those waiting that the
    /// terminal pushed into its scrollback itself; stops expecting them
    /// at the first line that differs (the screen changed meanwhile).
    fn drop_lines_the_terminal_has(&mut self) {
        let mut same = 0;
        while let (Some(expected), Some(line)) =
            (self.pushed_by_resize.front(), self.pending.get(same))
        {
            if expected != line {
                self.pushed_by_resize.clear();
                break;
            }
            self.pushed_by_resize.pop_front();
            same += 1;
        }
        self.pending.drain(..same);
    }

    /// Whether anything waits to be written.
    pub(super) fn has_pending(&self) -> bool {
        self.skipped > 0 || !self.pending.is_empty()
    }

    /// The skipped count and the lines to write now.
    pub(super) fn take(&mut self) -> (u64, Vec<HistoryLine>) {
        let marker = u64::from(self.skipped > 0);
        self.lines_in_terminal += self.pending.len() as u64 + marker;
        (
            std::mem::take(&mut self.skipped),
            std::mem::take(&mut self.pending),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Emulator;

    fn lines(texts: &[&str]) -> Vec<HistoryLine> {
        texts.iter().map(|t| HistoryLine::plain(t)).collect()
    }

    /// A `rows`-row frame showing `texts` from the top, the cursor on the
    /// row after them.
    fn frame(rows: usize, texts: &[&str]) -> Framebuffer {
        let mut e = Emulator::new(20, rows);
        e.feed(texts.join("\r\n").as_bytes());
        e.feed(b"\r\n");
        e.framebuffer().clone()
    }

    fn written(view: &mut ScrollbackView) -> Vec<HistoryLine> {
        view.take().1
    }

    #[test]
    fn rows_a_shorter_terminal_pushed_up_are_not_written_again() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b", "c", "d"]);
        // The cursor is on the bottom row: 5 -> 3 pushes a and b.
        assert!(view.terminal_resized(3, &shown).is_empty());
        view.take_in(0, &lines(&["a"]));
        assert!(!view.has_pending());
        view.take_in(0, &lines(&["b", "c"]));
        assert_eq!(written(&mut view), lines(&["c"]));
        view.take_in(0, &lines(&["a"]));
        assert_eq!(written(&mut view), lines(&["a"]), "expected once only");
    }

    #[test]
    fn rows_below_the_cursor_go_first_and_nothing_is_pushed() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b"]);
        view.terminal_resized(3, &shown);
        view.take_in(0, &lines(&["a", "b"]));
        assert_eq!(written(&mut view), lines(&["a", "b"]));
    }

    #[test]
    fn a_screen_that_changed_meanwhile_is_written_in_full() {
        let mut view = ScrollbackView::new(5);
        view.terminal_resized(3, &frame(5, &["a", "b", "c", "d"]));
        view.take_in(0, &lines(&["x", "a", "b"]));
        assert_eq!(written(&mut view), lines(&["x", "a", "b"]));
    }

    #[test]
    fn lines_waiting_when_the_terminal_shrinks_are_checked_too() {
        let mut view = ScrollbackView::new(5);
        view.take_in(0, &lines(&["a"]));
        view.terminal_resized(3, &frame(5, &["a", "b", "c", "d"]));
        assert!(!view.has_pending());
        view.take_in(0, &lines(&["b", "z"]));
        assert_eq!(written(&mut view), lines(&["z"]));
    }

    #[test]
    fn rows_left_behind_at_a_suspend_are_not_written_again() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b", "c"]);
        view.frame_left_behind(&shown, 3);
        view.take_in(0, &lines(&["a", "b"]));
        assert!(!view.has_pending(), "a and b are in the terminal already");
        view.take_in(0, &lines(&["c2", "d"]));
        assert_eq!(written(&mut view), lines(&["c2", "d"]), "c changed since");
    }

    #[test]
    fn a_taller_terminal_gets_back_no_more_lines_than_the_session_wrote() {
        let mut view = ScrollbackView::new(3);
        let shown = frame(3, &["a", "b"]);
        assert!(
            view.terminal_resized(5, &shown).is_empty(),
            "nothing written yet"
        );
        view.terminal_resized(3, &shown);
        view.take_in(0, &lines(&["1", "2", "3"]));
        view.take();
        let pushed_back = view.terminal_resized(10, &shown);
        assert_eq!(pushed_back, push_back_pulled_rows(3, 10));
        assert!(view.terminal_resized(12, &shown).is_empty(), "all pulled");
    }
}
