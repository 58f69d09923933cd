//! The display renderer's round trip (`render(a → b)` fed to an emulator
//! holding `a` gives `b`, for random screens): see
//! `src/render_round_trip.rs`, shared with the regression tests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mosh_rs_fuzz::render_round_trip::check(data);
});
