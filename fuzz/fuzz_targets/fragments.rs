//! Fragment reassembly over a sequence of fragments: each record is
//! decoded as a fragment and added to one `FragmentAssembly`. Whatever the
//! sequence, it never holds more than its documented limits, and every
//! instruction it completes re-encodes to bytes that decode to it again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosh_rs::wire::fragment::MAX_COMPRESSED_BYTES;
use mosh_rs::wire::{Fragment, FragmentAssembly, Instruction, MAX_FRAGMENTS};
use mosh_rs_fuzz::records;

fuzz_target!(|data: &[u8]| {
    let mut assembly = FragmentAssembly::new();
    for record in records(data) {
        let Ok(fragment) = Fragment::decode(record) else {
            continue;
        };
        assert_eq!(Fragment::decode(&fragment.encode()), Ok(fragment.clone()));
        if let Ok(Some(instruction)) = assembly.add(fragment) {
            assert_eq!(Instruction::decode(&instruction.encode()), Ok(instruction));
        }
        assert!(assembly.held_fragments() <= MAX_FRAGMENTS);
        assert!(assembly.held_bytes() <= MAX_COMPRESSED_BYTES);
    }
});
