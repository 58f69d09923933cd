//! The terminal's state: the screen's rows, the cursor, the current
//! rendition, modes, titles, clipboard and bell, plus the state that only
//! shapes future output (scroll region, tab stops, saved cursor, origin,
//! autowrap and insert modes, character sets, the alternate screen).
//!
//! Copies are cheap: every row sits behind an `Arc` and is copied only
//! when written while shared, so a copy costs one pointer per row whatever
//! the width, and comparing two copies skips every row they still share.
//!
//! Equality compares what a viewer sees and what changes the keyboard or
//! mouse: size, cells (with their hyperlinks), cursor (position,
//! visibility, pending wrap), the current rendition and hyperlink,
//! [`Modes`], titles, clipboard and bell count. The
//! state behind [`DrawState`] is not compared: the display renderer cannot
//! (and need not) reproduce it, nor is the count of lines that left for
//! the history ([`Framebuffer::history_end`]).

use std::collections::VecDeque;
use std::sync::Arc;

use super::capture::Scrollback;
use super::cell::{Cell, Rendition};
use super::clipboard::Clipboard;
use super::extra_rendition::ExtraRendition;
use super::hyperlink::Hyperlink;
use super::modes::Modes;
use super::row::Row;

/// Widest screen accepted; wider requests are clamped.
pub const MAX_WIDTH: usize = 2048;
/// Tallest screen accepted; taller requests are clamped.
pub const MAX_HEIGHT: usize = 1024;
/// Longest window title or icon name kept, in characters.
pub const MAX_TITLE_CHARS: usize = 256;

/// A character set that can be designated into G0 or G1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Charset {
    /// US ASCII.
    #[default]
    Ascii,
    /// DEC Special Graphics (line drawing).
    DecGraphics,
}

/// What DECSC saves and DECRC restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedCursor {
    pub(super) row: usize,
    pub(super) col: usize,
    pub(super) rendition: Rendition,
    pub(super) extra: ExtraRendition,
    pub(super) origin_mode: bool,
    pub(super) autowrap: bool,
    pub(super) charsets: [Charset; 2],
    pub(super) shift_out: bool,
}

/// The primary screen, kept while the alternate screen is shown.
#[derive(Clone, Debug)]
pub(super) struct SavedScreen {
    pub(super) rows: VecDeque<Arc<Row>>,
    pub(super) saved_cursor: Option<SavedCursor>,
}

/// State that shapes how later output is drawn but is not shown; not part
/// of equality.
#[derive(Clone, Debug)]
pub struct DrawState {
    pub(super) scroll_top: usize,
    pub(super) scroll_bottom: usize,
    pub(super) tab_stops: Arc<Vec<bool>>,
    pub(super) origin_mode: bool,
    pub(super) autowrap: bool,
    pub(super) insert_mode: bool,
    pub(super) saved_cursor: Option<SavedCursor>,
    pub(super) charsets: [Charset; 2],
    /// SO selected G1 into GL.
    pub(super) shift_out: bool,
    /// The primary screen while the alternate one is active.
    pub(super) primary: Option<SavedScreen>,
    /// The last graphic character printed (for REP).
    pub(super) last_graphic: Option<char>,
}

impl DrawState {
    fn new(width: usize, height: usize) -> DrawState {
        DrawState {
            scroll_top: 0,
            scroll_bottom: height.saturating_sub(1),
            tab_stops: Arc::new(default_tab_stops(width)),
            origin_mode: false,
            autowrap: true,
            insert_mode: false,
            saved_cursor: None,
            charsets: [Charset::Ascii; 2],
            shift_out: false,
            primary: None,
            last_graphic: None,
        }
    }

    /// First and last row of the scroll region.
    pub fn scroll_region(&self) -> (usize, usize) {
        (self.scroll_top, self.scroll_bottom)
    }

    /// DECOM: cursor addressing relative to the scroll region.
    pub fn origin_mode(&self) -> bool {
        self.origin_mode
    }

    /// DECAWM: printing past the last column continues on the next row.
    pub fn autowrap(&self) -> bool {
        self.autowrap
    }

    /// IRM: printing shifts the rest of the row right.
    pub fn insert_mode(&self) -> bool {
        self.insert_mode
    }

    /// Whether the alternate screen is shown.
    pub fn alternate_screen(&self) -> bool {
        self.primary.is_some()
    }

    /// Whether column `col` has a tab stop.
    pub fn tab_stop(&self, col: usize) -> bool {
        self.tab_stops.get(col).copied().unwrap_or(false)
    }

    /// The character set GL currently maps to.
    pub(super) fn active_charset(&self) -> Charset {
        self.charsets
            .get(usize::from(self.shift_out))
            .copied()
            .unwrap_or_default()
    }
}

fn default_tab_stops(width: usize) -> Vec<bool> {
    (0..width).map(|c| c % 8 == 0 && c > 0).collect()
}

/// The whole state of a terminal screen. See the module documentation.
#[derive(Clone, Debug)]
pub struct Framebuffer {
    pub(super) width: usize,
    pub(super) height: usize,
    pub(super) rows: VecDeque<Arc<Row>>,
    pub(super) cursor_row: usize,
    pub(super) cursor_col: usize,
    pub(super) cursor_visible: bool,
    /// The last column was just printed; the next character goes to the
    /// start of the next row (xterm's "pending wrap").
    pub(super) pending_wrap: bool,
    pub(super) pen: Rendition,
    /// The underline style and colour and overline new characters get.
    pub(super) pen_extra: ExtraRendition,
    /// The OSC 8 hyperlink new characters get.
    pub(super) pen_link: Option<Arc<Hyperlink>>,
    pub(super) modes: Modes,
    pub(super) title: Arc<str>,
    pub(super) icon_name: Arc<str>,
    pub(super) title_set: bool,
    pub(super) clipboard: Clipboard,
    /// The current directory a program announced (OSC 7, a `file://`
    /// URL as written); empty when none.
    pub(super) working_directory: Arc<str>,
    pub(super) bell_count: u64,
    pub(super) draw: DrawState,
    /// Lines that left the top of the primary screen (see `capture`).
    pub(super) scrollback: Scrollback,
}

fn same_str(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// Whether two optional links point to the same place.
pub(super) fn same_link(a: Option<&Arc<Hyperlink>>, b: Option<&Arc<Hyperlink>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        _ => false,
    }
}

impl PartialEq for Framebuffer {
    fn eq(&self, other: &Framebuffer) -> bool {
        self.width == other.width
            && self.height == other.height
            && self.cursor_row == other.cursor_row
            && self.cursor_col == other.cursor_col
            && self.cursor_visible == other.cursor_visible
            && self.pending_wrap == other.pending_wrap
            && self.pen == other.pen
            && self.pen_extra == other.pen_extra
            && same_link(self.pen_link.as_ref(), other.pen_link.as_ref())
            && self.modes == other.modes
            && self.bell_count == other.bell_count
            && self.title_set == other.title_set
            && same_str(&self.title, &other.title)
            && same_str(&self.icon_name, &other.icon_name)
            && same_str(&self.clipboard.data, &other.clipboard.data)
            && same_str(&self.clipboard.selection, &other.clipboard.selection)
            && same_str(&self.working_directory, &other.working_directory)
            && self.same_rows(other)
    }
}

impl Framebuffer {
    /// A blank screen of `width` x `height` (clamped to 1..=MAX).
    pub fn new(width: usize, height: usize) -> Framebuffer {
        let width = width.clamp(1, MAX_WIDTH);
        let height = height.clamp(1, MAX_HEIGHT);
        Framebuffer {
            width,
            height,
            rows: blank_rows(width, height, Cell::default()),
            cursor_row: 0,
            cursor_col: 0,
            cursor_visible: true,
            pending_wrap: false,
            pen: Rendition::default(),
            pen_extra: ExtraRendition::default(),
            pen_link: None,
            modes: Modes::default(),
            title: Arc::from(""),
            icon_name: Arc::from(""),
            title_set: false,
            clipboard: Clipboard::default(),
            working_directory: Arc::from(""),
            bell_count: 0,
            draw: DrawState::new(width, height),
            scrollback: Scrollback::default(),
        }
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Bytes of memory the screen's rows, title, icon name and clipboard
    /// take, counting rows shared with other framebuffers in full.
    pub fn memory_bytes(&self) -> usize {
        let rows: usize = self.rows.iter().map(|row| row.memory_bytes()).sum();
        rows + self.title.len() + self.icon_name.len() + self.clipboard.data.len()
    }

    /// The row at `row` (0 = top). Out-of-range rows read as the last one.
    pub fn row(&self, row: usize) -> &Row {
        match self.rows.get(row).or_else(|| self.rows.back()) {
            Some(r) => r,
            None => &EMPTY_ROW,
        }
    }

    /// The shared handle of row `row`, for identity checks (`Arc::ptr_eq`).
    pub fn row_handle(&self, row: usize) -> Option<&Arc<Row>> {
        self.rows.get(row)
    }

    /// The cell at (`row`, `col`).
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.row(row).cell(col)
    }

    /// Cursor position as (row, column), 0-based.
    pub fn cursor(&self) -> (usize, usize) {
        (self.cursor_row, self.cursor_col)
    }

    /// Whether the cursor is shown (DECTCEM).
    pub fn cursor_visible(&self) -> bool {
        self.cursor_visible
    }

    /// Whether the next printed character wraps to the next row first.
    pub fn pending_wrap(&self) -> bool {
        self.pending_wrap
    }

    /// The rendition new characters are drawn with.
    pub fn rendition(&self) -> Rendition {
        self.pen
    }

    /// The extra renditions new characters are drawn with.
    pub fn extra_rendition(&self) -> ExtraRendition {
        self.pen_extra
    }

    /// The hyperlink new characters get (OSC 8), if any.
    pub fn hyperlink(&self) -> Option<&Arc<Hyperlink>> {
        self.pen_link.as_ref()
    }

    /// The hyperlink of the cell at (`row`, `col`), if any.
    pub fn cell_link(&self, row: usize, col: usize) -> Option<&Arc<Hyperlink>> {
        let r = self.row(row);
        r.link(r.cell(col))
    }

    /// The extra renditions of the cell at (`row`, `col`).
    pub fn cell_extra(&self, row: usize, col: usize) -> ExtraRendition {
        let r = self.row(row);
        r.extra(r.cell(col))
    }

    /// Modes carried to viewers.
    pub fn modes(&self) -> &Modes {
        &self.modes
    }

    /// The window title (OSC 0/2).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The icon name (OSC 0/1).
    pub fn icon_name(&self) -> &str {
        &self.icon_name
    }

    /// Whether a program ever set the title or icon name.
    pub fn title_set(&self) -> bool {
        self.title_set
    }

    /// The current directory a program announced with OSC 7 (its URL as
    /// written), or `""`.
    pub fn working_directory(&self) -> &str {
        &self.working_directory
    }

    /// Marks the cursor's cell with shell integration mark `text` (OSC
    /// 133).
    pub(super) fn add_prompt_mark(&mut self, text: &str) {
        let (row, col) = (self.cursor_row, self.cursor_col);
        if let Some(row) = self.row_mut(row) {
            row.add_mark(col, text);
        }
    }

    /// The clipboard contents a program set with OSC 52 (base64 text, as
    /// sent).
    pub fn clipboard(&self) -> &str {
        &self.clipboard.data
    }

    /// The last copy a program made with OSC 52: its selections and text.
    pub fn clipboard_copy(&self) -> &Clipboard {
        &self.clipboard
    }

    /// Puts `copy` on the clipboard (a client that received it whole).
    pub(super) fn set_clipboard(&mut self, copy: Clipboard) {
        self.clipboard = copy;
    }

    /// How many times the bell rang.
    pub fn bell_count(&self) -> u64 {
        self.bell_count
    }

    /// The state that shapes later output but is not shown.
    pub fn draw_state(&self) -> &DrawState {
        &self.draw
    }

    /// Whether every row equals the other screen's, skipping shared rows.
    pub fn same_rows(&self, other: &Framebuffer) -> bool {
        self.rows.len() == other.rows.len()
            && self
                .rows
                .iter()
                .zip(other.rows.iter())
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }

    /// The screen as text: one line per row, trailing blanks trimmed, wide
    /// characters once (the format of `tmux capture-pane -p`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for r in 0..self.height {
            let row = self.row(r);
            for col in 0..row.content_len() {
                row.cell(col).push_text(&mut out);
            }
            out.push('\n');
        }
        out
    }

    // ----- mutation, for overlays and tests -----

    /// Mutable access to one cell, copying its row first if shared. The
    /// caller keeps wide characters consistent.
    pub fn cell_mut(&mut self, row: usize, col: usize) -> Option<&mut Cell> {
        self.row_mut(row)?.cell_mut(col)
    }

    /// Mutable access to one row, copying it first if shared.
    pub fn row_mut(&mut self, row: usize) -> Option<&mut Row> {
        self.rows.get_mut(row).map(Arc::make_mut)
    }

    /// Shows or hides the cursor.
    pub fn set_cursor_visible(&mut self, visible: bool) {
        self.cursor_visible = visible;
    }

    /// Moves the cursor to (`row`, `col`), clamped to the screen, ignoring
    /// origin mode; clears the pending wrap.
    pub fn set_cursor(&mut self, row: usize, col: usize) {
        self.cursor_row = row.min(self.height - 1);
        self.cursor_col = col.min(self.width - 1);
        self.pending_wrap = false;
    }

    /// Replaces the window title and icon name (for the client's title
    /// prefix); marks the title as set.
    pub fn set_titles(&mut self, title: &str, icon_name: &str) {
        self.title = Arc::from(truncate_chars(title, MAX_TITLE_CHARS));
        self.icon_name = Arc::from(truncate_chars(icon_name, MAX_TITLE_CHARS));
        self.title_set = true;
    }

    /// Replaces the modes shown to viewers (for the client, which keeps
    /// some of the user's terminal modes its own way).
    pub fn set_modes(&mut self, modes: Modes) {
        self.modes = modes;
    }

    // ----- primitives for the emulator -----

    /// The blank a newly erased cell gets: the current background.
    pub(super) fn erase_cell(&self) -> Cell {
        Cell::blank(self.pen.erased())
    }

    /// Replaces row `row` by a blank one, reusing its storage when no copy
    /// shares it.
    pub(super) fn clear_row(&mut self, row: usize, blank: Cell) {
        let width = self.width;
        if let Some(slot) = self.rows.get_mut(row) {
            recycle(slot, width, blank);
        }
    }

    /// Scrolls rows `top..=bottom` up by `n`, blank rows entering at the
    /// bottom. The rows pushed out enter the history when `scrolled` (the
    /// content scrolled, as opposed to rows being deleted) and the region
    /// starts at the top of the primary screen.
    pub(super) fn scroll_up_region(&mut self, top: usize, bottom: usize, n: usize, scrolled: bool) {
        let blank = self.erase_cell();
        let width = self.width;
        let to_history = scrolled && self.scrolls_into_history(top);
        let rows = &mut self.rows;
        if top == 0 && bottom + 1 == rows.len() && n == 1 {
            // The common case, a line feed at the bottom: O(1) on the ring.
            if let Some(row) = rows.pop_front() {
                let mut row = if to_history {
                    self.scrollback
                        .leave(row)
                        .unwrap_or_else(|| Arc::new(Row::new(width, blank)))
                } else {
                    row
                };
                recycle(&mut row, width, blank);
                rows.push_back(row);
            }
            return;
        }
        let Some(region) = rows.make_contiguous().get_mut(top..=bottom) else {
            return;
        };
        let n = n.min(region.len());
        region.rotate_left(n);
        let len = region.len();
        for slot in region.iter_mut().skip(len - n) {
            if to_history {
                let row = std::mem::replace(slot, Arc::clone(&EMPTY_ARC_ROW));
                *slot = self
                    .scrollback
                    .leave(row)
                    .unwrap_or_else(|| Arc::clone(&EMPTY_ARC_ROW));
            }
            recycle(slot, width, blank);
        }
    }

    /// Scrolls rows `top..=bottom` down by `n`, blank rows entering at the
    /// top.
    pub(super) fn scroll_down_region(&mut self, top: usize, bottom: usize, n: usize) {
        let blank = self.erase_cell();
        let width = self.width;
        let Some(region) = self.rows.make_contiguous().get_mut(top..=bottom) else {
            return;
        };
        let n = n.min(region.len());
        region.rotate_right(n);
        for slot in region.iter_mut().take(n) {
            recycle(slot, width, blank);
        }
        if bottom + 1 == self.rows.len() {
            self.unwrap_last_row();
        }
    }

    /// The last row never runs on into a next one: a row pushed down
    /// there, or left there by a resize, loses its wrap (a renderer could
    /// not show it without scrolling).
    fn unwrap_last_row(&mut self) {
        if let Some(last) = self.rows.back_mut() {
            if last.wrapped() {
                Arc::make_mut(last).set_wrapped(false);
            }
        }
    }

    /// Changes the size. Contents stay where they are; when the screen
    /// gets shorter, rows below the cursor go first, then rows from the
    /// top, so the cursor's row stays visible (as in xterm and tmux). The cursor is clamped,
    /// the scroll region reset, and new columns get default tab stops.
    pub fn resize(&mut self, width: usize, height: usize) {
        let width = width.clamp(1, MAX_WIDTH);
        let height = height.clamp(1, MAX_HEIGHT);
        if width == self.width && height == self.height {
            return;
        }
        let on_primary = self.draw.primary.is_none();
        let removed = resize_rows(&mut self.rows, self.width, width, height, self.cursor_row);
        self.unwrap_last_row();
        self.cursor_row = self.cursor_row.saturating_sub(removed.len());
        if on_primary {
            self.keep_in_history(removed);
        }
        if let Some(primary) = self.draw.primary.as_mut() {
            let cursor = primary.saved_cursor.map_or(0, |s| s.row);
            let removed = resize_rows(&mut primary.rows, self.width, width, height, cursor);
            if let Some(saved) = primary.saved_cursor.as_mut() {
                saved.row = saved.row.saturating_sub(removed.len());
            }
            // The primary screen's rows leave its top even while the
            // alternate one is shown.
            self.keep_in_history(removed);
        }
        let tabs = Arc::make_mut(&mut self.draw.tab_stops);
        let old_width = tabs.len();
        tabs.resize(width, false);
        for (col, stop) in tabs.iter_mut().enumerate().skip(old_width) {
            *stop = col % 8 == 0;
        }
        self.width = width;
        self.height = height;
        self.cursor_row = self.cursor_row.min(height - 1);
        self.cursor_col = self.cursor_col.min(width - 1);
        self.pending_wrap = false;
        self.draw.scroll_top = 0;
        self.draw.scroll_bottom = height - 1;
    }

    /// Rows that left the top of the primary screen, oldest first.
    fn keep_in_history(&mut self, rows: Vec<Arc<Row>>) {
        for row in rows {
            self.scrollback.leave(row);
        }
    }

    /// RIS: everything back to power-on state, except the bell count, the
    /// fact that a title was once set (the title itself is cleared) and
    /// the history.
    pub(super) fn hard_reset(&mut self) {
        let fresh = Framebuffer::new(self.width, self.height);
        let bell_count = self.bell_count;
        let title_set = self.title_set;
        let scrollback = std::mem::take(&mut self.scrollback);
        *self = fresh;
        self.bell_count = bell_count;
        self.title_set = title_set;
        self.scrollback = scrollback;
    }
}

static EMPTY_ROW: std::sync::LazyLock<Row> =
    std::sync::LazyLock::new(|| Row::new(0, Cell::default()));

/// A placeholder row, for a moment while a row is moved out of its slot.
static EMPTY_ARC_ROW: std::sync::LazyLock<Arc<Row>> =
    std::sync::LazyLock::new(|| Arc::new(Row::new(0, Cell::default())));

fn blank_rows(width: usize, height: usize, blank: Cell) -> VecDeque<Arc<Row>> {
    (0..height)
        .map(|_| Arc::new(Row::new(width, blank)))
        .collect()
}

/// Clears the row in `slot`, in place when unshared, else with a new row.
fn recycle(slot: &mut Arc<Row>, width: usize, blank: Cell) {
    match Arc::get_mut(slot) {
        Some(row) if row.width() == width => row.clear(blank),
        _ => *slot = Arc::new(Row::new(width, blank)),
    }
}

/// Resizes a row list; returns the rows removed from the top, oldest
/// first.
fn resize_rows(
    rows: &mut VecDeque<Arc<Row>>,
    old_width: usize,
    width: usize,
    height: usize,
    cursor_row: usize,
) -> Vec<Arc<Row>> {
    let mut removed_top = Vec::new();
    if height < rows.len() {
        let below_cursor = rows.len().saturating_sub(cursor_row + 1);
        let cut = (rows.len() - height).min(below_cursor);
        rows.truncate(rows.len() - cut);
        if rows.len() > height {
            removed_top = rows.drain(..rows.len() - height).collect();
        }
    }
    while rows.len() < height {
        rows.push_back(Arc::new(Row::new(old_width, Cell::default())));
    }
    if width != old_width {
        for row in rows.iter_mut() {
            Arc::make_mut(row).resize(width, Cell::default());
        }
    }
    removed_top
}

/// The first `max` characters of `s`.
pub(super) fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}
