//! Drawing the rows that changed: each cell that differs, blank runs
//! erased where the terminal can, and rows the program wrapped carried
//! into the next by the terminal's own autowrap, so copy and paste see
//! one line.

use std::sync::Arc;

use super::scroll::find_scroll;
use super::{annex_parts, push_cell_text, same_row, Base, Painter};
use crate::terminal::cell::{Cell, Rendition};
use crate::terminal::framebuffer::{same_link, Framebuffer};
use crate::terminal::prompt_mark::push_prompt_mark;
use crate::terminal::row::{Annex, Row};

/// How a row being painted joins its neighbours.
#[derive(Clone, Copy)]
struct RowLine {
    /// The row above runs on into this one.
    wraps_from_above: bool,
    /// This row runs on into the next one (never said of the last row).
    wraps: bool,
}

impl Painter<'_> {
    pub(super) fn paint_screen(&mut self, mut base: Base, new: &Framebuffer) {
        let keep_row_0 = self.caps.keep_scrollback_clean;
        if let Some((top, bottom, up, amount)) = find_scroll(&base, new, keep_row_0) {
            self.scroll(&mut base, new, top, bottom, up, amount);
        }
        // Columns at the start of the row already drawn by a wrap from above.
        let mut drawn = 0;
        for row in 0..self.height {
            let Some(new_row) = new.row_handle(row) else {
                continue;
            };
            let Some(old_row) = base.rows.get(row) else {
                continue;
            };
            let can_wrap = row + 1 < self.height;
            let wraps = can_wrap && new_row.wrapped();
            let wrapped = can_wrap && old_row.wrapped();
            if same_row(old_row, new_row) && wraps == wrapped {
                drawn = 0;
                continue;
            }
            let mut old_row = Arc::clone(old_row);
            if wrapped && !wraps {
                old_row = self.unwrap_row(row);
                drawn = 0;
                if row > 0 && self.row_wraps(row - 1) {
                    // The erase also ended the wrap above (tmux ends a
                    // row's wrap when the next row is erased from its
                    // start): make it again.
                    drawn = self.wrap_into_next(row - 1, new);
                }
            }
            let line = RowLine {
                wraps_from_above: row > 0 && new.row(row - 1).wrapped(),
                wraps,
            };
            self.paint_row(row, drawn, &old_row, new_row, line);
            drawn = if wraps && !wrapped {
                self.wrap_into_next(row, new)
            } else {
                0
            };
        }
        if self.caps.marks {
            self.paint_marks(&base, new);
        }
    }

    /// Writes the shell integration marks (OSC 133) that `new` has and
    /// the terminal's rows do not, each with the cursor on its cell.
    fn paint_marks(&mut self, base: &Base, new: &Framebuffer) {
        for row in 0..self.height {
            let (Some(new_row), Some(old_row)) = (new.row_handle(row), base.rows.get(row)) else {
                continue;
            };
            if new_row.marks() == old_row.marks() {
                continue;
            }
            for mark in new_row.marks() {
                if old_row.marks().contains(mark) {
                    continue;
                }
                let col = usize::from(mark.col).min(self.width - 1);
                self.hide_cursor_unless_at(row, col);
                self.move_to(row, col);
                push_prompt_mark(&mut self.out, &mark.text);
            }
        }
    }

    /// Erases all of `row` from its first column, which ends the
    /// terminal's note that the row ran on into the next; returns the
    /// blank row now shown.
    fn unwrap_row(&mut self, row: usize) -> Arc<Row> {
        self.hide_cursor_unless_at(row, 0);
        self.move_to(row, 0);
        self.pen_for_erase(Rendition::default());
        self.push(b"\x1b[K");
        Arc::new(Row::new(self.width, Cell::default()))
    }

    /// Lets the terminal's own autowrap carry `row` into the next one, as
    /// the program's text did, so copy and paste (and `capture-pane -J`)
    /// see one line: the last cell of `row` is printed (again, if the
    /// cursor is not just past it), then the first cell of the next row.
    /// Returns how many columns of the next row that drew.
    fn wrap_into_next(&mut self, row: usize, new: &Framebuffer) -> usize {
        let last = self.width - 1;
        let next = new.row(row + 1);
        let first = *next.cell(0);
        let end = *new.cell(row, last);
        if first.is_wide() && end.is_blank() && last > 0 && self.can_erase(end.rendition()) {
            return self.wrap_wide_into_next(row, &first, next.annex(&first).cloned(), &end);
        }
        if self.cursor != Some((row, last)) || !self.pending_wrap {
            let start = if last > 0 && new.cell(row, last).is_wide_continuation() {
                last - 1
            } else {
                last
            };
            let cell = *new.cell(row, start);
            self.print_cell(row, start, &cell, new.row(row).annex(&cell), false);
        }
        self.print_cell(row + 1, 0, &first, next.annex(&first), true);
        first.width().max(1)
    }

    /// A wide character that did not fit in the last column moved on to
    /// the next row and left that column empty: the terminal is made to
    /// do the same (the column erased, the character printed there), so
    /// the empty column is not copied as a space.
    fn wrap_wide_into_next(
        &mut self,
        row: usize,
        wide: &Cell,
        annex: Option<Annex>,
        end: &Cell,
    ) -> usize {
        let last = self.width - 1;
        self.hide_cursor_unless_at(row, last);
        self.move_to(row, last);
        self.pen_for_erase(end.rendition());
        self.push(b"\x1b[K");
        let (link, extra) = annex_parts(annex.as_ref());
        self.set_pen(wide.rendition(), extra);
        self.set_link(link);
        push_cell_text(&mut self.out, wide);
        if self.width > 2 {
            self.cursor = Some((row + 1, 2));
        } else {
            self.cursor = Some((row + 1, self.width - 1));
            self.pending_wrap = true;
        }
        2
    }

    /// Draws the cells of `new` from column `from` on that differ from
    /// `old` on row `row`.
    fn paint_row(&mut self, row: usize, from: usize, old: &Row, new: &Row, line: RowLine) {
        let width = self.width;
        let mut col = from;
        while col < width {
            let cell = new.cell(col);
            if new.same_cell(col, old, col) {
                col += 1;
                continue;
            }
            if cell.is_wide_continuation() && col > 0 {
                // Its wide character was unchanged yet this half differs:
                // redraw the character.
                col -= 1;
                let start = *new.cell(col);
                self.print_cell(row, col, &start, new.annex(&start), line.wraps_from_above);
                col += 2;
                continue;
            }
            self.bridge_gap(row, col, new);
            if cell.is_blank() {
                let blank = cell.rendition();
                let mut end = col + 1;
                while end < width && new.cell(end).is_blank() && new.cell(end).rendition() == blank
                {
                    end += 1;
                }
                let run_changed = (col..end).any(|c| !new.same_cell(c, old, c));
                if run_changed {
                    self.blank_run(row, col, end, blank, line);
                }
                col = end;
                continue;
            }
            self.print_cell(row, col, cell, new.annex(cell), line.wraps_from_above);
            col += cell.width().max(1);
        }
    }

    /// When the cursor is a few cells left of `col` on `row`, and those
    /// cells are narrow and drawn in the current pen, writes them again
    /// instead of moving (shorter than a cursor motion).
    pub(super) fn bridge_gap(&mut self, row: usize, col: usize, new: &Row) {
        let Some((r, c)) = self.cursor else { return };
        if r != row || self.pending_wrap || col <= c || col - c > 3 {
            return;
        }
        let gap = (c..col).map(|k| new.cell(k));
        let current = self.link.as_ref();
        let extra = self.extra;
        if gap.clone().any(|cell| {
            cell.width() != 1
                || cell.rendition() != self.pen
                || self.caps.extras.visible(new.extra(cell)) != extra
                || !same_link(new.link(cell), current)
        }) {
            return;
        }
        for cell in gap {
            push_cell_text(&mut self.out, cell);
        }
        self.cursor = Some((row, col));
    }

    /// Makes columns `start..end` of `row` blanks of rendition `blank`.
    /// On a row that runs on into the next, the last column is printed,
    /// not erased: erasing to the end of a row ends its wrap in some
    /// terminals; under a row that wraps, the first column is printed
    /// too, since erasing from there ends the wrap above in tmux.
    fn blank_run(&mut self, row: usize, start: usize, end: usize, blank: Rendition, line: RowLine) {
        if start == 0 && end > 1 && line.wraps_from_above {
            // Erasing from the first column would end the wrap above in
            // tmux: the first blank is printed, the rest erased.
            self.print_cell(row, 0, &Cell::blank(blank), None, true);
            self.blank_run(row, 1, end, blank, line);
            return;
        }
        if line.wraps && end == self.width {
            if start + 1 < end {
                self.blank_run(row, start, end - 1, blank, line);
            }
            self.print_cell(row, end - 1, &Cell::blank(blank), None, false);
            return;
        }
        let wraps_from_above = line.wraps_from_above;
        let to_end = end == self.width;
        let len = end - start;
        if self.can_erase(blank) && (to_end || (self.caps.ech && len > 5)) {
            self.hide_cursor_unless_at(row, start);
            self.move_to(row, start);
            self.pen_for_erase(blank);
            if to_end {
                self.push(b"\x1b[K");
            } else {
                self.push_csi(len, b'X');
            }
            return;
        }
        let space = Cell::blank(blank);
        for col in start..end {
            self.print_cell(row, col, &space, None, wraps_from_above);
        }
    }
}
