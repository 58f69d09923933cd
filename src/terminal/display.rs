//! The display renderer: the escape bytes that take a terminal showing one
//! framebuffer to showing another. The server sends them to the client as
//! the screen diff (the client runs them through its emulator); the client
//! writes them to the real terminal.
//!
//! The output keeps to sequences mosh 1.4's own emulator understands (its
//! mosh-client parses our server's diffs): CUP, CHA, VPA, CUU, CUF, CR, LF,
//! BS, EL, ECH, SU, SD, DECSTBM, SGR (semicolon forms), DECSET/DECRST,
//! OSC 0/1/2/52 and BEL. It assumes the terminal is in the state our own
//! output leaves it in: full-screen scroll region, no origin or insert
//! mode, autowrap on, ASCII character set. The full repaint (`old` =
//! `None`) sets those first.
//!
//! Applied to our emulator showing `old`, the output yields a framebuffer
//! equal to `new`, with one exception: several bells between the two
//! states ring once (the bell count then rises by one).

use std::sync::Arc;

use super::cell::{Cell, Rendition};
use super::framebuffer::{same_link, Framebuffer};
use super::hyperlink::Hyperlink;
use super::modes::{Modes, MouseEncoding, MouseReporting};
use super::row::Row;
use super::sgr::{push_num, write_sgr_change};

/// What the terminal receiving the output can do (from terminfo on the
/// client; everything for the server's diffs, which our emulator and mosh's
/// both understand).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderCaps {
    /// ECH (erase characters) is available.
    pub ech: bool,
    /// Erasing fills with the current background colour (`bce`).
    pub bce: bool,
    /// Window title and icon name may be set (OSC 0/1/2).
    pub title: bool,
}

impl Default for RenderCaps {
    fn default() -> Self {
        RenderCaps {
            ech: true,
            bce: true,
            title: true,
        }
    }
}

/// The bytes that turn a terminal showing `old` into one showing `new`.
/// With `old` = `None` (a terminal in an unknown state) the result is a
/// full repaint that works from any state.
pub fn render(old: Option<&Framebuffer>, new: &Framebuffer, caps: &RenderCaps) -> Vec<u8> {
    let mut painter = Painter::new(new, caps);
    let base = painter.start(old, new);
    painter.paint_screen(base, new);
    painter.finish(old, new);
    painter.out
}

/// What the renderer knows about the receiving terminal while it writes.
struct Painter<'a> {
    out: Vec<u8>,
    caps: &'a RenderCaps,
    width: usize,
    height: usize,
    /// Cursor position; None when unknown.
    cursor: Option<(usize, usize)>,
    /// The terminal will wrap before the next character.
    pending_wrap: bool,
    pen: Rendition,
    /// The active hyperlink.
    link: Option<Arc<Hyperlink>>,
    /// Whether the cursor is shown; None when unknown.
    cursor_visible: Option<bool>,
}

/// How a row being painted joins its neighbours.
#[derive(Clone, Copy)]
struct RowLine {
    /// The row above runs on into this one.
    wraps_from_above: bool,
    /// This row runs on into the next one (never said of the last row).
    wraps: bool,
}

/// The screen the painter starts from: rows and whether they are known.
struct Base {
    rows: Vec<Arc<Row>>,
}

fn is_blank_row(row: &Row) -> bool {
    row.content_len() == 0 && row.cells().all(|c| *c == Cell::default())
}

fn same_row(a: &Arc<Row>, b: &Arc<Row>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

impl<'a> Painter<'a> {
    fn new(new: &Framebuffer, caps: &'a RenderCaps) -> Painter<'a> {
        Painter {
            out: Vec::with_capacity(new.width() * new.height() / 4 + 64),
            caps,
            width: new.width(),
            height: new.height(),
            cursor: None,
            pending_wrap: false,
            pen: Rendition::default(),
            link: None,
            cursor_visible: None,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn push_csi(&mut self, n: usize, final_byte: u8) {
        self.out.extend_from_slice(b"\x1b[");
        if n != 1 {
            push_num(&mut self.out, clamp(n));
        }
        self.out.push(final_byte);
    }

    /// Writes what comes before the cells (bell, titles, clipboard,
    /// reverse video, and the reset of a full repaint) and returns the
    /// screen the cells are compared with.
    fn start(&mut self, old: Option<&Framebuffer>, new: &Framebuffer) -> Base {
        if let Some(old) = old {
            if new.bell_count() != old.bell_count() {
                self.push(b"\x07");
            }
        }
        self.titles(old, new);
        let old_clipboard = old.map_or("", Framebuffer::clipboard);
        if new.clipboard() != old_clipboard {
            self.push(b"\x1b]52;c;");
            push_sanitized(&mut self.out, new.clipboard());
            self.push(b"\x07");
        }
        let old_reverse = old.map(|o| o.modes().reverse_video);
        if old_reverse != Some(new.modes().reverse_video) {
            self.push(if new.modes().reverse_video {
                b"\x1b[?5h"
            } else {
                b"\x1b[?5l"
            });
        }
        match old {
            Some(old) if old.width() == new.width() && old.height() == new.height() => {
                self.cursor = Some(old.cursor());
                self.pending_wrap = old.pending_wrap();
                self.pen = old.rendition();
                self.link = old.hyperlink().cloned();
                self.cursor_visible = Some(old.cursor_visible());
                let rows = (0..old.height())
                    .filter_map(|r| old.row_handle(r).cloned())
                    .collect();
                Base { rows }
            }
            _ => {
                match old {
                    None => {
                        // Put the terminal in the state the rest relies on.
                        self.push(b"\x1b[?6l\x1b[?7h\x1b[4l\x1b]8;;\x1b\\");
                    }
                    Some(old) => {
                        self.cursor_visible = Some(old.cursor_visible());
                        self.link = old.hyperlink().cloned();
                    }
                }
                self.push(b"\x1b[r\x1b[0m\x1b[H\x1b[2J");
                self.cursor = Some((0, 0));
                self.pending_wrap = false;
                self.pen = Rendition::default();
                let blank = Arc::new(Row::new(self.width, Cell::default()));
                Base {
                    rows: vec![blank; self.height],
                }
            }
        }
    }

    fn titles(&mut self, old: Option<&Framebuffer>, new: &Framebuffer) {
        if !self.caps.title || !new.title_set() {
            return;
        }
        let changed = match old {
            None => true,
            Some(o) => {
                !o.title_set() || o.title() != new.title() || o.icon_name() != new.icon_name()
            }
        };
        if !changed {
            return;
        }
        if new.title() == new.icon_name() {
            self.push(b"\x1b]0;");
            push_sanitized(&mut self.out, new.title());
            self.push(b"\x07");
        } else {
            self.push(b"\x1b]1;");
            push_sanitized(&mut self.out, new.icon_name());
            self.push(b"\x07\x1b]2;");
            push_sanitized(&mut self.out, new.title());
            self.push(b"\x07");
        }
    }

    /// Hides the cursor before drawing at (`row`, `col`), unless it is
    /// there already: drawing where it stands (typing, mostly) does not
    /// make it jump about, and the hide/show pair would double the bytes
    /// of such a frame.
    fn hide_cursor_unless_at(&mut self, row: usize, col: usize) {
        if self.cursor != Some((row, col)) || self.pending_wrap {
            self.hide_cursor();
        }
    }

    fn hide_cursor(&mut self) {
        if self.cursor_visible != Some(false) {
            self.push(b"\x1b[?25l");
            self.cursor_visible = Some(false);
        }
    }

    fn set_link(&mut self, link: Option<&Arc<Hyperlink>>) {
        if same_link(self.link.as_ref(), link) {
            return;
        }
        self.push(b"\x1b]8;");
        if let Some(link) = link {
            push_sanitized(&mut self.out, link.params());
            self.out.push(b';');
            push_sanitized(&mut self.out, link.uri());
        } else {
            self.out.push(b';');
        }
        self.push(b"\x1b\\");
        self.link = link.cloned();
    }

    fn set_pen(&mut self, pen: Rendition) {
        if self.pen != pen {
            write_sgr_change(&mut self.out, self.pen, pen);
            self.pen = pen;
        }
    }

    /// Moves the cursor to (`row`, `col`) with the shortest sequence,
    /// ending any pending wrap.
    fn move_to(&mut self, row: usize, col: usize) {
        if self.cursor == Some((row, col)) && !self.pending_wrap {
            return;
        }
        let mut best = absolute_move(row, col);
        if let Some((r, c)) = self.cursor {
            let mut consider = |candidate: Vec<u8>| {
                if candidate.len() < best.len() {
                    best = candidate;
                }
            };
            if col == 0 && row >= r && row - r <= 4 {
                let mut m = Vec::new();
                if c != 0 || self.pending_wrap {
                    m.push(b'\r');
                }
                m.extend(std::iter::repeat_n(b'\n', row - r));
                consider(m);
            }
            if !self.pending_wrap {
                if row == r && col < c {
                    consider(vec![b'\x08'; c - col]);
                    consider(csi(col + 1, b'G'));
                }
                if row == r && col > c {
                    consider(csi(col - c, b'C'));
                    consider(csi(col + 1, b'G'));
                }
                if col == c && row > r {
                    consider(vec![b'\n'; row - r]);
                    consider(csi(row + 1, b'd'));
                }
                if col == c && row < r {
                    consider(csi(r - row, b'A'));
                    consider(csi(row + 1, b'd'));
                }
            }
        }
        self.out.extend_from_slice(&best);
        self.cursor = Some((row, col));
        self.pending_wrap = false;
    }

    /// Prints `cell`, which belongs at (`row`, `col`). When the previous
    /// print filled the row above and that row wraps here, the terminal's
    /// own autowrap gets there (and marks the row wrapped for copy and
    /// paste).
    fn print_cell(
        &mut self,
        row: usize,
        col: usize,
        cell: &Cell,
        link: Option<&Arc<Hyperlink>>,
        wraps_from_above: bool,
    ) {
        let wrap_here = wraps_from_above
            && col == 0
            && self.pending_wrap
            && self.cursor.is_some_and(|(r, _)| r + 1 == row);
        if !wrap_here {
            self.hide_cursor_unless_at(row, col);
            self.move_to(row, col);
        }
        self.set_pen(cell.rendition());
        self.set_link(link);
        push_cell_text(&mut self.out, cell);
        let end = col + cell.width().max(1);
        if end >= self.width {
            self.cursor = Some((row, self.width - 1));
            self.pending_wrap = true;
        } else {
            self.cursor = Some((row, end));
            self.pending_wrap = false;
        }
    }

    /// Whether blanks of rendition `blank` can be made by erasing.
    fn can_erase(&self, blank: Rendition) -> bool {
        blank == blank.erased() && (self.caps.bce || blank == Rendition::default())
    }

    /// Makes the pen erase to `blank` (only the background matters).
    fn pen_for_erase(&mut self, blank: Rendition) {
        if self.pen.erased() != blank {
            self.set_pen(blank);
        }
    }

    /// Scrolls rows `top..=bottom` by `amount` (up if positive) and
    /// updates `base` to match.
    fn scroll(&mut self, base: &mut Base, top: usize, bottom: usize, up: bool, amount: usize) {
        self.hide_cursor();
        self.pen_for_erase(Rendition::default());
        let full = top == 0 && bottom == self.height - 1;
        if up && full && amount <= 4 {
            let at_bottom = self.cursor.is_some_and(|(r, _)| r == self.height - 1);
            if !at_bottom {
                let col = self.cursor.map_or(0, |(_, c)| c);
                self.move_to(self.height - 1, if self.pending_wrap { 0 } else { col });
            }
            self.out.extend(std::iter::repeat_n(b'\n', amount));
            self.pending_wrap = false;
        } else {
            if !full {
                self.push(b"\x1b[");
                push_num(&mut self.out, clamp(top + 1));
                self.out.push(b';');
                push_num(&mut self.out, clamp(bottom + 1));
                self.out.push(b'r');
            }
            self.push_csi(amount, if up { b'S' } else { b'T' });
            self.pending_wrap = false;
            if !full {
                self.push(b"\x1b[r");
                self.cursor = Some((0, 0));
            }
        }
        let blank = Arc::new(Row::new(self.width, Cell::default()));
        if let Some(region) = base.rows.get_mut(top..=bottom) {
            let n = amount.min(region.len());
            if up {
                region.rotate_left(n);
                let len = region.len();
                region
                    .iter_mut()
                    .skip(len - n)
                    .for_each(|r| *r = blank.clone());
            } else {
                region.rotate_right(n);
                region.iter_mut().take(n).for_each(|r| *r = blank.clone());
            }
        }
    }

    fn paint_screen(&mut self, mut base: Base, new: &Framebuffer) {
        if let Some((top, bottom, up, amount)) = find_scroll(&base, new) {
            self.scroll(&mut base, top, bottom, up, amount);
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
            return self.wrap_wide_into_next(row, &first, next.link(&first).cloned(), &end);
        }
        if self.cursor != Some((row, last)) || !self.pending_wrap {
            let start = if last > 0 && new.cell(row, last).is_wide_continuation() {
                last - 1
            } else {
                last
            };
            let cell = *new.cell(row, start);
            let link = new.row(row).link(&cell).cloned();
            self.print_cell(row, start, &cell, link.as_ref(), false);
        }
        let link = next.link(&first).cloned();
        self.print_cell(row + 1, 0, &first, link.as_ref(), true);
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
        link: Option<Arc<Hyperlink>>,
        end: &Cell,
    ) -> usize {
        let last = self.width - 1;
        self.hide_cursor_unless_at(row, last);
        self.move_to(row, last);
        self.pen_for_erase(end.rendition());
        self.push(b"\x1b[K");
        self.set_pen(wide.rendition());
        self.set_link(link.as_ref());
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
                self.print_cell(row, col, &start, new.link(&start), line.wraps_from_above);
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
            self.print_cell(row, col, cell, new.link(cell), line.wraps_from_above);
            col += cell.width().max(1);
        }
    }

    /// When the cursor is a few cells left of `col` on `row`, and those
    /// cells are narrow and drawn in the current pen, writes them again
    /// instead of moving (shorter than a cursor motion).
    fn bridge_gap(&mut self, row: usize, col: usize, new: &Row) {
        let Some((r, c)) = self.cursor else { return };
        if r != row || self.pending_wrap || col <= c || col - c > 3 {
            return;
        }
        let gap = (c..col).map(|k| new.cell(k));
        let current = self.link.as_ref();
        if gap.clone().any(|cell| {
            cell.width() != 1 || cell.rendition() != self.pen || !same_link(new.link(cell), current)
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
    /// terminals.
    fn blank_run(&mut self, row: usize, start: usize, end: usize, blank: Rendition, line: RowLine) {
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

    /// Modes, cursor, pending wrap and pen of `new`.
    fn finish(&mut self, old: Option<&Framebuffer>, new: &Framebuffer) {
        self.modes(old.map(Framebuffer::modes), new.modes());
        let (row, col) = new.cursor();
        if new.pending_wrap() {
            let at_place = self.cursor == Some((row, col)) && self.pending_wrap;
            if !at_place {
                let start = if col > 0 && new.cell(row, col).is_wide_continuation() {
                    col - 1
                } else {
                    col
                };
                let cell = *new.cell(row, start);
                let link = new.row(row).link(&cell).cloned();
                self.print_cell(row, start, &cell, link.as_ref(), false);
            }
        } else {
            self.bridge_gap(row, col, new.row(row));
            self.move_to(row, col);
        }
        self.set_pen(new.rendition());
        self.set_link(new.hyperlink());
        if self.cursor_visible != Some(new.cursor_visible()) {
            self.push(if new.cursor_visible() {
                b"\x1b[?25h"
            } else {
                b"\x1b[?25l"
            });
        }
    }

    /// The modes that changed (all of them when `old` is unknown).
    fn modes(&mut self, old: Option<&Modes>, new: &Modes) {
        let flag = |this: &mut Painter, mode: &[u8], was: Option<bool>, is: bool| {
            if was != Some(is) {
                this.push(b"\x1b[?");
                this.push(mode);
                this.push(if is { b"h" } else { b"l" });
            }
        };
        flag(
            self,
            b"1",
            old.map(|m| m.application_cursor_keys),
            new.application_cursor_keys,
        );
        flag(
            self,
            b"2004",
            old.map(|m| m.bracketed_paste),
            new.bracketed_paste,
        );
        flag(self, b"1004", old.map(|m| m.focus_events), new.focus_events);
        flag(
            self,
            b"1007",
            old.map(|m| m.alternate_scroll),
            new.alternate_scroll,
        );
        if old.map(|m| m.application_keypad) != Some(new.application_keypad) {
            self.push(if new.application_keypad {
                b"\x1b="
            } else {
                b"\x1b>"
            });
        }
        self.mouse_reporting(old.map(|m| m.mouse_reporting), new.mouse_reporting);
        self.mouse_encoding(old.map(|m| m.mouse_encoding), new.mouse_encoding);
        // An unknown terminal has the default shape: the client's exit and
        // suspend put it back, and most frames go to peers that never saw
        // a shape at all.
        let old_style = old.map_or(0, |m| m.cursor_style);
        if old_style != new.cursor_style {
            self.push(b"\x1b[");
            push_num(&mut self.out, u16::from(new.cursor_style));
            self.push(b" q");
        }
    }

    fn decset(&mut self, mode: u16, on: bool) {
        self.push(b"\x1b[?");
        push_num(&mut self.out, mode);
        self.push(if on { b"h" } else { b"l" });
    }

    fn mouse_reporting(&mut self, old: Option<MouseReporting>, new: MouseReporting) {
        if old == Some(new) {
            return;
        }
        match old {
            Some(old) => {
                if let Some(mode) = old.decset() {
                    self.decset(mode, false);
                }
            }
            None => {
                for mode in [1003, 1002, 1001, 1000, 9] {
                    self.decset(mode, false);
                }
            }
        }
        if let Some(mode) = new.decset() {
            self.decset(mode, true);
        }
    }

    fn mouse_encoding(&mut self, old: Option<MouseEncoding>, new: MouseEncoding) {
        if old == Some(new) {
            return;
        }
        match old {
            Some(old) => {
                if let Some(mode) = old.decset() {
                    self.decset(mode, false);
                }
            }
            None => {
                for mode in [1015, 1006, 1005] {
                    self.decset(mode, false);
                }
            }
        }
        if let Some(mode) = new.decset() {
            self.decset(mode, true);
        }
    }
}

fn clamp(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn csi(n: usize, final_byte: u8) -> Vec<u8> {
    let mut v = b"\x1b[".to_vec();
    if n != 1 {
        push_num(&mut v, clamp(n));
    }
    v.push(final_byte);
    v
}

fn absolute_move(row: usize, col: usize) -> Vec<u8> {
    let mut v = b"\x1b[".to_vec();
    if row != 0 || col != 0 {
        push_num(&mut v, clamp(row + 1));
        if col != 0 {
            v.push(b';');
            push_num(&mut v, clamp(col + 1));
        }
    }
    v.push(b'H');
    v
}

/// Appends a cell's character and marks as UTF-8.
fn push_cell_text(out: &mut Vec<u8>, cell: &Cell) {
    if cell.is_wide_continuation() {
        return;
    }
    let ch = cell.ch();
    if ch.is_ascii() {
        out.push(ch as u8); // ok: ASCII
    } else {
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    if cell.has_marks() {
        for mark in cell.marks() {
            let mut buf = [0u8; 4];
            out.extend_from_slice(mark.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Appends `text` without control characters (it goes inside an OSC).
fn push_sanitized(out: &mut Vec<u8>, text: &str) {
    for c in text.chars() {
        if !(c.is_control()) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Looks for rows that moved up or down together between `base` and
/// `new`: (top, bottom, up, amount) of a scroll that saves at least two
/// row repaints.
fn find_scroll(base: &Base, new: &Framebuffer) -> Option<(usize, usize, bool, usize)> {
    let height = base.rows.len();
    if new.height() != height {
        return None;
    }
    // Whether new row `n` is old row `o` (false when out of range).
    let same = |n: usize, o: usize| match (new.row_handle(n), base.rows.get(o)) {
        (Some(a), Some(b)) => same_row(b, a),
        _ => false,
    };
    let blank_new = |n: usize| new.row_handle(n).is_none_or(|r| is_blank_row(r));
    let blank_old = |o: usize| base.rows.get(o).is_none_or(|r| is_blank_row(r));
    let top = (0..height).find(|&r| !same(r, r))?;
    let run_length = |new_start: usize, old_start: usize| {
        (0..height)
            .take_while(|&i| same(new_start + i, old_start + i))
            .count()
    };
    let mut best: Option<(usize, usize, bool, usize, usize)> = None;
    if !blank_new(top) {
        if let Some(k) = (1..height - top).find(|&k| same(top, top + k)) {
            let run = run_length(top, top + k);
            best = Some((top, top + k + run - 1, true, k, run));
        }
    }
    if !blank_old(top) {
        if let Some(k) = (1..height - top).find(|&k| same(top + k, top)) {
            let run = run_length(top + k, top);
            if best.is_none_or(|b| run > b.4) {
                best = Some((top, top + k + run - 1, false, k, run));
            }
        }
    }
    let (top, mut bottom, up, amount, run) = best?;
    // A full-screen scroll needs no margins: take it when every row below
    // the region either changes anyway or ends up right after it.
    let after_full_scroll = |r: usize| {
        let source = if up {
            r.checked_add(amount)
        } else {
            r.checked_sub(amount)
        };
        match source.filter(|&s| s < height) {
            Some(s) => same(r, s),
            None => blank_new(r),
        }
    };
    if (bottom + 1..height).all(|r| !same(r, r) || after_full_scroll(r)) {
        bottom = height - 1;
    }
    (run >= 2 && bottom > top).then_some((top, bottom, up, amount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::emulator::Emulator;

    fn screen(width: usize, height: usize, bytes: &[u8]) -> Emulator {
        let mut e = Emulator::new(width, height);
        e.feed(bytes);
        e
    }

    /// Renders `old -> new`, applies it to a copy of `old`, checks the
    /// result is `new` and returns the bytes.
    fn diff(old: &Emulator, new: &Emulator, caps: &RenderCaps) -> String {
        let bytes = render(Some(old.framebuffer()), new.framebuffer(), caps);
        let mut client = Emulator::with_framebuffer(old.framebuffer().clone());
        client.feed(&bytes);
        assert!(client.framebuffer() == new.framebuffer(), "{bytes:?}");
        String::from_utf8(bytes).unwrap()
    }

    fn numbered(n: usize) -> String {
        (0..n).map(|i| format!("row {i:02}\r\n")).collect()
    }

    #[test]
    fn a_typed_character_is_sent_as_itself() {
        let old = screen(20, 4, b"$ ");
        let mut new = old.clone();
        new.feed(b"x");
        assert_eq!(diff(&old, &new, &RenderCaps::default()), "x");
        let mut spaced = new.clone();
        spaced.feed(b" ");
        assert_eq!(diff(&new, &spaced, &RenderCaps::default()), " ");
    }

    #[test]
    fn drawing_away_from_the_cursor_hides_it_meanwhile() {
        let old = screen(20, 4, b"$ ");
        let mut new = old.clone();
        new.feed(b"\x1b[3;5Hstatus\x1b[1;3H");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(
            out.starts_with("\x1b[?25l") && out.ends_with("\x1b[?25h"),
            "{out:?}"
        );
    }

    #[test]
    fn scrolling_the_whole_screen_is_sent_as_line_feeds() {
        let old = screen(20, 6, numbered(5).as_bytes());
        let mut new = old.clone();
        new.feed(b"row 05\r\nrow 06\r\n");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(out.contains("\n\n"), "{out:?}");
        assert!(out.contains("row 05") && out.contains("row 06"), "{out:?}");
        assert!(
            !out.contains("row 02"),
            "moved rows are not redrawn: {out:?}"
        );
        assert!(out.len() < 40, "{out:?}");
    }

    #[test]
    fn scrolling_inside_a_region_uses_margins() {
        let mut old = screen(20, 8, numbered(7).as_bytes());
        old.feed(b"\x1b[8;1Hstatus line");
        let mut new = old.clone();
        new.feed(b"\x1b[1;7r\x1b[7;1H\n\n\nnew text\x1b[r");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(
            out.contains("\x1b[1;7r") && out.contains("\x1b[3S"),
            "{out:?}"
        );
        assert!(
            !out.contains("status") && !out.contains("row 05"),
            "{out:?}"
        );
    }

    #[test]
    fn the_cursor_shape_is_written_when_it_changes() {
        let old = screen(10, 2, b"x");
        let mut new = old.clone();
        new.feed(b"\x1b[6 q");
        assert!(diff(&old, &new, &RenderCaps::default()).contains("\x1b[6 q"));
        assert!(!diff(&new, &new, &RenderCaps::default()).contains(" q"));
        let full =
            String::from_utf8(render(None, old.framebuffer(), &RenderCaps::default())).unwrap();
        assert!(!full.contains(" q"), "the default shape is not written");
    }

    #[test]
    fn reverse_scrolling_is_detected() {
        let old = screen(20, 6, numbered(6).as_bytes());
        let mut new = old.clone();
        new.feed(b"\x1b[H\x1bM\x1bMtop");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(out.contains("\x1b[2T"), "{out:?}");
        assert!(!out.contains("row 01"), "{out:?}");
    }

    #[test]
    fn blank_runs_are_erased_in_their_background() {
        let old = screen(40, 3, b"some text that goes on and on and on");
        let mut new = old.clone();
        new.feed(b"\x1b[1;5H\x1b[44m\x1b[K\x1b[m");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(
            out.contains("\x1b[44m\x1b[K") || out.contains("\x1b[44m") && out.contains("\x1b[K")
        );
        let mut new = old.clone();
        new.feed(b"\x1b[1;3H\x1b[20X");
        let out = diff(&old, &new, &RenderCaps::default());
        assert!(out.contains("X") && !out.contains("       "), "{out:?}");
    }

    #[test]
    fn without_bce_or_ech_blanks_are_written_as_spaces() {
        let caps = RenderCaps {
            ech: false,
            bce: false,
            title: true,
        };
        let old = screen(30, 2, b"0123456789012345678901234567");
        let mut new = old.clone();
        new.feed(b"\x1b[1;3H\x1b[41m\x1b[K\x1b[m");
        let out = diff(&old, &new, &caps);
        assert!(!out.contains("\x1b[K"), "{out:?}");
        let mut new = old.clone();
        new.feed(b"\x1b[1;3H\x1b[10X");
        let out = diff(&old, &new, &caps);
        assert!(!out.contains('X'), "{out:?}");
    }

    #[test]
    fn renditions_change_only_where_they_change() {
        let old = screen(40, 2, b"");
        let new = screen(40, 2, b"\x1b[1;31mred red red\x1b[m plain \x1b[1;31mred");
        let out = diff(&old, &new, &RenderCaps::default());
        assert_eq!(out.matches("\x1b[1;31m").count(), 2, "{out:?}");
    }

    #[test]
    fn cursor_moves_are_short() {
        let old = screen(80, 24, b"\x1b[10;10H");
        let cases: [(&[u8], &str); 4] = [
            (b"\x1b[10;14H", "\x1b[4C"),
            (b"\x1b[10;8H", "\x08\x08"),
            (b"\x1b[12;1H", "\r\n\n"),
            (b"\x1b[3;10H", "\x1b[7A"),
        ];
        for (moves, expected) in cases {
            let mut new = old.clone();
            new.feed(moves);
            assert_eq!(diff(&old, &new, &RenderCaps::default()), expected);
        }
    }

    #[test]
    fn titles_bell_clipboard_and_modes_are_carried() {
        let old = screen(20, 2, b"");
        let new = screen(
            20,
            2,
            b"\x1b]0;t\x07\x07\x1b]52;c;aGk=\x07\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1h\x1b=\x1b[?25l",
        );
        let out = diff(&old, &new, &RenderCaps::default());
        for part in [
            "\x1b]0;t\x07",
            "\x07",
            "\x1b]52;c;aGk=\x07",
            "\x1b[?2004h",
            "\x1b[?1002h",
        ] {
            assert!(out.contains(part), "{part:?} in {out:?}");
        }
        let no_title = RenderCaps {
            title: false,
            ..RenderCaps::default()
        };
        let bytes = render(Some(old.framebuffer()), new.framebuffer(), &no_title);
        assert!(!String::from_utf8_lossy(&bytes).contains("\x1b]0;"));
    }

    #[test]
    fn hyperlinks_are_opened_and_closed_around_their_cells() {
        let old = screen(30, 2, b"");
        let new = screen(30, 2, b"see \x1b]8;;http://x/\x1b\\here\x1b]8;;\x1b\\ now");
        let out = diff(&old, &new, &RenderCaps::default());
        assert_eq!(out.matches("\x1b]8;;http://x/\x1b\\").count(), 1, "{out:?}");
        assert_eq!(out.matches("\x1b]8;;\x1b\\").count(), 1, "{out:?}");
        let mut relinked = new.clone();
        relinked.feed(b"\x1b[1;5H\x1b]8;;http://y/\x1b\\here\x1b]8;;\x1b\\");
        let out = diff(&new, &relinked, &RenderCaps::default());
        assert!(out.contains("http://y/") && out.contains("here"), "{out:?}");
        assert!(!out.contains("see"), "{out:?}");
    }

    #[test]
    fn a_pending_wrap_is_reproduced() {
        let old = screen(10, 3, b"");
        let new = screen(10, 3, b"0123456789");
        diff(&old, &new, &RenderCaps::default());
        let mut moved = new.clone();
        moved.feed(b"\x1b[3;3H");
        diff(&moved, &new, &RenderCaps::default());
    }

    #[test]
    fn a_size_change_repaints_everything() {
        let old = screen(10, 3, b"abc");
        let mut new = old.clone();
        new.resize(12, 4);
        new.feed(b"\x1b[4;1Hxyz");
        let bytes = render(
            Some(old.framebuffer()),
            new.framebuffer(),
            &RenderCaps::default(),
        );
        let mut client = Emulator::with_framebuffer(old.framebuffer().clone());
        client.resize(12, 4);
        client.feed(&bytes);
        assert!(client.framebuffer() == new.framebuffer());
        assert!(String::from_utf8_lossy(&bytes).contains("\x1b[2J"));
    }

    #[test]
    fn osc_text_loses_control_characters() {
        let mut out = Vec::new();
        push_sanitized(&mut out, "a\u{7}b\u{1b}c\u{9c}d");
        assert_eq!(out, b"abcd");
    }
}
