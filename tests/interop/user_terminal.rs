//! What the user's own terminal receives, in every pairing of our code
//! with upstream's: the modes a program asks for (cursor keys, keypad,
//! mouse reporting and encodings, bracketed paste, focus, reverse video,
//! cursor visibility and shape, while origin mode and autowrap stay the
//! client's), rows the program wrapped arriving as wrapped rows, colours
//! kept in the form the program chose, and a combining mark with nothing
//! to combine with staying visible. The outer tmux pane is the user's
//! terminal: its flags, `capture-pane -J`, and (through `pipe-pane`) the
//! bytes the client wrote are what is asserted.

use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH, STOCK_SERVER};
use crate::support::scratch::Scratch;
use crate::support::{server, session, skip, tmux};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::shell::shell_quote;
use session::MoshSession;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

/// A client and a server, ours or upstream's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pairing {
    Ours,
    StockClientOurServer,
    OurClientStockServer,
    /// Upstream's own pair: the reference for what the stock server or
    /// the stock client cannot do.
    Stock,
}

impl Pairing {
    fn client(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::OurClientStockServer => {
                server::our_links().join("mosh-client")
            }
            _ => PathBuf::from(STOCK_CLIENT),
        }
    }

    fn server(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::StockClientOurServer => server::our_server(),
            _ => PathBuf::from(STOCK_SERVER),
        }
    }

    fn stock_client(self) -> bool {
        matches!(self, Pairing::StockClientOurServer | Pairing::Stock)
    }

    fn stock_server(self) -> bool {
        matches!(self, Pairing::OurClientStockServer | Pairing::Stock)
    }

    fn start(self, command: &str) -> MoshSession {
        MoshSession::start_with_client(&self.client(), &self.server(), 80, 24, command, &[])
            .expect("session starts")
    }
}

fn missing_tools() -> bool {
    skip::missing(&[STOCK_MOSH, STOCK_CLIENT, STOCK_SERVER, "/usr/bin/python3"])
        || skip::missing_tmux()
}

// ----- modes -----

/// A program that switches a mode on each letter it reads (`step N`
/// follows), and shows any other input in hex (`got ...`).
const MODE_PROGRAM: &str = r#"
import os, tty
tty.setraw(0)
SEQ = {
    b"a": b"\x1b[?1h", b"A": b"\x1b[?1l",
    b"k": b"\x1b=", b"K": b"\x1b>",
    b"m": b"\x1b[?1002h\x1b[?1006h", b"M": b"\x1b[?1002l\x1b[?1006l",
    b"x": b"\x1b[?1003h\x1b[?1005h", b"X": b"\x1b[?1003l\x1b[?1005l",
    b"n": b"\x1b[?1000h", b"N": b"\x1b[?1000l",
    b"b": b"\x1b[?2004h", b"B": b"\x1b[?2004l",
    b"c": b"\x1b[?25l", b"C": b"\x1b[?25h",
    b"f": b"\x1b[?1004h", b"F": b"\x1b[?1004l",
    b"v": b"\x1b[?5h", b"V": b"\x1b[?5l",
    b"s": b"\x1b[5 q", b"S": b"\x1b[0 q",
    b"w": b"\x1b[?7l" + b"w" * 100,
    b"o": b"\x1b[20;23r\x1b[?6h\x1b[2;1Horigin-row-21",
}
os.write(1, b"mode program ready\r\n")
step = 0
while True:
    data = os.read(0, 256)
    if not data:
        break
    if data in SEQ:
        step += 1
        os.write(1, SEQ[data] + b"\r\nstep %d\r\n" % step)
    else:
        os.write(1, b"\r\ngot " + data.hex().encode() + b"\r\n")
"#;

/// Drives the mode program in one pairing.
struct ModeCheck {
    pairing: Pairing,
    session: MoshSession,
    output: String,
    step: u32,
    failures: Vec<String>,
}

impl ModeCheck {
    fn start(pairing: Pairing, scratch: &Scratch) -> ModeCheck {
        let program = scratch.file("modes.py", MODE_PROGRAM.as_bytes());
        let output = scratch
            .join(format!("client-output-{pairing:?}"))
            .to_string_lossy()
            .into_owned();
        let session = pairing.start(&format!("exec python3 {}", shell_quote(&program)));
        if let Err(screen) = session.tmux.wait_for_text("mode program ready", WAIT) {
            panic!("{pairing:?}: the program never started:\n{screen}");
        }
        let sock = session.tmux.socket().to_string_lossy().into_owned();
        let status = std::process::Command::new("tmux")
            .args(["-S", &sock, "pipe-pane", "-O", "-t", "0"])
            .arg(format!("cat >> {}", shell_quote(&output)))
            .status()
            .expect("tmux pipe-pane");
        assert!(status.success());
        ModeCheck {
            pairing,
            session,
            output,
            step: 0,
            failures: Vec::new(),
        }
    }

    fn tmux(&self) -> &Tmux {
        &self.session.tmux
    }

    /// Types `key` for the program and waits until it has answered.
    fn switch(&mut self, key: &str) {
        self.step += 1;
        self.tmux().type_text(key);
        let needle = format!("step {}", self.step);
        if self.tmux().wait_for_text(&needle, WAIT).is_err() {
            self.fail(format!("{key:?}: the program never reached {needle}"));
        }
    }

    fn fail(&mut self, what: String) {
        self.failures.push(format!("{:?}: {what}", self.pairing));
    }

    /// Waits until the outer pane's `format` expands to `want`.
    fn expect_flags(&mut self, after: &str, format: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = String::new();
        while Instant::now() < deadline {
            got = self.tmux().query(format).unwrap_or_default();
            if got.trim() == want {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.fail(format!(
            "after {after:?}: {format} is {:?}, want {want:?}",
            got.trim()
        ));
    }

    /// Waits until the client has written `bytes` to the terminal.
    fn expect_written(&mut self, after: &str, bytes: &str, want: bool) {
        let deadline = Instant::now() + Duration::from_secs(if want { 5 } else { 2 });
        while Instant::now() < deadline {
            let written = std::fs::read(&self.output).unwrap_or_default();
            let found = written.windows(bytes.len()).any(|w| w == bytes.as_bytes());
            if found && want {
                return;
            }
            if found && !want {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let written = std::fs::read(&self.output).unwrap_or_default();
        let found = written.windows(bytes.len()).any(|w| w == bytes.as_bytes());
        if found != want {
            self.fail(format!(
                "after {after:?}: the client {} {bytes:?}",
                if want { "never wrote" } else { "wrote" }
            ));
        }
    }

    /// Presses `key` (tmux syntax) and waits for the program to show
    /// `hex` as what it read.
    fn expect_key(&mut self, after: &str, key: &str, hex: &str) {
        self.tmux().send_keys(&[key]);
        let needle = format!("got {hex}");
        if self.tmux().wait_for_text(&needle, WAIT).is_err() {
            self.fail(format!(
                "after {after:?}: {key} did not reach the program as {hex}"
            ));
        }
    }

    fn expect_paste(&mut self, after: &str, text: &str, hex: &str) {
        self.tmux().paste(text);
        let needle = format!("got {hex}");
        if self.tmux().wait_for_text(&needle, WAIT).is_err() {
            self.fail(format!(
                "after {after:?}: a paste of {text:?} did not reach the program as {hex}; screen:\n{}",
                self.tmux().capture()
            ));
        }
    }
}

fn check_modes(pairing: Pairing) -> Vec<String> {
    let scratch = Scratch::new(&format!("user-terminal-modes-{pairing:?}"));
    let mut m = ModeCheck::start(pairing, &scratch);
    // Cursor keys: the terminal stays in application mode (as upstream's
    // client keeps it) and the server gives each program the keys it
    // asked for.
    m.switch("a");
    m.expect_flags("a", "#{keypad_cursor_flag}", "1");
    m.expect_key("a", "Down", "1b4f42");
    m.switch("A");
    m.expect_flags("A", "#{keypad_cursor_flag}", "1");
    m.expect_key("A", "Down", "1b5b42");
    // The keypad: the stock server never carries DECKPAM to its clients,
    // and the stock client never applies it (upstream's pair neither).
    let keypad = if pairing.stock_client() || pairing.stock_server() {
        "0"
    } else {
        "1"
    };
    m.switch("k");
    m.expect_flags("k", "#{keypad_flag}", keypad);
    m.switch("K");
    m.expect_flags("K", "#{keypad_flag}", "0");
    let mouse = "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_all_flag} \
                 #{mouse_sgr_flag}#{mouse_utf8_flag}";
    m.switch("m");
    m.expect_flags("m", mouse, "010 10");
    m.switch("M");
    m.expect_flags("M", mouse, "000 00");
    m.switch("x");
    m.expect_flags("x", mouse, "001 01");
    m.switch("X");
    m.expect_flags("X", mouse, "000 00");
    m.switch("n");
    m.expect_flags("n", mouse, "100 00");
    m.switch("N");
    m.expect_flags("N", mouse, "000 00");
    m.switch("b");
    m.expect_paste("b", "pasted", "1b5b3230307e7061737465641b5b3230317e");
    m.switch("B");
    m.expect_paste("B", "plain", "706c61696e");
    m.switch("c");
    m.expect_flags("c", "#{cursor_flag}", "0");
    m.switch("C");
    m.expect_flags("C", "#{cursor_flag}", "1");
    m.switch("f");
    m.expect_written("f", "\x1b[?1004h", true);
    m.switch("F");
    m.expect_written("F", "\x1b[?1004l", true);
    m.switch("v");
    m.expect_written("v", "\x1b[?5h", true);
    m.switch("V");
    m.expect_written("V", "\x1b[?5l", true);
    // The cursor's shape: neither stock program knows DECSCUSR.
    let shapes = !(pairing.stock_client() || pairing.stock_server());
    m.switch("s");
    m.expect_written("s", "\x1b[5 q", shapes);
    // Autowrap and origin mode are the client's own: the program's text
    // lands where it meant, drawn with absolute positions.
    m.switch("w");
    m.expect_flags("w", "#{wrap_flag} #{origin_flag}", "1 0");
    if m.tmux()
        .wait_for_text(&format!("{}\n", "w".repeat(80)), WAIT)
        .is_err()
    {
        let screen = m.tmux().capture();
        m.fail(format!("autowrap off: no row of 80 w's:\n{screen}"));
    }
    m.switch("o");
    m.expect_flags("o", "#{wrap_flag} #{origin_flag}", "1 0");
    let screen = m.tmux().capture();
    if screen.lines().nth(20) != Some("origin-row-21") {
        m.fail(format!(
            "origin mode: row 21 is not the program's:\n{screen}"
        ));
    }
    m.failures
}

fn assert_no_failures(failures: Vec<String>) {
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn modes_reach_the_users_terminal_ours_with_ours() {
    if missing_tools() {
        return;
    }
    assert_no_failures(check_modes(Pairing::Ours));
}

#[test]
fn modes_reach_the_users_terminal_stock_client_with_our_server() {
    if missing_tools() {
        return;
    }
    assert_no_failures(check_modes(Pairing::StockClientOurServer));
}

#[test]
fn modes_reach_the_users_terminal_our_client_with_the_stock_server() {
    if missing_tools() {
        return;
    }
    assert_no_failures(check_modes(Pairing::OurClientStockServer));
}

// ----- screens: soft wraps, colours, combining marks -----

/// What `pairing` shows for `bytes` once settled, joined with `-J`.
fn joined_screen(pairing: Option<Pairing>, scratch: &Scratch, bytes: &[u8]) -> String {
    let file = scratch.file("stream.bin", bytes);
    let command = format!("cat {}; sleep 600", shell_quote(&file));
    let direct;
    let session;
    let tmux = match pairing {
        None => {
            direct = Tmux::start(80, 24, &command, &[]).expect("tmux");
            &direct
        }
        Some(pairing) => {
            session = pairing.start(&command);
            &session.tmux
        }
    };
    settle(tmux)
}

/// The joined capture once it has stopped changing (and shows something).
fn settle(t: &Tmux) -> String {
    let mut last = String::new();
    let mut stable_since = Instant::now();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let now = t.capture_joined();
        if now != last {
            last = now;
            stable_since = Instant::now();
        } else if !last.trim().is_empty() && stable_since.elapsed() > Duration::from_millis(900) {
            break;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    last
}

/// Lines the program wrapped in several ways, and lines it ended itself.
fn wrapping_stream() -> Vec<u8> {
    let mut s = Vec::new();
    let a79 = "A".repeat(79);
    // A blank in the last column.
    s.extend_from_slice(format!("{a79} B\r\n").as_bytes());
    // A wide character that does not fit: the last column stays empty.
    s.extend_from_slice(format!("{}日本\r\n", "W".repeat(79)).as_bytes());
    // Attributes on the last cell.
    s.extend_from_slice(format!("{}\x1b[1;31mZ\x1b[0mnext\r\n", "R".repeat(79)).as_bytes());
    // A coloured blank printed in the last column.
    s.extend_from_slice(format!("{}\x1b[44m \x1b[0mafter-blue\r\n", "P".repeat(79)).as_bytes());
    // Three rows of one line.
    s.extend_from_slice(format!("{}\r\n", "0123456789".repeat(20)).as_bytes());
    // A full row ended by the program: not joined.
    s.extend_from_slice(format!("{}\r\nsecond-line\r\n", "E".repeat(80)).as_bytes());
    // A wrapped row whose last cell is then erased in a colour.
    s.extend_from_slice(format!("{}tail", "K".repeat(80)).as_bytes());
    s.extend_from_slice(b"\x1b[A\x1b[80G\x1b[42m\x1b[K\x1b[0m\x1b[B\r\nend\r\n");
    s
}

fn assert_same_screen(name: &str, want_from: &str, want: &str, pairing: Pairing, got: &str) {
    assert!(
        got == want,
        "{name}, {pairing:?}: the user's terminal differs from {want_from}\n--- {want_from}:\n{want}\n--- {pairing:?}:\n{got}"
    );
}

#[test]
fn wrapped_rows_stay_one_line_ours_with_ours() {
    if missing_tools() {
        return;
    }
    let scratch = Scratch::new("wraps-ours");
    let stream = wrapping_stream();
    let direct = joined_screen(None, &scratch, &stream);
    assert!(
        direct.contains(&format!("{} B", "A".repeat(79))),
        "{direct}"
    );
    let got = joined_screen(Some(Pairing::Ours), &scratch, &stream);
    assert_same_screen("soft wraps", "tmux directly", &direct, Pairing::Ours, &got);
}

#[test]
fn wrapped_rows_stay_one_line_with_a_stock_peer() {
    if missing_tools() {
        return;
    }
    // Upstream's emulator drops the wrap of a row whose wide character
    // moved on to the next row (terminal.cc resets it there), and its
    // renderer loses the wrap of a row whose last cell was erased after
    // the wrap. With a stock peer on either side the user's terminal must
    // show what tmux shows, or at worst what upstream's own pair shows.
    let scratch = Scratch::new("wraps-stock");
    let stream = wrapping_stream();
    let direct = joined_screen(None, &scratch, &stream);
    let stock = joined_screen(Some(Pairing::Stock), &scratch, &stream);
    let differing: Vec<&str> = stock
        .lines()
        .filter(|line| !direct.lines().any(|d| d == *line))
        .collect();
    assert!(
        differing
            .iter()
            .all(|l| ["WWW", "日本", "KKK", "\x1b[49mtail"]
                .iter()
                .any(|p| l.starts_with(p))),
        "upstream's pair differs from tmux beyond the known rows:\n{stock}\n---\n{direct}"
    );
    for pairing in [Pairing::StockClientOurServer, Pairing::OurClientStockServer] {
        let got = joined_screen(Some(pairing), &scratch, &stream);
        let known = |line: &str| direct.lines().chain(stock.lines()).any(|l| l == line);
        let kept = |line: &str| {
            differing
                .iter()
                .any(|d| d.starts_with(line.get(..3).unwrap_or(line)))
                || got.lines().any(|g| g == line)
        };
        assert!(
            got.lines().all(known) && direct.lines().filter(|l| l.len() >= 3).all(kept),
            "soft wraps, {pairing:?}: a line is neither what tmux shows nor what upstream's pair shows\n\
             --- tmux:\n{direct}\n--- upstream's pair:\n{stock}\n--- {pairing:?}:\n{got}"
        );
    }
}

#[test]
fn colours_keep_the_form_the_program_chose() {
    if missing_tools() {
        return;
    }
    let scratch = Scratch::new("colours");
    let stream = b"\x1b[38;5;9mi9\x1b[91ms9\x1b[38;5;1mi1\x1b[31ms1\x1b[0m \
        \x1b[48;5;12mbi12\x1b[104mbs12\x1b[48;5;3mbi3\x1b[43mbs3\x1b[0m\r\n";
    let direct = joined_screen(None, &scratch, stream);
    assert!(direct.contains("38;5;9"), "{direct}");
    let got = joined_screen(Some(Pairing::Ours), &scratch, stream);
    assert_same_screen("colours", "tmux directly", &direct, Pairing::Ours, &got);
    // Through the stock server both clients get its forms (38;5;N for
    // 8..=15, 3N for 0..=7) and must show them alike.
    let stock = joined_screen(Some(Pairing::Stock), &scratch, stream);
    let pairing = Pairing::OurClientStockServer;
    let got = joined_screen(Some(pairing), &scratch, stream);
    assert_same_screen("colours", "upstream's pair", &stock, pairing, &got);
}

#[test]
fn a_lone_combining_mark_stays_visible_in_every_pairing() {
    if missing_tools() {
        return;
    }
    // tmux itself drops such a mark; stock mosh shows it on a no-break
    // space, and so do we.
    let scratch = Scratch::new("combining");
    let stream = "abc\r\n\u{302}\r\ndef\r\n".as_bytes();
    for pairing in [
        Pairing::Ours,
        Pairing::StockClientOurServer,
        Pairing::OurClientStockServer,
        Pairing::Stock,
    ] {
        let got = joined_screen(Some(pairing), &scratch, stream);
        let lines: Vec<&str> = got.lines().map(str::trim_end).collect();
        let at = lines.iter().position(|l| *l == "abc");
        let shown = at.and_then(|i| lines.get(i + 1..i + 3));
        assert_eq!(
            shown,
            Some(&["\u{a0}\u{302}", "def"][..]),
            "{pairing:?}:\n{got}"
        );
    }
}
