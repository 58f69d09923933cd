//! The history log: the lines that left the top of the primary screen,
//! numbered from 0 for the first line that ever left, the newest `limit`
//! of them kept as the bytes that draw them ([`HistoryLine`]).
//!
//! Lines are stored end to end in blocks of a few kilobytes (an offset per
//! line, nothing per cell), so a line costs its bytes plus four. A block
//! is freed when its last line is evicted.
//!
//! The log also keeps the screen rows of its newest lines
//! ([`RECENT_ROWS`]), so that whoever sends history to a client can tell
//! by identity (`Arc::ptr_eq`) that a line is a row of a screen the client
//! already has, and send a reference instead of the text.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use super::history_line::{encode_row_into, HistoryLine, HistoryLineRef};
use super::row::Row;

/// Screen rows kept for the newest lines. A row is only worth keeping
/// while a screen the client may still hold has it: lines leave at most a
/// screenful ahead of a client that keeps up, and screens are rarely
/// taller than this; a client further behind is sent the text instead.
pub const RECENT_ROWS: usize = 256;

/// Bytes of text a block holds before the next one is started.
const BLOCK_BYTES: usize = 16 * 1024;

/// The bit of a line's end offset that says the line wraps.
const WRAPPED: u32 = 1 << 31;

/// A history log shared by an emulator and its copies (single-threaded).
pub type HistoryHandle = Rc<RefCell<HistoryLog>>;

/// Lines laid end to end.
struct Block {
    /// The number of the block's first line.
    first: u64,
    text: Vec<u8>,
    /// Where each line's text ends, [`WRAPPED`] set for a wrapped line.
    ends: Vec<u32>,
}

impl Block {
    fn new(first: u64) -> Block {
        Block {
            first,
            text: Vec::with_capacity(BLOCK_BYTES),
            ends: Vec::new(),
        }
    }

    /// One past the number of the block's last line.
    fn end(&self) -> u64 {
        self.first + self.ends.len() as u64
    }

    fn line(&self, index: usize) -> Option<HistoryLineRef<'_>> {
        let end = *self.ends.get(index)?;
        let start = match index.checked_sub(1) {
            Some(i) => self.ends.get(i).map_or(0, |e| e & !WRAPPED),
            None => 0,
        };
        let range = usize::try_from(start).ok()?..usize::try_from(end & !WRAPPED).ok()?;
        Some(HistoryLineRef {
            text: self.text.get(range)?,
            wrapped: end & WRAPPED != 0,
        })
    }

    fn memory_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<u32>()
    }
}

/// The lines that left the top of the primary screen; see the module
/// documentation.
pub struct HistoryLog {
    limit: usize,
    /// The number of the oldest line held.
    start: u64,
    /// One past the number of the newest line.
    end: u64,
    /// Hold lines `start..end` (the first may begin before `start`).
    blocks: VecDeque<Block>,
    /// The rows of lines `end - recent.len()..end`.
    recent: VecDeque<Arc<Row>>,
}

impl std::fmt::Debug for HistoryLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryLog")
            .field("limit", &self.limit)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("held_bytes", &self.held_bytes())
            .finish()
    }
}

impl HistoryLog {
    /// An empty log keeping the newest `limit` lines.
    pub fn new(limit: usize) -> HistoryLog {
        HistoryLog {
            limit,
            start: 0,
            end: 0,
            blocks: VecDeque::new(),
            recent: VecDeque::new(),
        }
    }

    /// An empty log behind a shared handle, for `Emulator::keep_history`.
    pub fn shared(limit: usize) -> HistoryHandle {
        Rc::new(RefCell::new(HistoryLog::new(limit)))
    }

    /// How many lines are kept at most.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Keeps at most `limit` lines from now on (the oldest go now).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        self.evict();
    }

    /// The number of the oldest line held (`end()` when none is).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the number of the newest line: how many lines ever left.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Adds the line that `row` shows as number `end()`, evicting the
    /// oldest beyond the limit. Returns the row of a line that has just
    /// left the recent window, for reuse when nothing else holds it.
    pub fn push(&mut self, row: Arc<Row>) -> Option<Arc<Row>> {
        if self.limit == 0 {
            self.end += 1;
            self.start = self.end;
            return Some(row);
        }
        self.start_block_if_full();
        let Some(block) = self.blocks.back_mut() else {
            return Some(row);
        };
        let wrapped = encode_row_into(&row, &mut block.text);
        let end = u32::try_from(block.text.len()).unwrap_or(!WRAPPED) & !WRAPPED;
        block.ends.push(if wrapped { end | WRAPPED } else { end });
        self.end += 1;
        self.recent.push_back(row);
        let left = self.trim_recent();
        self.evict();
        left
    }

    /// Starts a block for the next line when the newest one is full (and
    /// gives the full one's spare room back).
    fn start_block_if_full(&mut self) {
        let full = self
            .blocks
            .back()
            .is_none_or(|b| b.text.len() >= BLOCK_BYTES);
        if !full {
            return;
        }
        if let Some(last) = self.blocks.back_mut() {
            last.text.shrink_to_fit();
            last.ends.shrink_to_fit();
        }
        self.blocks.push_back(Block::new(self.end));
    }

    /// Drops rows beyond the recent window; returns the last one dropped.
    fn trim_recent(&mut self) -> Option<Arc<Row>> {
        let keep = RECENT_ROWS.min(self.limit);
        let mut left = None;
        while self.recent.len() > keep {
            left = self.recent.pop_front();
        }
        left
    }

    /// Drops the oldest lines beyond the limit.
    fn evict(&mut self) {
        let limit = self.limit as u64;
        if self.end - self.start > limit {
            self.start = self.end - limit;
        }
        while self.blocks.front().is_some_and(|b| b.end() <= self.start) {
            self.blocks.pop_front();
        }
        self.trim_recent();
    }

    /// `n` lines left the screen without being kept (the flood skipper
    /// jumped over them): they are counted, and every line held before
    /// them is dropped (lines are only skipped when newer ones will push
    /// them and everything older out anyway, and held lines stay
    /// consecutive).
    pub fn skip(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        self.end += n;
        self.start = self.end;
        self.blocks.clear();
        self.recent.clear();
    }

    /// Line `n`, when it is held.
    pub fn line(&self, n: u64) -> Option<HistoryLineRef<'_>> {
        if n < self.start || n >= self.end {
            return None;
        }
        let after = self.blocks.partition_point(|b| b.first <= n);
        let block = self.blocks.get(after.checked_sub(1)?)?;
        block.line(usize::try_from(n - block.first).ok()?)
    }

    /// Line `n` as an owned line, when it is held.
    pub fn line_owned(&self, n: u64) -> Option<HistoryLine> {
        self.line(n).map(|l| l.to_line())
    }

    /// The screen row line `n` came from, for the newest
    /// [`RECENT_ROWS`] lines held.
    pub fn recent_row(&self, n: u64) -> Option<&Arc<Row>> {
        // The recent rows are those of the newest lines held.
        let first = self.end - self.recent.len() as u64;
        let index = n.checked_sub(first)?;
        self.recent.get(usize::try_from(index).ok()?)
    }

    /// Bytes of memory the log holds: text, offsets, bookkeeping and the
    /// recent rows (which screen copies may share).
    pub fn held_bytes(&self) -> usize {
        let blocks: usize = self.blocks.iter().map(Block::memory_bytes).sum();
        let rows: usize = self.recent.iter().map(|r| r.memory_bytes()).sum();
        std::mem::size_of::<HistoryLog>()
            + blocks
            + self.blocks.capacity() * std::mem::size_of::<Block>()
            + rows
            + self.recent.capacity() * std::mem::size_of::<Arc<Row>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::cell::{Cell, Rendition};

    fn row(text: &str, width: usize) -> Arc<Row> {
        let mut row = Row::new(width, Cell::default());
        row.write_ascii(0, text.as_bytes(), |b| {
            Cell::narrow(char::from(b), Rendition::default())
        });
        Arc::new(row)
    }

    fn text(log: &HistoryLog, n: u64) -> Option<String> {
        log.line(n)
            .map(|l| String::from_utf8(l.text.to_vec()).unwrap())
    }

    #[test]
    fn lines_are_numbered_and_the_oldest_evicted() {
        let mut log = HistoryLog::new(3);
        assert_eq!((log.start(), log.end()), (0, 0));
        assert!(log.line(0).is_none());
        for i in 0..10 {
            log.push(row(&format!("line {i}"), 20));
        }
        assert_eq!((log.start(), log.end()), (7, 10));
        assert_eq!(text(&log, 6), None);
        assert_eq!(text(&log, 7).as_deref(), Some("line 7"));
        assert_eq!(text(&log, 9).as_deref(), Some("line 9"));
        assert_eq!(text(&log, 10), None);
        log.set_limit(1);
        assert_eq!((log.start(), log.end()), (9, 10));
        assert_eq!(text(&log, 8), None);
        log.set_limit(5);
        log.push(row("more", 20));
        assert_eq!((log.start(), log.end()), (9, 11));
        assert_eq!(log.line_owned(10), Some(HistoryLine::plain("more")));
    }

    #[test]
    fn with_limit_zero_lines_are_counted_not_kept() {
        let mut log = HistoryLog::new(0);
        let first = row("gone", 10);
        let back = log.push(Arc::clone(&first));
        assert!(
            back.is_some_and(|r| Arc::ptr_eq(&r, &first)),
            "the row is given back"
        );
        log.push(row("gone too", 10));
        assert_eq!((log.start(), log.end()), (2, 2));
        assert!(log.line(0).is_none() && log.line(1).is_none());
        assert!(log.recent_row(1).is_none());
        assert!(log.held_bytes() < 1024, "{}", log.held_bytes());
    }

    #[test]
    fn skipped_lines_are_counted_and_drop_the_older_ones() {
        let mut log = HistoryLog::new(100);
        log.push(row("a", 10));
        log.push(row("b", 10));
        log.skip(0);
        assert_eq!((log.start(), log.end()), (0, 2));
        log.skip(1000);
        assert_eq!((log.start(), log.end()), (1002, 1002));
        assert!(log.line(1).is_none() && log.recent_row(1).is_none());
        log.push(row("c", 10));
        assert_eq!(text(&log, 1002).as_deref(), Some("c"));
        assert_eq!(log.start(), 1002);
    }

    #[test]
    fn wraps_are_kept_per_line() {
        let mut log = HistoryLog::new(10);
        let mut wrapped = Row::new(4, Cell::default());
        wrapped.write_ascii(0, b"abcd", |b| {
            Cell::narrow(char::from(b), Rendition::default())
        });
        wrapped.set_wrapped(true);
        log.push(Arc::new(wrapped));
        log.push(row("ef", 4));
        assert!(log.line(0).unwrap().wrapped);
        assert!(!log.line(1).unwrap().wrapped);
        assert_eq!(log.line(0).unwrap().text, b"abcd");
    }

    #[test]
    fn recent_rows_are_the_very_rows_pushed() {
        let mut log = HistoryLog::new(1000);
        let rows: Vec<Arc<Row>> = (0..RECENT_ROWS + 10)
            .map(|i| row(&i.to_string(), 8))
            .collect();
        let mut given_back = Vec::new();
        for r in &rows {
            given_back.extend(log.push(Arc::clone(r)));
        }
        assert_eq!(given_back.len(), 10);
        assert!(Arc::ptr_eq(&given_back[0], &rows[0]));
        assert!(log.recent_row(9).is_none(), "out of the window");
        for (n, pushed) in rows.iter().enumerate().skip(10) {
            let kept = log.recent_row(n as u64).unwrap();
            assert!(Arc::ptr_eq(kept, pushed), "line {n}");
        }
        assert!(log.recent_row(rows.len() as u64).is_none());
        log.set_limit(5);
        assert!(log.recent_row(rows.len() as u64 - 6).is_none());
        assert!(log.recent_row(rows.len() as u64 - 5).is_some());
    }

    #[test]
    fn lines_across_many_blocks_read_back() {
        let mut log = HistoryLog::new(5000);
        for i in 0..20_000u64 {
            let line = format!("{i} {}", "x".repeat((i % 97) as usize));
            log.push(row(&line, 120));
        }
        assert_eq!((log.start(), log.end()), (15_000, 20_000));
        for i in (15_000..20_000u64).step_by(7) {
            let expected = format!("{i} {}", "x".repeat((i % 97) as usize));
            assert_eq!(text(&log, i).as_deref(), Some(expected.trim_end()));
        }
        assert!(log.blocks.len() > 10, "several blocks");
    }

    #[test]
    fn ten_thousand_plain_lines_stay_compact() {
        const LINES: usize = 10_000;
        let mut log = HistoryLog::new(LINES);
        let mut row_bytes = 0;
        for i in 0..LINES + 500 {
            let line = format!("{i:08}{}", "y".repeat(72));
            let r = row(&line, 80);
            row_bytes = row_bytes.max(r.memory_bytes());
            log.push(r);
        }
        // The text itself, four bytes of offset per line, a block being
        // filled and one block's spare room, the recent rows, and a little
        // bookkeeping (the block list, the structure).
        let bound = LINES * (80 + 4) + 2 * BLOCK_BYTES + RECENT_ROWS * (row_bytes + 8) + 8192;
        let held = log.held_bytes();
        assert!(held <= bound, "{held} > {bound}");
        assert!(bound < 1_500_000, "{bound}");
        println!("10,000 lines of 80 columns: {held} bytes held (bound {bound})");
    }
}
