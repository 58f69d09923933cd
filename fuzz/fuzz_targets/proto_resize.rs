//! `ResizeMessage`, the body of field 3 in both a user and a host message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let message = mosh_rs_fuzz::one_field_message(3, data);
    mosh_rs_fuzz::check_user_message(&message);
    mosh_rs_fuzz::check_host_message(&message);
});
