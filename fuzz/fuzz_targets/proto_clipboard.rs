//! The clipboard extension (field 1706 of a host instruction, mosh-rs peers).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mosh_rs_fuzz::check_host_message(&mosh_rs_fuzz::one_field_message(1706, data));
});
