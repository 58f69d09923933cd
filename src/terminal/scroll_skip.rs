//! Skipping plain text that would scroll off the screen unseen.
//!
//! A program flooding the terminal with plain lines (`cat` of a log,
//! `seq`, `find /`) writes far more rows than the screen holds, and all
//! but the last screenful scroll away before anyone could see them. In a
//! run of plain text — printable ASCII, CR, LF and tabs, nothing else — the
//! cursor's path does not depend on what the screen holds, so [`Motion`]
//! can follow it without touching a cell. [`plan`] uses that to find the
//! lines whose rows would leave the scroll region before the run ends;
//! the emulator jumps over them ([`Framebuffer::skip_lines`]) and draws
//! only the rest. Screen, cursor and everything that shapes later output
//! (the last graphic character, for REP) end as if every line had been
//! drawn.
//!
//! The jump starts and ends right after a line feed that scrolled: there
//! the cursor is on the region's bottom row, which has just come in blank,
//! and no wrap is pending. The rows above it at the end of the jump hold
//! something else than they would, but the rest of the run has at least a
//! region's height minus one line feeds, each scrolling (the cursor stays
//! on the bottom row), so none of those rows is left when the run is over.
//!
//! Lines that leave the top of the primary screen go to the history
//! (`capture`), so when the region starts at the top row the jump must
//! count them: the cursor is then followed through the whole jump (still
//! far cheaper than drawing) and the framebuffer's history count advances
//! by the scrolls it saw. With a history log attached, the jump also ends
//! early enough for the rest of the run to push the log's `limit` newest
//! lines after the rows left over from before the jump: every line the
//! log still holds when the run is over was drawn, and the lines jumped
//! over are only counted ([`HistoryLog::skip`](super::history::HistoryLog::skip)).
//!
//! Planning must cost far less than drawing: the run is found and checked
//! 64 bytes at a time, the end of the jump is found by counting line feeds
//! back from the end, and the cursor is followed exactly only up to the
//! jump and through the jump (or, when nothing goes to the history, only
//! through the jump's last line).

use std::ops::Range;

use super::framebuffer::{Charset, Framebuffer};
use super::parser::printable_ascii_prefix;
use super::scroll_count::line_feeds_without_wraps;

/// Bytes checked at a time when looking for the end of plain text.
const BLOCK: usize = 64;

/// Whether `b` may appear in a run of plain text.
fn is_plain(b: u8) -> bool {
    b.wrapping_sub(0x20) < 0x5F || b == b'\r' || b == b'\n' || b == b'\t'
}

/// Whether every byte of `block` is plain (written to compile to vector
/// compares: no early exit).
fn all_plain(block: &[u8]) -> bool {
    block.iter().fold(true, |ok, &b| ok & is_plain(b))
}

/// Length of the run of plain text at the start of `bytes`.
pub(super) fn plain_prefix(bytes: &[u8]) -> usize {
    let mut n = 0;
    for block in bytes.chunks(BLOCK) {
        if !all_plain(block) {
            return n + block.iter().take_while(|&&b| is_plain(b)).count();
        }
        n += block.len();
    }
    n
}

/// Length of the run of plain text at the end of `bytes`.
pub(super) fn plain_suffix(bytes: &[u8]) -> usize {
    let mut n = 0;
    for block in bytes.rchunks(BLOCK) {
        if !all_plain(block) {
            return n + block.iter().rev().take_while(|&&b| is_plain(b)).count();
        }
        n += block.len();
    }
    n
}

/// Whether plain text `run` has more than `lines` line feeds (fewer
/// cannot scroll a whole screen away).
pub(super) fn is_long(run: &[u8], lines: usize) -> bool {
    run.len() > lines && memchr::memchr_iter(b'\n', run).nth(lines).is_some()
}

/// What the cursor's path through plain text depends on; it does not
/// change within a run.
#[derive(Clone, Copy, Debug)]
struct Geometry<'a> {
    width: usize,
    height: usize,
    top: usize,
    bottom: usize,
    autowrap: bool,
    tab_stops: &'a [bool],
}

/// The cursor following plain text, with the region's scrolls counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Motion {
    row: usize,
    col: usize,
    pending_wrap: bool,
    scrolls: usize,
}

impl Motion {
    /// `n` printable characters, as [`Framebuffer::print_ascii`] prints
    /// them.
    fn text(&mut self, n: usize, g: &Geometry) {
        if n == 0 {
            return;
        }
        if !g.autowrap {
            // The last column takes every character past it.
            self.pending_wrap = false;
            self.col = (self.col + n).min(g.width - 1);
            return;
        }
        if self.pending_wrap {
            self.pending_wrap = false;
            self.col = 0;
            self.index(1, g);
        }
        let end = self.col + n;
        if end < g.width {
            self.col = end;
            return;
        }
        let wraps = (end - 1) / g.width;
        self.index(wraps, g);
        let last = end - wraps * g.width;
        if last == g.width {
            self.col = g.width - 1;
            self.pending_wrap = true;
        } else {
            self.col = last;
        }
    }

    fn carriage_return(&mut self) {
        self.col = 0;
        self.pending_wrap = false;
    }

    /// HT, as [`Framebuffer::tab_forward`] moves: to the next tab stop or
    /// the last column, a pending wrap left as it is.
    fn tab(&mut self, g: &Geometry) {
        let next = g
            .tab_stops
            .iter()
            .enumerate()
            .take(g.width)
            .skip(self.col + 1)
            .find_map(|(col, &stop)| stop.then_some(col));
        self.col = next.unwrap_or(g.width - 1);
    }

    /// A line feed; true if it scrolled the region.
    fn line_feed(&mut self, g: &Geometry) -> bool {
        let before = self.scrolls;
        self.index(1, g);
        self.pending_wrap = false;
        self.scrolls != before
    }

    /// `count` times IND: down a row, scrolling at the bottom margin (a
    /// cursor below the region stops at the last row).
    fn index(&mut self, count: usize, g: &Geometry) {
        if self.row <= g.bottom {
            let down = (g.bottom - self.row).min(count);
            self.row += down;
            self.scrolls += count - down;
        } else {
            self.row = (self.row + count).min(g.height - 1);
        }
    }
}

/// Runs `motion` through the plain text `run`; stops just past the first
/// line feed that scrolls when `to_first_scroll`. Returns the offset
/// where it stopped.
fn follow(run: &[u8], motion: &mut Motion, g: &Geometry, to_first_scroll: bool) -> usize {
    let mut i = 0;
    while let Some(rest) = run.get(i..).filter(|r| !r.is_empty()) {
        let printable = printable_ascii_prefix(rest);
        if printable > 0 {
            motion.text(printable, g);
            i += printable;
            continue;
        }
        i += 1;
        match rest.first() {
            Some(b'\r') => motion.carriage_return(),
            Some(b'\t') => motion.tab(g),
            Some(b'\n') => {
                if motion.line_feed(g) && to_first_scroll {
                    break;
                }
            }
            _ => break, // not plain text: the caller's run was wrong
        }
    }
    i
}

/// Lines to jump over in a run of plain text: the bytes in `bytes`, and
/// where the jump leaves the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Skip {
    pub(super) bytes: Range<usize>,
    col: usize,
    last_graphic: Option<u8>,
    /// Lines that would have left for the history during the jump.
    history_lines: u64,
}

/// The lines of `run`, plain text the parser is about to draw on `fb`,
/// that can be skipped; `None` when none can.
pub(super) fn plan(fb: &Framebuffer, run: &[u8]) -> Option<Skip> {
    let g = Geometry {
        width: fb.width,
        height: fb.height,
        top: fb.draw.scroll_top,
        bottom: fb.draw.scroll_bottom,
        autowrap: fb.draw.autowrap,
        tab_stops: &fb.draw.tab_stops,
    };
    let below_region = fb.cursor_row > g.bottom;
    if fb.draw.insert_mode || fb.draw.active_charset() != Charset::Ascii || below_region {
        return None;
    }
    let mut motion = Motion {
        row: fb.cursor_row,
        col: fb.cursor_col,
        pending_wrap: fb.pending_wrap,
        scrolls: 0,
    };
    let from = follow(run, &mut motion, &g, true);
    if motion.scrolls == 0 {
        return None;
    }
    let to_history = fb.scrolls_into_history(g.top);
    let kept = if to_history {
        fb.scrollback.kept_lines()
    } else {
        0
    };
    // The line feed that leaves a region's height minus one after it
    // (each scrolls the rows left over from before the jump away), plus
    // the lines the history log keeps.
    let region_height = g.bottom.checked_sub(g.top)? + 1;
    let after = (region_height - 1).saturating_add(kept);
    let last_lf = memchr::memrchr_iter(b'\n', run).nth(after)?;
    let to = last_lf + 1;
    let skipped = run.get(from..to).filter(|s| !s.is_empty())?;
    let (col, history_lines) = if to_history {
        jump_scrolls(skipped, motion, &g)
    } else {
        (landing_col(skipped, motion, &g), 0)
    };
    Some(Skip {
        bytes: from..to,
        col,
        last_graphic: skipped.iter().rev().find(|&&b| b >= 0x20).copied(),
        history_lines,
    })
}

/// The cursor's column after `skipped`, which `start` begins on the
/// region's bottom row, and how many times it scrolled: the line feeds,
/// when no line can wrap (counted at memory speed), else followed.
fn jump_scrolls(skipped: &[u8], start: Motion, g: &Geometry) -> (usize, u64) {
    let width = if g.autowrap { g.width } else { usize::MAX };
    if let Some(line_feeds) = line_feeds_without_wraps(skipped, start.col, width) {
        return (landing_col(skipped, start, g), line_feeds as u64);
    }
    let mut m = Motion {
        scrolls: 0,
        ..start
    };
    follow(skipped, &mut m, g, false);
    (m.col, m.scrolls as u64)
}

/// The cursor's column after `skipped`, which `start` begins: followed
/// from the last carriage return in it, when there is one.
fn landing_col(skipped: &[u8], start: Motion, g: &Geometry) -> usize {
    let (mut motion, tail) = match memchr::memrchr(b'\r', skipped) {
        Some(cr) => {
            let mut m = start;
            m.carriage_return();
            (m, skipped.get(cr + 1..).unwrap_or_default())
        }
        None => (start, skipped),
    };
    follow(tail, &mut motion, g, false);
    motion.col
}

impl Framebuffer {
    /// Jumps over the lines `skip` planned: the cursor lands where they
    /// would have left it, on the bottom row that has just come in blank,
    /// and the lines that would have left for the history are counted.
    /// The rows above are left as they are; the rest of the run scrolls
    /// them away.
    pub(super) fn skip_lines(&mut self, skip: &Skip) {
        self.scrollback.skip(skip.history_lines);
        self.cursor_col = skip.col.min(self.width - 1);
        self.pending_wrap = false;
        if let Some(b) = skip.last_graphic {
            self.draw.last_graphic = Some(char::from(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{Emulator, HistoryLine, HistoryLog};

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Mostly plain lines of every length around the width, now and then
    /// a control sequence that changes how they are drawn.
    fn flood(rng: &mut Rng, width: usize, len: usize) -> Vec<u8> {
        const SEQUENCES: [&[u8]; 14] = [
            b"\x1bH",
            b"\x1b[3g",
            b"\x1b[1;31m",
            b"\x1b[0m",
            b"\x1b[44m",
            b"\x1b[2;3r",
            b"\x1b[r",
            b"\x1b[?7l",
            b"\x1b[?7h",
            b"\x1b[H",
            b"\x1b[4h",
            b"\x1b[4l",
            b"\t",
            "é".as_bytes(),
        ];
        let mut out = Vec::new();
        while out.len() < len {
            match rng.below(40) {
                0 => out.extend_from_slice(SEQUENCES[rng.below(SEQUENCES.len())]),
                1..=3 => out.push(b'\r'),
                4..=7 => out.push(b'\n'),
                _ => {
                    let n = rng.below(2 * width + 2);
                    out.extend((0..n).map(|_| match rng.below(12) {
                        0 => b'\t',
                        _ => b'!' + rng.below(94) as u8,
                    }));
                    if rng.below(3) > 0 {
                        out.extend_from_slice(b"\r\n");
                    }
                }
            }
        }
        out
    }

    /// Screens equal, and so are what `==` leaves out but later output
    /// or copy and paste can tell apart.
    fn assert_same(fast: &mut Emulator, slow: &mut Emulator, input: &[u8]) {
        assert!(
            fast.framebuffer() == slow.framebuffer(),
            "input {:?}\nfast:\n{}\nslow:\n{}",
            String::from_utf8_lossy(input),
            fast.framebuffer().text(),
            slow.framebuffer().text()
        );
        assert_eq!(
            fast.framebuffer().history_end(),
            slow.framebuffer().history_end(),
            "lines that left for the history"
        );
        let fb = fast.framebuffer();
        for row in 0..fb.height() {
            assert_eq!(
                fb.row(row).wrapped(),
                slow.framebuffer().row(row).wrapped(),
                "row {row}"
            );
        }
        fast.feed(b"\x1b[3b");
        slow.feed_without_skipping(b"\x1b[3b");
        assert!(fast.framebuffer() == slow.framebuffer(), "after REP");
    }

    #[test]
    fn skipping_ends_on_the_screen_drawing_every_line_gives() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let width = 1 + rng.below(12);
            let height = 1 + rng.below(7);
            let len = rng.below(600);
            let input = flood(&mut rng, width, len);
            let mut fast = Emulator::new(width, height);
            let mut slow = Emulator::new(width, height);
            let mut rest = input.as_slice();
            while !rest.is_empty() {
                let (now, later) = rest.split_at(rng.below(rest.len() + 1).max(1));
                fast.feed(now);
                slow.feed_without_skipping(now);
                rest = later;
            }
            assert_same(&mut fast, &mut slow, &input);
        }
    }

    #[test]
    fn motion_follows_the_cursor_as_the_emulator_moves_it() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let width = 1 + rng.below(12);
            let height = 1 + rng.below(7);
            let mut e = Emulator::new(width, height);
            let len = rng.below(300);
            e.feed_without_skipping(&flood(&mut rng, width, len));
            let run_len = rng.below(80);
            let run = flood(&mut rng, width, run_len);
            let run = run.get(..plain_prefix(&run)).unwrap_or_default();
            let fb = e.framebuffer();
            if !e.is_ground() || fb.draw.insert_mode || fb.draw.active_charset() != Charset::Ascii {
                continue;
            }
            let g = Geometry {
                width,
                height,
                top: fb.draw.scroll_top,
                bottom: fb.draw.scroll_bottom,
                autowrap: fb.draw.autowrap,
                tab_stops: &fb.draw.tab_stops.clone(),
            };
            let mut m = Motion {
                row: fb.cursor_row,
                col: fb.cursor_col,
                pending_wrap: fb.pending_wrap,
                scrolls: 0,
            };
            follow(run, &mut m, &g, false);
            e.feed_without_skipping(run);
            let fb = e.framebuffer();
            assert_eq!(
                (m.row, m.col, m.pending_wrap),
                (fb.cursor_row, fb.cursor_col, fb.pending_wrap),
                "{width}x{height} after {:?}",
                String::from_utf8_lossy(run)
            );
        }
    }

    #[test]
    fn tabs_and_lines_without_carriage_returns_land_the_cursor_exactly() {
        for (width, height) in [(80, 24), (10, 4), (9, 1)] {
            for tail in ["", "x", "\tab", "123456789\t\t", "\t\n\t"] {
                let mut text = b"\x1b[3g\x1b[1;4H\x1bH\x1b[1;7H\x1bH\x1b[24;1H".to_vec();
                for i in 0..200 {
                    let line = format!("{}\t{}\t\n", "a".repeat(i % 13), i);
                    text.extend_from_slice(line.as_bytes());
                }
                text.extend_from_slice(tail.as_bytes());
                let mut fast = Emulator::new(width, height);
                let mut slow = Emulator::new(width, height);
                fast.feed(&text);
                slow.feed_without_skipping(&text);
                assert_same(&mut fast, &mut slow, &text);
            }
        }
    }

    /// Plain text only: numbered lines as `seq` prints them, lines longer
    /// than the screen is wide, carriage returns without line feeds, bare
    /// line feeds, tabs.
    fn plain_flood(rng: &mut Rng, width: usize, len: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut n = rng.below(1000);
        while out.len() < len {
            match rng.below(10) {
                0..=4 => {
                    n += 1;
                    out.extend_from_slice(format!("{n}\r\n").as_bytes());
                }
                5 | 6 => {
                    let long = rng.below(4 * width + 2);
                    out.extend((0..long).map(|i| b'a' + (i % 26) as u8));
                    out.extend_from_slice(b"\r\n");
                }
                7 => out.extend_from_slice(b"over\rOV"),
                8 => out.push(b'\n'),
                _ => out.extend_from_slice(b"\tx\t"),
            }
        }
        out
    }

    /// The lines a log holds, by number.
    fn held(e: &Emulator) -> (u64, Vec<HistoryLine>) {
        let log = e.history().unwrap().borrow();
        let lines = (log.start()..log.end())
            .map(|n| log.line_owned(n).unwrap())
            .collect();
        (log.start(), lines)
    }

    #[test]
    fn with_a_log_skipping_keeps_every_line_the_log_holds() {
        let mut rng = Rng(0x51_7cc1_b727_220a);
        let mut skipped_runs = 0;
        for round in 0..2000 {
            let width = 1 + rng.below(12);
            let height = 1 + rng.below(7);
            let limit = match rng.below(4) {
                0 => 0,
                1 => 1 + rng.below(3),
                _ => rng.below(60),
            };
            let len = rng.below(4000);
            let input = if round % 3 == 0 {
                flood(&mut rng, width, len)
            } else {
                plain_flood(&mut rng, width, len)
            };
            let mut fast = Emulator::new(width, height);
            let mut slow = Emulator::new(width, height);
            fast.keep_history(HistoryLog::shared(limit));
            slow.keep_history(HistoryLog::shared(limit));
            let mut rest = input.as_slice();
            while !rest.is_empty() {
                let most = if rng.below(2) == 0 { 64 } else { rest.len() };
                let (now, later) = rest.split_at(rng.below(most.min(rest.len()) + 1).max(1));
                fast.feed(now);
                rest = later;
            }
            for byte in input.chunks(1) {
                slow.feed_without_skipping(byte);
            }
            let (fast_end, slow_end) = (
                fast.framebuffer().history_end(),
                slow.framebuffer().history_end(),
            );
            assert_eq!(fast_end, slow_end, "round {round}");
            assert_eq!(fast.history().unwrap().borrow().end(), fast_end);
            assert_eq!(slow.history().unwrap().borrow().end(), slow_end);
            let (fast_held, slow_held) = (held(&fast), held(&slow));
            if fast_held != slow_held {
                panic!(
                    "round {round}, {width}x{height}, limit {limit}: held {:?} != {:?}\ninput {:?}",
                    fast_held,
                    slow_held,
                    String::from_utf8_lossy(&input)
                );
            }
            if fast.history().unwrap().borrow().start() > 0 && limit > 0 {
                skipped_runs += 1;
            }
            assert_same(&mut fast, &mut slow, &input);
        }
        assert!(skipped_runs > 100, "{skipped_runs} rounds evicted lines");
    }

    #[test]
    fn with_a_log_the_jump_leaves_its_lines_to_be_drawn() {
        let mut text = Vec::new();
        for i in 0..1000 {
            text.extend_from_slice(format!("{i}\r\n").as_bytes());
        }
        for limit in [0, 1, 100, 975, 976, 10_000] {
            let mut e = Emulator::new(80, 24);
            e.keep_history(HistoryLog::shared(limit));
            e.feed(b"\x1b[24;1H");
            let skip = plan(e.framebuffer(), &text);
            // The first line is drawn (the jump starts after a scroll).
            if 1 + limit + 23 >= 1000 {
                assert_eq!(skip, None, "limit {limit}");
                continue;
            }
            let skip = skip.expect("a skip");
            let rest = text.get(skip.bytes.end..).unwrap();
            assert_eq!(memchr::memchr_iter(b'\n', rest).count(), 23 + limit);
            let jumped = text.get(skip.bytes.clone()).unwrap();
            let lines = memchr::memchr_iter(b'\n', jumped).count() as u64;
            assert_eq!(skip.history_lines, lines, "limit {limit}");
        }
    }

    #[test]
    fn a_flood_of_lines_is_drawn_from_its_last_screenful() {
        let mut text = Vec::new();
        for i in 0..1000 {
            text.extend_from_slice(format!("{i}\r\n").as_bytes());
        }
        let mut fb = Emulator::new(80, 24).framebuffer().clone();
        fb.cursor_row = 23;
        let skip = plan(&fb, &text).expect("a skip");
        // From just after the first line to 23 lines before the end.
        assert_eq!(skip.bytes.start, 3);
        let rest = text.get(skip.bytes.end..).unwrap();
        assert_eq!(memchr::memchr_iter(b'\n', rest).count(), 23);
        assert_eq!(skip.last_graphic, Some(b'6'));
    }

    #[test]
    fn short_runs_and_runs_inside_sequences_are_not_skipped() {
        let fb = Framebuffer::new(80, 24);
        assert_eq!(plan(&fb, b"a\r\nb\r\n"), None);
        let mut lines = b"\x1b]0;".to_vec();
        lines.extend(std::iter::repeat_n(b"x\r\n".as_slice(), 100).flatten());
        assert_eq!(plain_suffix(&lines), lines.len() - 1);
        let mut e = Emulator::new(80, 24);
        e.feed(&lines);
        assert!(e.framebuffer().text().trim().is_empty(), "all title text");
    }

    #[test]
    fn plain_runs_are_measured_from_either_end() {
        let mut bytes = b"12\n3\x1b[1m".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', 200));
        bytes.extend_from_slice(b"4\n5\n6\n\xc3\xa9");
        assert_eq!(plain_prefix(&bytes), 4);
        assert_eq!(plain_suffix(&bytes), 0);
        let tail = bytes.len() - 2;
        // `[1m` is plain too: the emulator finishes the sequence first.
        assert_eq!(plain_suffix(&bytes[..tail]), tail - 5);
        assert!(is_long(&bytes[5..tail], 2));
        assert!(!is_long(&bytes[5..tail], 3));
        assert_eq!(plain_prefix(b"ab\r\ncd\x07"), 6);
    }
}
