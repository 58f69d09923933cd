//! The terminal parser and emulator: program output in records fed to an
//! emulator of a size from the first two bytes (a record starting with
//! 0xff and two more bytes resizes it instead), with a scrollback log.
//! The cursor stays on the screen, the log within its limit, and the
//! replies for the program are taken after every record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::terminal::{Emulator, HistoryLog};
use mosh_rs_fuzz::{records, Header};

const MAX_WIDTH: u8 = 200;
const MAX_HEIGHT: u8 = 60;
const HISTORY_LINES: usize = 100;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let width = usize::from(header.byte() % MAX_WIDTH) + 1;
    let height = usize::from(header.byte() % MAX_HEIGHT) + 1;
    let mut emulator = Emulator::new(width, height);
    let log = HistoryLog::shared(HISTORY_LINES);
    emulator.keep_history(log.clone());
    for record in records(header.rest()) {
        match record {
            [0xff, w, h] => emulator.resize(
                usize::from(w % MAX_WIDTH) + 1,
                usize::from(h % MAX_HEIGHT) + 1,
            ),
            _ => emulator.feed(record),
        }
        let _ = emulator.take_host_replies();
        let fb = emulator.framebuffer();
        let (row, col) = fb.cursor();
        assert!(
            row < fb.height() && col < fb.width(),
            "cursor {row},{col} off the screen"
        );
        let log = log.borrow();
        assert!(log.end() - log.start() <= HISTORY_LINES as u64);
    }
});
