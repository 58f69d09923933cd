//! Synchronized output (DEC mode 2026) through a session: a program draws
//! frames inside `CSI ? 2026 h` ... `CSI ? 2026 l`, pausing between the
//! two halves of each, and no screen the client left up on the user's
//! terminal ever shows half a frame — with our client and with the stock
//! one, since our server holds an open update back. Everything the
//! client wrote is recorded with the time it arrived (`pipe-pane`) and
//! replayed; a screen counts as shown when nothing followed it for a
//! while. The server also answers DECRQM for the mode, and lets out an
//! update the program never ends.

use crate::support::paths::STOCK_CLIENT;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip, timed_recording};

use std::time::Duration;

use link::LinkConfig;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
/// A screen left up this long was seen; a client's own drawing of one
/// frame takes far less.
const SEEN_FOR: Duration = Duration::from_millis(30);
const FRAMES: usize = 6;
const ROWS_PER_HALF: usize = 6;

/// Asks for mode 2026's state and shows the answer, draws the frames
/// (0.1 s between the halves of each), then opens an update it never
/// ends.
const PROGRAM: &str = r#"import os, select, sys, termios, time, tty
def write(b):
    os.write(1, b)
saved = termios.tcgetattr(0)
tty.setraw(0)
write(b'\x1b[?2026$p')
answer = b''
while not answer.endswith(b'y') and select.select([0], [], [], 5)[0]:
    answer += os.read(0, 64)
termios.tcsetattr(0, termios.TCSADRAIN, saved)
for n in range(1, FRAMES + 1):
    write(b'\x1b[?2026h\x1b[H\x1b[2J')
    for r in range(ROWS):
        write(b'frame %d top %d\r\n' % (n, r))
    time.sleep(0.1)
    for r in range(ROWS):
        write(b'frame %d bottom %d\r\n' % (n, r))
    write(b'\x1b[?2026l')
    time.sleep(0.15)
write(b'\x1b[20Hanswer: ' + answer.replace(b'\x1b', b'ESC'))
write(b'\x1b[?2026h\x1b[22Hheld open')
time.sleep(120)
"#;

/// Why `screen` shows part of a frame, if it does: its `frame` rows must
/// be none or all of one frame.
fn half_frame(screen: &str) -> Option<String> {
    let rows: Vec<&str> = screen.lines().filter(|l| l.starts_with("frame ")).collect();
    let numbers: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    let whole = rows.is_empty() || (rows.len() == 2 * ROWS_PER_HALF && numbers.len() == 1);
    (!whole).then(|| format!("{} frame rows of frames {numbers:?}", rows.len()))
}

fn draws_only_whole_frames(pairing: Pairing, scratch: &Scratch) {
    let program = PROGRAM
        .replace("FRAMES", &FRAMES.to_string())
        .replace("ROWS", &ROWS_PER_HALF.to_string());
    let script = scratch.file(&format!("frames-{pairing:?}.py"), program.as_bytes());
    let s = RelayedSession::start(
        pairing,
        LinkConfig::default(),
        &format!("sleep 1; exec python3 {script}"),
        &[],
        &[],
    );
    let recording = scratch.join(format!("pane-{pairing:?}"));
    timed_recording::record(&s.tmux, &recording);
    let last = format!("frame {FRAMES} bottom {}", ROWS_PER_HALF - 1);
    let screen = s.expect(WAIT, "the last frame and the held update", |screen| {
        screen.contains(&last) && screen.contains("held open")
    });
    let pieces = timed_recording::pieces(&recording);
    let screens = timed_recording::screens_left_up(&pieces, 80, 24, SEEN_FOR);
    let frames_seen = screens.iter().filter(|s| s.contains("frame ")).count();
    assert!(
        frames_seen >= FRAMES / 2,
        "{pairing:?}: only {frames_seen} screens with frames were recorded"
    );
    for screen in &screens {
        if let Some(why) = half_frame(screen) {
            panic!("{pairing:?}: the client left half a frame up ({why}):\n{screen}");
        }
    }
    assert!(
        screen.contains("answer: ESC[?2026;2$y"),
        "{pairing:?}: DECRQM for mode 2026 not answered as reset:\n{screen}"
    );
}

#[test]
fn no_screen_shows_half_a_frame_with_our_client_or_the_stock_one() {
    if skip::missing(&[STOCK_CLIENT, "/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("sync-output");
    for pairing in [Pairing::Ours, Pairing::StockClientOurServer] {
        draws_only_whole_frames(pairing, &scratch);
    }
}
