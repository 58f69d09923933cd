//! The control functions applied to a framebuffer: cursor motion, erasing,
//! inserting and deleting, scrolling, tab stops, margins, saving the
//! cursor, the alternate screen and resets. Behaviour follows xterm; every
//! function except SGR, mode changes, tabulation and reports ends a
//! pending wrap, as in xterm.

use std::sync::Arc;

use super::cell::{Cell, Rendition};
use super::extra_rendition::ExtraRendition;
use super::framebuffer::{Charset, Framebuffer, SavedCursor, SavedScreen};

impl Framebuffer {
    /// The rows the cursor may reach vertically: the scroll region in
    /// origin mode, else the screen.
    fn vertical_limits(&self) -> (usize, usize) {
        if self.draw.origin_mode {
            (self.draw.scroll_top, self.draw.scroll_bottom)
        } else {
            (0, self.height - 1)
        }
    }

    /// CUP/HVP: 1-based `row` and `col`; rows count from the top margin in
    /// origin mode.
    pub(super) fn cursor_position(&mut self, row: usize, col: usize) {
        let (top, bottom) = self.vertical_limits();
        self.cursor_row = (top + row.saturating_sub(1)).min(bottom);
        self.cursor_col = col.saturating_sub(1).min(self.width - 1);
        self.pending_wrap = false;
    }

    /// VPA: 1-based row, column unchanged.
    pub(super) fn line_position(&mut self, row: usize) {
        let col = self.cursor_col + 1;
        self.cursor_position(row, col);
    }

    /// CHA/HPA: 1-based column, row unchanged.
    pub(super) fn column_position(&mut self, col: usize) {
        self.cursor_col = col.saturating_sub(1).min(self.width - 1);
        self.pending_wrap = false;
    }

    /// HPR/VPR: `rows` down and `cols` right, addressed like CUP (so only
    /// origin mode confines it to the margins), as xterm does.
    pub(super) fn cursor_relative(&mut self, rows: usize, cols: usize) {
        let top = if self.draw.origin_mode {
            self.draw.scroll_top
        } else {
            0
        };
        let row = self.cursor_row.saturating_sub(top) + 1;
        let col = self.cursor_col + 1;
        self.cursor_position(row.saturating_add(rows), col.saturating_add(cols));
    }

    /// CUU: up `n`, stopping at the top margin when starting below it.
    pub(super) fn cursor_up(&mut self, n: usize) {
        let min = if self.cursor_row >= self.draw.scroll_top {
            self.draw.scroll_top
        } else {
            0
        };
        self.cursor_row = self.cursor_row.saturating_sub(n).max(min);
        self.pending_wrap = false;
    }

    /// CUD: down `n`, stopping at the bottom margin when starting above it.
    pub(super) fn cursor_down(&mut self, n: usize) {
        let max = if self.cursor_row <= self.draw.scroll_bottom {
            self.draw.scroll_bottom
        } else {
            self.height - 1
        };
        self.cursor_row = self.cursor_row.saturating_add(n).min(max);
        self.pending_wrap = false;
    }

    /// CUF: right `n`, stopping at the last column.
    pub(super) fn cursor_forward(&mut self, n: usize) {
        self.cursor_col = self.cursor_col.saturating_add(n).min(self.width - 1);
        self.pending_wrap = false;
    }

    /// CUB / BS: left `n`, stopping at the first column.
    pub(super) fn cursor_backward(&mut self, n: usize) {
        self.cursor_col = self.cursor_col.saturating_sub(n);
        self.pending_wrap = false;
    }

    /// CR.
    pub(super) fn carriage_return(&mut self) {
        self.cursor_col = 0;
        self.pending_wrap = false;
    }

    /// NEL: CR then IND.
    pub(super) fn next_line(&mut self) {
        self.carriage_return();
        self.index();
    }

    /// ED: 0 = cursor to end, 1 = start to cursor, 2 = everything.
    pub(super) fn erase_display(&mut self, mode: u16) {
        let blank = self.erase_cell();
        let row = self.cursor_row;
        match mode {
            0 => {
                self.erase_line(0);
                for r in row + 1..self.height {
                    self.clear_row(r, blank);
                }
            }
            1 => {
                for r in 0..row {
                    self.clear_row(r, blank);
                }
                self.erase_line(1);
            }
            2 => {
                for r in 0..self.height {
                    self.clear_row(r, blank);
                }
            }
            _ => {}
        }
        self.pending_wrap = false;
    }

    /// EL: 0 = cursor to end, 1 = start to cursor, 2 = whole row.
    pub(super) fn erase_line(&mut self, mode: u16) {
        let blank = self.erase_cell();
        let (row, col, width) = (self.cursor_row, self.cursor_col, self.width);
        let range = match mode {
            0 => (col, width),
            1 => (0, col + 1),
            2 => (0, width),
            _ => return,
        };
        if let Some(r) = self.row_mut(row) {
            r.erase(range.0, range.1, blank);
            // Only a row erased whole stops running on into the next (as in
            // tmux and stock mosh; xterm also ends it on a partial erase).
            if range == (0, width) {
                r.set_wrapped(false);
            }
        }
        self.pending_wrap = false;
    }

    /// ECH: erase `n` cells from the cursor, not moving it.
    pub(super) fn erase_chars(&mut self, n: usize) {
        let blank = self.erase_cell();
        let (row, col) = (self.cursor_row, self.cursor_col);
        if let Some(r) = self.row_mut(row) {
            r.erase(col, col.saturating_add(n), blank);
        }
        self.pending_wrap = false;
    }

    /// ICH: insert `n` blanks at the cursor.
    pub(super) fn insert_chars(&mut self, n: usize) {
        let blank = self.erase_cell();
        let (row, col) = (self.cursor_row, self.cursor_col);
        if let Some(r) = self.row_mut(row) {
            r.insert_blanks(col, n, blank);
        }
        self.pending_wrap = false;
    }

    /// DCH: delete `n` cells at the cursor.
    pub(super) fn delete_chars(&mut self, n: usize) {
        let blank = self.erase_cell();
        let (row, col) = (self.cursor_row, self.cursor_col);
        if let Some(r) = self.row_mut(row) {
            r.delete_cells(col, n, blank);
        }
        self.pending_wrap = false;
    }

    fn cursor_in_scroll_region(&self) -> bool {
        (self.draw.scroll_top..=self.draw.scroll_bottom).contains(&self.cursor_row)
    }

    /// IL: insert `n` blank rows at the cursor row, inside the region.
    pub(super) fn insert_lines(&mut self, n: usize) {
        if self.cursor_in_scroll_region() {
            let bottom = self.draw.scroll_bottom;
            self.scroll_down_region(self.cursor_row, bottom, n);
        }
        self.pending_wrap = false;
    }

    /// DL: delete `n` rows at the cursor row, inside the region.
    pub(super) fn delete_lines(&mut self, n: usize) {
        if self.cursor_in_scroll_region() {
            let bottom = self.draw.scroll_bottom;
            self.scroll_up_region(self.cursor_row, bottom, n, false);
        }
        self.pending_wrap = false;
    }

    /// SU: scroll the region up `n` rows.
    pub(super) fn scroll_up(&mut self, n: usize) {
        let (top, bottom) = (self.draw.scroll_top, self.draw.scroll_bottom);
        self.scroll_up_region(top, bottom, n, true);
        self.pending_wrap = false;
    }

    /// SD: scroll the region down `n` rows.
    pub(super) fn scroll_down(&mut self, n: usize) {
        let (top, bottom) = (self.draw.scroll_top, self.draw.scroll_bottom);
        self.scroll_down_region(top, bottom, n);
        self.pending_wrap = false;
    }

    /// HT/CHT: forward `n` tab stops (or to the last column). Keeps a
    /// pending wrap, as xterm does.
    pub(super) fn tab_forward(&mut self, n: usize) {
        let mut col = self.cursor_col;
        for _ in 0..n {
            match (col + 1..self.width).find(|&c| self.draw.tab_stop(c)) {
                Some(next) => col = next,
                None => {
                    col = self.width - 1;
                    break;
                }
            }
        }
        self.cursor_col = col;
    }

    /// CBT: back `n` tab stops (or to the first column).
    pub(super) fn tab_backward(&mut self, n: usize) {
        let mut col = self.cursor_col;
        for _ in 0..n {
            match (1..col).rev().find(|&c| self.draw.tab_stop(c)) {
                Some(prev) => col = prev,
                None => {
                    col = 0;
                    break;
                }
            }
        }
        self.cursor_col = col;
        self.pending_wrap = false;
    }

    /// HTS: a tab stop at the cursor column.
    pub(super) fn set_tab_stop(&mut self) {
        let col = self.cursor_col;
        if let Some(stop) = Arc::make_mut(&mut self.draw.tab_stops).get_mut(col) {
            *stop = true;
        }
    }

    /// TBC: 0 = clear the stop at the cursor, 3 = clear all.
    pub(super) fn clear_tab_stops(&mut self, mode: u16) {
        let col = self.cursor_col;
        let stops = Arc::make_mut(&mut self.draw.tab_stops);
        match mode {
            0 => {
                if let Some(stop) = stops.get_mut(col) {
                    *stop = false;
                }
            }
            3 => stops.iter_mut().for_each(|s| *s = false),
            _ => {}
        }
    }

    /// DECSTBM: 1-based margins (0 = default); ignored unless the region
    /// has at least two rows. Homes the cursor.
    pub(super) fn set_scroll_region(&mut self, top: usize, bottom: usize) {
        let top = top.max(1);
        let bottom = if bottom == 0 {
            self.height
        } else {
            bottom.min(self.height)
        };
        if top >= bottom {
            return;
        }
        self.draw.scroll_top = top - 1;
        self.draw.scroll_bottom = bottom - 1;
        self.cursor_position(1, 1);
    }

    /// DECOM on or off; homes the cursor.
    pub(super) fn set_origin_mode(&mut self, on: bool) {
        self.draw.origin_mode = on;
        self.cursor_position(1, 1);
    }

    /// DECSC.
    pub(super) fn save_cursor(&mut self) {
        self.draw.saved_cursor = Some(SavedCursor {
            row: self.cursor_row,
            col: self.cursor_col,
            rendition: self.pen,
            extra: self.pen_extra,
            origin_mode: self.draw.origin_mode,
            autowrap: self.draw.autowrap,
            charsets: self.draw.charsets,
            shift_out: self.draw.shift_out,
        });
    }

    /// DECRC: back to the saved state, or to the defaults when nothing was
    /// saved.
    pub(super) fn restore_cursor(&mut self) {
        let saved = self.draw.saved_cursor.unwrap_or(SavedCursor {
            row: 0,
            col: 0,
            rendition: Rendition::default(),
            extra: ExtraRendition::default(),
            origin_mode: false,
            autowrap: self.draw.autowrap,
            charsets: [Charset::Ascii; 2],
            shift_out: false,
        });
        self.cursor_row = saved.row.min(self.height - 1);
        self.cursor_col = saved.col.min(self.width - 1);
        self.pen = saved.rendition;
        self.pen_extra = saved.extra;
        self.draw.origin_mode = saved.origin_mode;
        self.draw.autowrap = saved.autowrap;
        self.draw.charsets = saved.charsets;
        self.draw.shift_out = saved.shift_out;
        self.pending_wrap = false;
    }

    /// Switches to the alternate screen (DECSET 47/1047/1049), which
    /// starts blank. The cursor stays where it is.
    pub(super) fn enter_alternate_screen(&mut self, save_cursor: bool) {
        if self.draw.primary.is_some() {
            return;
        }
        if save_cursor {
            self.save_cursor();
        }
        let blank = self.erase_cell();
        let rows: std::collections::VecDeque<_> = (0..self.height)
            .map(|_| Arc::new(super::row::Row::new(self.width, blank)))
            .collect();
        let primary_rows = std::mem::replace(&mut self.rows, rows);
        self.draw.primary = Some(SavedScreen {
            rows: primary_rows,
            saved_cursor: self.draw.saved_cursor.take(),
        });
        self.pending_wrap = false;
    }

    /// Back to the primary screen (DECRST 47/1047/1049).
    pub(super) fn leave_alternate_screen(&mut self, restore_cursor: bool) {
        let Some(primary) = self.draw.primary.take() else {
            return;
        };
        self.rows = primary.rows;
        self.draw.saved_cursor = primary.saved_cursor;
        if restore_cursor {
            self.restore_cursor();
        }
        self.pending_wrap = false;
    }

    /// DECCOLM (DECSET/DECRST 3): the column count stays (as in mosh and
    /// tmux), but the screen is cleared, the margins reset and the cursor
    /// homed, as the mode change does on a real VT.
    pub(super) fn column_mode_reset(&mut self) {
        self.draw.scroll_top = 0;
        self.draw.scroll_bottom = self.height - 1;
        self.cursor_position(1, 1);
        self.erase_display(2);
    }

    /// DECSTR: soft reset.
    pub(super) fn soft_reset(&mut self) {
        self.draw.insert_mode = false;
        self.draw.origin_mode = false;
        self.draw.autowrap = true;
        self.draw.scroll_top = 0;
        self.draw.scroll_bottom = self.height - 1;
        self.draw.saved_cursor = None;
        self.draw.charsets = [Charset::Ascii; 2];
        self.draw.shift_out = false;
        self.cursor_visible = true;
        self.modes.application_cursor_keys = false;
        self.modes.application_keypad = false;
        self.pen = Rendition::default();
        self.pen_extra = ExtraRendition::default();
        self.pen_link = None;
        self.pending_wrap = false;
    }

    /// DECALN: the screen full of `E`, margins reset, cursor home.
    pub(super) fn alignment_test(&mut self) {
        self.draw.scroll_top = 0;
        self.draw.scroll_bottom = self.height - 1;
        let line = vec![b'E'; self.width];
        for r in 0..self.height {
            if let Some(row) = self.row_mut(r) {
                row.clear(Cell::default());
                row.write_ascii(0, &line, |b| {
                    Cell::narrow(char::from(b), Rendition::default())
                });
            }
        }
        self.cursor_position(1, 1);
    }

    /// RIS.
    pub(super) fn full_reset(&mut self) {
        self.hard_reset();
    }
}
