//! One line that left the top of the primary screen (scrollback), as the
//! terminal bytes that draw it. The server keeps these for the session's
//! history and sends them to a mosh-rs client, which writes them into the
//! user's own terminal above the visible screen.
//!
//! [`encode_row`] turns a screen row into such a line, with the renderer's
//! own SGR, hyperlink and character writers.

use super::cell::{Cell, Rendition};
use super::display::{push_cell_text, push_link};
use super::framebuffer::same_link;
use super::row::Row;
use super::sgr::write_sgr_change;

/// A line of history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    /// Bytes that draw the line starting at column 0, with the default
    /// rendition and no hyperlink open, and that leave both so at the end:
    /// printable text, SGR and OSC 8 sequences only (never CR, LF or any
    /// other control), trailing default blanks left out.
    pub text: Box<[u8]>,
    /// The line runs on into the next one (a soft wrap): `text` fills the
    /// whole width, so the terminal wraps when the next line's first
    /// character is printed, and copying joins the two.
    pub wrapped: bool,
}

impl HistoryLine {
    /// A line of plain text (no wrap).
    pub fn plain(text: &str) -> HistoryLine {
        HistoryLine {
            text: text.as_bytes().into(),
            wrapped: false,
        }
    }

    /// The line as a borrowed view.
    pub fn as_view(&self) -> HistoryLineRef<'_> {
        HistoryLineRef {
            text: &self.text,
            wrapped: self.wrapped,
        }
    }
}

/// A line of history borrowed from where it is kept (the history log
/// stores lines end to end); fields as in [`HistoryLine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryLineRef<'a> {
    /// See [`HistoryLine::text`].
    pub text: &'a [u8],
    /// See [`HistoryLine::wrapped`].
    pub wrapped: bool,
}

impl HistoryLineRef<'_> {
    /// An owned copy.
    pub fn to_line(&self) -> HistoryLine {
        HistoryLine {
            text: self.text.into(),
            wrapped: self.wrapped,
        }
    }
}

/// The line that draws `row` (see [`HistoryLine`]).
pub fn encode_row(row: &Row) -> HistoryLine {
    let mut text = Vec::with_capacity(row.width());
    let wrapped = encode_row_into(row, &mut text);
    HistoryLine {
        text: text.into_boxed_slice(),
        wrapped,
    }
}

/// Appends the bytes that draw `row` to `out` (the `text` of its
/// [`HistoryLine`]); returns whether the row wraps into the next.
pub(crate) fn encode_row_into(row: &Row, out: &mut Vec<u8>) -> bool {
    let wrapped = row.wrapped();
    // A wrapped row is drawn to its last column, so that the next line's
    // first character makes the terminal wrap.
    let end = if wrapped {
        row.width()
    } else {
        row.drawn_len()
    };
    if push_plain(row, end, out) {
        return wrapped;
    }
    let mut pen = Rendition::default();
    let mut link = None;
    let mut after_wide = false;
    for col in 0..end {
        let cell = row.cell(col);
        if cell.is_wide_continuation() && after_wide {
            after_wide = false;
            continue;
        }
        after_wide = cell.is_wide();
        if cell.rendition() != pen {
            write_sgr_change(out, pen, cell.rendition());
            pen = cell.rendition();
        }
        let cell_link = row.link(cell);
        if !same_link(cell_link, link) {
            push_link(out, cell_link.map(|l| &**l));
            link = cell_link;
        }
        push_clean_text(out, cell);
    }
    write_sgr_change(out, pen, Rendition::default());
    if link.is_some() {
        push_link(out, None);
    }
    wrapped
}

/// Appends the first `end` cells of `row` when they are all plain ASCII
/// in the default rendition (most lines of a flood), one byte each;
/// otherwise appends nothing and returns false.
fn push_plain(row: &Row, end: usize, out: &mut Vec<u8>) -> bool {
    let cells = (0..end).map(|col| row.cell(col));
    // Checked first, then written: a loop without stores is faster.
    if !cells.clone().all(|cell| cell.plain_ascii().is_some()) {
        return false;
    }
    out.extend(cells.map(|cell| cell.plain_ascii().unwrap_or(b' ')));
    true
}

/// The cell's text, or a blank in place of a cell that would draw
/// anything but itself: a control character (the emulator never stores
/// one, the bytes must never hold one), or half a wide character.
fn push_clean_text(out: &mut Vec<u8>, cell: &Cell) {
    let clean = !cell.ch().is_control()
        && !cell.is_wide_continuation()
        && (!cell.has_marks() || cell.marks().all(|m| !m.is_control()));
    if clean {
        push_cell_text(out, cell);
    } else {
        out.push(b' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Emulator;

    /// The top row of a `width`-column terminal fed `bytes`, encoded.
    fn encoded(width: usize, bytes: &[u8]) -> HistoryLine {
        let mut e = Emulator::new(width, 3);
        e.feed(bytes);
        encode_row(e.framebuffer().row(0))
    }

    /// Draws `line` at the top of a fresh terminal the way a client
    /// writes history, followed by `next` (the next line's text).
    fn drawn(width: usize, line: &HistoryLine, next: &[u8]) -> Emulator {
        let mut e = Emulator::new(width, 3);
        e.feed(&line.text);
        if !line.wrapped {
            e.feed(b"\r\n");
        }
        e.feed(next);
        e
    }

    /// Encoding the top row of `bytes` and drawing it again gives the
    /// same row, and leaves the pen and link at their defaults.
    fn assert_round_trip(width: usize, bytes: &[u8]) -> HistoryLine {
        let mut source = Emulator::new(width, 3);
        source.feed(bytes);
        let line = encode_row(source.framebuffer().row(0));
        assert!(
            !line
                .text
                .iter()
                .any(|&b| b < 0x20 && b != 0x1b || b == 0x7f),
            "controls in {:?}",
            String::from_utf8_lossy(&line.text)
        );
        let copy = drawn(width, &line, b"");
        let (a, b) = (copy.framebuffer().row(0), source.framebuffer().row(0));
        assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&line.text));
        assert_eq!(copy.framebuffer().rendition(), Rendition::default());
        assert!(copy.framebuffer().hyperlink().is_none());
        line
    }

    #[test]
    fn plain_text_is_itself_without_trailing_blanks() {
        let line = assert_round_trip(20, b"hello world    ");
        assert_eq!(&*line.text, b"hello world");
        assert!(!line.wrapped);
        assert!(encoded(20, b"").text.is_empty());
        let line = assert_round_trip(20, b"  a   b");
        assert_eq!(&*line.text, b"  a   b", "blanks inside are kept");
    }

    #[test]
    fn colours_and_attributes_are_set_and_reset() {
        let line = assert_round_trip(20, b"a\x1b[1;4;31mbc\x1b[0;44md\x1b[me");
        let text = String::from_utf8(line.text.to_vec()).unwrap();
        assert!(text.starts_with('a') && text.ends_with('e'), "{text:?}");
        assert!(text.contains("\x1b["), "{text:?}");
        let line = assert_round_trip(10, b"\x1b[7mx");
        assert!(line.text.ends_with(b"m"), "the pen is reset at the end");
    }

    #[test]
    fn indexed_and_true_colours_survive() {
        assert_round_trip(20, b"\x1b[38;5;208mA\x1b[48;2;1;2;3mB\x1b[38:2::9:8:7mC");
        assert_round_trip(20, b"\x1b[2;3;5;8;9mx\x1b[22my\x1b[95;107mz");
    }

    #[test]
    fn coloured_trailing_blanks_are_kept_default_ones_are_not() {
        let line = assert_round_trip(10, b"ab\x1b[41m  \x1b[m   ");
        assert!(line.text.starts_with(b"ab\x1b["));
        let mut e = Emulator::new(10, 3);
        e.feed(&line.text);
        assert_eq!(e.framebuffer().cursor(), (0, 4), "two red blanks drawn");
        assert_round_trip(10, b"ab\x1b[44m\x1b[K");
        assert_round_trip(10, b"\x1b[4m \x1b[m");
    }

    #[test]
    fn wide_characters_are_written_once() {
        let line = assert_round_trip(10, "a中b文".as_bytes());
        assert_eq!(&*line.text, "a中b文".as_bytes());
    }

    #[test]
    fn combining_marks_stay_on_their_character() {
        let line = assert_round_trip(10, "e\u{301}x\u{302}\u{303}".as_bytes());
        assert_eq!(&*line.text, "e\u{301}x\u{302}\u{303}".as_bytes());
    }

    #[test]
    fn hyperlinks_are_opened_and_closed() {
        let line = assert_round_trip(
            30,
            b"a\x1b]8;id=7;http://x/\x1b\\link\x1b]8;;\x1b\\ b\x1b]8;;http://y/\x07end",
        );
        let text = String::from_utf8(line.text.to_vec()).unwrap();
        assert!(text.contains("\x1b]8;id=7;http://x/\x1b\\link"), "{text:?}");
        assert!(text.ends_with("end\x1b]8;;\x1b\\"), "{text:?}");
    }

    #[test]
    fn a_wrapped_row_is_drawn_to_its_last_column() {
        let mut e = Emulator::new(8, 3);
        e.feed(b"abc\x1b[8Gz\x1b[mmore");
        let row = e.framebuffer().row(0);
        assert!(row.wrapped());
        let line = encode_row(row);
        assert!(line.wrapped);
        assert_eq!(&*line.text, b"abc    z");
        let mut e = Emulator::new(8, 3);
        e.feed(b"abc     x");
        let line = encode_row(e.framebuffer().row(0));
        assert!(line.wrapped);
        assert_eq!(&*line.text, b"abc     ", "blanks up to the edge");
        let copy = drawn(8, &line, b"y");
        assert!(copy.framebuffer().row(0).wrapped(), "the terminal wraps");
        assert_eq!(copy.framebuffer().text().lines().nth(1), Some("y"));
    }

    #[test]
    fn controls_in_a_cell_never_reach_the_bytes() {
        let mut row = Row::new(4, Cell::default());
        row.put(0, Cell::narrow('\u{85}', Rendition::default()));
        let mut marked = Cell::narrow('a', Rendition::default());
        marked.push_mark('\u{9b}');
        row.put(1, marked);
        row.put(2, Cell::wide_continuation(Rendition::default()));
        row.put(3, Cell::narrow('b', Rendition::default()));
        let line = encode_row(&row);
        assert_eq!(&*line.text, b"   b");
    }
}
