//! Predictions that know the pty's line discipline (issue 18), through a
//! user-space relay adding a 200 ms round trip, with the client in tmux:
//!
//! - at a password prompt (`read -s`, Python's `getpass`) no typed
//!   character reaches the user's terminal in any pairing our code is in:
//!   everything the client wrote to the pane is recorded (`pipe-pane`)
//!   and replayed through an emulator byte by byte, so a character drawn
//!   and erased between two captures is caught too;
//! - with our server, the first key typed into a fresh prompt shows long
//!   before the server could have echoed it — in `cat` (the kernel
//!   echoes) and at a bash prompt (readline echoes, learned from the
//!   keys before) — and without the discipline it waits for the echo, as
//!   upstream's client does.

use crate::support::paths::{STOCK_CLIENT, STOCK_SERVER};
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::path::Path;
use std::time::{Duration, Instant};

use link::{Impairment, LinkConfig};
use mosh_rs::terminal::Emulator;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
const SHELL: &str = "PS1='ready$ ' exec bash --norc --noprofile -i";
/// One way; the round trip is twice this.
const ONE_WAY_DELAY_MS: u64 = 100;
/// What our `mosh` hands our client when our server offers the discipline.
const DISCIPLINE: (&str, &str) = ("MOSH_SERVER_FEATURES", "discipline");
/// Typed at the prompts: letters that nothing else on the screen holds.
const SECRET: &str = "QJXZKV";

fn missing_tools() -> bool {
    skip::missing(&[STOCK_CLIENT, STOCK_SERVER, "/usr/bin/python3"]) || skip::missing_tmux()
}

fn slow_link() -> LinkConfig {
    LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        down: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        ..LinkConfig::default()
    }
}

fn start(pairing: Pairing, command: &str, client_env: &[(&str, &str)]) -> RelayedSession {
    let mut env = vec![("MOSH_PREDICTION_DISPLAY", "adaptive")];
    env.extend_from_slice(client_env);
    RelayedSession::start(pairing, slow_link(), command, &[], &env)
}

/// Waits until the screen has not changed for half a second and `ready`
/// holds.
fn settled(s: &RelayedSession, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        let now = s.tmux.capture();
        if ready(&now) && now == last {
            return now;
        }
        last = now;
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("the screen never settled:\n{last}");
}

/// The screens the recorded bytes from `from` on drew, one per byte,
/// that show any character of the secret.
fn screens_showing_the_secret(recording: &Path, from: usize) -> Vec<String> {
    let bytes = std::fs::read(recording).unwrap_or_default();
    let mut terminal = Emulator::new(80, 24);
    let (before, after) = bytes.split_at(from.min(bytes.len()));
    terminal.feed(before);
    let mut shown = Vec::new();
    for byte in after {
        terminal.feed(std::slice::from_ref(byte));
        let text = terminal.framebuffer().text();
        if text.chars().any(|c| SECRET.contains(c)) {
            shown.push(text);
        }
    }
    shown
}

/// Runs `program` (which asks for a password with `Password: ` and then
/// prints `got N`) at the shell, types the secret and checks that no frame
/// the client drew showed any of it.
fn type_a_password(s: &RelayedSession, recording: &Path, program: &str) {
    s.tmux.type_text("echo warm");
    s.tmux.send_keys(&["Enter"]);
    settled(s, |screen| screen.contains("\nwarm"));
    s.tmux.type_text(program);
    s.tmux.send_keys(&["Enter"]);
    settled(s, |screen| {
        screen
            .lines()
            .any(|l| l.trim_end() == "Password:" || l.ends_with("Password: "))
    });
    let from = std::fs::metadata(recording).map_or(0, |m| m.len() as usize);
    s.tmux.type_text(SECRET);
    std::thread::sleep(Duration::from_millis(8 * ONE_WAY_DELAY_MS));
    s.tmux.send_keys(&["Enter"]);
    let got = format!("got {}", SECRET.len());
    settled(s, |screen| {
        screen.contains(&got)
            && screen
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::trim_end)
                == Some("ready$")
    });
    let shown = screens_showing_the_secret(recording, from);
    assert!(
        shown.is_empty(),
        "{:?}, {program}: a typed character was drawn:\n{}",
        s.pairing,
        shown[0]
    );
}

#[test]
fn password_prompts_never_show_a_typed_character_in_any_pairing() {
    if missing_tools() {
        return;
    }
    let scratch = Scratch::new("discipline");
    let programs = [
        "printf 'Password: '; read -s pw; echo; echo \"got ${#pw}\"",
        "python3 -c 'import getpass; print(\"got\", len(getpass.getpass(\"Password: \")))'",
    ];
    let pairings: [(Pairing, &[(&str, &str)]); 3] = [
        (Pairing::Ours, &[DISCIPLINE]),
        (Pairing::StockClientOurServer, &[]),
        (Pairing::OurClientStockServer, &[]),
    ];
    for (n, (pairing, client_env)) in pairings.into_iter().enumerate() {
        let s = start(pairing, SHELL, client_env);
        let recording = scratch.path().join(format!("pane-{n}"));
        s.tmux.record_output(&recording);
        s.expect_text("ready$", WAIT);
        for program in programs {
            type_a_password(&s, &recording, program);
        }
    }
}

/// How long after the key was sent `x` showed on the screen's row
/// `row` (numbered from 0), if within the wait.
fn time_until_shown(s: &RelayedSession, row: usize, text: &str) -> Option<Duration> {
    s.tmux.type_text("x");
    let typed = Instant::now();
    while typed.elapsed() < Duration::from_secs(5) {
        let screen = s.tmux.capture();
        if screen
            .lines()
            .nth(row)
            .is_some_and(|l| l.trim_end() == text)
        {
            return Some(typed.elapsed());
        }
    }
    None
}

/// Types `x` and checks whether row `row` reads `text` sooner than the
/// server could have echoed the key (`early`) or only after.
fn expect_shown_early(s: &RelayedSession, row: usize, text: &str, program: &str, early: bool) {
    let round_trip = Duration::from_millis(2 * ONE_WAY_DELAY_MS);
    let shown = time_until_shown(s, row, text)
        .unwrap_or_else(|| panic!("the key never showed in {program}"));
    eprintln!("{program}, discipline {early}: x shown after {shown:?}");
    assert_eq!(
        shown < round_trip * 3 / 4,
        early,
        "{program}, discipline known: {early}: shown after {shown:?}"
    );
}

/// Types a line into `cat` and waits for its answer; returns the row the
/// next line is typed on.
fn a_line_into_cat(s: &RelayedSession) -> usize {
    s.tmux.type_text("abc");
    s.tmux.send_keys(&["Enter"]);
    let screen = settled(s, |screen| screen.matches("abc").count() == 2);
    screen.lines().position(|l| l == "abc").unwrap_or(0) + 2
}

#[test]
fn the_first_key_into_a_fresh_prompt_shows_before_the_round_trip() {
    if missing_tools() {
        return;
    }
    let cat = "echo cat-ready; exec cat";
    for (client_env, shown_early) in [(&[DISCIPLINE][..], true), (&[][..], false)] {
        let s = start(Pairing::Ours, cat, client_env);
        s.expect_text("cat-ready", WAIT);
        let row = a_line_into_cat(&s);
        expect_shown_early(&s, row, "x", "cat", shown_early);

        let s = start(Pairing::Ours, SHELL, client_env);
        s.expect_text("ready$", WAIT);
        s.tmux.type_text("echo one");
        s.tmux.send_keys(&["Enter"]);
        let screen = settled(&s, |screen| screen.contains("\none\nready$"));
        let row = screen.lines().position(|l| l == "one").unwrap_or(0) + 1;
        expect_shown_early(&s, row, "ready$ x", "bash", shown_early);
    }
}
