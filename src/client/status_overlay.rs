//! The connection status view: the escape key then `s` toggles two lines
//! at the bottom of the screen with the round-trip time, frame interval,
//! server address, time since last contact, datagrams and bytes each
//! way, recent loss and how predictions fare (`diag::StatusFigures`).
//! While hidden it costs one branch per frame.

use crate::terminal::{Attrs, Cell, Color, Framebuffer, Rendition};

/// How often (ms) the view refreshes while shown.
pub(crate) const REFRESH_MS: u64 = 1000;

const FOREGROUND: Color = Color::Ansi(0);
const BACKGROUND: Color = Color::Ansi(6);

/// The status lines, shown or not.
#[derive(Clone, Debug, Default)]
pub(crate) struct StatusOverlay {
    visible: bool,
    lines: Vec<String>,
}

impl StatusOverlay {
    /// Shows the view if hidden, hides it if shown.
    pub fn toggle(&mut self) {
        self.visible = !self.visible;
        if !self.visible {
            self.lines.clear();
        }
    }

    /// Whether the view is shown.
    pub(crate) fn is_visible(&self) -> bool {
        self.visible
    }

    /// The text to show (ASCII; longer lines are cut at the screen's edge).
    pub(crate) fn set_lines(&mut self, lines: &[String]) {
        self.lines.clear();
        self.lines.extend_from_slice(lines);
    }

    /// How soon (ms) the view wants to be refreshed, if shown.
    pub(crate) fn wait_time(&self) -> Option<u64> {
        self.visible.then_some(REFRESH_MS)
    }

    /// Draws the lines over the bottom rows of `fb`, if shown.
    pub fn apply(&self, fb: &mut Framebuffer) {
        if !self.visible || fb.height() <= self.lines.len() {
            return;
        }
        let first_row = fb.height() - self.lines.len();
        let cursor_row = fb.cursor().0;
        if cursor_row >= first_row {
            fb.set_cursor_visible(false);
        }
        for (i, line) in self.lines.iter().enumerate() {
            draw_line(fb, first_row + i, line);
        }
    }
}

fn draw_line(fb: &mut Framebuffer, row: usize, text: &str) {
    let width = fb.width();
    let rendition = Rendition {
        fg: FOREGROUND,
        bg: BACKGROUND,
        attrs: Attrs::NONE,
    };
    let Some(row) = fb.row_mut(row) else {
        return;
    };
    let mut shown = text
        .chars()
        .filter(|c| c.is_ascii() && !c.is_ascii_control());
    for col in 0..width {
        let cell = match shown.next() {
            Some(ch) => Cell::narrow(ch, rendition),
            None => Cell::blank(rendition),
        };
        row.put(col, cell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Emulator;

    fn screen() -> Framebuffer {
        let mut e = Emulator::new(30, 5);
        e.feed(b"top\r\nmiddle\r\n\r\n\r\nbottom");
        e.framebuffer().clone()
    }

    #[test]
    fn shown_at_the_bottom_only_while_toggled_on() {
        let mut status = StatusOverlay::default();
        status.set_lines(&["RTT 203 ms".to_string(), "sent 3 pkt".to_string()]);
        let mut hidden = screen();
        status.apply(&mut hidden);
        assert_eq!(hidden, screen(), "nothing drawn while hidden");
        assert_eq!(status.wait_time(), None);

        status.toggle();
        status.set_lines(&["RTT 203 ms".to_string(), "sent 3 pkt".to_string()]);
        let mut shown = screen();
        status.apply(&mut shown);
        let text = shown.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first().copied(), Some("top"));
        assert!(lines.iter().any(|l| l.starts_with("RTT 203 ms")), "{text}");
        assert!(lines.iter().any(|l| l.starts_with("sent 3 pkt")), "{text}");
        assert!(!text.contains("bottom"), "the last row is covered: {text}");
        assert!(!shown.cursor_visible());
        assert_eq!(status.wait_time(), Some(REFRESH_MS));

        status.toggle();
        let mut again = screen();
        status.apply(&mut again);
        assert_eq!(again, screen());
    }
}
