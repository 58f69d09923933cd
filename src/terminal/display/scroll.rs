//! Scrolls: finding rows that moved up or down together between the
//! shown screen and the new one, and moving them with line feeds or
//! scroll-region commands instead of repainting them. When the user's
//! scrollback must stay clean, rows only move up by DL below row 0.

use std::sync::Arc;

use super::{absolute_move, clamp, same_row, Base, Painter};
use crate::terminal::cell::{Cell, Rendition};
use crate::terminal::framebuffer::Framebuffer;
use crate::terminal::row::Row;
use crate::terminal::sgr::push_num;

impl Painter<'_> {
    /// Scrolls rows `top..=bottom` by `amount` (up if positive) and
    /// updates `base` to match; `new` is the frame being drawn.
    pub(super) fn scroll(
        &mut self,
        base: &mut Base,
        new: &Framebuffer,
        top: usize,
        bottom: usize,
        up: bool,
        amount: usize,
    ) {
        self.hide_cursor();
        self.pen_for_erase(Rendition::default());
        let full = top == 0 && bottom == self.height - 1;
        if up && self.caps.keep_scrollback_clean {
            self.delete_lines(top, bottom, amount);
        } else if up && full && amount <= 4 {
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
        self.rotate_base(base, top, bottom, up, amount);
        if up && self.caps.keep_scrollback_clean {
            // tmux ends the wrap of the row above the lines DL moves, and
            // of the row above the blank lines it brings in; xterm and
            // our emulator keep both.
            for row in [top.checked_sub(1), bottom.checked_sub(amount)] {
                wrap_unknown(base, row, new);
            }
        }
    }

    /// Moves rows `top..=bottom` up by `amount` with DL at row `top`
    /// (margins around it when it does not reach the bottom). Terminals
    /// keep no copy of lines deleted below row 0, whereas SU and line
    /// feeds inside margins save the region's top row in tmux.
    fn delete_lines(&mut self, top: usize, bottom: usize, amount: usize) {
        let margins = bottom + 1 < self.height;
        if margins {
            self.push(b"\x1b[");
            push_num(&mut self.out, clamp(top + 1));
            self.out.push(b';');
            push_num(&mut self.out, clamp(bottom + 1));
            self.out.push(b'r');
        }
        self.out.extend_from_slice(&absolute_move(top, 0));
        self.push_csi(amount, b'M');
        self.pending_wrap = false;
        if margins {
            self.push(b"\x1b[r");
            self.cursor = Some((0, 0));
        } else {
            // Where DL leaves the cursor's column differs between terminals.
            self.cursor = None;
        }
    }

    /// Makes `base` show what the terminal shows after the scroll.
    fn rotate_base(&self, base: &mut Base, top: usize, bottom: usize, up: bool, amount: usize) {
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
}

/// When `row` of `base` ran on into the next one, the terminal may or may
/// not still say so: `base` gets the wrap opposite to the one `new` wants,
/// so that the painter makes it either way (it carries the row into the
/// next again, or erases it from its start and redraws it).
fn wrap_unknown(base: &mut Base, row: Option<usize>, new: &Framebuffer) {
    let Some(row) = row else { return };
    let wanted = new.row_handle(row).is_some_and(|r| r.wrapped());
    let Some(shown) = base.rows.get_mut(row) else {
        return;
    };
    if shown.wrapped() && wanted {
        Arc::make_mut(shown).set_wrapped(false);
    }
}

fn is_blank_row(row: &Row) -> bool {
    row.content_len() == 0 && row.cells().all(|c| *c == Cell::default())
}

/// Looks for rows that moved up or down together between `base` and
/// `new`: (top, bottom, up, amount) of a scroll that saves at least two
/// row repaints. With `keep_row_0`, a scroll up leaves row 0 where it is
/// (it is repainted instead), so that nothing leaves the top of the
/// screen into the terminal's scrollback.
pub(super) fn find_scroll(
    base: &Base,
    new: &Framebuffer,
    keep_row_0: bool,
) -> Option<(usize, usize, bool, usize)> {
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
    let top = if up && keep_row_0 { top.max(1) } else { top };
    // Some row must still move: `amount` below the region's height.
    let moves = bottom > top && amount <= bottom - top;
    (run >= 2 && moves).then_some((top, bottom, up, amount))
}
