//! The line discipline extension (field 1702 of a host instruction).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mosh_rs_fuzz::check_host_message(&mosh_rs_fuzz::one_field_message(1702, data));
});
