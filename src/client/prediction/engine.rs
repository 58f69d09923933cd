//! The prediction engine: guesses what each keystroke will do to the
//! screen, shows the guesses when the link is slow, and takes them back
//! as soon as the server's screen disagrees.
//!
//! Predictions are grouped in epochs. A keystroke whose effect is hard to
//! foresee (Return, a control key, an escape sequence, the last column)
//! starts a new, tentative epoch; its predictions stay hidden until one of
//! them is confirmed by the server's screen, so a program that stops
//! echoing (a password prompt) never shows a typed character. A wrong
//! prediction in a tentative epoch kills that epoch; a wrong one in a
//! confirmed epoch throws every prediction away.
//!
//! Whether predictions are shown at all depends on
//! [`PredictionDisplay`]: adaptively, they appear when the frame interval
//! says the round trip is slow or when a prediction stayed pending for
//! long (a glitch), and they are underlined on slower links still, each
//! switch with hysteresis so the display does not flicker.

use super::display_mode::PredictionDisplay;
use super::input::{InputDecoder, Keystroke};
use super::overlay::{CellPrediction, CursorPrediction, Lifetime, RowPredictions, Validity};
use crate::terminal::{char_width, Cell, Framebuffer};

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
const GLITCH_REPAIR_COUNT: u32 = 10;
/// Least time (ms) between two quick confirmations that count.
const GLITCH_REPAIR_MIN_INTERVAL: u64 = 150;
/// A prediction pending this long (ms) also turns on underlining.
const GLITCH_FLAG_THRESHOLD: u64 = 5000;
/// How often (ms) the engine wants to re-judge while timing triggers may
/// still fire.
const TIMING_CHECK_INTERVAL: u64 = 50;
/// More pending cursor predictions than this means the server is not
/// answering at all; start over rather than grow.
const MAX_CURSOR_PREDICTIONS: usize = 1024;
/// A read of more bytes than this is a paste: no predictions for it.
pub const PASTE_THRESHOLD: usize = 100;

/// How the predictions fared so far, for the status view and the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PredictionOutcomes {
    /// Predicted cells the server's screen confirmed.
    pub cells_confirmed: u64,
    /// Predicted cells the server's screen contradicted (or that expired).
    pub cells_wrong: u64,
    /// Epochs thrown away because a prediction in them was wrong.
    pub epochs_discarded: u64,
}

/// Guesses the effect of typing on the screen. All times are `now`
/// milliseconds from the caller's clock.
#[derive(Clone, Debug)]
pub struct PredictionEngine {
    display: PredictionDisplay,
    overwrite: bool,
    decoder: InputDecoder,
    keystrokes: Vec<Keystroke>,
    rows: Vec<RowPredictions>,
    /// The newest is last; never empty while predicting.
    cursors: Vec<CursorPrediction>,
    /// Newest user state number sent before the current keystrokes.
    frame_sent: u64,
    /// Newest user state the server acknowledged receiving.
    frame_acked: u64,
    /// Newest user state the server says reached the program (echo ack).
    frame_echo_acked: u64,
    prediction_epoch: u64,
    confirmed_epoch: u64,
    /// Underline predictions.
    flagging: bool,
    /// Show predictions because the round trip is slow.
    srtt_trigger: bool,
    /// Show predictions because some took long to confirm; counts down
    /// with quick confirmations.
    glitch_trigger: u32,
    last_quick_confirmation: u64,
    /// The transport's frame interval (ms), half the smoothed RTT.
    send_interval: u64,
    last_size: (usize, usize),
    /// Where the server's screen has its cursor, as last seen.
    server_cursor: Option<(usize, usize)>,
    /// The epoch a Return started and the server's cursor at that time.
    newline: Option<(u64, (usize, usize))>,
    outcomes: PredictionOutcomes,
}

impl PredictionEngine {
    /// An engine with nothing predicted.
    pub fn new(display: PredictionDisplay, overwrite: bool) -> PredictionEngine {
        PredictionEngine {
            display,
            overwrite,
            decoder: InputDecoder::default(),
            keystrokes: Vec::new(),
            rows: Vec::new(),
            cursors: Vec::new(),
            frame_sent: 0,
            frame_acked: 0,
            frame_echo_acked: 0,
            prediction_epoch: 1,
            confirmed_epoch: 0,
            flagging: false,
            srtt_trigger: false,
            glitch_trigger: 0,
            last_quick_confirmation: 0,
            send_interval: 250,
            last_size: (0, 0),
            server_cursor: None,
            newline: None,
            outcomes: PredictionOutcomes::default(),
        }
    }

    // ----- what the transport says -----

    /// The newest user state sent; keystrokes that follow are in a later one.
    pub fn set_frame_sent(&mut self, num: u64) {
        self.frame_sent = num;
    }

    /// The newest user state the server acknowledged.
    pub fn set_frame_acked(&mut self, num: u64) {
        self.frame_acked = num;
    }

    /// The server's echo ack: the newest user state the program has seen.
    pub fn set_echo_acked(&mut self, num: u64) {
        self.frame_echo_acked = num;
    }

    /// The transport's frame interval (ms).
    pub fn set_send_interval(&mut self, ms: u64) {
        self.send_interval = ms;
    }

    /// The server's newest screen has its cursor at `(row, col)`.
    pub fn set_server_cursor(&mut self, cursor: (usize, usize)) {
        self.server_cursor = Some(cursor);
    }

    // ----- state, for the display and tests -----

    /// Whether predictions are drawn at all right now.
    pub fn is_showing(&self) -> bool {
        match self.display {
            PredictionDisplay::Never => false,
            PredictionDisplay::Always | PredictionDisplay::Experimental => true,
            PredictionDisplay::Adaptive => self.srtt_trigger || self.glitch_trigger > 0,
        }
    }

    /// How the predictions fared so far.
    pub fn outcomes(&self) -> PredictionOutcomes {
        self.outcomes
    }

    /// The newest epoch a correct prediction confirmed.
    pub fn confirmed_epoch(&self) -> u64 {
        self.confirmed_epoch
    }

    /// Whether shown predictions are underlined.
    pub fn is_flagging(&self) -> bool {
        self.flagging
    }

    /// Whether any prediction is outstanding.
    pub fn is_active(&self) -> bool {
        !self.cursors.is_empty()
            || self
                .rows
                .iter()
                .any(|r| r.cells.iter().any(CellPrediction::is_active))
    }

    /// How soon (ms) the engine wants to be consulted again, if at all:
    /// while predictions are pending and a timing trigger may still fire.
    pub fn wait_time(&self) -> Option<u64> {
        let timing_tests_necessary = !(self.glitch_trigger > 0 && self.flagging);
        (timing_tests_necessary && self.is_active()).then_some(TIMING_CHECK_INTERVAL)
    }

    // ----- predicting -----

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

    fn predict(&mut self, keystroke: Keystroke, fb: &Framebuffer, now: u64) {
        if keystroke != Keystroke::Unpredictable {
            self.rebase_after_newline();
        }
        match keystroke {
            Keystroke::Print(ch) => self.predict_print(ch, fb, now),
            Keystroke::Backspace => self.predict_backspace(fb, now),
            Keystroke::CursorRight => self.predict_cursor_right(fb, now),
            Keystroke::CursorLeft => self.predict_cursor_left(fb, now),
            Keystroke::CarriageReturn => {
                self.become_tentative();
                self.newline_carriage_return(fb, now);
                let server_cursor = self.server_cursor.unwrap_or(fb.cursor());
                self.newline = Some((self.prediction_epoch, server_cursor));
            }
            Keystroke::Unpredictable => self.become_tentative(),
        }
    }

    fn predict_print(&mut self, ch: char, fb: &Framebuffer, now: u64) {
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
            self.newline_carriage_return(fb, now);
        }
    }

    fn predict_backspace(&mut self, fb: &Framebuffer, now: u64) {
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

    fn predict_cursor_right(&mut self, fb: &Framebuffer, now: u64) {
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

    fn predict_cursor_left(&mut self, fb: &Framebuffer, now: u64) {
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
    fn shown_cell(&self, fb: &Framebuffer, row: usize, col: usize) -> Cell {
        self.rows
            .iter()
            .find(|r| r.row == row)
            .and_then(|r| r.cells.get(col))
            .filter(|p| p.is_active() && !p.unknown)
            .map_or(*fb.cell(row, col), |p| p.replacement)
    }

    fn newline_carriage_return(&mut self, fb: &Framebuffer, now: u64) {
        self.init_cursor(fb);
        let (row, _) = self.cursor_position();
        self.move_cursor_col(0);
        if row + 1 >= fb.height() {
            // The screen will scroll; predicting that needs more than
            // per-cell guesses, so only predict a blank last row.
            let lifetime = Lifetime::new(self.prediction_epoch, self.frame_sent + 1, now);
            let predictions = self.row_predictions(row, fb.width());
            for p in &mut predictions.cells {
                p.lifetime = lifetime;
                p.replacement = Cell::blank(p.replacement.rendition());
            }
        } else if let Some(cursor) = self.cursors.last_mut() {
            cursor.row = row + 1;
        }
    }

    /// After Return, typing is guessed to continue at the start of the
    /// next row. If the server's cursor has moved since the Return (the
    /// program answered, e.g. with a new prompt) while that guess is still
    /// unconfirmed, the server's cursor is the better guess: start a new
    /// tentative epoch there. Upstream keeps the stale guess, so typing
    /// straight into a fresh prompt kills epoch after epoch; either way
    /// nothing tentative is ever shown.
    fn rebase_after_newline(&mut self) {
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
        self.become_tentative();
        self.cursors.push(CursorPrediction {
            row,
            col,
            lifetime: Lifetime {
                active: true,
                tentative_until_epoch: self.prediction_epoch,
                expiration_frame: self.frame_sent + 1,
                predicted_at: u64::MAX,
            },
        });
    }

    fn become_tentative(&mut self) {
        if self.display != PredictionDisplay::Experimental {
            self.prediction_epoch += 1;
        }
    }

    /// Makes sure a cursor prediction of the current epoch exists.
    fn init_cursor(&mut self, fb: &Framebuffer) {
        let lifetime = Lifetime {
            active: true,
            tentative_until_epoch: self.prediction_epoch,
            expiration_frame: self.frame_sent + 1,
            predicted_at: u64::MAX,
        };
        match self.cursors.last() {
            None => {
                let (row, col) = fb.cursor();
                self.cursors.push(CursorPrediction { row, col, lifetime });
            }
            Some(last) if last.lifetime.tentative_until_epoch != self.prediction_epoch => {
                let (row, col) = (last.row, last.col);
                self.cursors.push(CursorPrediction { row, col, lifetime });
            }
            Some(_) => {}
        }
    }

    fn cursor_position(&self) -> (usize, usize) {
        self.cursors.last().map_or((0, 0), |c| (c.row, c.col))
    }

    fn move_cursor_col(&mut self, col: usize) {
        if let Some(cursor) = self.cursors.last_mut() {
            cursor.col = col;
        }
    }

    fn expire_cursor(&mut self, now: u64) {
        let frame = self.frame_sent + 1;
        if let Some(cursor) = self.cursors.last_mut() {
            cursor.lifetime.expire(frame, now);
        }
    }

    fn row_predictions(&mut self, row: usize, width: usize) -> &mut RowPredictions {
        let index = match self.rows.iter().position(|r| r.row == row) {
            Some(index) => index,
            None => {
                self.rows.push(RowPredictions::new(row, width));
                self.rows.len() - 1
            }
        };
        &mut self.rows[index] // ok: index was found or just pushed
    }

    // ----- judging -----

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
        if !self.cull_cells(fb, now) {
            return;
        }
        self.cull_cursors(fb);
    }

    fn update_triggers(&mut self) {
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

    /// Judges the cell predictions; false if everything was reset.
    fn cull_cells(&mut self, fb: &Framebuffer, now: u64) -> bool {
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

    fn reset_cell(&mut self, r: usize, c: usize) {
        if let Some(p) = self.rows.get_mut(r).and_then(|p| p.cells.get_mut(c)) {
            p.reset();
        }
    }

    /// A correct prediction confirms its epoch; a quick one also cures
    /// the glitch display a little.
    fn confirm(&mut self, lifetime: Lifetime, now: u64) {
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
    fn note_pending(&mut self, lifetime: Lifetime, now: u64) {
        let age = lifetime.age(now);
        if age >= GLITCH_FLAG_THRESHOLD {
            self.glitch_trigger = GLITCH_REPAIR_COUNT * 2;
        } else if age >= GLITCH_THRESHOLD && self.glitch_trigger < GLITCH_REPAIR_COUNT {
            self.glitch_trigger = GLITCH_REPAIR_COUNT;
        }
    }

    fn cull_cursors(&mut self, fb: &Framebuffer) {
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
    fn kill_epoch(&mut self, epoch: u64, fb: &Framebuffer) {
        let before = epoch.saturating_sub(1);
        self.cursors.retain(|c| !c.lifetime.is_tentative(before));
        let (row, col) = fb.cursor();
        self.cursors.push(CursorPrediction {
            row,
            col,
            lifetime: Lifetime {
                active: true,
                tentative_until_epoch: self.prediction_epoch,
                expiration_frame: self.frame_sent + 1,
                predicted_at: u64::MAX,
            },
        });
        for p in self.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
            if p.lifetime.is_tentative(before) {
                p.reset();
            }
        }
        self.become_tentative();
    }

    // ----- showing -----

    /// Draws the predictions that are due onto `fb`.
    pub fn apply(&self, fb: &mut Framebuffer) {
        if !self.is_showing() {
            return;
        }
        for cursor in &self.cursors {
            cursor.apply(fb, self.confirmed_epoch);
        }
        for row in &self.rows {
            row.apply(fb, self.confirmed_epoch, self.flagging);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Attrs, Emulator};

    /// A screen 20x5 showing what `bytes` draw.
    fn screen(bytes: &[u8]) -> Framebuffer {
        let mut e = Emulator::new(20, 5);
        e.feed(bytes);
        e.framebuffer().clone()
    }

    /// An 80x5 screen showing what `bytes` draw.
    fn wide_screen(bytes: &[u8]) -> Framebuffer {
        let mut e = Emulator::new(80, 5);
        e.feed(bytes);
        e.framebuffer().clone()
    }

    fn first_line(fb: &Framebuffer) -> String {
        fb.text().lines().next().unwrap_or_default().to_string()
    }

    fn shown(engine: &PredictionEngine, fb: &Framebuffer) -> Framebuffer {
        let mut out = fb.clone();
        engine.apply(&mut out);
        out
    }

    /// An engine on a 100 ms frame interval (a 200 ms round trip) that
    /// has seen `$ a` confirmed, so its epoch is live; returns it with
    /// the server's screen and the next user state number.
    fn confirmed_on_slow_link(display: PredictionDisplay) -> (PredictionEngine, Framebuffer) {
        let mut engine = PredictionEngine::new(display, false);
        engine.set_send_interval(100);
        let prompt = screen(b"$ ");
        engine.cull(&prompt, 0);
        engine.set_frame_sent(0);
        engine.new_user_byte(b'a', &prompt, 0);
        assert_eq!(
            first_line(&shown(&engine, &prompt)),
            "$",
            "the first guess of an epoch stays hidden"
        );
        let echoed = screen(b"$ a");
        engine.set_echo_acked(1);
        engine.cull(&echoed, 200);
        (engine, echoed)
    }

    #[test]
    fn typing_shows_underlined_at_once_after_the_epoch_is_confirmed() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        let before = shown(&engine, &server);
        engine.new_user_byte(b'b', &before, 210);
        engine.new_user_byte(b'c', &before, 220);
        let now = shown(&engine, &server);
        assert_eq!(first_line(&now), "$ abc");
        assert_eq!(now.cursor(), (0, 5));
        assert!(now.cell(0, 3).rendition().attrs.contains(Attrs::UNDERLINE));
        assert!(now.cell(0, 4).rendition().attrs.contains(Attrs::UNDERLINE));
        assert!(!now.cell(0, 2).rendition().attrs.contains(Attrs::UNDERLINE));

        // The server echoes; the predictions are judged right and retire.
        let echoed = screen(b"$ abc");
        engine.set_echo_acked(2);
        engine.cull(&echoed, 420);
        assert!(!engine.is_active());
        assert_eq!(shown(&engine, &echoed), echoed);
    }

    #[test]
    fn a_wrong_guess_disappears_once_the_server_has_seen_the_key() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'x', &server, 210);
        assert_eq!(first_line(&shown(&engine, &server)), "$ ax");
        // Not yet processed: the guess stays.
        engine.cull(&server, 300);
        assert_eq!(first_line(&shown(&engine, &server)), "$ ax");
        // The program showed something else.
        let actual = screen(b"$ aX");
        engine.set_echo_acked(2);
        engine.cull(&actual, 420);
        assert_eq!(shown(&engine, &actual), actual);
        assert!(!engine.is_active());
    }

    #[test]
    fn a_password_prompt_never_shows_typed_characters() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'\r', &server, 210);
        let prompt = screen(b"$ a\r\nPassword: ");
        engine.set_echo_acked(2);
        engine.cull(&prompt, 400);
        let mut frame = 2;
        let mut now = 500;
        for &b in b"hunter2" {
            engine.set_frame_sent(frame);
            let before = shown(&engine, &prompt);
            engine.new_user_byte(b, &before, now);
            assert_eq!(shown(&engine, &prompt), prompt, "nothing typed shows");
            frame += 1;
            now += 100;
            engine.set_echo_acked(frame);
            engine.cull(&prompt, now + 200);
            assert_eq!(shown(&engine, &prompt), prompt);
        }
    }

    #[test]
    fn insert_and_overwrite_in_the_middle_of_a_line() {
        for (overwrite, expected) in [(false, "$ aZbc"), (true, "$ aZc")] {
            let (mut engine, _) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
            engine.overwrite = overwrite;
            engine.set_frame_sent(1);
            // The server's line is `$ abc` with the cursor on the `b`.
            let server = screen(b"$ abc\x1b[4G");
            engine.new_user_byte(b'Z', &server, 210);
            let out = shown(&engine, &server);
            assert_eq!(first_line(&out), expected, "overwrite={overwrite}");
            assert_eq!(out.cursor(), (0, 4));
            let echoed = screen(format!("{expected}\x1b[5G").as_bytes());
            engine.set_echo_acked(2);
            engine.cull(&echoed, 400);
            assert!(!engine.is_active(), "overwrite={overwrite}");
            assert_eq!(shown(&engine, &echoed), echoed);
        }
    }

    #[test]
    fn typing_straight_into_a_new_prompt_follows_the_servers_cursor() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.set_server_cursor(server.cursor());
        engine.new_user_byte(b'\r', &server, 210);
        // The program answered with a new prompt; the echo ack of the
        // Return has not arrived yet.
        let prompt = screen(b"$ a\r\nout\r\n$ ");
        engine.set_server_cursor(prompt.cursor());
        engine.cull(&prompt, 400);
        engine.set_frame_sent(2);
        engine.new_user_byte(b'l', &prompt, 410);
        assert_eq!(shown(&engine, &prompt), prompt, "a new epoch stays hidden");
        // The server echoes the `l` where the prompt left the cursor.
        let echoed = screen(b"$ a\r\nout\r\n$ l");
        engine.set_server_cursor(echoed.cursor());
        engine.set_echo_acked(3);
        engine.cull(&echoed, 700);
        engine.set_frame_sent(3);
        engine.new_user_byte(b's', &echoed, 710);
        let out = shown(&engine, &echoed);
        assert_eq!(out.text().lines().nth(2), Some("$ ls"), "confirmed at once");
        assert_eq!(out.cursor(), (2, 4));
    }

    #[test]
    fn backspace_and_arrows_move_the_predicted_cursor() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        for &b in b"bcd" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 210);
        }
        for &b in b"\x1b[D\x1b[D\x7f" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 220);
        }
        let out = shown(&engine, &server);
        assert_eq!(first_line(&out), "$ acd");
        assert_eq!(out.cursor(), (0, 3));
        for &b in b"\x1b[C" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 230);
        }
        assert_eq!(shown(&engine, &server).cursor(), (0, 4));
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        for &b in "漢字".as_bytes() {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 210);
        }
        let out = shown(&engine, &server);
        assert_eq!(first_line(&out), "$ a漢字");
        assert_eq!(out.cursor(), (0, 7));
        let echoed = screen("$ a漢字".as_bytes());
        engine.set_echo_acked(2);
        engine.cull(&echoed, 400);
        assert!(!engine.is_active());
        for &b in b"\x7f" {
            let before = shown(&engine, &echoed);
            engine.new_user_byte(b, &before, 410);
        }
        engine.set_frame_sent(2);
        let out = shown(&engine, &echoed);
        assert_eq!(out.cursor(), (0, 5));
    }

    #[test]
    fn adaptive_display_follows_the_frame_interval_with_hysteresis() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Adaptive, false);
        let fb = screen(b"$ ");
        let at = |ms: u64, engine: &mut PredictionEngine| {
            engine.set_send_interval(ms);
            engine.cull(&fb, 0);
            (engine.is_showing(), engine.is_flagging())
        };
        assert_eq!(at(20, &mut engine), (false, false));
        assert_eq!(at(30, &mut engine), (false, false));
        assert_eq!(at(31, &mut engine), (true, false));
        assert_eq!(at(25, &mut engine), (true, false), "hysteresis");
        assert_eq!(at(81, &mut engine), (true, true));
        assert_eq!(at(60, &mut engine), (true, true), "hysteresis");
        assert_eq!(at(50, &mut engine), (true, false));
        assert_eq!(at(20, &mut engine), (false, false));
    }

    #[test]
    fn a_slow_confirmation_on_a_fast_link_turns_the_display_on() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Adaptive, false);
        engine.set_send_interval(20);
        let fb = wide_screen(b"$ ");
        engine.cull(&fb, 0);
        engine.new_user_byte(b'a', &fb, 0);
        engine.cull(&fb, 100);
        assert!(!engine.is_showing());
        assert_eq!(engine.wait_time(), Some(TIMING_CHECK_INTERVAL));
        engine.cull(&fb, 300);
        assert!(engine.is_showing(), "pending for 300 ms is a glitch");
        assert!(!engine.is_flagging());
        engine.cull(&fb, 5_000);
        engine.cull(&fb, 5_050);
        assert!(engine.is_flagging(), "pending for 5 s also underlines");

        // Quick confirmations, at least 150 ms apart, cure it.
        let mut frame = 1;
        let mut now = 6_000;
        let mut text = String::from("$ a");
        engine.set_echo_acked(1);
        engine.cull(&wide_screen(text.as_bytes()), now);
        for _ in 0..(2 * GLITCH_REPAIR_COUNT) {
            engine.set_frame_sent(frame);
            let server = wide_screen(text.as_bytes());
            engine.new_user_byte(b'x', &server, now);
            text.push('x');
            frame += 1;
            now += 160;
            engine.set_echo_acked(frame);
            engine.cull(&wide_screen(text.as_bytes()), now);
        }
        assert!(!engine.is_showing());
    }

    #[test]
    fn never_shows_nothing_and_always_shows_on_fast_links() {
        let fb = screen(b"$ ");
        let mut never = PredictionEngine::new(PredictionDisplay::Never, false);
        never.new_user_byte(b'a', &fb, 0);
        assert!(!never.is_active());
        let (mut always, server) = {
            let mut engine = PredictionEngine::new(PredictionDisplay::Always, false);
            engine.set_send_interval(20);
            engine.cull(&fb, 0);
            engine.new_user_byte(b'a', &fb, 0);
            engine.set_echo_acked(1);
            let echoed = screen(b"$ a");
            engine.cull(&echoed, 10);
            (engine, echoed)
        };
        always.set_frame_sent(1);
        always.new_user_byte(b'b', &server, 20);
        let out = shown(&always, &server);
        assert_eq!(first_line(&out), "$ ab");
        assert!(!out.cell(0, 3).rendition().attrs.contains(Attrs::UNDERLINE));
    }

    #[test]
    fn a_resize_or_a_paste_sized_reset_forgets_everything() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'b', &server, 210);
        assert!(engine.is_active());
        let mut bigger = server.clone();
        bigger.resize(30, 5);
        engine.cull(&bigger, 220);
        assert!(!engine.is_active());
        assert_eq!(shown(&engine, &bigger), bigger);
    }

    #[test]
    fn an_unanswered_stream_of_keys_stays_bounded() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Always, false);
        let fb = screen(b"$ ");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            engine.set_frame_sent(i);
            engine.new_user_byte(seed as u8, &fb, i);
        }
        assert!(engine.cursors.len() <= MAX_CURSOR_PREDICTIONS);
        assert!(engine.rows.len() <= fb.height());
    }
}
