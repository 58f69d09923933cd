//! Inputs the fuzz targets in `fuzz/` found (kept in `fuzz/regressions/`,
//! which `scripts/fuzz.sh` replays too), each run through the code path
//! its target drives, with what the target asserts.

use mosh_rs::wire::protobuf::write_bytes_field;
use mosh_rs::wire::{decode_host_message, encode_host_message, HostEvent};

/// The line discipline's program name is at most 64 bytes
/// (`MAX_PROGRAM_NAME` in `wire/line_discipline.rs`).
const MAX_PROGRAM_NAME: usize = 64;

/// A host message of one instruction whose field `field` holds `body`
/// (`one_field_message` in `fuzz/src/lib.rs`).
fn one_field_message(field: u32, body: &[u8]) -> Vec<u8> {
    let mut inner = Vec::new();
    write_bytes_field(&mut inner, field, body);
    let mut message = Vec::new();
    write_bytes_field(&mut message, 1, &inner);
    message
}

/// proto_line_discipline: a name of 64 bytes with invalid UTF-8 in it
/// became longer than 64 bytes once the invalid bytes were replaced, so
/// the bound did not hold and the name changed when sent on again.
#[test]
fn a_program_name_with_invalid_utf8_stays_within_its_bound() {
    let crash = include_bytes!(
        "../../fuzz/regressions/proto_line_discipline/program-name-longer-once-decoded"
    );
    let events = decode_host_message(&one_field_message(1702, crash)).expect("decodes");
    let [HostEvent::Discipline(discipline)] = events.as_slice() else {
        panic!("one line discipline expected, got {events:?}");
    };
    assert!(
        discipline.program.len() <= MAX_PROGRAM_NAME,
        "{} bytes: {:?}",
        discipline.program.len(),
        discipline.program
    );
    let again = decode_host_message(&encode_host_message(&events)).expect("decodes again");
    assert_eq!(again, events, "the name changed when sent on");
}
