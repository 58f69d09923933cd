//! The notification bar: a blue line across the top of the screen that
//! says what the client knows and the user does not — that the server has
//! been silent for a while ("Last contact"), that only our side is not
//! getting through ("Last reply"), that nothing has come back yet, that
//! the network is failing, or which commands the escape key offers. It
//! disappears by itself when the reason goes away.

use crate::terminal::{char_width, Attrs, Cell, Color, Framebuffer, Rendition};
use crate::transport::ACK_INTERVAL;

/// Silence from the server (ms) after which the bar counts up.
const SERVER_LATE_MS: u64 = 6_500;
/// Time without an acknowledgement of our input (ms) after which the bar
/// counts up.
const REPLY_LATE_MS: u64 = 10_000;
/// How long a temporary message stays (ms).
const MESSAGE_LIFETIME_MS: u64 = 1_000;
/// After this much silence (ms) the count-up redraws less often.
const LONG_SILENCE_MS: u64 = 60_000;
/// Characters of bar text kept (as upstream's fixed buffer).
const MAX_TEXT_CHARS: usize = 127;

const BAR_FOREGROUND: Color = Color::Ansi(7);
const BAR_BACKGROUND: Color = Color::Ansi(4);

/// What the bar shows and when it goes away. Times are `now` ms.
#[derive(Clone, Debug)]
pub(crate) struct NotificationBar {
    last_heard: u64,
    last_acked: u64,
    /// ` [To quit: Ctrl-^ .]`, or empty when the escape key is disabled.
    quit_hint: String,
    message: String,
    message_is_network_error: bool,
    /// When the message goes away; `u64::MAX` keeps it.
    message_expires: u64,
    show_quit_hint: bool,
}

impl NotificationBar {
    /// A bar that shows nothing yet, counting silence from `now`.
    pub fn new(now: u64) -> NotificationBar {
        NotificationBar {
            last_heard: now,
            last_acked: now,
            quit_hint: String::new(),
            message: String::new(),
            message_is_network_error: false,
            message_expires: u64::MAX,
            show_quit_hint: true,
        }
    }

    /// Names the escape key in the "To quit" hint (e.g. `Ctrl-^`).
    pub(crate) fn set_escape_key_name(&mut self, name: &str) {
        self.quit_hint = format!(" [To quit: {name} .]");
    }

    /// The server was last heard at `at`.
    pub(crate) fn server_heard(&mut self, at: u64) {
        self.last_heard = at;
    }

    /// The newest state the server acknowledged was sent at `at`.
    pub(crate) fn server_acked(&mut self, at: u64) {
        self.last_acked = at;
    }

    /// Shows `message`: for a second, or until replaced if `permanent`;
    /// with the quit hint if `show_quit_hint`. An empty message clears.
    pub(crate) fn set_message(
        &mut self,
        message: &str,
        permanent: bool,
        show_quit_hint: bool,
        now: u64,
    ) {
        self.message = message.to_string();
        self.message_expires = if permanent {
            u64::MAX
        } else {
            now.saturating_add(MESSAGE_LIFETIME_MS)
        };
        self.message_is_network_error = false;
        self.show_quit_hint = show_quit_hint;
    }

    /// The message shown now (without decoration).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shows a network error until the next heartbeat would have gone out.
    pub(crate) fn set_network_error(&mut self, error: &str, now: u64) {
        self.message = error.to_string();
        self.message_is_network_error = true;
        self.message_expires = now.saturating_add(ACK_INTERVAL + 100);
    }

    /// The network works again: a shown network error goes within a second.
    pub(crate) fn clear_network_error(&mut self, now: u64) {
        if self.message_is_network_error {
            self.message_expires = self
                .message_expires
                .min(now.saturating_add(MESSAGE_LIFETIME_MS));
        }
    }

    fn server_late(&self, now: u64) -> bool {
        now.saturating_sub(self.last_heard) > SERVER_LATE_MS
    }

    fn reply_late(&self, now: u64) -> bool {
        now.saturating_sub(self.last_acked) > REPLY_LATE_MS
    }

    fn counting_up(&self, now: u64) -> bool {
        self.server_late(now) || self.reply_late(now)
    }

    /// Drops an expired message.
    pub(crate) fn expire_message(&mut self, now: u64) {
        if now >= self.message_expires {
            self.message.clear();
        }
    }

    /// The bar's text at `now`, or `None` when the bar is hidden.
    pub fn text(&self, now: u64) -> Option<String> {
        let late = self.counting_up(now);
        if self.message.is_empty() && !late {
            return None;
        }
        // Prefer "last contact" when the server is silent; say "last
        // reply" when only our side is not getting through.
        let (what, since) = if self.reply_late(now) && !self.server_late(now) {
            ("reply", now.saturating_sub(self.last_acked))
        } else {
            ("contact", now.saturating_sub(self.last_heard))
        };
        let seconds = since / 1000;
        let hint = if self.show_quit_hint {
            self.quit_hint.as_str()
        } else {
            ""
        };
        let text = if self.message.is_empty() {
            format!(
                "mosh: Last {what} {} ago.{hint}",
                human_duration(seconds, "seconds")
            )
        } else if !late {
            format!("mosh: {}{hint}", self.message)
        } else {
            format!(
                "mosh: {} ({} without {what}.){hint}",
                self.message,
                human_duration(seconds, "s")
            )
        };
        Some(text.chars().take(MAX_TEXT_CHARS).collect())
    }

    /// Draws the bar over the top row of `fb`, if it is shown.
    pub fn apply(&self, fb: &mut Framebuffer, now: u64) {
        let Some(text) = self.text(now) else {
            return;
        };
        if fb.cursor().0 == 0 {
            fb.set_cursor_visible(false);
        }
        draw_bar(fb, &text);
    }

    /// How soon (ms) the bar will change by itself, if ever.
    pub(crate) fn wait_time(&self, now: u64) -> Option<u64> {
        let mut wait =
            (self.message_expires != u64::MAX).then(|| self.message_expires.saturating_sub(now));
        if self.counting_up(now) {
            let interval = if now.saturating_sub(self.last_heard) > LONG_SILENCE_MS {
                ACK_INTERVAL
            } else {
                1000
            };
            wait = Some(wait.map_or(interval, |w| w.min(interval)));
        }
        wait
    }
}

/// `N seconds`, `M:SS` or `H:MM:SS`.
fn human_duration(seconds: u64, unit: &str) -> String {
    if seconds < 60 {
        format!("{seconds} {unit}")
    } else if seconds < 3600 {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    } else {
        format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60
        )
    }
}

fn draw_bar(fb: &mut Framebuffer, text: &str) {
    let width = fb.width();
    let background = Rendition {
        fg: BAR_FOREGROUND,
        bg: BAR_BACKGROUND,
        attrs: Attrs::NONE,
    };
    let mut lettering = background;
    lettering.attrs.set(Attrs::BOLD, true);
    let Some(row) = fb.row_mut(0) else {
        return;
    };
    for col in 0..width {
        row.put(col, Cell::blank(background));
    }
    let mut col = 0;
    let mut last: Option<usize> = None;
    for ch in text.chars() {
        if col >= width {
            break;
        }
        if ch.is_control() {
            continue;
        }
        match char_width(ch) {
            0 => {
                if let Some(cell) = last.and_then(|c| row.cell_mut(c)) {
                    cell.push_mark(ch);
                }
            }
            columns => {
                let cell = if columns == 2 {
                    Cell::wide(ch, lettering)
                } else {
                    Cell::narrow(ch, lettering)
                };
                row.put(col, cell);
                last = Some(col);
                col += columns;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar() -> NotificationBar {
        let mut bar = NotificationBar::new(0);
        bar.set_escape_key_name("Ctrl-^");
        bar
    }

    #[test]
    fn hidden_while_the_server_talks() {
        let mut b = bar();
        b.server_heard(5_000);
        b.server_acked(5_000);
        assert_eq!(b.text(11_000), None);
        let mut fb = Framebuffer::new(40, 3);
        let before = fb.clone();
        b.apply(&mut fb, 11_000);
        assert_eq!(fb, before);
    }

    #[test]
    fn counts_up_after_the_server_goes_quiet() {
        let b = bar();
        assert_eq!(b.text(6_500), None);
        assert_eq!(
            b.text(7_200).as_deref(),
            Some("mosh: Last contact 7 seconds ago. [To quit: Ctrl-^ .]")
        );
        assert_eq!(
            b.text(125_000).as_deref(),
            Some("mosh: Last contact 2:05 ago. [To quit: Ctrl-^ .]")
        );
        assert_eq!(
            b.text(3_725_000).as_deref(),
            Some("mosh: Last contact 1:02:05 ago. [To quit: Ctrl-^ .]")
        );
        assert_eq!(b.wait_time(7_200), Some(1000));
        assert_eq!(b.wait_time(70_000), Some(ACK_INTERVAL));
    }

    #[test]
    fn says_last_reply_when_only_our_side_fails() {
        let mut b = bar();
        b.server_heard(11_000);
        assert_eq!(
            b.text(12_000).as_deref(),
            Some("mosh: Last reply 12 seconds ago. [To quit: Ctrl-^ .]")
        );
    }

    #[test]
    fn messages_expire_and_combine_with_the_count() {
        let mut b = bar();
        b.set_message(
            "Nothing received from server on UDP port 60001.",
            false,
            true,
            0,
        );
        assert_eq!(
            b.text(500).as_deref(),
            Some("mosh: Nothing received from server on UDP port 60001. [To quit: Ctrl-^ .]")
        );
        assert_eq!(b.wait_time(500), Some(500));
        b.expire_message(1_000);
        assert_eq!(b.text(1_000), None);
        b.set_message("Exiting...", true, true, 8_000);
        assert_eq!(
            b.text(8_000).as_deref(),
            Some("mosh: Exiting... (8 s without contact.) [To quit: Ctrl-^ .]")
        );
        b.expire_message(1_000_000);
        assert_eq!(b.message(), "Exiting...");
        b.set_message("help", true, false, 0);
        b.server_heard(8_000);
        b.server_acked(8_000);
        assert_eq!(b.text(8_000).as_deref(), Some("mosh: help"));
    }

    #[test]
    fn network_errors_clear_a_second_after_the_network_recovers() {
        let mut b = bar();
        b.set_network_error("sendto: Network is unreachable", 100);
        b.expire_message(3_000);
        assert!(b.text(3_000).unwrap().contains("unreachable"));
        b.expire_message(3_200);
        assert_eq!(b.text(3_200), None, "gone after the next heartbeat time");
        b.set_network_error("sendto: Network is unreachable", 5_000);
        b.clear_network_error(5_100);
        b.expire_message(6_099);
        assert!(b.text(6_099).is_some());
        b.expire_message(6_100);
        assert_eq!(b.text(6_100), None);
        b.set_message("not an error", true, true, 7_000);
        b.clear_network_error(7_000);
        b.expire_message(9_000);
        assert_eq!(b.message(), "not an error");
    }

    #[test]
    fn drawn_across_the_top_row_in_bold_white_on_blue() {
        let b = bar();
        let mut fb = Framebuffer::new(30, 3);
        b.apply(&mut fb, 8_000);
        assert_eq!(
            fb.text().lines().next(),
            Some("mosh: Last contact 8 seconds a")
        );
        let first = fb.cell(0, 0).rendition();
        assert_eq!((first.fg, first.bg), (BAR_FOREGROUND, BAR_BACKGROUND));
        assert!(first.attrs.contains(Attrs::BOLD));
        assert!(!fb.cursor_visible(), "the cursor under the bar is hidden");
        let mut narrow = Framebuffer::new(60, 3);
        b.apply(&mut narrow, 8_000);
        let tail = narrow.cell(0, 59).rendition();
        assert_eq!(tail.bg, BAR_BACKGROUND);
        assert!(!tail.attrs.contains(Attrs::BOLD));
    }
}
