//! Hostile and random program output: the emulator never panics, its
//! memory stays bounded whatever arrives (endless OSC/DCS/APC strings,
//! huge parameters, floods of combining marks or invalid UTF-8), and the
//! screen stays consistent (a repaint and a diff of it reproduce it).

use crate::support::alone;
use crate::support::rng::Rng;
use std::sync::Mutex;

use mosh_rs::terminal::{render, Emulator, Framebuffer, RenderCaps};

/// The tests measure this process's memory, so they run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Resident memory of this process in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Random bytes biased towards what steers a terminal parser.
fn hostile_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    const INTERESTING: &[u8] =
        b"\x1b[]P_^X;:?>!\" 0123456789mHJKr@PLMSTXbhl\x07\x08\x09\x0a\x0d\x18\x1a\x7f";
    (0..len)
        .map(|_| match rng.below(10) {
            0..=3 => INTERESTING[rng.below(INTERESTING.len() as u64) as usize],
            4..=5 => 0x80 | rng.below(0x80) as u8,
            6 => [0xC2, 0xE2, 0xF0, 0x9B, 0x9D, 0x90][rng.below(6) as usize],
            _ => rng.below(256) as u8,
        })
        .collect()
}

/// Checks that the screen can be repainted and diffed exactly.
fn assert_consistent(previous: &Framebuffer, current: &Framebuffer) {
    let caps = RenderCaps::default();
    let mut fresh = Emulator::new(current.width(), current.height());
    fresh.feed(&render(None, current, &caps));
    let bells = current
        .bell_count()
        .saturating_sub(fresh.framebuffer().bell_count());
    fresh.feed(&vec![0x07; bells as usize]);
    assert!(fresh.framebuffer() == current, "repaint differs");

    let mut client = fresh.clone();
    let mut shown = current.clone();
    if previous.bell_count() <= current.bell_count() && previous.title_set() <= current.title_set()
    {
        client = Emulator::new(previous.width(), previous.height());
        client.feed(&render(None, previous, &caps));
        let bells = previous
            .bell_count()
            .saturating_sub(client.framebuffer().bell_count());
        client.feed(&vec![0x07; bells as usize]);
        shown = previous.clone();
    }
    if (shown.width(), shown.height()) != (current.width(), current.height()) {
        client.resize(current.width(), current.height());
    }
    client.feed(&render(Some(&shown), current, &caps));
    let bells = current
        .bell_count()
        .saturating_sub(client.framebuffer().bell_count());
    client.feed(&vec![0x07; bells as usize]);
    assert!(client.framebuffer() == current, "diff differs");
}

#[test]
fn random_streams_never_panic_and_the_screen_stays_consistent() {
    let _serial = SERIAL.lock();
    let mut rng = Rng::new(42);
    for _ in 0..300 {
        let (w, h) = (rng.below(90) as usize + 1, rng.below(30) as usize + 1);
        let mut e = Emulator::new(w, h);
        let mut previous = e.framebuffer().clone();
        for _ in 0..8 {
            let len = rng.below(3000) as usize;
            let bytes = hostile_bytes(&mut rng, len);
            // Arbitrary split points, as reads from a pty give.
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let take = (rng.below(64) as usize + 1).min(rest.len());
                e.feed(&rest[..take]);
                rest = &rest[take..];
            }
            if rng.below(6) == 0 {
                e.resize(rng.below(90) as usize + 1, rng.below(30) as usize + 1);
            }
            let fb = e.framebuffer();
            let (row, col) = fb.cursor();
            assert!(row < fb.height() && col < fb.width());
            let current = fb.clone();
            assert_consistent(&previous, &current);
            previous = current;
            let _ = e.take_host_replies();
        }
    }
}

#[test]
fn huge_and_numerous_parameters_are_clamped() {
    let _serial = SERIAL.lock();
    let digits = "9".repeat(100_000);
    let semicolons = ";".repeat(100_000);
    for (w, h) in [(80, 24), (1, 1)] {
        let mut e = Emulator::new(w, h);
        for final_byte in "@ABCDEFGHIJKLMPSTXZ`abcdefghlmnrsu".chars() {
            e.feed(format!("\x1b[{digits}{final_byte}").as_bytes());
            e.feed(format!("\x1b[{digits};{digits}{final_byte}").as_bytes());
            e.feed(format!("\x1b[{semicolons}{final_byte}").as_bytes());
            e.feed(format!("\x1b[?{digits}{final_byte}").as_bytes());
            e.feed(format!("\x1b[65535;65535{final_byte}").as_bytes());
        }
        e.feed(b"ok");
        let fb = e.framebuffer();
        let (row, col) = fb.cursor();
        assert!(row < fb.height() && col < fb.width());
        assert!(fb.text().contains('k') || w == 1);
        assert!(e.take_host_replies().len() <= mosh_rs::terminal::emulator::MAX_HOST_REPLIES);
    }
}

#[test]
fn endless_strings_and_floods_keep_memory_bounded() {
    // Resident memory is the whole process's: measured alone, in a
    // process of its own, away from the binary's other tests.
    if !alone::in_own_process("terminal_robustness::endless_strings_and_floods_keep_memory_bounded")
    {
        return;
    }
    let _serial = SERIAL.lock();
    let mut e = Emulator::new(80, 24);
    // Warm up so allocator growth from the first use is not counted.
    e.feed(b"\x1b]0;warm up\x07hello");
    let before = resident_bytes();
    let chunk = vec![b'A'; 64 * 1024];
    let invalid: Vec<u8> = (0..64 * 1024)
        .map(|i| [0xFF, 0xC3, 0xE2, 0x80][i % 4])
        .collect();
    let marks = "\u{301}".repeat(32 * 1024);
    // One endless OSC string of 40 MiB, measured while still open.
    e.feed(b"\x1b]2;");
    for _ in 0..640 {
        e.feed(&chunk);
    }
    let growth = resident_bytes().saturating_sub(before);
    assert!(
        growth < 16 * 1024 * 1024,
        "memory grew by {growth} bytes inside a 40 MiB OSC string"
    );
    e.feed(b"\x07");
    for introducer in [
        &b"\x1b]0;"[..],
        b"\x1b]52;c;",
        b"\x1bP1$q",
        b"\x1b_",
        b"\x1b^",
        b"\x1bX",
        b"\x1b[",
    ] {
        e.feed(introducer);
        for _ in 0..80 {
            e.feed(&chunk); // 5 MiB, never terminated
        }
        e.feed(b"\x1b\\\x18");
    }
    for _ in 0..80 {
        e.feed(&invalid);
    }
    e.feed(b"x");
    for _ in 0..40 {
        e.feed(marks.as_bytes());
    }
    let growth = resident_bytes().saturating_sub(before);
    assert!(
        growth < 16 * 1024 * 1024,
        "memory grew by {growth} bytes on 40 MiB of hostile input"
    );
    let fb = e.framebuffer();
    assert!(fb.title().chars().count() <= mosh_rs::terminal::framebuffer::MAX_TITLE_CHARS);
    assert!(fb.clipboard().len() <= mosh_rs::terminal::parser::MAX_OSC_LEN);
    let (row, col) = fb.cursor();
    let marked = fb.cell(row, col.saturating_sub(1));
    assert!(marked.marks().count() <= mosh_rs::terminal::cell::MAX_MARKS);
    // The terminal still works afterwards.
    e.feed(b"\x1b[H\x1b[2Jfine");
    assert_eq!(e.framebuffer().text().lines().next(), Some("fine"));
}

#[test]
fn invalid_utf8_shows_replacement_characters() {
    let _serial = SERIAL.lock();
    let mut e = Emulator::new(10, 2);
    e.feed(b"a\xffb\xc3(c\xe2\x82\r\n\xf0\x9f\x98");
    e.feed(b"d");
    assert_eq!(
        e.framebuffer().text(),
        "a\u{FFFD}b\u{FFFD}(c\u{FFFD}\n\u{FFFD}d\n"
    );
}

#[test]
fn extreme_sizes_are_clamped_and_usable() {
    let _serial = SERIAL.lock();
    let mut e = Emulator::new(0, 0);
    assert_eq!((e.framebuffer().width(), e.framebuffer().height()), (1, 1));
    e.feed("中\u{301}x\r\n\x1b[5@\x1b[5P\x1b[L\x1b[M\tz".as_bytes());
    e.resize(usize::MAX, usize::MAX);
    let fb = e.framebuffer();
    assert_eq!(
        (fb.width(), fb.height()),
        (
            mosh_rs::terminal::framebuffer::MAX_WIDTH,
            mosh_rs::terminal::framebuffer::MAX_HEIGHT
        )
    );
    e.feed(b"\x1b[999;999Hend\x1b[2J");
    e.resize(3, 2);
    e.feed(b"\x1b[Habcdefgh");
    assert_eq!(e.framebuffer().text(), "def\ngh\n");
}
