//! Single predictions and how they are judged: a cell expected to show a
//! character, and a cursor expected at a position, each once the server
//! has acted on the keystroke that caused it.
//!
//! A prediction belongs to an epoch. It is shown only once its epoch is
//! confirmed (some prediction of that epoch turned out right), and it is
//! judged only once the server's echo ack says the keystroke reached the
//! program (`expiration_frame`): before that it is pending, after that the
//! screen either agrees with it or not.

use crate::terminal::{Attrs, Cell, Framebuffer, Rendition};

/// Most earlier contents remembered per predicted cell. They only stop
/// predictions that match what was already there from earning credit, so
/// forgetting the oldest is harmless.
const MAX_ORIGINALS: usize = 16;

/// What the screen says about a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validity {
    /// The server has not yet acted on the keystroke.
    Pending,
    /// The screen agrees, and not merely because it showed that already.
    Correct,
    /// The screen agrees, but that proves nothing (a blank, or the old
    /// contents).
    CorrectNoCredit,
    /// The screen disagrees, or the prediction fell off the screen.
    IncorrectOrExpired,
    /// Not a prediction at all.
    Inactive,
}

/// When a prediction is shown and judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifetime {
    /// Whether this is a prediction at all.
    pub active: bool,
    /// The epoch it belongs to: shown once that epoch is confirmed.
    pub tentative_until_epoch: u64,
    /// Judged once the echo ack reaches this user state number.
    pub expiration_frame: u64,
    /// When it was made (ms), to spot predictions pending for long.
    pub predicted_at: u64,
}

impl Lifetime {
    /// Not a prediction.
    pub(crate) const INACTIVE: Lifetime = Lifetime {
        active: false,
        tentative_until_epoch: u64::MAX,
        expiration_frame: u64::MAX,
        predicted_at: u64::MAX,
    };

    /// A live prediction of `epoch`, judged after `frame`, made `now`.
    pub fn new(epoch: u64, frame: u64, now: u64) -> Lifetime {
        Lifetime {
            active: true,
            tentative_until_epoch: epoch,
            expiration_frame: frame,
            predicted_at: now,
        }
    }

    /// Whether its epoch is still unconfirmed (then it is not shown).
    pub(crate) fn is_tentative(&self, confirmed_epoch: u64) -> bool {
        self.tentative_until_epoch > confirmed_epoch
    }

    /// Judges it again after `frame`, as of `now`.
    pub(crate) fn expire(&mut self, frame: u64, now: u64) {
        self.expiration_frame = frame;
        self.predicted_at = now;
    }

    /// How long it has been waiting (ms).
    pub fn age(&self, now: u64) -> u64 {
        now.saturating_sub(self.predicted_at)
    }
}

/// Whether two cells show the same character (colours aside).
pub(crate) fn same_contents(a: &Cell, b: &Cell) -> bool {
    if a.is_blank() && b.is_blank() {
        return true;
    }
    let mut a = *a;
    let mut b = *b;
    a.set_rendition(Rendition::default());
    b.set_rendition(Rendition::default());
    a == b
}

/// A prediction of what one cell will show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CellPrediction {
    /// Its column.
    pub col: usize,
    /// When it is shown and judged.
    pub lifetime: Lifetime,
    /// The predicted cell.
    pub replacement: Cell,
    /// The cell will change, but to what is unknown (e.g. text pushed
    /// into the last column); shown only as an underline.
    pub unknown: bool,
    /// What the cell showed before; a match with one of these earns no
    /// credit.
    pub original_contents: Vec<Cell>,
}

impl CellPrediction {
    /// An inactive prediction for column `col`.
    pub fn new(col: usize) -> CellPrediction {
        CellPrediction {
            col,
            lifetime: Lifetime::INACTIVE,
            replacement: Cell::default(),
            unknown: false,
            original_contents: Vec::new(),
        }
    }

    /// Whether it is a prediction at all.
    pub(crate) fn is_active(&self) -> bool {
        self.lifetime.active
    }

    /// Forgets the prediction entirely.
    pub fn reset(&mut self) {
        self.lifetime = Lifetime::INACTIVE;
        self.unknown = false;
        self.original_contents.clear();
    }

    /// Forgets the prediction but remembers what it predicted as an
    /// earlier content (a new prediction is about to replace it).
    pub(crate) fn reset_keeping_original(&mut self) {
        if !self.is_active() || self.unknown {
            self.reset();
            return;
        }
        let previous = self.replacement;
        self.remember_original(previous);
        self.lifetime = Lifetime::INACTIVE;
    }

    /// Adds an earlier content of the cell.
    pub(crate) fn remember_original(&mut self, cell: Cell) {
        if self.original_contents.len() >= MAX_ORIGINALS {
            self.original_contents.remove(0);
        }
        self.original_contents.push(cell);
    }

    /// Judges the prediction against `fb`, whose row `row` it is for,
    /// given the newest echo ack.
    pub(crate) fn validity(&self, fb: &Framebuffer, row: usize, echo_acked: u64) -> Validity {
        if !self.is_active() {
            return Validity::Inactive;
        }
        if row >= fb.height() || self.col >= fb.width() {
            return Validity::IncorrectOrExpired;
        }
        if echo_acked < self.lifetime.expiration_frame {
            return Validity::Pending;
        }
        // A blank (or the right half of a wide character) matches too
        // easily to count for anything.
        if self.unknown || self.replacement.is_blank() || self.replacement.is_wide_continuation() {
            return Validity::CorrectNoCredit;
        }
        let current = fb.cell(row, self.col);
        if !same_contents(current, &self.replacement) {
            return Validity::IncorrectOrExpired;
        }
        if self
            .original_contents
            .iter()
            .any(|original| same_contents(original, &self.replacement))
        {
            Validity::CorrectNoCredit
        } else {
            Validity::Correct
        }
    }

    /// Draws the prediction into row `row` of `fb` if its epoch is
    /// confirmed; `flag` underlines it.
    pub fn apply(&self, fb: &mut Framebuffer, row: usize, confirmed_epoch: u64, flag: bool) {
        let width = fb.width();
        if !self.is_active() || row >= fb.height() || self.col >= width {
            return;
        }
        if self.lifetime.is_tentative(confirmed_epoch) || self.replacement.is_wide_continuation() {
            // A right half is drawn together with its left half.
            return;
        }
        let current = *fb.cell(row, self.col);
        let flag = flag && !(self.replacement.is_blank() && current.is_blank());
        if self.unknown {
            if flag && self.col + 1 != width {
                underline(fb, row, self.col, 1);
            }
            return;
        }
        if current == self.replacement {
            return;
        }
        let Some(target) = fb.row_mut(row) else {
            return;
        };
        target.put(self.col, self.replacement);
        if flag {
            underline(fb, row, self.col, self.replacement.width());
        }
    }
}

fn underline(fb: &mut Framebuffer, row: usize, col: usize, columns: usize) {
    for c in col..col + columns {
        if let Some(cell) = fb.cell_mut(row, c) {
            let mut rendition = cell.rendition();
            rendition.attrs.set(Attrs::UNDERLINE, true);
            cell.set_rendition(rendition);
        }
    }
}

/// The cell predictions of one screen row, one per column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RowPredictions {
    /// The screen row.
    pub row: usize,
    /// One prediction per column, in column order.
    pub cells: Vec<CellPrediction>,
}

impl RowPredictions {
    /// An empty set of predictions for row `row` of a `width`-column screen.
    pub fn new(row: usize, width: usize) -> RowPredictions {
        RowPredictions {
            row,
            cells: (0..width).map(CellPrediction::new).collect(),
        }
    }

    /// Draws the row's predictions; see [`CellPrediction::apply`].
    pub fn apply(&self, fb: &mut Framebuffer, confirmed_epoch: u64, flag: bool) {
        for cell in &self.cells {
            cell.apply(fb, self.row, confirmed_epoch, flag);
        }
    }
}

/// A prediction of where the cursor will be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CursorPrediction {
    /// Predicted row.
    pub row: usize,
    /// Predicted column.
    pub col: usize,
    /// When it is shown and judged.
    pub lifetime: Lifetime,
}

impl CursorPrediction {
    /// Judges the prediction against `fb` given the newest echo ack.
    pub(crate) fn validity(&self, fb: &Framebuffer, echo_acked: u64) -> Validity {
        if !self.lifetime.active {
            return Validity::Inactive;
        }
        if self.row >= fb.height() || self.col >= fb.width() {
            return Validity::IncorrectOrExpired;
        }
        if echo_acked < self.lifetime.expiration_frame {
            return Validity::Pending;
        }
        if fb.cursor() == (self.row, self.col) {
            Validity::Correct
        } else {
            Validity::IncorrectOrExpired
        }
    }

    /// Moves the cursor of `fb` if the prediction's epoch is confirmed.
    pub fn apply(&self, fb: &mut Framebuffer, confirmed_epoch: u64) {
        if !self.lifetime.active || self.lifetime.is_tentative(confirmed_epoch) {
            return;
        }
        if self.row < fb.height() && self.col < fb.width() {
            fb.set_cursor(self.row, self.col);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen_with(text: &str) -> Framebuffer {
        let mut fb = Framebuffer::new(10, 3);
        for (col, ch) in text.chars().enumerate() {
            fb.row_mut(0)
                .unwrap()
                .put(col, Cell::narrow(ch, Rendition::default()));
        }
        fb
    }

    fn predicted(col: usize, ch: char) -> CellPrediction {
        let mut p = CellPrediction::new(col);
        p.lifetime = Lifetime::new(1, 5, 0);
        p.replacement = Cell::narrow(ch, Rendition::default());
        p
    }

    #[test]
    fn a_cell_is_pending_until_the_echo_ack_passes_its_frame() {
        let p = predicted(1, 'x');
        assert_eq!(p.validity(&screen_with("ax"), 0, 4), Validity::Pending);
        assert_eq!(p.validity(&screen_with("ax"), 0, 5), Validity::Correct);
        assert_eq!(
            p.validity(&screen_with("ay"), 0, 5),
            Validity::IncorrectOrExpired
        );
        let mut old = p.clone();
        old.remember_original(Cell::narrow('x', Rendition::default()));
        assert_eq!(
            old.validity(&screen_with("ax"), 0, 5),
            Validity::CorrectNoCredit
        );
        assert_eq!(
            CellPrediction::new(0).validity(&screen_with(""), 0, 9),
            Validity::Inactive
        );
        assert_eq!(
            p.validity(&screen_with("ax"), 7, 9),
            Validity::IncorrectOrExpired
        );
    }

    #[test]
    fn shown_only_once_confirmed_and_underlined_when_flagged() {
        let p = predicted(2, 'z');
        let mut fb = screen_with("ab");
        p.apply(&mut fb, 0, 0, true);
        assert_eq!(fb.cell(0, 2).ch(), ' ', "epoch 1 is not confirmed yet");
        p.apply(&mut fb, 0, 1, true);
        assert_eq!(fb.cell(0, 2).ch(), 'z');
        assert!(fb.cell(0, 2).rendition().attrs.contains(Attrs::UNDERLINE));
        let mut plain = screen_with("ab");
        p.apply(&mut plain, 0, 1, false);
        assert!(!plain
            .cell(0, 2)
            .rendition()
            .attrs
            .contains(Attrs::UNDERLINE));
    }

    #[test]
    fn a_wide_prediction_covers_two_columns() {
        let mut p = predicted(3, '漢');
        p.replacement = Cell::wide('漢', Rendition::default());
        let mut fb = screen_with("abcdef");
        p.apply(&mut fb, 0, 1, false);
        assert!(fb.cell(0, 3).is_wide());
        assert!(fb.cell(0, 4).is_wide_continuation());
        assert_eq!(fb.text().lines().next(), Some("abc漢f"));
    }

    #[test]
    fn originals_stay_bounded() {
        let mut p = predicted(0, 'a');
        for _ in 0..1000 {
            p.reset_keeping_original();
            p.lifetime = Lifetime::new(1, 1, 0);
        }
        assert!(p.original_contents.len() <= MAX_ORIGINALS);
    }

    #[test]
    fn the_cursor_must_land_where_predicted() {
        let c = CursorPrediction {
            row: 0,
            col: 2,
            lifetime: Lifetime::new(1, 3, 0),
        };
        let mut fb = screen_with("ab");
        fb.set_cursor(0, 2);
        assert_eq!(c.validity(&fb, 2), Validity::Pending);
        assert_eq!(c.validity(&fb, 3), Validity::Correct);
        fb.set_cursor(0, 1);
        assert_eq!(c.validity(&fb, 3), Validity::IncorrectOrExpired);
        c.apply(&mut fb, 1);
        assert_eq!(fb.cursor(), (0, 2));
    }
}
