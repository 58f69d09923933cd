//! One row of the screen. Cells past the stored ones are implicit copies of
//! the row's fill cell, so clearing a row, and printing a short line into a
//! fresh one, cost no more than the characters printed. Operations keep
//! wide characters whole: a half left over by an overwrite, an erase or a
//! shift becomes a blank. Each row keeps the annex table its cells refer to
//! (hyperlinks and extra renditions, which few cells have); it is
//! compacted before it can outgrow the row.

use std::sync::Arc;

use super::cell::Cell;
use super::extra_rendition::ExtraRendition;
use super::hyperlink::Hyperlink;
use super::prompt_mark::{PromptMark, MAX_MARKS_PER_ROW};

/// What a cell keeps outside itself: its hyperlink and extra renditions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annex {
    /// The OSC 8 hyperlink, if any.
    pub link: Option<Arc<Hyperlink>>,
    /// Underline style and colour, overline.
    pub extra: ExtraRendition,
}

impl Annex {
    /// Whether this is the same annex as `other` (links compared by what
    /// they point to).
    fn same(&self, link: Option<&Arc<Hyperlink>>, extra: ExtraRendition) -> bool {
        self.extra == extra
            && match (&self.link, link) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                _ => false,
            }
    }
}

/// A row of `width` cells.
#[derive(Clone, Debug)]
pub struct Row {
    /// The first `cells.len()` cells; the rest equal `fill`.
    cells: Vec<Cell>,
    fill: Cell,
    width: usize,
    /// The text ran on into the next row (autowrap). A hint for a real
    /// terminal's copy and paste only: it is not part of equality.
    wrapped: bool,
    /// The annexes cells refer to (slot `n` is `annexes[n - 1]`).
    annexes: Vec<Annex>,
    /// Shell integration marks (OSC 133) in this row, if any.
    marks: Option<Box<[PromptMark]>>,
}

impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        if self.width != other.width || self.marks() != other.marks() {
            return false;
        }
        if !self.annexes.is_empty() || !other.annexes.is_empty() {
            return (0..self.width).all(|col| self.same_cell(col, other, col));
        }
        let (short, long) = if self.cells.len() <= other.cells.len() {
            (self, other)
        } else {
            (other, self)
        };
        let n = short.cells.len();
        if short.cells.get(..n) != long.cells.get(..n) {
            return false;
        }
        let rest = long.cells.get(n..).unwrap_or(&[]);
        if rest.iter().any(|c| *c != short.fill) {
            return false;
        }
        long.cells.len() >= long.width || short.fill == long.fill
    }
}

impl Eq for Row {}

impl Row {
    /// A row of `width` copies of `fill`.
    pub fn new(width: usize, fill: Cell) -> Row {
        Row {
            cells: Vec::new(),
            fill,
            width,
            wrapped: false,
            annexes: Vec::new(),
            marks: None,
        }
    }

    /// The shell integration marks in this row, left to right as written.
    pub fn marks(&self) -> &[PromptMark] {
        self.marks.as_deref().unwrap_or_default()
    }

    /// Adds a mark at `col` (the oldest goes when the row has too many).
    pub fn add_mark(&mut self, col: usize, text: &str) {
        let mut marks = self.marks.take().map(Vec::from).unwrap_or_default();
        if marks.len() >= MAX_MARKS_PER_ROW {
            marks.remove(0);
        }
        marks.push(PromptMark {
            col: u16::try_from(col).unwrap_or(u16::MAX),
            text: text.into(),
        });
        self.marks = Some(marks.into_boxed_slice());
    }

    /// The annex of `cell`, a cell of this row, if it has one.
    pub fn annex(&self, cell: &Cell) -> Option<&Annex> {
        let slot = usize::from(cell.annex_slot());
        slot.checked_sub(1).and_then(|i| self.annexes.get(i))
    }

    /// The hyperlink of `cell`, a cell of this row.
    pub fn link(&self, cell: &Cell) -> Option<&Arc<Hyperlink>> {
        self.annex(cell).and_then(|a| a.link.as_ref())
    }

    /// The extra renditions of `cell`, a cell of this row.
    pub fn extra(&self, cell: &Cell) -> ExtraRendition {
        self.annex(cell).map(|a| a.extra).unwrap_or_default()
    }

    /// Whether the cell at `col` looks the same as `other`'s at
    /// `other_col` (annexes compared by what they hold).
    pub fn same_cell(&self, col: usize, other: &Row, other_col: usize) -> bool {
        let (a, b) = (self.cell(col), other.cell(other_col));
        if a.annex_slot() == 0 && b.annex_slot() == 0 {
            return a == b;
        }
        a.with_annex_slot(0) == b.with_annex_slot(0) && self.annex(a) == other.annex(b)
    }

    /// The slot of the annex (`link`, `extra`) in this row's table, adding
    /// it if needed; 0 (none) for no link and the default extras.
    #[inline]
    pub fn annex_slot(&mut self, link: Option<&Arc<Hyperlink>>, extra: ExtraRendition) -> u16 {
        if link.is_none() && extra.is_default() {
            return 0;
        }
        let found = self.annexes.iter().position(|a| a.same(link, extra));
        let index = match found {
            Some(i) => i,
            None => {
                if self.annexes.len() >= self.width.max(8) {
                    self.compact_annexes();
                }
                self.annexes.push(Annex {
                    link: link.cloned(),
                    extra,
                });
                self.annexes.len() - 1
            }
        };
        u16::try_from(index + 1).unwrap_or(0)
    }

    /// Drops the annexes no cell refers to any more, renumbering the rest.
    fn compact_annexes(&mut self) {
        let mut renumber = vec![0u16; self.annexes.len() + 1];
        let mut kept = Vec::new();
        for cell in &self.cells {
            let slot = usize::from(cell.annex_slot());
            if let (Some(0), Some(annex)) = (
                renumber.get(slot),
                slot.checked_sub(1).and_then(|i| self.annexes.get(i)),
            ) {
                kept.push(annex.clone());
                if let Some(new) = renumber.get_mut(slot) {
                    *new = u16::try_from(kept.len()).unwrap_or(0);
                }
            }
        }
        for cell in &mut self.cells {
            let slot = usize::from(cell.annex_slot());
            *cell = cell.with_annex_slot(renumber.get(slot).copied().unwrap_or(0));
        }
        self.annexes = kept;
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The cell at `col` (the fill cell past the end, for robustness).
    pub fn cell(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&self.fill)
    }

    /// Iterates over all `width` cells.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> + '_ {
        (0..self.width).map(move |c| self.cell(c))
    }

    /// Whether the text wrapped into the next row.
    pub fn wrapped(&self) -> bool {
        self.wrapped
    }

    /// Marks the row as wrapped into the next one (or not).
    pub fn set_wrapped(&mut self, wrapped: bool) {
        self.wrapped = wrapped;
    }

    /// Number of columns up to the last one that is not blank (whatever
    /// its background); what a text dump would print.
    pub fn content_len(&self) -> usize {
        // The fill is always a blank, so only stored cells can count.
        let mut len = self.cells.len().min(self.width);
        while len > 0 && self.cell(len - 1).is_blank() {
            len -= 1;
        }
        len
    }

    /// Number of columns up to the last one that shows anything: a
    /// character, or a blank drawn in other than the default rendition.
    pub fn drawn_len(&self) -> usize {
        if !self.fill.is_default_blank() {
            return self.width;
        }
        // Past the stored cells everything is the (default) fill.
        let mut len = self.cells.len().min(self.width);
        while len > 0 && self.cell(len - 1).is_default_blank() {
            len -= 1;
        }
        len
    }

    /// Bytes of memory the row takes (itself, its cells and its annex
    /// table; the links themselves are shared).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Row>()
            + self.cells.capacity() * std::mem::size_of::<Cell>()
            + self.annexes.capacity() * std::mem::size_of::<Annex>()
            + self
                .marks()
                .iter()
                .map(|m| std::mem::size_of::<PromptMark>() + m.text.len())
                .sum::<usize>()
    }

    /// Makes every cell before `col` explicit.
    fn materialize_to(&mut self, col: usize) {
        let col = col.min(self.width);
        if self.cells.len() < col {
            self.cells.resize(col, self.fill);
        }
    }

    /// Mutable access to the cell at `col` (None past the width).
    pub fn cell_mut(&mut self, col: usize) -> Option<&mut Cell> {
        if col >= self.width {
            return None;
        }
        self.materialize_to(col + 1);
        self.cells.get_mut(col)
    }

    /// Clears the whole row to `fill`.
    pub fn clear(&mut self, fill: Cell) {
        self.cells.clear();
        self.fill = fill;
        self.wrapped = false;
        self.annexes.clear();
        self.marks = None;
    }

    /// Breaks a wide character that straddles the boundary before `col`:
    /// when `col` holds a right half, both halves become blanks.
    #[inline]
    fn split_wide_at(&mut self, col: usize) {
        // Only stored cells can be continuations (the fill is a blank).
        let continuation = self.cells.get(col).is_some_and(Cell::is_wide_continuation);
        if col == 0 || !continuation {
            return;
        }
        self.materialize_to(col + 1);
        for c in [col - 1, col] {
            if let Some(cell) = self.cells.get_mut(c) {
                *cell = Cell::blank(cell.rendition());
            }
        }
    }

    /// Writes printable ASCII `bytes` starting at `col`, clipped to the row.
    pub fn write_ascii(&mut self, col: usize, bytes: &[u8], make: impl Fn(u8) -> Cell) {
        let end = (col + bytes.len()).min(self.width);
        if col >= end {
            return;
        }
        self.split_wide_at(col);
        self.split_wide_at(end);
        self.materialize_to(col);
        let bytes = bytes.get(..end - col).unwrap_or(&[]);
        let overlap = self.cells.len().min(end).saturating_sub(col);
        let (over, push) = bytes.split_at(overlap);
        if let Some(dst) = self.cells.get_mut(col..col + overlap) {
            for (cell, &b) in dst.iter_mut().zip(over) {
                *cell = make(b);
            }
        }
        self.cells.extend(push.iter().map(|&b| make(b)));
    }

    /// Puts one character cell (and for a wide one its continuation) at
    /// `col`, breaking any wide character it overlaps.
    pub fn put(&mut self, col: usize, cell: Cell) {
        let width = if cell.is_wide() { 2 } else { 1 };
        let end = col + width;
        if end > self.width {
            return;
        }
        self.split_wide_at(col);
        self.split_wide_at(end);
        self.materialize_to(end);
        if let Some(slot) = self.cells.get_mut(col) {
            *slot = cell;
        }
        if width == 2 {
            if let Some(slot) = self.cells.get_mut(col + 1) {
                *slot = Cell::wide_continuation(cell.rendition());
            }
        }
    }

    /// Erases columns `start..end` to `blank`.
    pub fn erase(&mut self, start: usize, end: usize, blank: Cell) {
        let end = end.min(self.width);
        if start >= end {
            return;
        }
        self.split_wide_at(start);
        self.split_wide_at(end);
        if end == self.width {
            self.materialize_to(start);
            self.cells.truncate(start);
            if self.fill != blank {
                self.fill = blank;
            }
            return;
        }
        self.materialize_to(end);
        if let Some(range) = self.cells.get_mut(start..end) {
            range.fill(blank);
        }
    }

    /// Inserts `count` blanks at `col`, shifting the rest right; cells
    /// pushed past the edge are lost.
    pub fn insert_blanks(&mut self, col: usize, count: usize, blank: Cell) {
        if col >= self.width || count == 0 {
            return;
        }
        let count = count.min(self.width - col);
        self.split_wide_at(col);
        self.split_wide_at(self.width - count);
        self.materialize_to(self.width);
        self.cells.truncate(self.width - count);
        self.cells
            .splice(col..col, std::iter::repeat_n(blank, count));
    }

    /// Deletes `count` cells at `col`, shifting the rest left and filling
    /// the right end with `blank`.
    pub fn delete_cells(&mut self, col: usize, count: usize, blank: Cell) {
        if col >= self.width || count == 0 {
            return;
        }
        let count = count.min(self.width - col);
        self.split_wide_at(col);
        self.split_wide_at(col + count);
        self.materialize_to(self.width);
        self.cells.drain(col..col + count);
        self.cells.resize(self.width, blank);
    }

    /// Changes the width: cells past a narrower width are dropped (a wide
    /// character cut in half becomes a blank), a wider row gains blanks.
    pub fn resize(&mut self, width: usize, blank: Cell) {
        if width < self.width {
            self.cells.truncate(width);
            if width > 0 && self.cell(width - 1).is_wide() {
                if let Some(cell) = self.cells.get_mut(width - 1) {
                    *cell = Cell::blank(cell.rendition());
                }
            }
        } else if width > self.width && self.fill != blank {
            self.materialize_to(self.width);
            self.fill = blank;
        }
        self.width = width;
        self.wrapped = false;
        if self.marks().iter().any(|m| usize::from(m.col) >= width) {
            let kept: Vec<PromptMark> = self
                .marks()
                .iter()
                .filter(|m| usize::from(m.col) < width)
                .cloned()
                .collect();
            self.marks = (!kept.is_empty()).then(|| kept.into_boxed_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::cell::{Color, Rendition};

    fn text(row: &Row) -> String {
        row.cells()
            .filter(|c| !c.is_wide_continuation())
            .map(|c| c.text())
            .collect()
    }

    fn red() -> Rendition {
        Rendition {
            bg: Color::Indexed(1),
            ..Rendition::default()
        }
    }

    fn row_with(s: &str) -> Row {
        let mut row = Row::new(8, Cell::default());
        row.write_ascii(0, s.as_bytes(), |b| {
            Cell::narrow(char::from(b), Rendition::default())
        });
        row
    }

    #[test]
    fn lazy_and_explicit_blanks_compare_equal() {
        let a = Row::new(8, Cell::default());
        let mut b = Row::new(8, Cell::default());
        b.materialize_to(8);
        assert_eq!(a, b);
        let mut c = Row::new(8, Cell::default());
        c.erase(0, 8, Cell::blank(red()));
        assert_ne!(a, c);
        let mut d = Row::new(8, Cell::blank(red()));
        d.materialize_to(3);
        assert_eq!(c, d);
    }

    #[test]
    fn writing_clips_at_the_edge() {
        let row = row_with("abcdefghijk");
        assert_eq!(text(&row), "abcdefgh");
    }

    #[test]
    fn erase_inside_and_to_the_end() {
        let mut row = row_with("abcdefgh");
        row.erase(2, 4, Cell::default());
        assert_eq!(text(&row), "ab  efgh");
        row.erase(5, 100, Cell::blank(red()));
        assert_eq!(text(&row), "ab  e   ");
        assert_eq!(row.cell(7).rendition(), red());
        assert_eq!(row.content_len(), 5);
    }

    #[test]
    fn insert_and_delete_shift_cells() {
        let mut row = row_with("abcdefgh");
        row.insert_blanks(1, 2, Cell::default());
        assert_eq!(text(&row), "a  bcdef");
        row.delete_cells(0, 3, Cell::blank(red()));
        assert_eq!(text(&row), "bcdef   ");
        assert_eq!(row.cell(7).rendition(), red());
    }

    #[test]
    fn overwriting_half_of_a_wide_character_blanks_the_other_half() {
        let mut row = Row::new(8, Cell::default());
        row.put(0, Cell::wide('中', Rendition::default()));
        row.put(2, Cell::wide('中', Rendition::default()));
        row.put(1, Cell::narrow('x', Rendition::default()));
        assert_eq!(text(&row), " x中    ");
        row.put(2, Cell::narrow('y', Rendition::default()));
        assert_eq!(text(&row), " xy     ");
        row.put(7, Cell::wide('中', Rendition::default()));
        assert_eq!(
            text(&row),
            " xy     ",
            "a wide character never hangs off the edge"
        );
    }

    #[test]
    fn shifting_a_wide_character_off_the_edge_blanks_it() {
        let mut row = row_with("abcdef");
        row.put(6, Cell::wide('中', Rendition::default()));
        row.insert_blanks(0, 1, Cell::default());
        assert_eq!(text(&row), " abcdef ");
        assert!(row
            .cells()
            .all(|c| !c.is_wide() && !c.is_wide_continuation()));
    }

    #[test]
    fn links_compare_by_target_and_the_table_stays_small() {
        let a_link = Arc::new(Hyperlink::from_osc(";http://a/").unwrap());
        let b_link = Arc::new(Hyperlink::from_osc(";http://b/").unwrap());
        let mut one = Row::new(8, Cell::default());
        let mut two = Row::new(8, Cell::default());
        let b_slot = two.annex_slot(Some(&b_link), ExtraRendition::default());
        two.put(
            3,
            Cell::narrow('y', Rendition::default()).with_annex_slot(b_slot),
        );
        let a_slot = one.annex_slot(Some(&a_link), ExtraRendition::default());
        one.put(
            2,
            Cell::narrow('x', Rendition::default()).with_annex_slot(a_slot),
        );
        let a_again = two.annex_slot(
            Some(&Arc::new(Hyperlink::from_osc(";http://a/").unwrap())),
            ExtraRendition::default(),
        );
        two.put(
            2,
            Cell::narrow('x', Rendition::default()).with_annex_slot(a_again),
        );
        assert!(
            one.same_cell(2, &two, 2),
            "slot numbers differ, links agree"
        );
        assert_ne!(one, two);
        one.put(3, Cell::narrow('y', Rendition::default()));
        assert_ne!(one, two, "a link makes a difference");
        let mut busy = Row::new(4, Cell::default());
        for i in 0..1000 {
            let link = Arc::new(Hyperlink::from_osc(&format!(";http://x/{i}")).unwrap());
            let slot = busy.annex_slot(Some(&link), ExtraRendition::default());
            busy.put(
                i % 4,
                Cell::narrow('z', Rendition::default()).with_annex_slot(slot),
            );
        }
        assert!(busy.annexes.len() <= 9, "{}", busy.annexes.len());
        let last = busy.cell(999 % 4);
        assert_eq!(busy.link(last).unwrap().uri(), "http://x/999");
    }

    #[test]
    fn resize_keeps_cells_and_cuts_wide_characters() {
        let mut row = Row::new(8, Cell::default());
        row.put(2, Cell::wide('中', Rendition::default()));
        row.resize(3, Cell::default());
        assert_eq!(text(&row), "   ");
        row.resize(6, Cell::blank(red()));
        assert_eq!(row.cell(5).rendition(), red());
        assert_eq!(row.cell(2).rendition(), Rendition::default());
    }
}
