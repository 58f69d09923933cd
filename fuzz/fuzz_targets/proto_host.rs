//! `HostBuffers.HostMessage` (host bytes, resize, echo ack, history, line
//! discipline): decodes without panicking; what decodes re-encodes stably.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mosh_rs_fuzz::check_host_message(data);
});
