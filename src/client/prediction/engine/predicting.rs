//! Predicting: what each typed byte will do to the screen as shown —
//! printing, backspace, cursor keys, Return — recorded as cell and
//! cursor predictions in the current epoch.

use super::super::input::Keystroke;
use super::super::overlay::{CellPrediction, CursorPrediction, Lifetime, RowPredictions};
use super::{PredictionDisplay, PredictionEngine, MAX_CURSOR_PREDICTIONS};
use crate::terminal::{char_width, Cell, Framebuffer};

impl PredictionEngine {
    /// Throws every prediction away.
    pub fn reset(&mut self) {
        self.cursors.clear();
        self.rows.clear();
        self.become_tentative();
    }

    /// Predicts the effect of one typed byte on `fb` (the screen as shown).
    pub fn new_user_byte(&mut self, byte: u8, fb: &Framebuffer, now: u64) {
        if self.display == PredictionDisplay::Never {
            return;
        }
        if self.echo.input_hidden() {
            // Nothing typed at a password prompt is ever predicted.
            self.reset();
            return;
        }
        if self.display == PredictionDisplay::Experimental {
            self.prediction_epoch = self.confirmed_epoch;
        }
        self.cull(fb, now);
        let mut keystrokes = std::mem::take(&mut self.keystrokes);
        keystrokes.clear();
        self.decoder.feed(byte, &mut keystrokes);
        for &keystroke in &keystrokes {
            self.predict(keystroke, fb, now);
        }
        self.keystrokes = keystrokes;
        if self.cursors.len() > MAX_CURSOR_PREDICTIONS {
            self.reset();
        }
    }

    pub(super) fn predict(&mut self, keystroke: Keystroke, fb: &Framebuffer, now: u64) {
        if keystroke != Keystroke::Unpredictable {
            self.rebase_after_newline();
            self.trust_a_fresh_epoch();
        }
        match keystroke {
            Keystroke::Print(ch) => self.predict_print(ch, fb, now),
            Keystroke::Backspace => self.predict_backspace(fb, now),
            Keystroke::CursorRight => self.predict_cursor_right(fb, now),
            Keystroke::CursorLeft => self.predict_cursor_left(fb, now),
            Keystroke::CarriageReturn => {
                self.become_tentative();
                self.newline_carriage_return(fb);
                let server_cursor = self.server_cursor.unwrap_or(fb.cursor());
                self.newline = Some((self.prediction_epoch, server_cursor));
            }
            Keystroke::Unpredictable => self.become_tentative(),
        }
    }

    pub(super) fn predict_print(&mut self, ch: char, fb: &Framebuffer, now: u64) {
        self.init_cursor(fb);
        let width = fb.width();
        let columns = char_width(ch);
        let (row, col) = self.cursor_position();
        if (ch as u32) < 0x20 || columns == 0 || col + columns > width || row >= fb.height() {
            // Combining marks, and wide characters that would wrap.
            self.become_tentative();
            return;
        }
        if col + columns >= width {
            // What the last column does differs between programs (a
            // shell puts the character there, an editor may wrap).
            self.become_tentative();
        }
        let frame = self.frame_sent + 1;
        let epoch = self.prediction_epoch;
        let overwrite = self.overwrite;
        let rendition = {
            let predictions = self.row_predictions(row, width);
            let left = col
                .checked_sub(1)
                .and_then(|c| predictions.cells.get(c))
                .filter(|p| p.is_active() && !p.unknown)
                .map(|p| p.replacement.rendition());
            match (left, col.checked_sub(1)) {
                (Some(r), _) => r,
                (None, Some(c)) => fb.cell(row, c).rendition(),
                (None, None) => fb.rendition(),
            }
        };
        let predictions = self.row_predictions(row, width);
        if !overwrite {
            shift_right(
                predictions,
                fb,
                row,
                col,
                columns,
                Lifetime::new(epoch, frame, now),
            );
        }
        let replacement = if columns == 2 {
            Cell::wide(ch, rendition)
        } else {
            Cell::narrow(ch, rendition)
        };
        let halves = [replacement, Cell::wide_continuation(rendition)];
        for (offset, cell) in halves.into_iter().take(columns).enumerate() {
            if let Some(p) = predictions.cells.get_mut(col + offset) {
                p.reset_keeping_original();
                p.lifetime = Lifetime::new(epoch, frame, now);
                p.unknown = false;
                p.replacement = cell;
                p.remember_original(*fb.cell(row, col + offset));
            }
        }
        self.expire_cursor(now);
        if col + columns < width {
            self.move_cursor_col(col + columns);
        } else {
            self.become_tentative();
            self.newline_carriage_return(fb);
        }
    }

    pub(super) fn predict_backspace(&mut self, fb: &Framebuffer, now: u64) {
        self.init_cursor(fb);
        let (row, col) = self.cursor_position();
        if col == 0 || row >= fb.height() {
            return;
        }
        let width = fb.width();
        let columns = if col >= 2 && self.shown_cell(fb, row, col - 1).is_wide_continuation() {
            2
        } else {
            1
        };
        let new_col = col - columns;
        self.move_cursor_col(new_col);
        self.expire_cursor(now);
        let lifetime = Lifetime::new(self.prediction_epoch, self.frame_sent + 1, now);
        let overwrite = self.overwrite;
        let predictions = self.row_predictions(row, width);
        if overwrite {
            for c in new_col..new_col + columns {
                if let Some(p) = predictions.cells.get_mut(c) {
                    let original = *fb.cell(row, c);
                    p.reset_keeping_original();
                    p.lifetime = lifetime;
                    p.unknown = false;
                    p.remember_original(original);
                    p.replacement = Cell::blank(original.rendition());
                }
            }
        } else {
            shift_left(predictions, fb, row, new_col, columns, lifetime);
        }
    }

    pub(super) fn predict_cursor_right(&mut self, fb: &Framebuffer, now: u64) {
        self.init_cursor(fb);
        let (row, col) = self.cursor_position();
        let columns = if self.shown_cell(fb, row, col).is_wide() {
            2
        } else {
            1
        };
        if col + columns < fb.width() {
            self.move_cursor_col(col + columns);
            self.expire_cursor(now);
        }
    }

    pub(super) fn predict_cursor_left(&mut self, fb: &Framebuffer, now: u64) {
        self.init_cursor(fb);
        let (row, col) = self.cursor_position();
        let columns = if col >= 2 && self.shown_cell(fb, row, col - 1).is_wide_continuation() {
            2
        } else {
            1
        };
        if col >= columns {
            self.move_cursor_col(col - columns);
            self.expire_cursor(now);
        }
    }

    /// The cell as it will look with the current predictions: the
    /// predicted one when known, else the screen's.
    pub(super) fn shown_cell(&self, fb: &Framebuffer, row: usize, col: usize) -> Cell {
        self.rows
            .iter()
            .find(|r| r.row == row)
            .and_then(|r| r.cells.get(col))
            .filter(|p| p.is_active() && !p.unknown)
            .map_or(*fb.cell(row, col), |p| p.replacement)
    }

    pub(super) fn newline_carriage_return(&mut self, fb: &Framebuffer) {
        self.init_cursor(fb);
        let (row, _) = self.cursor_position();
        self.move_cursor_col(0);
        // On the bottom row the screen will scroll and the cursor stays on
        // that row; the guesses for the line typed there move up with the
        // screen when the server's scroll is seen (`follow_scrolling`).
        if row + 1 < fb.height() {
            if let Some(cursor) = self.cursors.last_mut() {
                cursor.row = row + 1;
            }
        }
    }

    /// After Return, typing is guessed to continue at the start of the
    /// next row. If the server's cursor has moved since the Return (the
    /// program answered, e.g. with a new prompt) while that guess is still
    /// unconfirmed, the server's cursor is the better guess: start a new
    /// tentative epoch there. Upstream keeps the stale guess, so typing
    /// straight into a fresh prompt kills epoch after epoch; either way
    /// nothing tentative is ever shown.
    pub(super) fn rebase_after_newline(&mut self) {
        let Some((epoch, cursor_then)) = self.newline else {
            return;
        };
        let still_guessing = epoch == self.prediction_epoch && epoch > self.confirmed_epoch;
        if !still_guessing {
            self.newline = None;
            return;
        }
        let Some((row, col)) = self.server_cursor.filter(|&now| now != cursor_then) else {
            return;
        };
        self.newline = None;
        if self.echo.echo_trusted() {
            // The program has answered the Return and typing is known to
            // be echoed: what was guessed for the Return (never shown,
            // it was tentative) is dropped rather than judged, and the
            // new epoch starts confirmed at the server's cursor.
            self.cursors.clear();
            self.rows.clear();
            self.become_tentative();
            self.push_cursor(row, col);
            self.confirmed_epoch = self.prediction_epoch;
            return;
        }
        self.become_tentative();
        self.push_cursor(row, col);
    }

    pub(super) fn become_tentative(&mut self) {
        if self.display != PredictionDisplay::Experimental {
            self.prediction_epoch += 1;
        }
    }

    /// Makes sure a cursor prediction of the current epoch exists.
    pub(super) fn init_cursor(&mut self, fb: &Framebuffer) {
        match self.cursors.last() {
            None => {
                let (row, col) = fb.cursor();
                self.push_cursor(row, col);
            }
            Some(last) if last.lifetime.tentative_until_epoch != self.prediction_epoch => {
                let (row, col) = (last.row, last.col);
                self.push_cursor(row, col);
            }
            Some(_) => {}
        }
    }

    /// Predicts the cursor at (`row`, `col`) from now on, in the current
    /// epoch, until the next frame is sent.
    pub(super) fn push_cursor(&mut self, row: usize, col: usize) {
        let lifetime = Lifetime {
            active: true,
            tentative_until_epoch: self.prediction_epoch,
            expiration_frame: self.frame_sent + 1,
            predicted_at: u64::MAX,
        };
        self.cursors.push(CursorPrediction { row, col, lifetime });
    }

    pub(super) fn cursor_position(&self) -> (usize, usize) {
        self.cursors.last().map_or((0, 0), |c| (c.row, c.col))
    }

    pub(super) fn move_cursor_col(&mut self, col: usize) {
        if let Some(cursor) = self.cursors.last_mut() {
            cursor.col = col;
        }
    }

    pub(super) fn expire_cursor(&mut self, now: u64) {
        let frame = self.frame_sent + 1;
        if let Some(cursor) = self.cursors.last_mut() {
            cursor.lifetime.expire(frame, now);
        }
    }

    pub(super) fn row_predictions(&mut self, row: usize, width: usize) -> &mut RowPredictions {
        let index = match self.rows.iter().position(|r| r.row == row) {
            Some(index) => index,
            None => {
                self.rows.push(RowPredictions::new(row, width));
                self.rows.len() - 1
            }
        };
        &mut self.rows[index] // ok: index was found or just pushed
    }
}

/// Insert mode: the cells from `col` on move `columns` to the right to
/// make room; what is pushed into the last columns becomes unknown.
fn shift_right(
    predictions: &mut RowPredictions,
    fb: &Framebuffer,
    row: usize,
    col: usize,
    columns: usize,
    lifetime: Lifetime,
) {
    let width = predictions.cells.len();
    for i in (col + columns..width).rev() {
        let source = source_of(predictions, fb, row, i - columns);
        let last_columns = i + columns >= width;
        if let Some(p) = predictions.cells.get_mut(i) {
            p.reset_keeping_original();
            p.lifetime = lifetime;
            p.remember_original(*fb.cell(row, i));
            set_source(p, if last_columns { None } else { source });
        }
    }
}

/// Insert mode backspace: the cells after `col` move `columns` to the
/// left; what comes in at the right edge is unknown.
fn shift_left(
    predictions: &mut RowPredictions,
    fb: &Framebuffer,
    row: usize,
    col: usize,
    columns: usize,
    lifetime: Lifetime,
) {
    let width = predictions.cells.len();
    for i in col..width {
        let near_edge = i + columns + 1 >= width;
        let source = if near_edge {
            None
        } else {
            source_of(predictions, fb, row, i + columns)
        };
        if let Some(p) = predictions.cells.get_mut(i) {
            p.reset_keeping_original();
            p.lifetime = lifetime;
            p.remember_original(*fb.cell(row, i));
            set_source(p, source);
        }
    }
}

/// What column `col` will show before this keystroke: its known
/// prediction, or the screen; `None` when unknown.
fn source_of(
    predictions: &RowPredictions,
    fb: &Framebuffer,
    row: usize,
    col: usize,
) -> Option<Cell> {
    match predictions.cells.get(col) {
        Some(p) if p.is_active() => (!p.unknown).then_some(p.replacement),
        _ => Some(*fb.cell(row, col)),
    }
}

fn set_source(p: &mut CellPrediction, source: Option<Cell>) {
    match source {
        Some(cell) => {
            p.unknown = false;
            p.replacement = cell;
        }
        None => p.unknown = true,
    }
}
