//! `TransportBuffers.Instruction`: decodes without panicking, and what
//! decodes re-encodes to bytes that decode to the same instruction.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use mosh_rs::wire::Instruction;
    if let Ok(instruction) = Instruction::decode(data) {
        assert_eq!(Instruction::decode(&instruction.encode()), Ok(instruction));
    }
});
