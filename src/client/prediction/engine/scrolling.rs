//! Following the server's screen when it scrolls under the predictions.
//!
//! A line typed at the bottom row and sent with Return moves up as soon
//! as the program answers, often in the same frame that echoes it. Judged
//! where it was typed, each guess would meet the new prompt and be taken
//! for wrong, so a shell at the bottom of the screen (where it mostly is)
//! would never confirm an epoch. The engine therefore keeps the row
//! handles of the screen it last judged against; the rows the server did
//! not change keep their handles as they scroll, so where they went tells
//! how far the screen moved, and the predictions move with it.

use std::sync::Arc;

use super::PredictionEngine;
use crate::terminal::{Framebuffer, Row};

impl PredictionEngine {
    /// Moves the cell predictions (and the cursor a Return left) up by as
    /// many rows as `fb` scrolled since the last screen judged, and
    /// remembers `fb`'s rows.
    pub(super) fn follow_scrolling(&mut self, fb: &Framebuffer) {
        let scrolled = scrolled_by(&self.rows_judged, fb);
        self.rows_judged.clear();
        self.rows_judged
            .extend((0..fb.height()).filter_map(|r| fb.row_handle(r).cloned()));
        if scrolled == 0 {
            return;
        }
        if let Some((_, (row, _))) = self.newline.as_mut() {
            // Where the server's cursor was at the Return, in today's rows
            // (above the screen: any cursor now differs from it).
            *row = row.checked_sub(scrolled).unwrap_or(usize::MAX);
        }
        self.rows.retain_mut(|predictions| {
            let Some(row) = predictions.row.checked_sub(scrolled) else {
                return false;
            };
            predictions.row = row;
            true
        });
    }
}

/// How many rows up every row of `before` that is still on `after`,
/// unchanged, has moved; 0 when none did, or when they disagree (a
/// scroll region, or rows redrawn in place).
fn scrolled_by(before: &[Arc<Row>], after: &Framebuffer) -> usize {
    let mut shift = None;
    for (old_index, old) in before.iter().enumerate() {
        if before.iter().filter(|r| Arc::ptr_eq(r, old)).count() != 1 {
            continue; // a row shared by several places says nothing
        }
        let mut found = (0..after.height())
            .filter(|&r| after.row_handle(r).is_some_and(|h| Arc::ptr_eq(h, old)));
        let (Some(new_index), None) = (found.next(), found.next()) else {
            continue;
        };
        let moved = old_index.checked_sub(new_index);
        match (shift, moved) {
            (_, None) => return 0,
            (None, Some(m)) => shift = Some(m),
            (Some(s), Some(m)) if s == m => {}
            _ => return 0,
        }
    }
    shift.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Emulator;

    fn handles(fb: &Framebuffer) -> Vec<Arc<Row>> {
        (0..fb.height())
            .filter_map(|r| fb.row_handle(r).cloned())
            .collect()
    }

    #[test]
    fn a_scroll_at_the_bottom_is_measured_and_redraws_in_place_are_not() {
        let mut e = Emulator::new(10, 4);
        e.feed(b"1\r\n2\r\n3\r\n$ ls");
        let before = handles(e.framebuffer());
        e.feed(b"\r\nout\r\n$ ");
        assert_eq!(scrolled_by(&before, e.framebuffer()), 2);

        let before = handles(e.framebuffer());
        e.feed(b"\x1b[1;1Hx\x1b[4;3Hy");
        assert_eq!(scrolled_by(&before, e.framebuffer()), 0, "drawn in place");

        // A region that scrolls while the rows outside it stay.
        let before = handles(e.framebuffer());
        e.feed(b"\x1b[2;3r\x1b[3;1H\n\x1b[r");
        assert_eq!(scrolled_by(&before, e.framebuffer()), 0, "a scroll region");
    }
}
