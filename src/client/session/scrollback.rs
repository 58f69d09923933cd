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
//!
//! A line that wraps into rows still on the server's screen is held back
//! until they come (for a second at most): written at the end of a batch
//! it could not be joined to them, and copying it from the terminal's
//! scrollback would give two lines.

use std::collections::VecDeque;

use crate::statesync::CompleteTerminal;
use crate::terminal::scrollback::{finished_lines, push_back_pulled_rows};
use crate::terminal::{encode_row, Framebuffer, HistoryLine};

/// Lines held for the next draw at most; beyond it the oldest are
/// counted as skipped (the terminal is not being drawn, e.g. suspended).
const MAX_PENDING_LINES: usize = 20_000;

/// How long the rows of a wrapped line wait for the rest of it; after
/// that they are written unjoined (the rest may never come: a screen that
/// is cleared sends nothing to the history).
const HOLD_FOR_CONTINUATION_MS: u64 = 1000;

/// History waiting to be written into the user's terminal.
#[derive(Debug)]
pub(super) struct ScrollbackView {
    /// The lines before this number were shown (or skipped).
    shown: u64,
    /// Lines that left the server's log before they could be sent.
    skipped: u64,
    pending: Vec<HistoryLine>,
    /// Since when the wrapped lines at the end of `pending` wait for the
    /// rest of their line.
    held_since: Option<u64>,
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
            held_since: None,
            terminal_rows: rows,
            lines_in_terminal: 0,
            pushed_by_resize: VecDeque::new(),
        }
    }

    /// Takes in what `state` (the newest from the server) brought at
    /// `now` (ms).
    pub(super) fn collect(&mut self, state: &CompleteTerminal, now: u64) {
        let (skipped, lines) = state.unseen_history(self.shown);
        self.take_in(skipped, lines, now);
        self.shown = self.shown.max(state.history_end());
    }

    fn take_in(&mut self, skipped: u64, lines: &[HistoryLine], now: u64) {
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
        if self.pending.last().is_some_and(|line| line.wrapped) {
            self.held_since.get_or_insert(now);
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

    /// Whether anything can be written at `now`.
    pub(super) fn has_pending(&self, now: u64) -> bool {
        self.skipped > 0 || self.due(now) > 0
    }

    /// When wrapped lines held back are to be written without the rest.
    pub(super) fn deadline(&self) -> Option<u64> {
        let since = self.held_since.filter(|_| !self.pending.is_empty())?;
        Some(since.saturating_add(HOLD_FOR_CONTINUATION_MS))
    }

    /// How many of the lines waiting can be written at `now`: those up to
    /// the last that ends a line, or all once the rest has waited long
    /// enough.
    fn due(&self, now: u64) -> usize {
        let waited = self.deadline().is_some_and(|at| now >= at);
        if waited {
            self.pending.len()
        } else {
            finished_lines(&self.pending)
        }
    }

    /// The skipped count and the lines to write at `now`.
    pub(super) fn take(&mut self, now: u64) -> (u64, Vec<HistoryLine>) {
        let due = self.due(now);
        let lines: Vec<HistoryLine> = self.pending.drain(..due).collect();
        if self.pending.is_empty() {
            self.held_since = None;
        } else if due > 0 {
            // What waits now is another line's start.
            self.held_since = Some(now);
        }
        self.hand_out(lines)
    }

    /// The skipped count and every line waiting, wrapped or not: for a
    /// terminal about to be given away.
    pub(super) fn take_all(&mut self) -> (u64, Vec<HistoryLine>) {
        self.held_since = None;
        let lines = std::mem::take(&mut self.pending);
        self.hand_out(lines)
    }

    fn hand_out(&mut self, lines: Vec<HistoryLine>) -> (u64, Vec<HistoryLine>) {
        let marker = u64::from(self.skipped > 0);
        self.lines_in_terminal += lines.len() as u64 + marker;
        (std::mem::take(&mut self.skipped), lines)
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
        view.take(0).1
    }

    #[test]
    fn rows_a_shorter_terminal_pushed_up_are_not_written_again() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b", "c", "d"]);
        // The cursor is on the bottom row: 5 -> 3 pushes a and b.
        assert!(view.terminal_resized(3, &shown).is_empty());
        view.take_in(0, &lines(&["a"]), 0);
        assert!(!view.has_pending(0));
        view.take_in(0, &lines(&["b", "c"]), 0);
        assert_eq!(written(&mut view), lines(&["c"]));
        view.take_in(0, &lines(&["a"]), 0);
        assert_eq!(written(&mut view), lines(&["a"]), "expected once only");
    }

    #[test]
    fn rows_below_the_cursor_go_first_and_nothing_is_pushed() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b"]);
        view.terminal_resized(3, &shown);
        view.take_in(0, &lines(&["a", "b"]), 0);
        assert_eq!(written(&mut view), lines(&["a", "b"]));
    }

    #[test]
    fn a_screen_that_changed_meanwhile_is_written_in_full() {
        let mut view = ScrollbackView::new(5);
        view.terminal_resized(3, &frame(5, &["a", "b", "c", "d"]));
        view.take_in(0, &lines(&["x", "a", "b"]), 0);
        assert_eq!(written(&mut view), lines(&["x", "a", "b"]));
    }

    #[test]
    fn lines_waiting_when_the_terminal_shrinks_are_checked_too() {
        let mut view = ScrollbackView::new(5);
        view.take_in(0, &lines(&["a"]), 0);
        view.terminal_resized(3, &frame(5, &["a", "b", "c", "d"]));
        assert!(!view.has_pending(0));
        view.take_in(0, &lines(&["b", "z"]), 0);
        assert_eq!(written(&mut view), lines(&["z"]));
    }

    #[test]
    fn rows_left_behind_at_a_suspend_are_not_written_again() {
        let mut view = ScrollbackView::new(5);
        let shown = frame(5, &["a", "b", "c"]);
        view.frame_left_behind(&shown, 3);
        view.take_in(0, &lines(&["a", "b"]), 0);
        assert!(!view.has_pending(0), "a and b are in the terminal already");
        view.take_in(0, &lines(&["c2", "d"]), 0);
        assert_eq!(written(&mut view), lines(&["c2", "d"]), "c changed since");
    }

    fn wrapped(text: &str) -> HistoryLine {
        HistoryLine {
            wrapped: true,
            ..HistoryLine::plain(text)
        }
    }

    #[test]
    fn a_wrapped_line_waits_for_the_rest_of_it() {
        let mut view = ScrollbackView::new(5);
        view.take_in(0, &[HistoryLine::plain("a"), wrapped("b1")], 100);
        assert_eq!(view.take(100).1, lines(&["a"]));
        assert!(!view.has_pending(500), "b1 waits for its continuation");
        assert_eq!(view.deadline(), Some(100 + HOLD_FOR_CONTINUATION_MS));
        view.take_in(0, &[HistoryLine::plain("b2"), wrapped("c1")], 600);
        assert_eq!(
            view.take(600).1,
            vec![wrapped("b1"), HistoryLine::plain("b2")]
        );
        assert_eq!(
            view.deadline(),
            Some(600 + HOLD_FOR_CONTINUATION_MS),
            "c1 waits afresh"
        );
    }

    #[test]
    fn a_wrapped_line_is_written_alone_when_the_rest_does_not_come() {
        let mut view = ScrollbackView::new(5);
        view.take_in(0, &[wrapped("b1")], 100);
        let at = 100 + HOLD_FOR_CONTINUATION_MS;
        assert!(!view.has_pending(at - 1));
        assert!(view.has_pending(at));
        assert_eq!(view.take(at).1, vec![wrapped("b1")]);
        assert_eq!(view.deadline(), None);
        view.take_in(0, &[wrapped("c1")], at);
        assert_eq!(view.take_all().1, vec![wrapped("c1")], "all, when leaving");
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
        view.take_in(0, &lines(&["1", "2", "3"]), 0);
        view.take(0);
        let pushed_back = view.terminal_resized(10, &shown);
        assert_eq!(pushed_back, push_back_pulled_rows(3, 10));
        assert!(view.terminal_resized(12, &shown).is_empty(), "all pulled");
    }
}
