//! Round-trip property of the display renderer: for thousands of random
//! pairs of framebuffers, `render(old, new)` fed to an emulator showing
//! `old` gives exactly `new` (several bells ring once: the count is
//! topped up before comparing). States come from random operation
//! sequences, so they are the states programs really produce: text, wide
//! and combining characters, colours, erasing, scrolling in regions,
//! insert/delete, modes, titles, clipboard, the alternate screen, resizes.
//! The renderer's primary-screen mode (`keep_scrollback_clean`) is held to
//! the same property.

use crate::support::rng::Rng;
use mosh_rs::terminal::{render, Emulator, Framebuffer, RenderCaps};

const WORDS: &[&str] = &[
    "hello",
    "world",
    "mosh",
    "a",
    "  ",
    "中文",
    "日本",
    "😀",
    "e\u{301}",
    "x\u{20DD}\u{301}",
    "tab\there",
    "ü",
    "Ω",
    "━━",
    "0123456789",
];

/// The seed for `test`: `MOSH_RS_SEED` when set (to explore), else fixed.
fn seed(test: u64) -> Rng {
    Rng::from_env(test)
}

/// A random piece of program output.
fn random_op(rng: &mut Rng, width: usize, height: usize) -> String {
    let row = rng.below(height as u64 + 2) + 1;
    let col = rng.below(width as u64 + 2) + 1;
    let n = rng.below(6) + 1;
    match rng.below(41) {
        0..=9 => rng.pick(WORDS).to_string(),
        10 => "x".repeat(rng.below(3 * width as u64) as usize),
        11 => "\r\n".to_string(),
        12 => "\n".to_string(),
        13 => format!("\x1b[{row};{col}H"),
        14 => format!(
            "\x1b[{}m",
            rng.pick(&["0", "1", "2", "3", "4", "5", "7", "8", "9", "22", "24", "27"])
        ),
        15 => format!("\x1b[3{}m", rng.below(10)),
        16 => format!("\x1b[4{}m", rng.below(10)),
        17 => format!("\x1b[38;5;{}m", rng.below(256)),
        18 => format!(
            "\x1b[48;2;{};{};{}m",
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        19 => format!("\x1b[{}J", rng.below(3)),
        20 => format!("\x1b[{}K", rng.below(3)),
        21 => format!("\x1b[{n}X"),
        22 => format!("\x1b[{n}@"),
        23 => format!("\x1b[{n}P"),
        24 => format!("\x1b[{n}L"),
        25 => format!("\x1b[{n}M"),
        26 => format!("\x1b[{n}S"),
        27 => format!("\x1b[{n}T"),
        28 => {
            let top = rng.below(height as u64) + 1;
            let bottom = top + rng.below(height as u64);
            format!("\x1b[{top};{bottom}r")
        }
        29 => "\x1bM".to_string(),
        30 => format!(
            "\x1b[?{}{}",
            rng.pick(&[
                "1", "5", "6", "7", "25", "1000", "1002", "1006", "1004", "2004", "1007", "1049",
                "47"
            ]),
            rng.pick(&["h", "l"])
        ),
        31 => format!("\x1b[4{}", rng.pick(&["h", "l"])),
        32 => format!("\x1b]{};title {}\x07", rng.below(3), rng.below(5)),
        33 => format!("\x1b]52;c;{}\x07", rng.pick(&["", "aGVsbG8=", "d29ybGQ="])),
        34 => "\x07".to_string(),
        35 => rng
            .pick(&["\x1b7", "\x1b8", "\x1b=", "\x1b>", "\x1b[s", "\x1b[u"])
            .to_string(),
        36 => format!("\x1b[{n}b"),
        37 => "\t".to_string(),
        38 => format!("\x1b[{row};{}H{}", width, rng.pick(WORDS)),
        39 => rng
            .pick(&[
                "\x1b]8;;http://a.example/\x1b\\",
                "\x1b]8;id=7;http://b.example/x\x07",
                "\x1b]8;;\x1b\\",
                "\x1b]8;;\x07",
            ])
            .to_string(),
        _ => rng
            .pick(&["\x1b(0qqx\x1b(B", "\x1b[!p", "\x1b#8", "\x1bc", "\x08"])
            .to_string(),
    }
}

fn random_bytes(rng: &mut Rng, ops: usize, width: usize, height: usize) -> Vec<u8> {
    (0..ops)
        .map(|_| random_op(rng, width, height))
        .collect::<String>()
        .into_bytes()
}

/// Feeds `bytes` to `client`, then tops up its bell count to `target`'s
/// (a frame rings the bell once however often it rang).
fn apply(client: &mut Emulator, bytes: &[u8], target: &Framebuffer) {
    client.feed(bytes);
    let have = client.framebuffer().bell_count();
    let want = target.bell_count();
    if want > have {
        client.feed(&vec![0x07; (want - have) as usize]);
    }
}

fn describe(expected: &Framebuffer, got: &Framebuffer, bytes: &[u8]) -> String {
    let mut diffs = Vec::new();
    for r in 0..expected.height().min(got.height()) {
        for c in 0..expected.width().min(got.width()) {
            if expected.cell(r, c) != got.cell(r, c) {
                diffs.push(format!(
                    "({r},{c}): want {:?} got {:?}",
                    expected.cell(r, c),
                    got.cell(r, c)
                ));
            }
        }
    }
    diffs.truncate(5);
    format!(
        "size {}x{} vs {}x{}; cursor {:?}/{} vs {:?}/{}; pen {:?} vs {:?}; visible {} vs {}; \
         modes {:?} vs {:?}; title {:?}/{:?} vs {:?}/{:?}; clip {:?} vs {:?}; bells {} vs {}\n\
         cells: {diffs:?}\nbytes: {:?}",
        expected.width(),
        expected.height(),
        got.width(),
        got.height(),
        expected.cursor(),
        expected.pending_wrap(),
        got.cursor(),
        got.pending_wrap(),
        expected.rendition(),
        got.rendition(),
        expected.cursor_visible(),
        got.cursor_visible(),
        expected.modes(),
        got.modes(),
        expected.title(),
        expected.icon_name(),
        got.title(),
        got.icon_name(),
        expected.clipboard(),
        got.clipboard(),
        expected.bell_count(),
        got.bell_count(),
        String::from_utf8_lossy(bytes)
    )
}

/// The rows (all but the last, which cannot run on) whose wrap into the
/// next row differs: a terminal joins wrapped rows for copy and paste.
fn wrap_differences(expected: &Framebuffer, got: &Framebuffer) -> Vec<usize> {
    let rows = expected.height().min(got.height());
    (0..rows.saturating_sub(1))
        .filter(|&r| expected.row(r).wrapped() != got.row(r).wrapped())
        .collect()
}

fn assert_same_wraps(expected: &Framebuffer, got: &Framebuffer, bytes: &[u8]) {
    let rows = wrap_differences(expected, got);
    assert!(
        rows.is_empty(),
        "rows {rows:?} wrap differently (want {:?}); bytes: {:?}",
        rows.iter()
            .map(|&r| expected.row(r).wrapped())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(bytes)
    );
}

/// A client emulator showing `fb`, built from a full repaint.
fn client_showing(fb: &Framebuffer, caps: &RenderCaps) -> Emulator {
    let mut client = Emulator::new(fb.width(), fb.height());
    let bytes = render(None, fb, caps);
    apply(&mut client, &bytes, fb);
    assert!(
        client.framebuffer() == fb,
        "full repaint differs: {}",
        describe(fb, client.framebuffer(), &bytes)
    );
    assert_same_wraps(fb, client.framebuffer(), &bytes);
    client
}

fn check_diff(client: &mut Emulator, old: &Framebuffer, new: &Framebuffer, caps: &RenderCaps) {
    if (old.width(), old.height()) != (new.width(), new.height()) {
        client.resize(new.width(), new.height());
    }
    let bytes = render(Some(old), new, caps);
    apply(client, &bytes, new);
    assert!(
        client.framebuffer() == new,
        "diff differs: {}",
        describe(new, client.framebuffer(), &bytes)
    );
    assert_same_wraps(new, client.framebuffer(), &bytes);
}

#[test]
fn full_repaints_reproduce_random_screens() {
    let mut rng = seed(1);
    let caps = RenderCaps::default();
    for case in 0..1500 {
        let (w, h) = (rng.below(30) as usize + 1, rng.below(12) as usize + 1);
        let mut emulator = Emulator::new(w, h);
        let ops = rng.below(60) as usize;
        emulator.feed(&random_bytes(&mut rng, ops, w, h));
        let fb = emulator.framebuffer().clone();
        let _ = case;
        client_showing(&fb, &caps);
    }
}

#[test]
fn diffs_between_evolving_states_reproduce_each_state() {
    let mut rng = seed(2);
    let caps = RenderCaps::default();
    for _ in 0..300 {
        let (w, h) = (rng.below(40) as usize + 2, rng.below(15) as usize + 2);
        let mut server = Emulator::new(w, h);
        let mut client = Emulator::new(w, h);
        let mut shown = server.framebuffer().clone();
        for _ in 0..12 {
            let ops = rng.below(12) as usize + 1;
            server.feed(&random_bytes(&mut rng, ops, w, h));
            if rng.below(10) == 0 {
                server.resize(rng.below(40) as usize + 2, rng.below(15) as usize + 2);
            }
            let new = server.framebuffer().clone();
            check_diff(&mut client, &shown, &new, &caps);
            shown = new;
        }
    }
}

#[test]
fn diffs_that_keep_the_scrollback_clean_reproduce_each_state() {
    let mut rng = seed(5);
    for _ in 0..300 {
        let caps = RenderCaps {
            ech: rng.below(2) == 0,
            bce: rng.below(2) == 0,
            title: true,
            keep_scrollback_clean: true,
            marks: false,
            mouse_pixels: false,
            max_clipboard: Some(usize::MAX),
            ..RenderCaps::default()
        };
        let (w, h) = (rng.below(40) as usize + 2, rng.below(15) as usize + 2);
        let mut server = Emulator::new(w, h);
        let mut client = client_showing(server.framebuffer(), &caps);
        let mut shown = server.framebuffer().clone();
        for _ in 0..12 {
            let ops = rng.below(12) as usize + 1;
            server.feed(&random_bytes(&mut rng, ops, w, h));
            if rng.below(3) == 0 {
                // Scrolling output, the case the option is for.
                let lines = rng.below(h as u64 + 2);
                server.feed("log line\r\n".repeat(lines as usize).as_bytes());
            }
            let new = server.framebuffer().clone();
            check_diff(&mut client, &shown, &new, &caps);
            shown = new;
        }
    }
}

#[test]
fn diffs_between_unrelated_states_reproduce_the_new_one() {
    let mut rng = seed(3);
    for case in 0..1500 {
        let caps = RenderCaps {
            ech: rng.below(2) == 0,
            bce: rng.below(2) == 0,
            title: true,
            keep_scrollback_clean: false,
            marks: false,
            mouse_pixels: false,
            max_clipboard: Some(usize::MAX),
            ..RenderCaps::default()
        };
        let (w, h) = (rng.below(30) as usize + 1, rng.below(10) as usize + 1);
        let mut a = Emulator::new(w, h);
        let ops = rng.below(40) as usize;
        a.feed(&random_bytes(&mut rng, ops, w, h));
        let (w2, h2) = if case % 7 == 0 {
            (rng.below(30) as usize + 1, rng.below(10) as usize + 1)
        } else {
            (w, h)
        };
        let mut b = Emulator::new(w2, h2);
        if a.framebuffer().title_set() {
            // Once set, a title stays set in a session (RIS only empties it).
            b.feed(b"\x1b]0;\x07");
        }
        let ops = rng.below(40) as usize;
        b.feed(&random_bytes(&mut rng, ops, w2, h2));
        // Bell counts only grow in a session.
        let behind = a
            .framebuffer()
            .bell_count()
            .saturating_sub(b.framebuffer().bell_count());
        b.feed(&vec![0x07; behind as usize]);
        let old = a.framebuffer().clone();
        let new = b.framebuffer().clone();
        let mut client = client_showing(&old, &caps);
        check_diff(&mut client, &old, &new, &caps);
    }
}

#[test]
fn an_unchanged_screen_needs_no_bytes() {
    let mut rng = seed(4);
    for _ in 0..200 {
        let mut e = Emulator::new(20, 6);
        let ops = rng.below(30) as usize;
        e.feed(&random_bytes(&mut rng, ops, 20, 6));
        let fb = e.framebuffer().clone();
        assert!(render(Some(&fb), &fb, &RenderCaps::default()).is_empty());
    }
}
