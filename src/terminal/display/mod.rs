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
//!
//! The painter's primitives (cursor motion, pen, printing a cell) are
//! here; `scroll` finds and performs scrolls, `rows` draws the rows that
//! changed (with their wraps), `mode_diff` writes the modes that changed.
//! `scrollback` writes the session's history into the user's own
//! terminal scrollback when the client draws on the primary screen.

mod mode_diff;
mod rows;
mod scroll;
pub mod scrollback;

use std::sync::Arc;

use crate::terminal::cell::{Cell, Rendition};
use crate::terminal::clipboard::{push_osc52, Clipboard};
use crate::terminal::extra_rendition::{ExtraCaps, ExtraRendition};
use crate::terminal::framebuffer::{same_link, Framebuffer};
use crate::terminal::hyperlink::Hyperlink;
use crate::terminal::prompt_mark::push_working_directory;
use crate::terminal::row::{Annex, Row};
use crate::terminal::sgr::{push_num, write_full_sgr_change};

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
    /// The output goes to the terminal's primary screen, whose scrollback
    /// belongs to the user (native scrollback): nothing may push a row
    /// into it. Rows are never scrolled up off row 0 (a line feed at the
    /// bottom, SU with the top margin at row 0 or DL at row 0 all save
    /// the top row in some terminal); a scroll up of rows 1 and below is
    /// made with DL at its top row (SU inside margins also saves rows in
    /// tmux), and the full repaint blanks the screen without CSI 2 J.
    /// Off (the default): today's output, for the server's diffs and the
    /// alternate screen.
    pub keep_scrollback_clean: bool,
    /// Shell integration marks (OSC 133) and the current directory (OSC
    /// 7) are written: the receiver asked for them (a mosh-rs client, or
    /// the user's terminal behind it). Off for a stock client.
    pub marks: bool,
    /// DECSET 1016 (mouse reports in pixels) is passed on: the receiver
    /// asked for it. Off for a stock client.
    pub mouse_pixels: bool,
    /// The keyboard protocol's flags are passed on: the receiver asked
    /// for them (a mosh-rs client whose user's terminal has the
    /// protocol). Off for a stock client.
    pub keyboard_protocol: bool,
    /// The extra renditions (underline style and colour, overline) the
    /// receiver shows; the others are left out, so any underline is
    /// written as a plain one. None for a stock client.
    pub extras: ExtraCaps,
    /// The longest clipboard copy (OSC 52, base64 bytes) written; a
    /// longer one is left out (a stock client would cut it). `None`: the
    /// clipboard travels elsewhere (a mosh-rs client's clipboard
    /// extension; the client writes it to the user's terminal itself,
    /// once, not with every repaint).
    pub max_clipboard: Option<usize>,
}

impl Default for RenderCaps {
    fn default() -> Self {
        RenderCaps {
            ech: true,
            bce: true,
            title: true,
            keep_scrollback_clean: false,
            marks: false,
            mouse_pixels: false,
            keyboard_protocol: false,
            extras: ExtraCaps::default(),
            max_clipboard: Some(usize::MAX),
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
    /// The extras the terminal draws with (those it can show).
    extra: ExtraRendition,
    /// The active hyperlink.
    link: Option<Arc<Hyperlink>>,
    /// Whether the cursor is shown; None when unknown.
    cursor_visible: Option<bool>,
    /// Rows that run on into the next in the frame being drawn. A line
    /// feed must not leave such a row: terminals such as tmux take a line
    /// feed as the end of the row's line and forget that it wrapped.
    wrapped_rows: Vec<bool>,
}

/// The screen the painter starts from: rows and whether they are known.
struct Base {
    rows: Vec<Arc<Row>>,
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
            extra: ExtraRendition::default(),
            link: None,
            cursor_visible: None,
            wrapped_rows: (0..new.height())
                .map(|row| row + 1 < new.height() && new.row(row).wrapped())
                .collect(),
        }
    }

    /// Whether `row` runs on into the next in the frame being drawn.
    fn row_wraps(&self, row: usize) -> bool {
        self.wrapped_rows.get(row).copied().unwrap_or(false)
    }

    /// Whether line feeds may take the cursor from `from` down to `to`:
    /// none of the rows it leaves wraps.
    fn line_feeds_keep_wraps(&self, from: usize, to: usize) -> bool {
        (from..to).all(|row| !self.row_wraps(row))
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
        let copy = new.clipboard_copy();
        let changed = old.is_none_or(|old| old.clipboard_copy() != copy);
        let fits = self.caps.max_clipboard >= Some(copy.data.len());
        if changed && fits && (old.is_some() || *copy != Clipboard::default()) {
            push_osc52(&mut self.out, copy);
        }
        let old_directory = old.map_or("", Framebuffer::working_directory);
        if self.caps.marks
            && !new.working_directory().is_empty()
            && new.working_directory() != old_directory
        {
            push_working_directory(&mut self.out, new.working_directory());
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
                self.extra = self.caps.extras.visible(old.extra_rendition());
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
                if self.caps.keep_scrollback_clean {
                    self.push(b"\x1b[r\x1b[0m");
                    scrollback::push_blank_screen(&mut self.out, self.height);
                } else {
                    self.push(b"\x1b[r\x1b[0m\x1b[H\x1b[2J");
                }
                self.cursor = Some((0, 0));
                self.pending_wrap = false;
                self.pen = Rendition::default();
                self.extra = ExtraRendition::default();
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
        push_link(&mut self.out, link.map(|l| &**l));
        self.link = link.cloned();
    }

    /// Makes the terminal draw with `pen` and what it can show of `extra`.
    fn set_pen(&mut self, pen: Rendition, extra: ExtraRendition) {
        let extra = self.caps.extras.visible(extra);
        if (self.pen, self.extra) != (pen, extra) {
            write_full_sgr_change(&mut self.out, (self.pen, self.extra), (pen, extra));
            self.pen = pen;
            self.extra = extra;
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
            let line_feeds = row >= r && self.line_feeds_keep_wraps(r, row);
            let mut consider = |candidate: Vec<u8>| {
                if candidate.len() < best.len() {
                    best = candidate;
                }
            };
            if line_feeds && col == 0 && row - r <= 4 {
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
                    if line_feeds {
                        consider(vec![b'\n'; row - r]);
                    }
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
        annex: Option<&Annex>,
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
        let (link, extra) = annex_parts(annex);
        self.set_pen(cell.rendition(), extra);
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
            self.set_pen(blank, ExtraRendition::default());
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
                self.print_cell(row, start, &cell, new.row(row).annex(&cell), false);
            }
        } else {
            self.bridge_gap(row, col, new.row(row));
            self.move_to(row, col);
        }
        self.set_pen(new.rendition(), new.extra_rendition());
        self.set_link(new.hyperlink());
        if self.cursor_visible != Some(new.cursor_visible()) {
            self.push(if new.cursor_visible() {
                b"\x1b[?25h"
            } else {
                b"\x1b[?25l"
            });
        }
    }
}

/// The link and extras of a cell's annex (none and the defaults without).
fn annex_parts(annex: Option<&Annex>) -> (Option<&Arc<Hyperlink>>, ExtraRendition) {
    annex.map_or((None, ExtraRendition::default()), |a| {
        (a.link.as_ref(), a.extra)
    })
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

/// Appends the OSC 8 sequence that opens `link`, or closes the open one
/// when `None`.
pub(in crate::terminal) fn push_link(out: &mut Vec<u8>, link: Option<&Hyperlink>) {
    out.extend_from_slice(b"\x1b]8;");
    if let Some(link) = link {
        push_sanitized(out, link.params());
        out.push(b';');
        push_sanitized(out, link.uri());
    } else {
        out.push(b';');
    }
    out.extend_from_slice(b"\x1b\\");
}

/// Appends a cell's character and marks as UTF-8.
pub(in crate::terminal) fn push_cell_text(out: &mut Vec<u8>, cell: &Cell) {
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
    fn the_cursor_never_line_feeds_out_of_a_wrapped_row() {
        // The third row stops wrapping, so it is erased from its start;
        // getting there from the end of the second row (which still
        // wraps) by CR LF would make tmux forget that wrap, and copying
        // would give two lines.
        let old = screen(10, 4, b"abcdefghijklmnopqrstuvwxyz012345678");
        let new = screen(10, 4, b"ABCDEFGHIJKLMNOPQRSTUVWXY");
        assert!(new.framebuffer().row(1).wrapped());
        let bytes = diff(&old, &new, &RenderCaps::default());
        assert!(
            !bytes.contains("T\r") && !bytes.contains("T\n"),
            "{bytes:?}"
        );
        // Where nothing wraps, line feeds are still the short way down.
        let old = screen(10, 4, b"abc\r\nx");
        let new = screen(10, 4, b"ABC\r\ny");
        assert!(diff(&old, &new, &RenderCaps::default()).contains("\r\n"));
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

    fn clean() -> RenderCaps {
        RenderCaps {
            keep_scrollback_clean: true,
            ..RenderCaps::default()
        }
    }

    #[test]
    fn a_clean_scrollback_keeps_row_0_and_deletes_lines_below_it() {
        let old = screen(20, 6, numbered(5).as_bytes());
        let mut new = old.clone();
        new.feed(b"row 05\r\nrow 06\r\n");
        let out = diff(&old, &new, &clean());
        assert!(out.contains("\x1b[2H\x1b[2M"), "{out:?}");
        assert!(!out.contains('S'), "{out:?}");
        assert!(!out.contains("row 03") && out.contains("row 06"), "{out:?}");
        assert!(out.contains("\x1b[1;6H2"), "row 0 is repainted: {out:?}");
    }

    #[test]
    fn a_clean_scrollback_scrolls_regions_with_margins_and_dl() {
        let mut old = screen(20, 8, numbered(7).as_bytes());
        old.feed(b"\x1b[8;1Hstatus line");
        let mut new = old.clone();
        new.feed(b"\x1b[1;7r\x1b[7;1H\n\n\nnew text\x1b[r");
        let out = diff(&old, &new, &clean());
        assert!(out.contains("\x1b[2;7r\x1b[2H\x1b[3M\x1b[r"), "{out:?}");
        assert!(!out.contains("status") && !out.contains('S'), "{out:?}");
        // Scrolling down saves nothing: it is made as before.
        let out = diff(&new, &old, &clean());
        assert!(out.contains("\x1b[3T"), "{out:?}");
    }

    #[test]
    fn a_clean_full_repaint_blanks_without_erasing_the_whole_screen() {
        let e = screen(10, 3, b"abc\r\ndef");
        let out = String::from_utf8(render(None, e.framebuffer(), &clean())).unwrap();
        assert!(!out.contains("\x1b[2J"), "{out:?}");
        assert!(out.contains("\x1b[H\x1b[2K\x1b[2H\x1b[J"), "{out:?}");
        let mut client = screen(10, 3, b"\x1b[41mjunk\r\nmore");
        client.feed(out.as_bytes());
        assert!(client.framebuffer() == e.framebuffer());
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
            keep_scrollback_clean: false,
            marks: false,
            mouse_pixels: false,
            keyboard_protocol: false,
            extras: ExtraCaps::default(),
            max_clipboard: Some(usize::MAX),
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

    /// `bytes` on a terminal that keeps prompt marks.
    fn marked_screen(width: usize, height: usize, bytes: &[u8]) -> Emulator {
        let mut e = Emulator::new(width, height);
        e.keep_marks(true);
        e.feed(bytes);
        e
    }

    #[test]
    fn prompt_marks_are_written_at_their_cells_once() {
        let old = marked_screen(20, 3, b"out\r\n");
        let new = marked_screen(
            20,
            3,
            b"out\r\n\x1b]133;D;0\x07\x1b]133;A\x07$ \x1b]133;B\x07ls\x1b]7;file://h/x\x07",
        );
        let marks = RenderCaps {
            marks: true,
            ..RenderCaps::default()
        };
        let bytes = render(Some(old.framebuffer()), new.framebuffer(), &marks);
        let mut replay = marked_screen(20, 3, b"out\r\n");
        replay.feed(&bytes);
        assert!(replay.framebuffer() == new.framebuffer(), "{bytes:?}");
        let out = String::from_utf8_lossy(&bytes);
        assert_eq!(out.matches("\x1b]133;").count(), 3, "{out:?}");
        assert_eq!(out.matches("\x1b]7;file://h/x\x1b\\").count(), 1, "{out:?}");
        let again = render(Some(new.framebuffer()), new.framebuffer(), &marks);
        assert!(again.is_empty(), "nothing new: {again:?}");
        let plain = render(
            Some(old.framebuffer()),
            new.framebuffer(),
            &RenderCaps::default(),
        );
        let plain = String::from_utf8_lossy(&plain);
        assert!(!plain.contains("\x1b]133") && !plain.contains("\x1b]7;"));
    }

    #[test]
    fn mouse_pixel_positions_are_passed_on_only_when_asked() {
        let old = screen(10, 2, b"");
        let mut new = Emulator::new(10, 2);
        new.keep_mouse_pixels(true);
        new.feed(b"\x1b[?1003h\x1b[?1006h\x1b[?1016h");
        let pixels = RenderCaps {
            mouse_pixels: true,
            ..RenderCaps::default()
        };
        let on = render(Some(old.framebuffer()), new.framebuffer(), &pixels);
        assert!(String::from_utf8_lossy(&on).contains("\x1b[?1016h"));
        let off = render(
            Some(old.framebuffer()),
            new.framebuffer(),
            &RenderCaps::default(),
        );
        assert!(!String::from_utf8_lossy(&off).contains("1016"));
    }

    /// A screen whose program drew "ok " plainly, then "bad" with a red
    /// curly underline and "top" overlined, kept by an emulator that keeps
    /// the extras when `styles`.
    fn styled_screen(styles: bool) -> Emulator {
        let mut e = Emulator::new(20, 2);
        e.keep_styles(styles);
        e.feed(b"ok \x1b[4:3;58:2::255:0:0mbad\x1b[0m \x1b[53mtop\x1b[55m \x1b[21mx\x1b[24m");
        e
    }

    #[test]
    fn underline_styles_and_colours_reach_a_receiver_that_shows_them() {
        let old = screen(20, 2, b"");
        let new = styled_screen(true);
        let all = RenderCaps {
            extras: ExtraCaps::ALL,
            ..RenderCaps::default()
        };
        let bytes = render(Some(old.framebuffer()), new.framebuffer(), &all);
        let mut client = Emulator::with_framebuffer(old.framebuffer().clone());
        client.keep_styles(true);
        client.feed(&bytes);
        assert!(client.framebuffer() == new.framebuffer(), "{bytes:?}");
        let out = String::from_utf8(bytes).unwrap();
        assert!(out.contains("4:3;58:2::255:0:0m"), "{out:?}");
        assert!(
            out.contains(";53mtop") && out.contains("[4:2;55mx"),
            "{out:?}"
        );
        let curly = client.framebuffer().cell_extra(0, 3);
        assert_eq!(
            curly.underline_style,
            crate::terminal::UnderlineStyle::Curly
        );
        assert_eq!(
            curly.underline_color,
            crate::terminal::Color::Rgb(255, 0, 0)
        );
        assert!(client.framebuffer().cell_extra(0, 7).overline);
        // A repaint from nothing carries them too.
        let repaint = String::from_utf8(render(None, new.framebuffer(), &all)).unwrap();
        assert!(repaint.contains("4:3;58:2::255:0:0m"), "{repaint:?}");
    }

    #[test]
    fn a_receiver_without_the_extras_gets_a_plain_underline_and_nothing_new() {
        let old = screen(20, 2, b"");
        let plain_program = screen(20, 2, b"ok \x1b[4mbad\x1b[0m top \x1b[4mx\x1b[24m");
        for styles in [false, true] {
            let new = styled_screen(styles);
            let out = render(
                Some(old.framebuffer()),
                new.framebuffer(),
                &RenderCaps::default(),
            );
            let want = render(
                Some(old.framebuffer()),
                plain_program.framebuffer(),
                &RenderCaps::default(),
            );
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want),
                "styles kept: {styles}"
            );
        }
        // Styles without colours (a terminfo with Smulx but no Setulc).
        let styles_only = RenderCaps {
            extras: ExtraCaps {
                underline_styles: true,
                ..ExtraCaps::default()
            },
            ..RenderCaps::default()
        };
        let new = styled_screen(true);
        let out = render(Some(old.framebuffer()), new.framebuffer(), &styles_only);
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("\x1b[4:3m"), "{out:?}");
        assert!(!out.contains("58") && !out.contains("53"), "{out:?}");
    }

    #[test]
    fn random_styled_screens_reach_a_receiver_that_shows_the_extras() {
        const PIECES: [&str; 16] = [
            "\x1b[4:3m",
            "\x1b[4:0m",
            "\x1b[21m",
            "\x1b[24m",
            "\x1b[58;5;9m",
            "\x1b[59m",
            "\x1b[58:2::1:2:3m",
            "\x1b[53m",
            "\x1b[55m",
            "\x1b[0m",
            "\x1b[1;41m",
            "ab ",
            "\x1b[K",
            "\r\n",
            "\x1b[2X",
            "\x1b[H",
        ];
        let all = RenderCaps {
            extras: ExtraCaps::ALL,
            ..RenderCaps::default()
        };
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut program = Emulator::new(12, 4);
        program.keep_styles(true);
        let mut client = Emulator::new(12, 4);
        client.keep_styles(true);
        let mut shown = program.framebuffer().clone();
        for _ in 0..400 {
            for _ in 0..next() % 8 {
                let piece = PIECES[usize::try_from(next() % 16).unwrap()];
                program.feed(piece.as_bytes());
            }
            let bytes = render(Some(&shown), program.framebuffer(), &all);
            client.feed(&bytes);
            assert!(client.framebuffer() == program.framebuffer(), "{bytes:?}");
            shown = program.framebuffer().clone();
        }
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
