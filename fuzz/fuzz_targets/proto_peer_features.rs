//! The peer features extension (field 1701 of a user instruction).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mosh_rs_fuzz::check_user_message(&mosh_rs_fuzz::one_field_message(1701, data));
});
