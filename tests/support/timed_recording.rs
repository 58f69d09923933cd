//! Every byte a tmux pane's program writes, with the time each piece
//! reached tmux (`pipe-pane` into a small Python recorder), so a test
//! can replay what a terminal showed and for how long: a screen left up
//! while nothing more arrived is a frame the user saw, whereas the
//! screens inside one burst of output pass unseen.

use std::path::Path;
use std::time::Duration;

use super::shell::shell_quote;
use super::tmux::Tmux;

/// Reads stdin in pieces and appends each to the file in argv[1] as
/// (monotonic nanoseconds, length, bytes), little-endian.
const RECORDER: &str = "import os, struct, sys, time
out = open(sys.argv[1], 'ab', buffering=0)
while True:
    piece = os.read(0, 65536)
    if not piece:
        break
    out.write(struct.pack('<QI', time.monotonic_ns(), len(piece)) + piece)
";

/// One piece of output as it reached the recorder.
pub struct Piece {
    /// When it arrived (monotonic clock, any origin).
    pub at: Duration,
    pub bytes: Vec<u8>,
}

/// Starts recording what `tmux`'s pane writes into `file` (the recorder
/// script is written beside it).
pub fn record(tmux: &Tmux, file: &Path) {
    let script = file.with_extension("py");
    std::fs::write(&script, RECORDER).expect("write the recorder");
    let command = format!(
        "python3 {} {}",
        shell_quote(&script.to_string_lossy()),
        shell_quote(&file.to_string_lossy())
    );
    let _ = std::process::Command::new("tmux")
        .arg("-S")
        .arg(tmux.socket())
        .args(["pipe-pane", "-o", "-t", "0", &command])
        .output();
}

/// The pieces recorded so far, in order (a piece cut short at the end,
/// still being written, is left out).
pub fn pieces(file: &Path) -> Vec<Piece> {
    let data = std::fs::read(file).unwrap_or_default();
    let mut rest = data.as_slice();
    let mut pieces = Vec::new();
    while let (Some(at), Some(len)) = (rest.get(..8), rest.get(8..12)) {
        let at = u64::from_le_bytes(at.try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        let Some(bytes) = rest.get(12..12 + len) else {
            break;
        };
        pieces.push(Piece {
            at: Duration::from_nanos(at),
            bytes: bytes.to_vec(),
        });
        rest = rest.get(12 + len..).unwrap_or_default();
    }
    pieces
}

/// The screens (`cols` x `rows`, replayed through our emulator) that
/// stayed up for at least `quiet`: after each piece that the next one
/// followed no sooner than that, and after the last.
pub fn screens_left_up(pieces: &[Piece], cols: usize, rows: usize, quiet: Duration) -> Vec<String> {
    let mut terminal = mosh_rs::terminal::Emulator::new(cols, rows);
    let mut screens = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        terminal.feed(&piece.bytes);
        let left_up = pieces
            .get(i + 1)
            .is_none_or(|next| next.at.saturating_sub(piece.at) >= quiet);
        if left_up {
            screens.push(terminal.framebuffer().text());
        }
    }
    screens
}
