//! Native scrollback: the bytes with which a client that draws the
//! session on the terminal's primary screen puts the session's history
//! (the lines that left the top of the server's screen) into the user's
//! own terminal scrollback, in order and once each, so that the mouse
//! wheel, Shift-PgUp and search work as they do over ssh.
//!
//! A terminal saves a row in its scrollback when the row leaves the top
//! of the screen, and some save more than that: a line feed at the bottom
//! of a full-screen region (all of them), SU with the top margin at row 0
//! (xterm; tmux for any region), DL at row 0 (xterm), CSI 2 J (kitty and
//! VTE push the screen up) and an erase of the whole screen from the home
//! position (tmux with its default `scroll-on-clear`, for both CSI 2 J and
//! CSI H CSI J). Everything here moves rows into the scrollback with the
//! first way only, where the rows are the ones meant to go, and blanks
//! the screen with erases no terminal saves: EL on row 0, ED from row 1.
//! The renderer keeps to the same rule when
//! [`RenderCaps::keep_scrollback_clean`] is set.
//!
//! * [`enter_primary`]: on start (and on resume after a suspend), what the
//!   user had on the screen down to the cursor goes up into the
//!   scrollback, and the screen is left blank.
//! * [`feed_history`]: a batch of history lines goes into the scrollback
//!   under what is there, and the screen is left blank for a full repaint
//!   ([`feed_history_and_repaint`] adds that repaint).
//! * [`leave_primary`]: on exit or suspend, the last screen stays and the
//!   cursor goes to a fresh line under it.
//! * [`push_back_pulled_rows`]: after the window got taller, the lines the
//!   terminal pulled down from its scrollback go back up.

use super::{render, RenderCaps};
use crate::terminal::framebuffer::Framebuffer;
use crate::terminal::history_line::HistoryLine;
use crate::terminal::sgr::push_num;

/// Synchronized output (DECSET 2026): the terminal shows the result of
/// the bytes between the two at once; terminals that do not know the mode
/// ignore it.
const SYNC_BEGIN: &[u8] = b"\x1b[?2026h";
const SYNC_END: &[u8] = b"\x1b[?2026l";

/// Default rendition and no hyperlink: what the rows a line feed brings
/// in are blanked with, and what the user's shell gets back.
const PLAIN_PEN: &[u8] = b"\x1b[m\x1b]8;;\x1b\\";

/// The rendition of the line that says how many lines were skipped:
/// reverse video, so it does not pass for the program's output.
const MARKER_PEN: &[u8] = b"\x1b[7m";

/// What the client writes when it starts drawing on the primary screen:
/// the rows from the top of the screen down to the cursor's row (the
/// user's shell prompt, the `mosh host` line) go up into the terminal's
/// scrollback, and the screen is left blank with the cursor home.
///
/// `height` line feeds from the cursor's row scroll exactly those rows
/// off the top (the ones that take the cursor down to the bottom scroll
/// nothing). The margins are reset first, with the cursor kept by
/// DECSC/DECRC, so the line feeds scroll the whole screen.
pub fn enter_primary(height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if height == 0 {
        return out;
    }
    out.extend_from_slice(b"\x1b7\x1b[r\x1b8");
    out.extend_from_slice(PLAIN_PEN);
    out.extend(std::iter::repeat_n(b'\n', height));
    push_blank_screen(&mut out, height);
    out
}

/// What the client writes on exit or suspend, after its last frame: the
/// frame stays on the screen and the cursor goes to a fresh line under
/// it, where the user's shell prompt will start (as after ssh). The
/// cursor goes to the bottom row and a line feed scrolls the frame's top
/// row into the scrollback (it was shown, and never sent as history).
pub fn leave_primary(height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if height == 0 {
        return out;
    }
    out.extend_from_slice(b"\x1b[r");
    out.extend_from_slice(PLAIN_PEN);
    out.extend_from_slice(b"\x1b[");
    push_num(&mut out, clamp(height));
    out.extend_from_slice(b"H\n");
    out
}

/// What the client writes on exit or suspend when it knows the last
/// frame: the frame stays, and the cursor goes to column 0 of the row
/// under its lowest row that is not blank, or of its own row if that is
/// lower (as after ssh), with everything below erased. When there is no
/// such row, a line feed at the bottom scrolls the frame's top row into
/// the scrollback, as [`leave_primary`] does.
pub fn leave_primary_under(frame: &Framebuffer) -> Vec<u8> {
    let height = frame.height();
    let mut out = Vec::new();
    if height == 0 {
        return out;
    }
    let target = rows_left_behind(frame);
    if target >= height {
        return leave_primary(height);
    }
    out.extend_from_slice(RELEASE);
    out.extend_from_slice(b"\x1b[");
    push_num(&mut out, clamp(target + 1));
    out.extend_from_slice(b"H\x1b[J");
    out
}

/// How many of `frame`'s rows, from the top, [`leave_primary_under`]
/// leaves on the screen (where the user's shell will later push them
/// into the scrollback): those down to the lowest that is not blank, or
/// down to the cursor's row if that is lower; the whole frame at most.
pub fn rows_left_behind(frame: &Framebuffer) -> usize {
    let under_text = (0..frame.height())
        .rev()
        .find(|&r| frame.row(r).content_len() > 0)
        .map_or(0, |r| r + 1);
    under_text.max(frame.cursor().0).min(frame.height())
}

/// What the client's terminal is given back with, the cursor left where
/// it is (the string every exit, suspend and panic writes, after any
/// [`leave_primary_under`]): full margins, the default pen, no link.
/// Setting the margins moves the cursor home, so DECSC/DECRC keep it.
pub fn release_primary() -> Vec<u8> {
    RELEASE_IN_PLACE.to_vec()
}

/// [`RELEASE`] with the cursor saved and restored around the margins.
const RELEASE_IN_PLACE: &[u8] = b"\x1b7\x1b[r\x1b8\x1b[m\x1b]8;;\x1b\\";

/// Full-screen margins, then [`PLAIN_PEN`].
const RELEASE: &[u8] = b"\x1b[r\x1b[m\x1b]8;;\x1b\\";

/// The bytes that put `lines` into the terminal's scrollback, in order,
/// under what it holds already; when `skipped` > 0 one marker line that
/// says how many lines the server dropped comes first. Empty when there
/// is nothing to feed (the screen is then left alone).
///
/// The screen shows the session's frame, which must not reach the
/// scrollback: it is blanked (EL on row 0, ED from row 1), the lines are
/// printed from the top row down, each ended by CR LF (the SGR reset
/// first, after a line that changes it), and line feeds at the bottom
/// carry them off the top as the screen fills. A wrapped line gets no CR
/// LF: the next line's first character makes the terminal wrap, so the
/// two stay one line in its history (joined again if the widths differ).
/// At the end `height` line feeds scroll the rows printed so far (the top
/// row down to the cursor's) off the top: the screen is blank, the cursor
/// on the bottom row, and the caller must repaint the frame in full,
/// `render(None, frame, caps)` with `keep_scrollback_clean` set (see
/// [`feed_history_and_repaint`], which writes both in one synchronized
/// update).
///
/// A wrapped last line cannot be joined to its continuation, which is not
/// in the batch: it ends like any line. A caller that wants the join holds
/// such lines back for the next batch (see [`finished_lines`]).
pub fn feed_history(skipped: u64, lines: &[HistoryLine], width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if height == 0 || (skipped == 0 && lines.is_empty()) {
        return out;
    }
    out.extend_from_slice(SYNC_BEGIN);
    push_history(&mut out, skipped, lines, width, height);
    out.extend_from_slice(SYNC_END);
    out
}

/// [`feed_history`] then the full repaint of `frame`, in one synchronized
/// update (the user never sees the blank screen in between). `caps` is
/// used with `keep_scrollback_clean` set. Empty when there is nothing to
/// feed.
pub fn feed_history_and_repaint(
    skipped: u64,
    lines: &[HistoryLine],
    frame: &Framebuffer,
    caps: &RenderCaps,
) -> Vec<u8> {
    let mut out = Vec::new();
    let height = frame.height();
    if height == 0 || (skipped == 0 && lines.is_empty()) {
        return out;
    }
    let caps = RenderCaps {
        keep_scrollback_clean: true,
        ..*caps
    };
    out.extend_from_slice(SYNC_BEGIN);
    push_history(&mut out, skipped, lines, frame.width(), height);
    out.extend_from_slice(&render(None, frame, &caps));
    out.extend_from_slice(SYNC_END);
    out
}

/// What the client writes when the user's window has just got taller
/// and the terminal pulled the last `count` lines of its scrollback down
/// onto the top of the screen, above the frame (xterm, tmux, VTE, kitty
/// and Alacritty do so, moving the cursor down with them): `count` line
/// feeds at the bottom of the full screen carry those lines back up into
/// the scrollback and the frame back to the top, where a repaint would
/// otherwise draw over (and lose) them. The caller repaints in full after.
pub fn push_back_pulled_rows(count: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if count == 0 || height == 0 {
        return out;
    }
    out.extend_from_slice(RELEASE);
    out.extend_from_slice(b"\x1b[");
    push_num(&mut out, clamp(height));
    out.push(b'H');
    out.extend(std::iter::repeat_n(b'\n', count));
    out
}

/// How many of `lines` end a line of their own: all up to the last one
/// that is not wrapped. The rest continue in lines not received yet; fed
/// now, their join with that continuation is lost.
pub fn finished_lines(lines: &[HistoryLine]) -> usize {
    lines.iter().rposition(|l| !l.wrapped).map_or(0, |i| i + 1)
}

/// The marker line: `[mosh: N lines skipped]`, cut to the width so that
/// it never wraps.
fn marker_text(skipped: u64, width: usize) -> String {
    let noun = if skipped == 1 { "line" } else { "lines" };
    let text = format!("[mosh: {skipped} {noun} skipped]");
    text.chars().take(width.max(1)).collect()
}

/// The body of [`feed_history`], without the synchronized-output pair.
fn push_history(
    out: &mut Vec<u8>,
    skipped: u64,
    lines: &[HistoryLine],
    width: usize,
    height: usize,
) {
    out.extend_from_slice(b"\x1b[r");
    out.extend_from_slice(PLAIN_PEN);
    push_blank_screen(out, height);
    if skipped > 0 {
        out.extend_from_slice(MARKER_PEN);
        out.extend_from_slice(marker_text(skipped, width).as_bytes());
        out.extend_from_slice(b"\x1b[m");
        if !lines.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
    }
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        out.extend_from_slice(&line.text);
        if i == last {
            break;
        }
        if line.wrapped {
            continue;
        }
        if line.text.contains(&0x1b) {
            out.extend_from_slice(b"\x1b[m");
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(PLAIN_PEN);
    out.push(b'\r');
    out.extend(std::iter::repeat_n(b'\n', height));
}

/// Blanks the screen without saving it in the scrollback and leaves the
/// cursor home: EL on row 0, then ED from row 1 (an erase of the whole
/// screen, or one from the home position, is saved by some terminals).
/// The pen must be the default one (erases take its background).
pub(super) fn push_blank_screen(out: &mut Vec<u8>, height: usize) {
    out.extend_from_slice(b"\x1b[H\x1b[2K");
    if height > 1 {
        out.extend_from_slice(b"\x1b[2H\x1b[J\x1b[H");
    }
}

fn clamp(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::emulator::Emulator;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn entering_scrolls_the_rows_down_to_the_cursor_then_blanks() {
        let out = text(&enter_primary(24));
        assert_eq!(out.matches('\n').count(), 24, "{out:?}");
        assert!(!out.contains("\x1b[2J") && !out.contains("\x1b[H\x1b[J"));
        assert!(out.ends_with("\x1b[H"), "{out:?}");
        let mut e = Emulator::new(10, 4);
        e.feed(b"$ mosh h\r\n\x1b[31mx");
        e.feed(&enter_primary(4));
        assert!(e.framebuffer() == Emulator::new(10, 4).framebuffer());
    }

    #[test]
    fn leaving_puts_the_cursor_on_the_bottom_row_after_one_line_feed() {
        assert_eq!(leave_primary(24), b"\x1b[r\x1b[m\x1b]8;;\x1b\\\x1b[24H\n");
        let mut e = Emulator::new(10, 3);
        e.feed(b"a\r\nb\r\nc\x1b[H");
        e.feed(&leave_primary(3));
        assert_eq!(e.framebuffer().cursor(), (2, 0));
        assert_eq!(e.framebuffer().row(0).cell(0).ch(), 'b');
    }

    #[test]
    fn releasing_the_terminal_leaves_the_cursor_where_it_is() {
        let mut e = Emulator::new(10, 5);
        e.feed(b"\x1b[2;4r\x1b[4;3H\x1b[1m");
        e.feed(&release_primary());
        assert_eq!(e.framebuffer().cursor(), (3, 2));
        // A line feed on row 4, the old bottom margin, now moves down.
        e.feed(b"\nx");
        assert_eq!(e.framebuffer().row(4).cell(2).ch(), 'x', "margins reset");
    }

    #[test]
    fn leaving_under_a_frame_puts_the_cursor_under_its_last_row_in_use() {
        let mut e = Emulator::new(10, 5);
        e.feed(b"a\r\nb\r\nexit\r\n");
        let frame = e.framebuffer().clone();
        assert_eq!(
            text(&leave_primary_under(&frame)),
            "\x1b[r\x1b[m\x1b]8;;\x1b\\\x1b[4H\x1b[J"
        );
        e.feed(&leave_primary_under(&frame));
        assert_eq!(e.framebuffer().cursor(), (3, 0));
        assert_eq!(e.framebuffer().row(2).cell(0).ch(), 'e');
        let mut full = Emulator::new(10, 3);
        full.feed(b"a\r\nb\r\nc");
        assert_eq!(leave_primary_under(full.framebuffer()), leave_primary(3));
    }

    #[test]
    fn wrapped_lines_are_not_ended_and_the_rest_are() {
        let lines = [
            HistoryLine {
                text: "a".repeat(10).into_bytes().into(),
                wrapped: true,
            },
            HistoryLine::plain("bc"),
            HistoryLine::plain("\x1b[1mdef\x1b[m"),
        ];
        let out = text(&feed_history(0, &lines, 10, 4));
        assert!(out.starts_with("\x1b[?2026h") && out.ends_with("\x1b[?2026l"));
        assert!(out.contains("aaaaaaaaaabc\r\n\x1b[1mdef"), "{out:?}");
        assert!(
            out.contains("\x1b[1mdef\x1b[m\x1b[m\x1b]8;;\x1b\\\r\n\n\n\n\x1b"),
            "the last line gets the final line feeds only: {out:?}"
        );
    }

    #[test]
    fn the_screen_ends_blank_and_the_marker_comes_first() {
        let lines: Vec<HistoryLine> = (0..30)
            .map(|i| HistoryLine::plain(&format!("line {i}")))
            .collect();
        let out = feed_history(990_000, &lines, 20, 5);
        let shown = text(&out);
        let marker = shown.find("[mosh: 990000 lines").unwrap();
        assert!(marker < shown.find("line 0").unwrap());
        assert!(!shown.contains("skipped]"), "cut to the width: {shown:?}");
        let mut e = Emulator::new(20, 5);
        e.feed(b"\x1b[44mframe\x1b[3;4Hmore");
        e.feed(&out);
        let mut blank = Emulator::new(20, 5);
        blank.feed(b"\x1b[5H");
        assert!(e.framebuffer() == blank.framebuffer());
    }

    #[test]
    fn nothing_to_feed_writes_nothing() {
        assert!(feed_history(0, &[], 80, 24).is_empty());
        assert!(feed_history(3, &[HistoryLine::plain("x")], 80, 0).is_empty());
        assert_eq!(text(&feed_history(1, &[], 80, 3)).matches('\n').count(), 3);
        assert!(text(&feed_history(1, &[], 80, 3)).contains("[mosh: 1 line skipped]"));
    }

    #[test]
    fn a_repaint_follows_inside_the_same_update() {
        let mut e = Emulator::new(12, 3);
        e.feed(b"\x1b[32mhello\x1b[m\r\nworld");
        let caps = RenderCaps::default();
        let out = feed_history_and_repaint(0, &[HistoryLine::plain("old")], e.framebuffer(), &caps);
        let shown = text(&out);
        assert_eq!(shown.matches("\x1b[?2026").count(), 2, "{shown:?}");
        assert!(!shown.contains("\x1b[2J"), "{shown:?}");
        let mut client = Emulator::new(12, 3);
        client.feed(b"junk\r\nmore junk");
        client.feed(&out);
        assert!(client.framebuffer() == e.framebuffer());
    }

    #[test]
    fn pulled_rows_go_back_up_and_the_frame_back_to_the_top() {
        let log = crate::terminal::HistoryLog::shared(100);
        // What a 10x5 terminal shows after growing from 3 rows, two
        // lines of its scrollback pulled down above the 3-row frame.
        let mut e = Emulator::new(10, 5);
        e.keep_history(log.clone());
        e.feed(b"old 1\r\nold 2\r\nframe a\r\nframe b\r\nframe c");
        e.feed(&push_back_pulled_rows(2, 5));
        assert_eq!(e.framebuffer().text(), "frame a\nframe b\nframe c\n\n\n");
        let log = log.borrow();
        let history: Vec<_> = (log.start()..log.end())
            .map(|n| log.line_owned(n).unwrap().text)
            .collect();
        assert_eq!(history, [&b"old 1"[..], b"old 2"].map(Box::from));
        assert!(push_back_pulled_rows(0, 5).is_empty());
    }

    #[test]
    fn finished_lines_stop_at_the_last_unwrapped_one() {
        let wrapped = HistoryLine {
            text: b"x".to_vec().into(),
            wrapped: true,
        };
        let plain = HistoryLine::plain("y");
        assert_eq!(finished_lines(&[]), 0);
        assert_eq!(finished_lines(std::slice::from_ref(&wrapped)), 0);
        assert_eq!(
            finished_lines(&[plain.clone(), wrapped.clone(), plain.clone()]),
            3
        );
        assert_eq!(finished_lines(&[plain, wrapped.clone(), wrapped]), 1);
    }
}
