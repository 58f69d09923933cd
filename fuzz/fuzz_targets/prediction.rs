//! The prediction engine against random server frames and keystrokes.
//! Each record is one event, by its first byte: program output to the
//! server's screen (then the engine judges the new frame and draws on
//! it, as the client composes each frame), typed bytes (predicted
//! against the frame shown), new transport numbers, a line discipline,
//! or a resize. The frame shown always has the server's size and a
//! cursor on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::client::prediction::{PredictionDisplay, PredictionEngine};
use mosh_rs::terminal::{Emulator, Framebuffer};
use mosh_rs::wire::LineDiscipline;
use mosh_rs_fuzz::{records, Header};

const MAX_WIDTH: u8 = 80;
const MAX_HEIGHT: u8 = 24;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let flags = header.byte();
    let display = match flags % 4 {
        0 => PredictionDisplay::Adaptive,
        1 => PredictionDisplay::Always,
        2 => PredictionDisplay::Never,
        _ => PredictionDisplay::Experimental,
    };
    let mut engine = PredictionEngine::new(display, flags & 4 != 0);
    let width = usize::from(header.byte() % MAX_WIDTH) + 1;
    let height = usize::from(header.byte() % MAX_HEIGHT) + 1;
    let mut server = Emulator::new(width, height);
    let mut shown = server.framebuffer().clone();
    let mut now = 10_000u64;
    for record in records(header.rest()) {
        let mut fields = Header::new(record);
        let kind = fields.byte();
        now += u64::from(fields.byte()) * 4;
        match kind % 5 {
            0 => {
                server.feed(fields.rest());
                shown = compose(&mut engine, server.framebuffer(), now);
            }
            1 => {
                for &byte in fields.rest() {
                    engine.new_user_byte(byte, &shown, now);
                }
                shown = compose(&mut engine, server.framebuffer(), now);
            }
            2 => {
                engine.set_frame_sent(u64::from(fields.byte()));
                engine.set_frame_acked(u64::from(fields.byte()));
                engine.set_echo_acked(u64::from(fields.byte()));
                engine.set_send_interval(u64::from(fields.u16()));
            }
            3 => {
                let bits = fields.byte();
                let discipline = LineDiscipline {
                    echo: bits & 1 != 0,
                    canonical: bits & 2 != 0,
                    program: String::from_utf8_lossy(fields.rest()).into_owned(),
                };
                engine.set_line_discipline((bits & 4 == 0).then_some(&discipline));
            }
            _ => {
                let w = usize::from(fields.byte() % MAX_WIDTH) + 1;
                let h = usize::from(fields.byte() % MAX_HEIGHT) + 1;
                server.resize(w, h);
                shown = compose(&mut engine, server.framebuffer(), now);
            }
        }
    }
});

/// What the client shows for the server's `remote` frame at `now`.
fn compose(engine: &mut PredictionEngine, remote: &Framebuffer, now: u64) -> Framebuffer {
    let mut frame = remote.clone();
    engine.set_server_cursor(remote.cursor());
    engine.cull(remote, now);
    engine.apply(&mut frame);
    assert_eq!(
        (frame.width(), frame.height()),
        (remote.width(), remote.height())
    );
    let (row, col) = frame.cursor();
    assert!(
        row < frame.height() && col < frame.width(),
        "cursor {row},{col} off the frame"
    );
    frame
}
