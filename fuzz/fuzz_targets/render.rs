//! The display renderer's round trip: screens `a` and `b` come from
//! program output fed to two emulators (`b`'s starts from `a` when bit 4
//! of the first byte is set, so the two share rows), and
//! * the full repaint `render(None → a)` fed to a blank emulator gives `a`;
//! * `render(a → b)` fed to that emulator (resized first if the sizes
//!   differ) gives `b`,
//!
//! for every combination of the render capabilities (bits 0-3).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::terminal::{render, Emulator, Framebuffer, RenderCaps};
use mosh_rs_fuzz::{records, Header};

const MAX_WIDTH: u8 = 40;
const MAX_HEIGHT: u8 = 16;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let flags = header.byte();
    let caps = RenderCaps {
        ech: flags & 1 != 0,
        bce: flags & 2 != 0,
        title: flags & 4 != 0,
        keep_scrollback_clean: flags & 8 != 0,
    };
    let (wa, ha) = size(&mut header);
    let (wb, hb) = size(&mut header);
    let mut parts = records(header.rest());
    let bytes_a = parts.next().unwrap_or_default();
    let bytes_b = parts.next().unwrap_or_default();

    let mut program_a = Emulator::new(wa, ha);
    program_a.feed(bytes_a);
    let a = program_a.framebuffer().clone();
    let mut program_b = if flags & 16 != 0 {
        let mut continued = Emulator::with_framebuffer(a.clone());
        continued.resize(wb, hb);
        continued
    } else {
        Emulator::new(wb, hb)
    };
    program_b.feed(bytes_b);
    let b = program_b.framebuffer().clone();

    let mut client = Emulator::new(wa, ha);
    let repaint = render(None, &a, &caps);
    show(&mut client, &repaint, &a, &caps);
    if (wa, ha) != (wb, hb) {
        client.resize(wb, hb);
    }
    let diff = render(Some(&a), &b, &caps);
    show(&mut client, &diff, &b, &caps);
});

fn size(header: &mut Header<'_>) -> (usize, usize) {
    let w = usize::from(header.byte() % MAX_WIDTH) + 1;
    let h = usize::from(header.byte() % MAX_HEIGHT) + 1;
    (w, h)
}

/// Feeds `bytes` to `client` and checks it shows `want` (a frame rings
/// the bell once however often it rang: the count is topped up first).
/// Titles are compared only where the renderer can carry them: with the
/// `title` capability, to a screen whose program set one (a terminal's
/// title cannot be unset, so a program that never set one leaves the
/// old one up).
fn show(client: &mut Emulator, bytes: &[u8], want: &Framebuffer, caps: &RenderCaps) {
    client.feed(bytes);
    let have = client.framebuffer().bell_count();
    if want.bell_count() > have {
        let missing = usize::try_from(want.bell_count() - have).expect("a small count");
        client.feed(&vec![0x07; missing]);
    }
    let (want, got) = if caps.title && want.title_set() {
        (want.clone(), client.framebuffer().clone())
    } else {
        (without_titles(want), without_titles(client.framebuffer()))
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
    format!(
        "screens differ: size {}x{} vs {}x{}; cursor {:?}/{} vs {:?}/{}; visible {} vs {}; \
         pen {:?} vs {:?}; modes {:?} vs {:?}; titles {:?}/{:?} vs {:?}/{:?}; cells {cells:?}; \
         bytes {:?}",
        want.width(),
        want.height(),
        got.width(),
        got.height(),
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
