//! zlib inflation with a cap: the first three bytes choose the cap (at
//! most the wire's 4 MiB), the rest is the stream. Output never exceeds
//! the cap, and deflating the output inflates back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::wire::{compress, decompress, MAX_INSTRUCTION_BYTES};
use mosh_rs_fuzz::Header;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let cap_bytes = [header.byte(), header.byte(), header.byte(), 0];
    let limit = (u32::from_le_bytes(cap_bytes) as usize).min(MAX_INSTRUCTION_BYTES);
    if let Ok(out) = decompress(header.rest(), limit) {
        assert!(out.len() <= limit);
        assert_eq!(decompress(&compress(&out), limit).as_ref(), Ok(&out));
    }
});
