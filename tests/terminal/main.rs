//! The terminal tests, one binary: the emulator against tmux on the
//! stream corpus (`terminal_diff`), hostile output (`terminal_robustness`)
//! and the renderer's round trips (`terminal_roundtrip`).

#[path = "../support/mod.rs"]
mod support;
#[path = "../terminal_streams/mod.rs"]
mod terminal_streams;

mod terminal_diff;
mod terminal_robustness;
mod terminal_roundtrip;
