//! The frame the user sees: the server's screen with the client's own
//! layers on top — predicted typing, the notification bar, the
//! connection status view, and the `[mosh] ` prefix on the window title.

use super::notification::NotificationBar;
use super::prediction::PredictionEngine;
use super::settings::ClientEnvironment;
use super::status_overlay::StatusOverlay;
use crate::terminal::{Framebuffer, Modes};

/// The prefix put before window titles set by programs.
pub(crate) const TITLE_PREFIX: &str = "[mosh] ";

/// The client's layers over the server's screen.
#[derive(Clone, Debug)]
pub(crate) struct Overlays {
    /// The bar across the top.
    pub notifications: NotificationBar,
    /// Predicted typing.
    pub predictions: PredictionEngine,
    /// The connection status view (hidden until asked for).
    pub status: StatusOverlay,
    title_prefix: String,
}

impl Overlays {
    /// The layers as the environment configures them, as of `now`.
    pub fn new(settings: &ClientEnvironment, now: u64) -> Overlays {
        let mut notifications = NotificationBar::new(now);
        if let Some(key) = &settings.escape_key {
            notifications.set_escape_key_name(&key.name());
        }
        Overlays {
            notifications,
            predictions: PredictionEngine::new(settings.prediction, settings.predict_overwrite),
            status: StatusOverlay::default(),
            title_prefix: if settings.title_prefix {
                TITLE_PREFIX.to_string()
            } else {
                String::new()
            },
        }
    }

    /// Changes the title prefix (empty: none).
    pub(crate) fn set_title_prefix(&mut self, prefix: &str) {
        self.title_prefix = prefix.to_string();
    }

    /// The frame to show for the server's screen `remote` at `now`. Also
    /// judges the predictions against it and retires expired messages.
    pub(crate) fn compose(&mut self, remote: &Framebuffer, now: u64) -> Framebuffer {
        let mut frame = remote.clone();
        self.predictions.set_server_cursor(remote.cursor());
        self.predictions.cull(remote, now);
        self.predictions.apply(&mut frame);
        self.notifications.expire_message(now);
        self.notifications.apply(&mut frame, now);
        self.status.apply(&mut frame);
        prefix_title(&mut frame, &self.title_prefix);
        keep_application_cursor_keys(&mut frame);
        frame
    }

    /// How soon (ms) the frame may change by itself, if ever.
    pub(crate) fn wait_time(&self, now: u64) -> Option<u64> {
        [
            self.notifications.wait_time(now),
            self.predictions.wait_time(),
            self.status.wait_time(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Keeps the user's terminal in application cursor-key mode whatever the
/// program asked for, as upstream's client does. Both servers turn the
/// `ESC O A` that the terminal then sends into the `ESC [ A` a program
/// expects when it did not ask for the mode; and the stock server never
/// tells its clients the mode, so following the program would leave the
/// arrow keys wrong for programs that did ask (ncurses menus, `mc`).
pub fn keep_application_cursor_keys(frame: &mut Framebuffer) {
    let modes = Modes {
        application_cursor_keys: true,
        ..*frame.modes()
    };
    frame.set_modes(modes);
}

/// Puts `prefix` before a title a program set (and before the icon name
/// when the two were the same).
fn prefix_title(fb: &mut Framebuffer, prefix: &str) {
    if prefix.is_empty() || !fb.title_set() {
        return;
    }
    let title = format!("{prefix}{}", fb.title());
    let icon_name = if fb.icon_name() == fb.title() {
        title.clone()
    } else {
        fb.icon_name().to_string()
    };
    fb.set_titles(&title, &icon_name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::prediction::PredictionDisplay;
    use crate::client::settings::EscapeKey;
    use crate::terminal::Emulator;

    fn settings(title_prefix: bool) -> ClientEnvironment {
        ClientEnvironment {
            prediction: PredictionDisplay::Adaptive,
            predict_overwrite: false,
            escape_key: Some(EscapeKey::DEFAULT),
            title_prefix,
            no_term_init: false,
        }
    }

    fn remote(bytes: &[u8]) -> Framebuffer {
        let mut e = Emulator::new(40, 4);
        e.feed(bytes);
        e.framebuffer().clone()
    }

    #[test]
    fn titles_a_program_sets_get_the_prefix() {
        let mut o = Overlays::new(&settings(true), 0);
        let frame = o.compose(&remote(b"\x1b]0;vim\x07"), 10);
        assert_eq!(frame.title(), "[mosh] vim");
        assert_eq!(frame.icon_name(), "[mosh] vim");
        let frame = o.compose(&remote(b"\x1b]1;icon\x07\x1b]2;win\x07"), 10);
        assert_eq!(frame.title(), "[mosh] win");
        assert_eq!(frame.icon_name(), "icon");
        let untitled = o.compose(&remote(b"hi"), 10);
        assert!(!untitled.title_set(), "no title is invented");
        let mut plain = Overlays::new(&settings(false), 0);
        assert_eq!(plain.compose(&remote(b"\x1b]2;vim\x07"), 10).title(), "vim");
    }

    #[test]
    fn the_terminal_keeps_application_cursor_keys_whatever_the_program_asked() {
        let mut o = Overlays::new(&settings(true), 0);
        for bytes in [&b"plain"[..], b"\x1b[?1h", b"\x1b[?1h\x1b[?1l"] {
            let frame = o.compose(&remote(bytes), 10);
            assert!(frame.modes().application_cursor_keys, "{bytes:?}");
        }
        let frame = o.compose(&remote(b"\x1b[?2004h\x1b="), 10);
        assert!(frame.modes().bracketed_paste && frame.modes().application_keypad);
    }

    #[test]
    fn the_bar_covers_the_top_row_only_while_the_server_is_quiet() {
        let mut o = Overlays::new(&settings(true), 0);
        let screen = remote(b"top line\r\nsecond");
        let mut unchanged = screen.clone();
        keep_application_cursor_keys(&mut unchanged);
        assert_eq!(o.compose(&screen, 1_000), unchanged);
        let quiet = o.compose(&screen, 8_000);
        let text = quiet.text();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("mosh: Last contact 8 seconds ago. [To qu")
        );
        assert_eq!(lines.next(), Some("second"));
        assert_eq!(o.wait_time(8_000), Some(1000));
        o.notifications.server_heard(8_500);
        o.notifications.server_acked(8_500);
        assert_eq!(o.compose(&screen, 9_000), unchanged);
    }
}
