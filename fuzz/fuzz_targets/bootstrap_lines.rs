//! The bootstrap's reading of what ssh and the server print: each line
//! (split at `\n`, as the bootstrap splits them) is classified (`MOSH IP`,
//! `MOSH SSH_CONNECTION`, `MOSH CONNECT`, `MOSH-RS FEATURES`, install
//! lines, anything else) and taken by the handshake, which is finished
//! when the output ends or `MOSH CONNECT` arrives. A connect line always
//! carries a nonzero port and a 22-character key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::bootstrap::handshake::{classify, Handshake, Line, Step};
use mosh_rs_fuzz::Header;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let flags = header.byte();
    let mut handshake = Handshake::new(flags & 1 != 0);
    for raw in header.rest().split(|&b| b == b'\n') {
        let line = classify(raw);
        if let Line::Connect { port, key } = &line {
            assert!(*port != 0 && key.len() == 22, "{line:?}");
        }
        match handshake.take(raw, &line) {
            Step::Connected | Step::Abort(_) => break,
            Step::Show | Step::Quiet => {}
        }
    }
    let status = (flags & 2 != 0).then_some(i32::from(flags >> 2));
    let _ = handshake.finish(status, "user@host", &mut |_| {});
});
