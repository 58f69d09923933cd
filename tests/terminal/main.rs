//! The terminal tests, one binary: the emulator against tmux on the
//! stream corpus (`terminal_diff`), hostile output (`terminal_robustness`),
//! the renderer's round trips (`terminal_roundtrip`) and the inputs the
//! render fuzz target found (`fuzz_regressions`).

#[path = "../support/mod.rs"]
mod support;
#[path = "../terminal_streams/mod.rs"]
mod terminal_streams;

mod fuzz_regressions;
mod terminal_diff;
mod terminal_robustness;
mod terminal_roundtrip;
