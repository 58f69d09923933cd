//! The renderer's soft wraps as a real terminal keeps them: random floods
//! of words (as `seq -s ' '` prints), cut into frames at random points,
//! are drawn frame by frame with `render` into tmux, and `capture-pane -J`
//! must join the same rows as for the flood itself shown in tmux. tmux
//! forgets a row's wrap in ways the emulator does not model (a line feed
//! out of the row, an erase from the start of the next row), so the
//! emulator's round trip cannot see these; this test can. The renderer's
//! primary-screen mode (`keep_scrollback_clean`), which scrolls with DL
//! below row 0, is held to the same.

use crate::support::{rng::Rng, scratch::Scratch, shell::sh_quote, skip, tmux::Tmux};

use mosh_rs::terminal::{render, Emulator, RenderCaps};
use std::time::{Duration, Instant};

const COLS: u16 = 20;
const ROWS: u16 = 6;

/// A flood: numbers joined by spaces, now and then a line end.
fn flood(rng: &mut Rng) -> Vec<u8> {
    let mut text = String::new();
    let start = rng.below(5000);
    for n in start..start + 40 + rng.below(80) {
        text.push_str(&n.to_string());
        text.push_str(if rng.below(15) == 0 { "\r\n" } else { " " });
    }
    text.push_str("\r\n$ ");
    text.into_bytes()
}

/// What the client would write for `stream` shown in frames cut at
/// random points: the first frame in full, then each difference.
fn rendered_in_frames(stream: &[u8], rng: &mut Rng, caps: &RenderCaps) -> Vec<u8> {
    let mut emulator = Emulator::new(usize::from(COLS), usize::from(ROWS));
    let mut shown = emulator.framebuffer().clone();
    let mut out = render(None, &shown, caps);
    let mut at = 0;
    while at < stream.len() {
        let step = 1 + rng.below(60) as usize;
        let end = (at + step).min(stream.len());
        emulator.feed(&stream[at..end]);
        let next = emulator.framebuffer().clone();
        out.extend(render(Some(&shown), &next, caps));
        shown = next;
        at = end;
    }
    out
}

/// `bytes` shown in a fresh tmux pane: its rows with wraps joined.
fn joined_in_tmux(dir: &Scratch, name: &str, bytes: &[u8]) -> String {
    let file = dir.file(name, bytes);
    let done = dir.join(format!("{name}.done")).display().to_string();
    // Raw output, as the client has it: no LF-to-CRLF.
    let command = format!(
        "stty -opost; cat {}; touch {}; sleep 60",
        sh_quote(&[file]),
        sh_quote(std::slice::from_ref(&done))
    );
    let term = Tmux::start(COLS, ROWS, &command, &[]).expect("tmux");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::path::Path::new(&done).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    // `-J` keeps trailing spaces a program printed; the renderer leaves
    // blank cells unprinted, which shows the same.
    term.capture_flags(&["-J"])
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect()
}

/// Draws `cases` random floods in frames with `caps` and compares the
/// joined rows with the flood's own.
fn compare_floods(name: &str, seed: u64, cases: usize, caps: &RenderCaps) {
    let dir = Scratch::new(name);
    let mut rng = Rng::from_env(seed);
    let mut failures = Vec::new();
    for case in 0..cases {
        let stream = flood(&mut rng);
        let frames = rendered_in_frames(&stream, &mut rng, caps);
        let expected = joined_in_tmux(&dir, &format!("stream{case}"), &stream);
        let got = joined_in_tmux(&dir, &format!("frames{case}"), &frames);
        if got != expected {
            failures.push(format!(
                "case {case}:\n--- the flood itself\n{expected}--- drawn in frames\n{got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn floods_drawn_frame_by_frame_keep_their_soft_wraps_in_tmux() {
    if skip::missing_tmux() {
        return;
    }
    compare_floods("render-wraps", 0x5eed_0516, 8, &RenderCaps::default());
}

/// The same with the primary-screen mode, whose scrolls keep row 0 and
/// move the rest with DL.
#[test]
fn floods_drawn_with_a_clean_scrollback_keep_their_soft_wraps_in_tmux() {
    if skip::missing_tmux() {
        return;
    }
    let caps = RenderCaps {
        keep_scrollback_clean: true,
        ..RenderCaps::default()
    };
    compare_floods("render-wraps-clean", 0x5eed_0517, 4, &caps);
}
