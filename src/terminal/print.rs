//! Printing graphic characters into the framebuffer: the autowrap and
//! pending-wrap rules, wide characters at the right margin, combining
//! marks, insert mode, the DEC line-drawing character set, and REP. Runs
//! of printable ASCII take a fast path that writes cells in bulk.

use super::cell::Cell;
use super::framebuffer::{Charset, Framebuffer};
use super::width::char_width;

/// DEC Special Graphics for 0x5F..=0x7E.
const DEC_GRAPHICS: [char; 32] = [
    ' ', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺', '⎻', '─',
    '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
];

/// The base a combining mark is shown on when it has nothing to combine with.
const NO_BREAK_SPACE: char = '\u{a0}';

fn map_charset(charset: Charset, c: char) -> char {
    match charset {
        Charset::Ascii => c,
        Charset::DecGraphics => match u32::from(c) {
            cp @ 0x5F..=0x7E => DEC_GRAPHICS.get((cp - 0x5F) as usize).copied().unwrap_or(c),
            _ => c,
        },
    }
}

impl Framebuffer {
    /// Prints a run of printable ASCII.
    pub(super) fn print_ascii(&mut self, run: &[u8]) {
        if self.draw.insert_mode || self.draw.active_charset() != Charset::Ascii {
            for &b in run {
                self.print_char(char::from(b));
            }
            return;
        }
        let pen = self.pen;
        let extra = self.pen_extra;
        let link = self.pen_link.clone();
        let mut rest = run;
        while !rest.is_empty() {
            self.wrap_if_pending();
            let col = self.cursor_col;
            let n = (self.width - col).min(rest.len());
            let (now, later) = rest.split_at(n);
            let row = self.cursor_row;
            if let Some(r) = self.row_mut(row) {
                let slot = r.annex_slot(link.as_ref(), extra);
                r.write_ascii(col, now, |b| {
                    Cell::narrow(char::from(b), pen).with_annex_slot(slot)
                });
            }
            rest = later;
            if col + n < self.width {
                self.cursor_col = col + n;
            } else if self.draw.autowrap {
                self.cursor_col = self.width - 1;
                self.pending_wrap = true;
            } else {
                // Without autowrap the rest overwrites the last column.
                self.cursor_col = self.width - 1;
                if let Some(&last) = rest.last() {
                    let last_col = self.width - 1;
                    if let Some(r) = self.row_mut(row) {
                        let slot = r.annex_slot(link.as_ref(), extra);
                        r.put(
                            last_col,
                            Cell::narrow(char::from(last), pen).with_annex_slot(slot),
                        );
                    }
                }
                rest = &[];
            }
        }
        if let Some(&last) = run.last() {
            self.draw.last_graphic = Some(char::from(last));
        }
    }

    /// Prints one character of any width.
    pub(super) fn print_char(&mut self, c: char) {
        let c = if c.is_ascii() {
            map_charset(self.draw.active_charset(), c)
        } else {
            c
        };
        let width = char_width(c);
        if width == 0 {
            self.combine(c);
            return;
        }
        self.wrap_if_pending();
        if width == 2 && self.cursor_col + 1 >= self.width {
            if !self.draw.autowrap || self.width < 2 {
                return; // it cannot fit: dropped, as xterm and tmux do
            }
            self.wrap_line();
        }
        let (row, col) = (self.cursor_row, self.cursor_col);
        let pen = self.pen;
        let extra = self.pen_extra;
        let link = self.pen_link.clone();
        let insert = self.draw.insert_mode;
        if let Some(r) = self.row_mut(row) {
            if insert {
                r.insert_blanks(col, width, Cell::default());
            }
            let cell = if width == 2 {
                Cell::wide(c, pen)
            } else {
                Cell::narrow(c, pen)
            };
            let slot = r.annex_slot(link.as_ref(), extra);
            r.put(col, cell.with_annex_slot(slot));
        }
        self.draw.last_graphic = Some(c);
        if col + width < self.width {
            self.cursor_col = col + width;
        } else {
            self.cursor_col = self.width - 1;
            self.pending_wrap = self.draw.autowrap;
        }
    }

    /// REP: prints the last graphic character `count` more times.
    pub(super) fn repeat_last(&mut self, count: usize) {
        let Some(c) = self.draw.last_graphic else {
            return;
        };
        let count = count.min(self.width * self.height);
        let ascii = u8::try_from(c)
            .ok()
            .filter(|_| c.is_ascii_graphic() || c == ' ');
        if let Some(byte) = ascii {
            let run = vec![byte; count];
            self.print_ascii(&run);
        } else {
            for _ in 0..count {
                self.print_char(c);
            }
        }
    }

    /// Adds a combining mark to the character left of the cursor (or under
    /// it, when the last column was just printed). A mark with nothing
    /// before it on the line goes on a no-break space printed for it, so
    /// it stays visible (as in stock mosh).
    fn combine(&mut self, mark: char) {
        if self.cursor_col == 0 && !self.pending_wrap {
            self.print_char(NO_BREAK_SPACE);
        }
        let row = self.cursor_row;
        let mut col = if self.pending_wrap {
            self.cursor_col
        } else if self.cursor_col > 0 {
            self.cursor_col - 1
        } else {
            return;
        };
        if col > 0 && self.cell(row, col).is_wide_continuation() {
            col -= 1;
        }
        if let Some(cell) = self.cell_mut(row, col) {
            cell.push_mark(mark);
        }
    }

    /// Carries out a pending wrap before printing.
    fn wrap_if_pending(&mut self) {
        if self.pending_wrap {
            if self.draw.autowrap {
                self.wrap_line();
            } else {
                self.pending_wrap = false;
            }
        }
    }

    /// Continues on the next row: marks this one wrapped, then CR + IND.
    /// On the last row below the scroll region there is no next row (the
    /// text starts over on the same one), so nothing is marked.
    fn wrap_line(&mut self) {
        let row = self.cursor_row;
        let moves_on = row + 1 < self.height || row == self.draw.scroll_bottom;
        if let Some(r) = self.row_mut(row).filter(|_| moves_on) {
            r.set_wrapped(true);
        }
        self.cursor_col = 0;
        self.pending_wrap = false;
        self.index();
    }

    /// IND / LF: down one row, scrolling the region at its bottom margin.
    pub(super) fn index(&mut self) {
        let (top, bottom) = (self.draw.scroll_top, self.draw.scroll_bottom);
        if self.cursor_row == bottom {
            self.scroll_up_region(top, bottom, 1, true);
        } else if self.cursor_row + 1 < self.height {
            self.cursor_row += 1;
        }
        self.pending_wrap = false;
    }

    /// RI: up one row, scrolling the region down at its top margin.
    pub(super) fn reverse_index(&mut self) {
        let (top, bottom) = (self.draw.scroll_top, self.draw.scroll_bottom);
        if self.cursor_row == top {
            self.scroll_down_region(top, bottom, 1);
        } else if self.cursor_row > 0 {
            self.cursor_row -= 1;
        }
        self.pending_wrap = false;
    }
}
