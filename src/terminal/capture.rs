//! Capturing the lines that leave the top of the primary screen for the
//! history (scrollback).
//!
//! A row leaves when the scroll region starts at the top row (whatever
//! its bottom margin, as in xterm) and the content scrolls up: a line
//! feed, IND or NEL at the region's bottom, SU, or a resize that drops
//! rows from the top. Rows erased, deleted (DL), scrolled within a region
//! that starts lower, or on the alternate screen never leave this way.
//!
//! The framebuffer counts the lines that left ([`Framebuffer::history_end`]),
//! and hands them to a [`HistoryLog`] when one is attached. The log is
//! not part of the framebuffer's state: a copy of the framebuffer keeps
//! the count but not the log (the emulator shares its log with its own
//! copies, see `Emulator::keep_history`).

use std::sync::Arc;

use super::framebuffer::Framebuffer;
use super::history::HistoryHandle;
use super::row::Row;

/// The framebuffer's side of the history: the count of lines that left,
/// and the log they go to.
#[derive(Default)]
pub(super) struct Scrollback {
    end: u64,
    log: Option<HistoryHandle>,
    /// Lines the log could not be told about (it was borrowed elsewhere
    /// at the time); it is told they were skipped next time.
    missed: u64,
}

impl Clone for Scrollback {
    /// The count, without the log: only the live screen writes history.
    fn clone(&self) -> Scrollback {
        Scrollback {
            end: self.end,
            log: None,
            missed: 0,
        }
    }
}

impl std::fmt::Debug for Scrollback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrollback")
            .field("end", &self.end)
            .field("log", &self.log.is_some())
            .finish()
    }
}

impl Scrollback {
    /// A copy that writes to the same log (for a copy of the emulator).
    pub(super) fn shared(&self) -> Scrollback {
        Scrollback {
            end: self.end,
            log: self.log.clone(),
            missed: self.missed,
        }
    }

    /// `row` left the top of the primary screen. Returns a row the
    /// framebuffer may reuse for the blank one coming in at the bottom.
    pub(super) fn leave(&mut self, row: Arc<Row>) -> Option<Arc<Row>> {
        self.end += 1;
        let Some(handle) = &self.log else {
            return Some(row);
        };
        match handle.try_borrow_mut() {
            Ok(mut log) => {
                log.skip(std::mem::take(&mut self.missed));
                log.push(row)
            }
            Err(_) => {
                self.missed += 1;
                Some(row)
            }
        }
    }

    /// `n` lines left without being drawn (the flood skipper).
    pub(super) fn skip(&mut self, n: u64) {
        self.end += n;
        let Some(handle) = &self.log else {
            return;
        };
        match handle.try_borrow_mut() {
            Ok(mut log) => log.skip(std::mem::take(&mut self.missed) + n),
            Err(_) => self.missed += n,
        }
    }

    /// How many of the newest lines the attached log keeps (0 without
    /// one): the flood skipper must draw those.
    pub(super) fn kept_lines(&self) -> usize {
        self.log
            .as_ref()
            .and_then(|l| l.try_borrow().ok().map(|l| l.limit()))
            .unwrap_or(0)
    }
}

impl Framebuffer {
    /// How many lines have left the top of the primary screen since the
    /// terminal started (scrolled or skipped, kept in a log or not): the
    /// history's end when this state was taken. Not part of equality (a
    /// scroll shows on the screen anyway; whoever sends history compares
    /// it on its own).
    pub fn history_end(&self) -> u64 {
        self.scrollback.end
    }

    /// Sends the lines leaving from now on to `log`, whose numbering is
    /// first moved up to [`Framebuffer::history_end`] if it is behind.
    pub(super) fn attach_history(&mut self, log: HistoryHandle) {
        if let Ok(mut l) = log.try_borrow_mut() {
            let behind = self.scrollback.end.saturating_sub(l.end());
            l.skip(behind);
        }
        self.scrollback.log = Some(log);
        self.scrollback.missed = 0;
    }

    /// The attached log.
    pub(super) fn history_log(&self) -> Option<&HistoryHandle> {
        self.scrollback.log.as_ref()
    }

    /// Whether rows scrolled up out of a region starting at `top` enter
    /// the history.
    pub(super) fn scrolls_into_history(&self, top: usize) -> bool {
        top == 0 && self.draw.primary.is_none()
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::terminal::history::HistoryLog;
    use crate::terminal::Emulator;

    /// A `width` x `height` terminal keeping up to 100 lines of history.
    fn keeping(width: usize, height: usize) -> Emulator {
        let mut e = Emulator::new(width, height);
        e.keep_history(HistoryLog::shared(100));
        e
    }

    /// The lines held, oldest first, as text.
    fn history(e: &Emulator) -> Vec<String> {
        let log = e.history().unwrap().borrow();
        (log.start()..log.end())
            .map(|n| String::from_utf8(log.line(n).unwrap().text.to_vec()).unwrap())
            .collect()
    }

    fn end(e: &Emulator) -> u64 {
        let log_end = e.history().unwrap().borrow().end();
        assert_eq!(log_end, e.framebuffer().history_end());
        log_end
    }

    const FOUR_ROWS: &[u8] = b"one\r\ntwo\r\nthree\r\nfour";

    #[test]
    fn line_feeds_at_the_bottom_keep_the_top_row() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        assert_eq!(end(&e), 0, "nothing has left yet");
        e.feed(b"\r\nfive\r\nsix");
        assert_eq!(history(&e), ["one", "two"]);
        e.feed(b"\x1bD\x1bE");
        assert_eq!(history(&e), ["one", "two", "three", "four"], "IND and NEL");
        assert_eq!(end(&e), 4);
    }

    #[test]
    fn scroll_up_keeps_the_rows_it_pushes_out_in_order() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        e.feed(b"\x1b[2S");
        assert_eq!(history(&e), ["one", "two"]);
        e.feed(b"\x1b[99S");
        assert_eq!(history(&e), ["one", "two", "three", "four", "", ""]);
        assert_eq!(end(&e), 6, "at most the region's rows");
    }

    #[test]
    fn erased_and_deleted_rows_are_not_kept() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        e.feed(b"\x1b[H\x1b[M\x1b[2M\x1b[K\x1b[2J\x1b[3J");
        assert_eq!(end(&e), 0);
        assert!(history(&e).is_empty());
    }

    #[test]
    fn the_alternate_screen_keeps_nothing() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        e.feed(b"\x1b[?1049h");
        e.feed(FOUR_ROWS);
        e.feed(b"\r\n\r\n\x1b[3S\x1bD");
        assert_eq!(end(&e), 0);
        e.feed(b"\x1b[?1049l\r\n");
        assert_eq!(history(&e), ["one"], "the primary screen keeps again");
    }

    #[test]
    fn a_region_below_the_top_keeps_nothing() {
        let mut e = keeping(10, 5);
        e.feed(FOUR_ROWS);
        e.feed(b"\x1b[2;4r\x1b[4;1H\r\n\r\n\x1b[2S");
        assert_eq!(end(&e), 0);
        assert_eq!(e.framebuffer().text().lines().next(), Some("one"));
    }

    #[test]
    fn a_region_from_the_top_keeps_whatever_its_bottom() {
        let mut e = keeping(10, 5);
        e.feed(b"one\r\ntwo\r\nthree\r\nfour\r\nstatus");
        e.feed(b"\x1b[1;4r\x1b[4;1H\r\nfive\x1b[S");
        assert_eq!(history(&e), ["one", "two"]);
        assert_eq!(
            e.framebuffer().text().lines().last(),
            Some("status"),
            "the row below the region stays"
        );
    }

    #[test]
    fn a_shorter_screen_keeps_the_rows_dropped_from_the_top() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        e.resize(12, 2);
        assert_eq!(history(&e), ["one", "two"]);
        assert_eq!(e.framebuffer().text().lines().next(), Some("three"));
        let mut e = keeping(10, 4);
        e.feed(b"one\r\ntwo\x1b[H");
        e.resize(10, 2);
        assert_eq!(end(&e), 0, "rows below the cursor go first");
    }

    #[test]
    fn a_shorter_screen_keeps_the_primary_rows_under_the_alternate_one() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        e.feed(b"\x1b[?1049halt\r\n\r\n\r\nbottom");
        e.resize(10, 2);
        assert_eq!(history(&e), ["one", "two"], "only the primary screen's");
        e.feed(b"\x1b[?1049l");
        assert_eq!(e.framebuffer().text(), "three\nfour\n");
    }

    #[test]
    fn rows_are_moved_into_the_log_not_copied() {
        let mut e = keeping(10, 4);
        e.feed(FOUR_ROWS);
        let top = Arc::clone(e.framebuffer().row_handle(0).unwrap());
        e.feed(b"\r\n");
        let log = e.history().unwrap().borrow();
        assert!(Arc::ptr_eq(log.recent_row(0).unwrap(), &top));
    }

    #[test]
    fn wrapped_rows_are_kept_wrapped() {
        let mut e = keeping(4, 2);
        e.feed(b"abcdefgh\r\nij\r\nkl");
        assert_eq!(history(&e), ["abcd", "efgh"]);
        let log = e.history().unwrap().borrow();
        assert!(log.line(0).unwrap().wrapped);
        assert!(!log.line(1).unwrap().wrapped);
    }

    #[test]
    fn lines_are_counted_without_a_log() {
        let mut e = Emulator::new(10, 4);
        e.feed(FOUR_ROWS);
        e.feed(b"\r\n\r\n\x1b[2S");
        assert_eq!(e.framebuffer().history_end(), 4);
        e.feed(b"\x1bc");
        assert_eq!(e.framebuffer().history_end(), 4, "a reset keeps the count");
        let log = HistoryLog::shared(10);
        e.keep_history(Rc::clone(&log));
        assert_eq!(
            log.borrow().end(),
            4,
            "the log's numbers follow the screen's"
        );
        e.feed(b"x\r\n\r\n\r\n\r\n");
        assert_eq!(history(&e), ["x"]);
        assert_eq!(end(&e), 5);
    }

    #[test]
    fn copies_of_the_screen_do_not_write_the_log() {
        let mut e = keeping(10, 2);
        e.feed(b"a\r\nb\r\nc");
        let mut detached = Emulator::with_framebuffer(e.framebuffer().clone());
        assert!(detached.history().is_none());
        detached.feed(b"\r\nd\r\ne");
        assert_eq!(detached.framebuffer().history_end(), 3);
        assert_eq!(history(&e), ["a"]);
        let copy = e.clone();
        assert!(Rc::ptr_eq(copy.history().unwrap(), e.history().unwrap()));
        assert_eq!(e.framebuffer(), copy.framebuffer());
    }

    #[test]
    fn a_log_borrowed_elsewhere_misses_lines_but_keeps_its_numbering() {
        let mut e = keeping(10, 2);
        let log = Rc::clone(e.history().unwrap());
        let reading = log.borrow();
        e.feed(b"a\r\nb\r\nc");
        drop(reading);
        e.feed(b"\r\nd");
        assert_eq!(history(&e), ["b"]);
        assert_eq!(log.borrow().start(), 1, "line 0 was missed");
        assert_eq!(end(&e), 2);
    }
}

/// Throughput with and without a history log (prints, asserts nothing):
/// `cargo test --release --lib flood_throughput -- --ignored --nocapture`.
#[cfg(test)]
mod throughput {
    use std::time::{Duration, Instant};

    use crate::terminal::history::HistoryLog;
    use crate::terminal::Emulator;

    /// 80-column lines of plain text, about 24 MB.
    fn wide_lines() -> Vec<u8> {
        let mut out = Vec::with_capacity(24_500_000);
        let mut i = 0u64;
        while out.len() < 24_000_000 {
            let head = format!("{i:>10} ");
            out.extend_from_slice(head.as_bytes());
            out.extend((head.len()..80).map(|c| b'a' + (c % 26) as u8));
            out.extend_from_slice(b"\r\n");
            i += 1;
        }
        out
    }

    /// What `seq 1 3000000` writes through a pty.
    fn seq() -> Vec<u8> {
        (1..=3_000_000u32)
            .flat_map(|i| format!("{i}\r\n").into_bytes())
            .collect()
    }

    fn best(mut run: impl FnMut()) -> Duration {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    fn time(bytes: &[u8], limit: Option<usize>, skipping: bool) -> f64 {
        let took = best(|| {
            let mut e = Emulator::new(80, 24);
            if let Some(limit) = limit {
                e.keep_history(HistoryLog::shared(limit));
            }
            for chunk in bytes.chunks(64 * 1024) {
                if skipping {
                    e.feed(chunk);
                } else {
                    e.feed_without_skipping(chunk);
                }
            }
            std::hint::black_box(e.framebuffer().history_end());
        });
        bytes.len() as f64 / 1e6 / took.as_secs_f64()
    }

    #[test]
    #[ignore = "a measurement, not a check"]
    fn flood_throughput() {
        for (name, bytes) in [("80-column lines", wide_lines()), ("seq", seq())] {
            println!(
                "{name}, {:.1} MB, 64 KiB reads, 80x24, MB/s:",
                bytes.len() as f64 / 1e6
            );
            for (label, limit) in [("no log", None), ("log of 10,000 lines", Some(10_000))] {
                println!(
                    "  {label:<22} skipping {:>8.1}   drawing every line {:>8.1}",
                    time(&bytes, limit, true),
                    time(&bytes, limit, false)
                );
            }
        }
    }
}
