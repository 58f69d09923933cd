//! The server-to-client state: the complete terminal (the emulator's
//! screen) plus the echo ack. The diff between two states is a
//! `HostMessage`: the echo ack if it changed, the size if it changed, and
//! the renderer's escape bytes that turn the old screen into the new one.
//! Both ends run the same emulator, so the client applies those bytes to
//! its copy and arrives at the same screen.
//!
//! Between mosh-rs peers the state also holds the scrollback that left
//! the top of the screen (`history_feed.rs`) and the pty's line
//! discipline (for the client's predictions), and carries clipboard
//! copies beside the screen (`clipboard_feed.rs`); a stock client never
//! announces any of them, so it never receives them, and gets the
//! clipboard in the screen's escape bytes as stock mosh sends it (a copy
//! longer than stock mosh takes whole is left out).
//!
//! Floods cost nothing extra here: the program's output only changes the
//! emulator; a diff is rendered when the transport sends, from whatever
//! screen is newest then.

use super::clipboard_feed::{ClipboardFeed, ClipboardProgress, ReceivedClipboard};
use super::echo_ack::EchoAck;
use super::history_feed::{HistoryFeed, ReceivedHistory};
use super::host_state::HostState;
use crate::terminal::clipboard::STOCK_MAX_CLIPBOARD_BASE64;
use crate::terminal::history::HistoryLog;
use crate::terminal::{render, Emulator, ExtraCaps, Framebuffer, HistoryLine, RenderCaps};
use crate::transport::SyncState;
use crate::wire::{
    decode_host_message, encode_host_message, HostEvent, LineDiscipline, PeerFeatures, WireError,
};

/// The terminal as both ends see it.
#[derive(Clone, Debug)]
pub struct CompleteTerminal {
    emulator: Emulator,
    echo: EchoAck,
    keys: CursorKeyTranslator,
    /// Lines of scrollback the server keeps once a client asks (0: none).
    history_limit: u64,
    /// The server's scrollback, once a client asked for it.
    feed: Option<HistoryFeed>,
    /// The client's view of the scrollback.
    received: ReceivedHistory,
    /// The client announced it uses the line discipline (server side).
    discipline_wanted: bool,
    /// The pty's line discipline: as sampled on the server for a client
    /// that wants it, as received on the client.
    discipline: Option<LineDiscipline>,
    /// The client announced it forwards prompt marks and the current
    /// directory (server side): the diffs carry them.
    marks_wanted: bool,
    /// The client announced it passes mouse pixel positions (DECSET
    /// 1016) on (server side).
    mouse_pixels_wanted: bool,
    /// The client announced it passes the keyboard protocol's flags on
    /// to a user's terminal that has the protocol (server side): the
    /// emulator keeps and answers them, the diffs carry them.
    keys_wanted: bool,
    /// The client announced it reads underline styles and colours and
    /// overline (server side): the diffs carry them.
    styles_wanted: bool,
    /// The client announced `clipboard` (server side): copies go beside
    /// the screen, through `clipboard`.
    clipboard_wanted: bool,
    /// The server's newest clipboard copy and how much of it the state
    /// has published.
    clipboard: ClipboardFeed,
    /// The client's pieces of the newest copy.
    received_clipboard: ReceivedClipboard,
}

impl PartialEq for CompleteTerminal {
    fn eq(&self, other: &Self) -> bool {
        self.echo.value() == other.echo.value()
            && self.history_end() == other.history_end()
            && self.discipline == other.discipline
            && self.clipboard_progress() == other.clipboard_progress()
            && self.emulator.framebuffer() == other.emulator.framebuffer()
    }
}

impl CompleteTerminal {
    /// A blank terminal of `cols` x `rows`.
    pub fn new(cols: usize, rows: usize) -> CompleteTerminal {
        CompleteTerminal {
            emulator: Emulator::new(cols, rows),
            echo: EchoAck::default(),
            keys: CursorKeyTranslator::default(),
            history_limit: 0,
            feed: None,
            received: ReceivedHistory::default(),
            discipline_wanted: false,
            discipline: None,
            marks_wanted: false,
            mouse_pixels_wanted: false,
            keys_wanted: false,
            styles_wanted: false,
            clipboard_wanted: false,
            clipboard: ClipboardFeed::default(),
            received_clipboard: ReceivedClipboard::default(),
        }
    }

    /// How far the state has the newest clipboard copy sent beside the
    /// screen (as published on the server, as received on the client).
    fn clipboard_progress(&self) -> ClipboardProgress {
        if self.clipboard_wanted {
            self.clipboard.progress()
        } else {
            self.received_clipboard.progress()
        }
    }

    /// The pty's line discipline as the server last told it (`None` from
    /// a stock server, or before it said).
    pub fn line_discipline(&self) -> Option<&LineDiscipline> {
        self.discipline.as_ref()
    }

    /// Where the state's scrollback ends (lines numbered from the
    /// session's start).
    pub fn history_end(&self) -> u64 {
        self.feed
            .as_ref()
            .map_or(self.received.end, HistoryFeed::published)
    }

    /// The scrollback the client has not shown, given that it showed the
    /// lines before `shown`: how many lines were skipped (they left the
    /// server's log first), and the lines to show.
    pub fn unseen_history(&self, shown: u64) -> (u64, &[HistoryLine]) {
        self.received.unseen(shown)
    }

    /// The screen.
    pub fn framebuffer(&self) -> &Framebuffer {
        self.emulator.framebuffer()
    }

    /// The newest user state whose input the program has had for 50 ms.
    pub fn echo_ack(&self) -> u64 {
        self.echo.value()
    }
}

/// The largest screen dimension taken from the peer, as the server
/// takes from its client (`MAX_WINDOW_DIMENSION` in `server/session.rs`):
/// a server's screen follows the client's window, so a larger one is
/// only a way to make the client allocate.
pub const MAX_PEER_DIMENSION: usize = 1024;

/// A screen dimension from the peer, clamped to `1..=MAX_PEER_DIMENSION`.
fn peer_dimension(value: i32) -> usize {
    usize::try_from(value).map_or(1, |v| v.clamp(1, MAX_PEER_DIMENSION))
}

impl SyncState for CompleteTerminal {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        let mut events = Vec::new();
        // First: its rows are those of the screen before the diff.
        let history = self
            .feed
            .as_ref()
            .and_then(|feed| feed.delta_from(existing.history_end(), existing.framebuffer()));
        if let Some(delta) = history {
            events.push(HostEvent::History(delta));
        }
        if existing.echo.value() != self.echo.value() {
            events.push(HostEvent::EchoAck(self.echo.value()));
        }
        if let Some(discipline) = self.discipline.as_ref() {
            if existing.discipline.as_ref() != Some(discipline) {
                events.push(HostEvent::Discipline(discipline.clone()));
            }
        }
        let (old, new) = (existing.framebuffer(), self.framebuffer());
        if old != new {
            if old.width() != new.width() || old.height() != new.height() {
                events.push(HostEvent::Resize {
                    width: i32::try_from(new.width()).unwrap_or(i32::MAX),
                    height: i32::try_from(new.height()).unwrap_or(i32::MAX),
                });
            }
            let caps = RenderCaps {
                marks: self.marks_wanted,
                mouse_pixels: self.mouse_pixels_wanted,
                keyboard_protocol: self.keys_wanted,
                extras: if self.styles_wanted {
                    ExtraCaps::ALL
                } else {
                    ExtraCaps::default()
                },
                max_clipboard: (!self.clipboard_wanted).then_some(STOCK_MAX_CLIPBOARD_BASE64),
                ..RenderCaps::default()
            };
            let bytes = render(Some(old), new, &caps);
            if !bytes.is_empty() {
                events.push(HostEvent::HostBytes(bytes));
            }
        }
        if self.clipboard_wanted {
            if let Some(chunk) = self.clipboard.chunk_from(existing.clipboard_progress()) {
                events.push(HostEvent::Clipboard(chunk));
            }
        }
        if events.is_empty() {
            return Vec::new();
        }
        encode_host_message(&events)
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        self.received.forget_lines();
        for event in decode_host_message(diff)? {
            match event {
                HostEvent::HostBytes(bytes) => {
                    // A server sends marks only to a client that asked.
                    self.emulator.keep_marks(true);
                    self.emulator.keep_mouse_pixels(true);
                    self.emulator.keep_keyboard_protocol(true);
                    self.emulator.keep_styles(true);
                    self.emulator.feed(&bytes);
                    // The server never asks the client's terminal anything.
                    let _ = self.emulator.take_host_replies();
                }
                HostEvent::Resize { width, height } => self
                    .emulator
                    .resize(peer_dimension(width), peer_dimension(height)),
                HostEvent::EchoAck(num) => self.echo.set_value(num),
                HostEvent::History(delta) => {
                    self.received.apply(delta, self.emulator.framebuffer())?
                }
                HostEvent::Discipline(discipline) => self.discipline = Some(discipline),
                HostEvent::Clipboard(chunk) => {
                    if let Some(copy) = self.received_clipboard.apply(chunk)? {
                        self.emulator.set_clipboard(copy);
                    }
                }
            }
        }
        Ok(())
    }

    fn subtract(&mut self, _prefix: &Self) {}

    fn memory_bytes(&self) -> usize {
        self.emulator.framebuffer().memory_bytes() + self.received_clipboard.memory_bytes()
    }

    fn has_unpublished(&self) -> bool {
        self.feed.as_ref().is_some_and(HistoryFeed::has_unpublished)
            || (self.clipboard_wanted && self.clipboard.has_unpublished())
    }

    fn publish(&mut self) {
        if let Some(feed) = self.feed.as_mut() {
            feed.publish();
        }
        if self.clipboard_wanted {
            self.clipboard.publish();
        }
    }
}

impl HostState for CompleteTerminal {
    fn blank(cols: u16, rows: u16) -> Self {
        CompleteTerminal::new(usize::from(cols), usize::from(rows))
    }

    fn host_output(&mut self, bytes: &[u8], replies: &mut Vec<u8>) {
        self.emulator.feed(bytes);
        replies.extend(self.emulator.take_host_replies());
        if self.clipboard_wanted {
            self.clipboard
                .observe(self.emulator.framebuffer().clipboard_copy());
        }
    }

    fn user_keys(&mut self, keys: &[u8], to_host: &mut Vec<u8>) {
        let application = self.emulator.framebuffer().modes().application_cursor_keys;
        for &byte in keys {
            self.keys.translate(byte, application, to_host);
        }
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.emulator.resize(usize::from(cols), usize::from(rows));
    }

    fn register_input(&mut self, num: u64, now: u64) {
        self.echo.register_input(num, now);
    }

    fn forget_input(&mut self) {
        self.echo = EchoAck::default();
        if let Some(feed) = self.feed.as_mut() {
            feed.set_wanted(false);
        }
        self.discipline_wanted = false;
        self.discipline = None;
        self.marks_wanted = false;
        self.emulator.keep_marks(false);
        self.mouse_pixels_wanted = false;
        self.emulator.keep_mouse_pixels(false);
        self.keys_wanted = false;
        self.emulator.keep_keyboard_protocol(false);
        self.styles_wanted = false;
        self.emulator.keep_styles(false);
        self.clipboard_wanted = false;
    }

    fn set_peer_features(&mut self, features: PeerFeatures) {
        if features.scrollback && self.feed.is_none() && self.history_limit > 0 {
            // Kept from the first client that wants it: a stock client
            // never costs the server the memory.
            let log = HistoryLog::shared(usize::try_from(self.history_limit).unwrap_or(usize::MAX));
            self.emulator.keep_history(log.clone());
            self.feed = Some(HistoryFeed::new(log));
        }
        if let Some(feed) = self.feed.as_mut() {
            feed.set_wanted(features.scrollback);
        }
        self.marks_wanted = features.marks;
        self.emulator.keep_marks(features.marks);
        self.mouse_pixels_wanted = features.mouse_pixels;
        self.emulator.keep_mouse_pixels(features.mouse_pixels);
        self.keys_wanted = features.keys;
        self.emulator.keep_keyboard_protocol(features.keys);
        self.styles_wanted = features.styles;
        self.emulator.keep_styles(features.styles);
        if features.clipboard && !self.clipboard_wanted {
            // The copy the session holds goes to the new client too.
            let copy = self.emulator.framebuffer().clipboard_copy();
            if !copy.data.is_empty() {
                self.clipboard.restart(copy);
            }
        }
        self.clipboard_wanted = features.clipboard;
        self.discipline_wanted = features.discipline;
        if !features.discipline {
            self.discipline = None;
        }
    }

    fn set_line_discipline(&mut self, discipline: LineDiscipline) {
        if self.discipline_wanted {
            self.discipline = Some(discipline);
        }
    }

    fn wants_line_discipline(&self) -> bool {
        self.discipline_wanted
    }

    fn set_output_held(&mut self, held: bool) {
        if let Some(feed) = self.feed.as_mut() {
            feed.set_output_held(held);
        }
    }

    fn dropped_clipboard_copies(&self) -> u64 {
        self.emulator.dropped_clipboard_copies()
    }

    fn history_lines(&self) -> u64 {
        self.feed.as_ref().map_or(0, HistoryFeed::held_lines)
    }

    fn keep_history(&mut self, lines: u64) {
        self.history_limit = lines;
    }

    fn update_echo_ack(&mut self, now: u64) -> bool {
        self.echo.update(now)
    }

    fn echo_ack_deadline(&self) -> Option<u64> {
        self.echo.next_deadline()
    }
}

/// The client's terminal is kept in application cursor-key mode, so arrow
/// keys arrive as `ESC O A`..`ESC O D`; a program that has not asked for
/// that mode gets `ESC [ A`..`ESC [ D` instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum CursorKeyTranslator {
    #[default]
    Ground,
    Escape,
    Ss3,
}

impl CursorKeyTranslator {
    fn translate(&mut self, byte: u8, application_mode: bool, out: &mut Vec<u8>) {
        match self {
            CursorKeyTranslator::Ground => {
                if byte == 0x1b {
                    *self = CursorKeyTranslator::Escape;
                }
                out.push(byte);
            }
            CursorKeyTranslator::Escape => {
                if byte == b'O' {
                    *self = CursorKeyTranslator::Ss3;
                } else {
                    *self = if byte == 0x1b {
                        CursorKeyTranslator::Escape
                    } else {
                        CursorKeyTranslator::Ground
                    };
                    out.push(byte);
                }
            }
            CursorKeyTranslator::Ss3 => {
                *self = CursorKeyTranslator::Ground;
                let lead = if !application_mode && (b'A'..=b'D').contains(&byte) {
                    b'['
                } else {
                    b'O'
                };
                out.extend_from_slice(&[lead, byte]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(cols: usize, rows: usize, bytes: &[u8]) -> CompleteTerminal {
        let mut t = CompleteTerminal::new(cols, rows);
        t.host_output(bytes, &mut Vec::new());
        t
    }

    /// Base64 text of `len` pseudo-random characters.
    fn random_base64(len: usize, seed: u64) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(ALPHABET[(x % 64) as usize])
            })
            .collect()
    }

    fn osc52(selection: &str, data: &str) -> Vec<u8> {
        format!("\x1b]52;{selection};{data}\x07").into_bytes()
    }

    fn has_clipboard_event(diff: &[u8]) -> bool {
        decode_host_message(diff)
            .unwrap()
            .iter()
            .any(|e| matches!(e, HostEvent::Clipboard(_)))
    }

    #[test]
    fn a_mebibyte_copy_reaches_a_clipboard_client_whole_once_beside_the_screen() {
        use crate::terminal::clipboard::MAX_CLIPBOARD_BASE64;
        let mut server = CompleteTerminal::new(80, 24);
        server.set_peer_features(PeerFeatures {
            clipboard: true,
            ..PeerFeatures::default()
        });
        let mut client = CompleteTerminal::new(80, 24);
        let mut sent = server.clone();
        let copy = random_base64(MAX_CLIPBOARD_BASE64, 7);
        let mut output = osc52("c", &copy);
        output.extend_from_slice(b"typed");
        server.host_output(&output, &mut Vec::new());
        let (mut diffs, mut changes, mut seen) =
            (0, 0, client.framebuffer().clipboard_copy().clone());
        while diffs == 0 || server.has_unpublished() {
            server.publish();
            let diff = server.diff_from(&sent);
            assert!(diff.len() < 20_000, "a diff of {} bytes", diff.len());
            assert!(
                !String::from_utf8_lossy(&diff).contains("]52;"),
                "the copy went in the screen's bytes"
            );
            client.apply_diff(&diff).unwrap();
            sent = server.clone();
            diffs += 1;
            // The screen is not held back behind the copy.
            assert!(client.framebuffer().text().starts_with("typed"));
            if *client.framebuffer().clipboard_copy() != seen {
                seen = client.framebuffer().clipboard_copy().clone();
                changes += 1;
            }
        }
        assert!(diffs > 50, "sent in {diffs} diffs");
        assert_eq!(
            changes, 1,
            "the copy changed the client's clipboard {changes} times"
        );
        assert_eq!(client.framebuffer().clipboard(), copy);
        assert_eq!(&*client.framebuffer().clipboard_copy().selection, "c");
        assert!(client == server);
        // The program repeats it: nothing is sent.
        server.host_output(&osc52("c", &copy), &mut Vec::new());
        server.publish();
        assert!(server.diff_from(&sent).is_empty());
    }

    #[test]
    fn a_newer_copy_replaces_one_in_flight() {
        let mut server = CompleteTerminal::new(80, 24);
        server.set_peer_features(PeerFeatures {
            clipboard: true,
            ..PeerFeatures::default()
        });
        let mut client = CompleteTerminal::new(80, 24);
        server.host_output(&osc52("s", &random_base64(100_000, 3)), &mut Vec::new());
        server.publish();
        let mut sent = server.clone();
        client
            .apply_diff(&server.diff_from(&CompleteTerminal::new(80, 24)))
            .unwrap();
        server.host_output(&osc52("p", "aGk="), &mut Vec::new());
        server.publish();
        client.apply_diff(&server.diff_from(&sent)).unwrap();
        sent = server.clone();
        assert_eq!(client.framebuffer().clipboard(), "aGk=");
        assert_eq!(&*client.framebuffer().clipboard_copy().selection, "p");
        assert!(!server.has_unpublished());
        assert!(server.diff_from(&sent).is_empty());
    }

    #[test]
    fn a_stock_client_gets_copies_within_its_limit_and_never_a_query() {
        use crate::terminal::clipboard::STOCK_MAX_CLIPBOARD_BASE64;
        let mut server = CompleteTerminal::new(80, 24);
        let mut step = |bytes: &[u8]| {
            let before = server.clone();
            server.host_output(bytes, &mut Vec::new());
            server.publish();
            let diff = server.diff_from(&before);
            assert!(!has_clipboard_event(&diff));
            String::from_utf8_lossy(&diff).into_owned()
        };
        assert!(step(&osc52("c", "aGk=")).contains("\x1b]52;c;aGk=\x07"));
        let fits = random_base64(STOCK_MAX_CLIPBOARD_BASE64, 5);
        assert!(step(&osc52("c", &fits)).contains(&fits));
        let over = random_base64(STOCK_MAX_CLIPBOARD_BASE64 + 1, 5);
        assert!(!step(&osc52("c", &over)).contains("]52;"));
        assert!(
            step(&osc52("c", "?")).is_empty(),
            "a query changed the state"
        );
    }

    #[test]
    fn a_replica_reaches_the_same_screen_through_diffs() {
        let blank = CompleteTerminal::new(80, 24);
        let mut server = blank.clone();
        let mut client = blank.clone();
        let chunks: [&[u8]; 4] = [
            b"hello \x1b[1;31mworld\x1b[0m\r\n",
            "日本語 e\u{301}\r\n".as_bytes(),
            b"\x1b[5;10r\x1b[10;1H\r\nscrolled\x1b[r\x1b[?1049hALT",
            b"\x1b[?1049l\x1b[2J\x1b[3;4Hdone",
        ];
        for chunk in chunks {
            let before = server.clone();
            server.host_output(chunk, &mut Vec::new());
            client.apply_diff(&server.diff_from(&before)).unwrap();
            assert!(
                client == server,
                "after {chunk:?}:\n{}",
                client.framebuffer().text()
            );
        }
        assert!(server.diff_from(&server).is_empty());
    }

    #[test]
    fn diff_order_is_echo_ack_then_resize_then_bytes() {
        let old = fed(80, 24, b"x");
        let mut new = old.clone();
        new.register_input(9, 0);
        new.update_echo_ack(100);
        new.resize(100, 30);
        new.host_output(b"y", &mut Vec::new());
        let events = decode_host_message(&new.diff_from(&old)).unwrap();
        assert_eq!(events[0], HostEvent::EchoAck(9));
        assert_eq!(
            events[1],
            HostEvent::Resize {
                width: 100,
                height: 30
            }
        );
        assert!(matches!(events[2], HostEvent::HostBytes(_)));
        let mut replica = old.clone();
        replica.apply_diff(&new.diff_from(&old)).unwrap();
        assert!(replica == new);
        assert_eq!(replica.echo_ack(), 9);
    }

    #[test]
    fn a_server_cannot_size_our_screen_beyond_what_a_server_takes_from_us() {
        let old = fed(80, 24, b"x");
        let mut huge = old.clone();
        huge.resize(2048, 1024);
        huge.host_output(b"\x1b[1024;2048Hy", &mut Vec::new());
        let mut replica = old.clone();
        replica.apply_diff(&huge.diff_from(&old)).unwrap();
        let screen = replica.framebuffer();
        assert_eq!(
            (screen.width(), screen.height()),
            (MAX_PEER_DIMENSION, MAX_PEER_DIMENSION)
        );
        assert!(replica.memory_bytes() > 0);
    }

    #[test]
    fn the_line_discipline_reaches_only_a_client_that_wants_it() {
        let sudo = LineDiscipline {
            echo: false,
            canonical: true,
            program: "sudo".into(),
        };
        let blank = CompleteTerminal::new(80, 24);
        let mut server = blank.clone();
        server.set_line_discipline(sudo.clone());
        assert!(server.diff_from(&blank).is_empty(), "a stock client got it");

        server.set_peer_features(PeerFeatures {
            discipline: true,
            ..PeerFeatures::default()
        });
        server.set_line_discipline(sudo.clone());
        let mut client = blank.clone();
        client.apply_diff(&server.diff_from(&blank)).unwrap();
        assert_eq!(client.line_discipline(), Some(&sudo));
        assert!(client == server);
        let before = server.clone();
        server.set_line_discipline(sudo);
        assert!(server.diff_from(&before).is_empty(), "unchanged, resent");

        server.forget_input();
        assert!(
            server.line_discipline().is_none(),
            "a new client must ask again"
        );
    }

    #[test]
    fn prompt_marks_and_the_directory_reach_only_a_client_that_wants_them() {
        let marked = b"\x1b]7;file://h/tmp\x07\x1b]133;A\x07$ \x1b]133;B\x07";
        let blank = CompleteTerminal::new(20, 3);
        let mut server = blank.clone();
        server.host_output(marked, &mut Vec::new());
        let mut plain = blank.clone();
        plain.host_output(b"$ ", &mut Vec::new());
        assert_eq!(
            server.diff_from(&blank),
            plain.diff_from(&blank),
            "a stock client sees today's bytes"
        );

        let mut server = blank.clone();
        server.set_peer_features(PeerFeatures {
            marks: true,
            ..PeerFeatures::default()
        });
        server.host_output(marked, &mut Vec::new());
        let mut client = blank.clone();
        client.apply_diff(&server.diff_from(&blank)).unwrap();
        assert!(client == server);
        assert_eq!(client.framebuffer().working_directory(), "file://h/tmp");
        let marks: Vec<_> = client.framebuffer().row(0).marks().to_vec();
        assert_eq!(
            marks.iter().map(|m| (m.col, &*m.text)).collect::<Vec<_>>(),
            [(0, "A"), (2, "B")]
        );
    }

    #[test]
    fn underline_styles_reach_only_a_client_that_wants_them() {
        let curly = b"\x1b[4:3;58:2::255:0:0;53mcurly\x1b[0m";
        let blank = CompleteTerminal::new(20, 3);
        let mut server = blank.clone();
        server.host_output(curly, &mut Vec::new());
        let mut plain = blank.clone();
        plain.host_output(b"\x1b[4mcurly\x1b[0m", &mut Vec::new());
        assert!(server == plain, "a stock client sees a plain underline");
        assert_eq!(server.diff_from(&blank), plain.diff_from(&blank));

        let mut server = blank.clone();
        server.set_peer_features(PeerFeatures {
            styles: true,
            ..PeerFeatures::default()
        });
        server.host_output(curly, &mut Vec::new());
        let mut client = blank.clone();
        client.apply_diff(&server.diff_from(&blank)).unwrap();
        assert!(client == server);
        let extra = client.framebuffer().cell_extra(0, 0);
        assert_eq!(
            extra.underline_style,
            crate::terminal::UnderlineStyle::Curly
        );
        assert_eq!(
            extra.underline_color,
            crate::terminal::Color::Rgb(255, 0, 0)
        );
        assert!(extra.overline);
    }

    #[test]
    fn mouse_pixel_positions_reach_only_a_client_that_wants_them() {
        let pixels = b"\x1b[?1003h\x1b[?1006h\x1b[?1016h";
        let blank = CompleteTerminal::new(20, 3);
        let mut server = blank.clone();
        server.host_output(pixels, &mut Vec::new());
        let mut plain = blank.clone();
        plain.host_output(b"\x1b[?1003h\x1b[?1006h", &mut Vec::new());
        assert!(server == plain, "a stock client sees no change");

        let mut server = blank.clone();
        server.set_peer_features(PeerFeatures {
            mouse_pixels: true,
            ..PeerFeatures::default()
        });
        server.host_output(pixels, &mut Vec::new());
        let mut client = blank.clone();
        client.apply_diff(&server.diff_from(&blank)).unwrap();
        assert!(client.framebuffer().modes().mouse_pixels);
        let before = server.clone();
        server.host_output(b"\x1b[?1016l", &mut Vec::new());
        client.apply_diff(&server.diff_from(&before)).unwrap();
        assert!(!client.framebuffer().modes().mouse_pixels);
        assert!(client == server);
    }

    #[test]
    fn keyboard_flags_reach_only_a_client_whose_terminal_has_the_protocol() {
        let push = b"\x1b[>1u\x1b[?u";
        let blank = CompleteTerminal::new(20, 3);
        let mut stock = blank.clone();
        let mut replies = Vec::new();
        stock.host_output(push, &mut replies);
        assert!(
            replies.is_empty(),
            "a stock client's program hears no answer"
        );
        assert!(stock == blank, "and a stock client sees no change");

        let mut server = blank.clone();
        server.set_peer_features(PeerFeatures {
            keys: true,
            ..PeerFeatures::default()
        });
        server.host_output(push, &mut replies);
        assert_eq!(replies, b"\x1b[?1u");
        let mut client = blank.clone();
        client.apply_diff(&server.diff_from(&blank)).unwrap();
        assert_eq!(client.framebuffer().modes().keyboard_flags, 1);
        let before = server.clone();
        server.host_output(b"\x1b[<u", &mut Vec::new());
        client.apply_diff(&server.diff_from(&before)).unwrap();
        assert_eq!(client.framebuffer().modes().keyboard_flags, 0);
        assert!(client == server);
    }

    #[test]
    fn terminal_queries_are_answered_to_the_program() {
        let mut t = CompleteTerminal::new(80, 24);
        let mut replies = Vec::new();
        t.host_output(b"\x1b[3;7H\x1b[6n", &mut replies);
        assert_eq!(replies, b"\x1b[3;7R");
    }

    #[test]
    fn arrow_keys_follow_the_programs_cursor_key_mode() {
        let mut t = CompleteTerminal::new(80, 24);
        let mut out = Vec::new();
        t.user_keys(b"\x1bOA\x1bOBx\x1bOP", &mut out);
        assert_eq!(out, b"\x1b[A\x1b[Bx\x1bOP");
        t.host_output(b"\x1b[?1h", &mut Vec::new());
        out.clear();
        t.user_keys(b"\x1bO", &mut out);
        t.user_keys(b"C", &mut out);
        assert_eq!(out, b"\x1bOC");
    }

    #[test]
    fn a_flood_keeps_only_the_newest_screen() {
        let base = CompleteTerminal::new(80, 24);
        let mut t = base.clone();
        let mut flood = Vec::new();
        for i in 0..200_000 {
            flood.extend_from_slice(format!("{i}\n").as_bytes());
        }
        t.host_output(&flood, &mut Vec::new());
        let diff = t.diff_from(&base);
        assert!(
            diff.len() < 16 * 1024,
            "diff of {} bytes for one screen",
            diff.len()
        );
        let mut replica = base.clone();
        replica.apply_diff(&diff).unwrap();
        assert!(replica == t);
    }

    #[test]
    fn garbage_diffs_are_errors_not_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut t = CompleteTerminal::new(80, 24);
        for len in 0..3000usize {
            let bytes: Vec<u8> = (0..len % 97)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let _ = t.apply_diff(&bytes);
        }
        assert!(t.framebuffer().width() >= 1);
    }
}
