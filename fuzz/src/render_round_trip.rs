//! The display renderer's round trip, shared by the `render` fuzz target
//! and the regression tests in `tests/terminal/fuzz_regressions.rs` (which
//! include this file by path, so a saved crash replays through exactly
//! this code). The input: a flags byte, two sizes (width and height
//! bytes), then the program output of screen `a` and of screen `b`, each
//! a 16-bit little-endian length and that many bytes. Screens `a` and `b`
//! come from that output fed to two emulators (`b`'s starts from `a` when
//! bit 4 of the flags is set, so the two share rows), and
//! * the full repaint `render(None → a)` fed to a blank emulator gives `a`;
//! * `render(a → b)` fed to that emulator (resized first if the sizes
//!   differ) gives `b`,
//!
//! for every combination of the render capabilities (flag bits 0-3).
//! A difference panics with a description.

use mosh_rs::terminal::{render, Emulator, ExtraCaps, Framebuffer, RenderCaps};

const MAX_WIDTH: u8 = 40;
const MAX_HEIGHT: u8 = 16;

/// Runs the round trip on one input.
pub fn check(data: &[u8]) {
    let (header, rest) = data.split_at(data.len().min(5));
    let mut header = header.iter().copied().chain(std::iter::repeat(0));
    let mut next = move || header.next().unwrap_or(0);
    let flags = next();
    let caps = RenderCaps {
        ech: flags & 1 != 0,
        bce: flags & 2 != 0,
        title: flags & 4 != 0,
        keep_scrollback_clean: flags & 8 != 0,
        marks: flags & 32 != 0,
        mouse_pixels: flags & 64 != 0,
        keyboard_protocol: flags & 128 != 0,
        extras: if flags & 128 != 0 {
            ExtraCaps::ALL
        } else {
            ExtraCaps::default()
        },
        max_clipboard: Some(usize::MAX),
    };
    // The last flag bit turns on both of the newest receiver features.
    let styles = flags & 128 != 0;
    let (wa, ha) = size(next(), next());
    let (wb, hb) = size(next(), next());
    let (bytes_a, rest) = record(rest);
    let (bytes_b, _) = record(rest);

    let mut program_a = Emulator::new(wa, ha);
    program_a.keep_keyboard_protocol(caps.keyboard_protocol);
    program_a.keep_styles(styles);
    program_a.feed(bytes_a);
    let a = program_a.framebuffer().clone();
    let mut program_b = if flags & 16 != 0 {
        let mut continued = Emulator::with_framebuffer(a.clone());
        continued.resize(wb, hb);
        continued
    } else {
        Emulator::new(wb, hb)
    };
    program_b.keep_keyboard_protocol(caps.keyboard_protocol);
    program_b.keep_styles(styles);
    program_b.feed(bytes_b);
    let b = program_b.framebuffer().clone();

    let mut client = Emulator::new(wa, ha);
    client.keep_keyboard_protocol(caps.keyboard_protocol);
    client.keep_styles(styles);
    let repaint = render(None, &a, &caps);
    show(&mut client, &repaint, &a, &caps);
    if (wa, ha) != (wb, hb) {
        client.resize(wb, hb);
    }
    let diff = render(Some(&a), &b, &caps);
    show(&mut client, &diff, &b, &caps);
}

fn size(width: u8, height: u8) -> (usize, usize) {
    (
        usize::from(width % MAX_WIDTH) + 1,
        usize::from(height % MAX_HEIGHT) + 1,
    )
}

/// One record (a 16-bit little-endian length, then that many bytes, or
/// what is left) and the rest.
fn record(data: &[u8]) -> (&[u8], &[u8]) {
    match data {
        [lo, hi, rest @ ..] => {
            let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(rest.len());
            rest.split_at(len)
        }
        _ => (&[], &[]),
    }
}

/// Feeds `bytes` to `client` and checks it shows `want`. A frame rings
/// the bell once however often it rang, so the client's count is topped
/// up first; and a screen from an unrelated program may have rung it fewer
/// times than the one shown (a count that only grows in a session), so
/// `want`'s count is topped up to the client's. Titles are compared only
/// where the renderer can carry them: with the `title` capability, to a
/// screen whose program set one (a terminal's title cannot be unset, so a
/// program that never set one leaves the old one up).
fn show(client: &mut Emulator, bytes: &[u8], want: &Framebuffer, caps: &RenderCaps) {
    client.feed(bytes);
    let have = client.framebuffer().bell_count();
    if want.bell_count() > have {
        client.feed(&bells(want.bell_count() - have));
    }
    let got = client.framebuffer();
    let mut want = want.clone();
    if want.bell_count() < got.bell_count() {
        let mut topped = Emulator::with_framebuffer(want);
        topped.feed(&bells(got.bell_count() - topped.framebuffer().bell_count()));
        want = topped.framebuffer().clone();
    }
    let (want, got) = if caps.title && want.title_set() {
        (want, got.clone())
    } else {
        (without_titles(&want), without_titles(got))
    };
    let (want, got) = (&want, &got);
    if got != want {
        panic!("{}", describe(want, got, bytes));
    }
    for row in 0..want.height().saturating_sub(1) {
        assert_eq!(
            want.row(row).wrapped(),
            got.row(row).wrapped(),
            "row {row} wraps differently; bytes {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn bells(count: u64) -> Vec<u8> {
    vec![0x07; usize::try_from(count).expect("a small count")]
}

fn without_titles(fb: &Framebuffer) -> Framebuffer {
    let mut fb = fb.clone();
    fb.set_titles("", "");
    fb
}

fn describe(want: &Framebuffer, got: &Framebuffer, bytes: &[u8]) -> String {
    let mut cells = Vec::new();
    for r in 0..want.height().min(got.height()) {
        for c in 0..want.width().min(got.width()) {
            if want.cell(r, c) != got.cell(r, c) && cells.len() < 4 {
                cells.push(format!(
                    "({r},{c}) want {:?} got {:?}",
                    want.cell(r, c),
                    got.cell(r, c)
                ));
            }
        }
    }
    let rows: Vec<usize> = (0..want.height().min(got.height()))
        .filter(|&r| want.row(r) != got.row(r))
        .collect();
    format!(
        "screens differ: rows {rows:?}; links {:?} vs {:?}; size {}x{} vs {}x{}; bells {} vs {}; clipboard {:?} vs {:?}; cursor {:?}/{} vs {:?}/{}; visible {} vs {}; \
         pen {:?} vs {:?}; modes {:?} vs {:?}; titles {:?}/{:?} vs {:?}/{:?}; cells {cells:?}; \
         bytes {:?}",
        want.hyperlink(),
        got.hyperlink(),
        want.width(),
        want.height(),
        got.width(),
        got.height(),
        want.bell_count(),
        got.bell_count(),
        want.clipboard(),
        got.clipboard(),
        want.cursor(),
        want.pending_wrap(),
        got.cursor(),
        got.pending_wrap(),
        want.cursor_visible(),
        got.cursor_visible(),
        want.rendition(),
        got.rendition(),
        want.modes(),
        got.modes(),
        want.title(),
        want.icon_name(),
        got.title(),
        got.icon_name(),
        String::from_utf8_lossy(bytes)
    )
}
