//! Where the shell is (issue 19): a program's current directory (OSC 7)
//! and its prompt marks (OSC 133) reach the user's terminal between
//! mosh-rs peers — tmux takes the directory as the pane's path, and
//! every byte the client wrote is recorded (`pipe-pane`) and replayed to
//! find each mark written with the cursor where the program wrote it —
//! while a stock client is sent none of it. The window-title stack
//! (`CSI 22 t` / `CSI 23 t`) brings a saved title back, in every pairing
//! with our server.

use crate::support::paths::STOCK_CLIENT;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::path::Path;
use std::time::Duration;

use link::LinkConfig;
use mosh_rs::terminal::Emulator;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
/// What our `mosh` hands our client when our server offers the marks.
const MARKS: (&str, &str) = ("MOSH_SERVER_FEATURES", "marks");
const DIRECTORY: &str = "file://remote-host/home/user/project";

/// Prints output, then a prompt with its marks where a shell would put
/// them, and the directory; then swaps titles through the title stack.
const PROGRAM: &str = r"printf 'some output\r\n\033]133;D;0\033\\\033]133;A\033\\work$ \033]133;B\033\\'
printf '\033]7;file://remote-host/home/user/project\033\\'
printf '\033]2;first title\033\\\033[22;0t\033]2;second title\033\\'
sleep 2
printf '\033[23;0t'
exec sleep 120";

fn start(
    pairing: Pairing,
    scratch: &Scratch,
    client_env: &[(&str, &str)],
) -> (RelayedSession, std::path::PathBuf) {
    let script = scratch.file(&format!("marks-{pairing:?}.sh"), PROGRAM.as_bytes());
    let s = RelayedSession::start(
        pairing,
        LinkConfig::default(),
        &format!("sleep 1; exec sh {script}"),
        &[],
        client_env,
    );
    let recording = scratch.join(format!("pane-{pairing:?}"));
    s.tmux.record_output(&recording);
    (s, recording)
}

/// Each OSC 133 mark in the recording with the cursor position (row,
/// column) the user's terminal had when it arrived.
fn marks_with_places(recording: &Path) -> Vec<(String, (usize, usize))> {
    let bytes = std::fs::read(recording).unwrap_or_default();
    let mut terminal = Emulator::new(80, 24);
    let mut found = Vec::new();
    let mut fed = 0;
    let needle = b"\x1b]133;";
    for at in (0..bytes.len()).filter(|&i| bytes[i..].starts_with(needle)) {
        terminal.feed(&bytes[fed..at]);
        fed = at;
        let text: Vec<u8> = bytes[at + needle.len()..]
            .iter()
            .copied()
            .take_while(|&b| b != 0x1b && b != 0x07)
            .collect();
        found.push((
            String::from_utf8_lossy(&text).into_owned(),
            terminal.framebuffer().cursor(),
        ));
    }
    found
}

/// Waits for the pane's title to read `title`.
fn expect_title(s: &RelayedSession, title: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    let mut last = None;
    while std::time::Instant::now() < deadline {
        last = s.tmux.display("#{pane_title}");
        if last.as_deref().is_some_and(|t| t.ends_with(title)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{:?}: the title never read {title:?}, last {last:?}",
        s.pairing
    );
}

#[test]
fn prompt_marks_and_the_directory_reach_the_users_terminal_between_our_peers() {
    if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("prompt-marks");
    let (s, recording) = start(Pairing::Ours, &scratch, &[MARKS]);
    let screen = s.expect_text("work$", WAIT);
    let prompt_row = screen
        .lines()
        .position(|l| l.starts_with("work$"))
        .expect("prompt row");
    let deadline = std::time::Instant::now() + WAIT;
    while s.tmux.display("#{pane_path}").as_deref() != Some(DIRECTORY) {
        assert!(
            std::time::Instant::now() < deadline,
            "the pane's path is {:?}, not the program's directory",
            s.tmux.display("#{pane_path}")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let marks = marks_with_places(&recording);
    for (kind, col) in [("D;0", 0), ("A", 0), ("B", 6)] {
        assert!(
            marks.contains(&(kind.to_string(), (prompt_row, col))),
            "mark {kind} not written at row {prompt_row}, column {col}: {marks:?}"
        );
    }
    expect_title(&s, "second title");
    expect_title(&s, "first title");
}

#[test]
fn a_stock_client_gets_no_marks_and_the_title_stack_works_for_it() {
    if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("prompt-marks-stock");
    let (s, recording) = start(Pairing::StockClientOurServer, &scratch, &[]);
    s.expect_text("work$", WAIT);
    expect_title(&s, "second title");
    expect_title(&s, "first title");
    let bytes = std::fs::read(&recording).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("\x1b]133;") && !text.contains("\x1b]7;"),
        "the stock client was sent marks: {text:?}"
    );
}
