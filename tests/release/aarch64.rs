//! The aarch64 release binary behaves like the x86_64 one under
//! `qemu-aarch64-static` (the checks are in `emulated.rs`). `make test`
//! builds it and passes it as `$MOSH_RS_AARCH64_BIN`.

use crate::emulated::{self, Arch};

const AARCH64: Arch = Arch {
    name: "aarch64",
    triple: "aarch64-unknown-linux-musl",
    qemu: "qemu-aarch64-static",
    machine: crate::support::release::EM_AARCH64,
    binary: crate::support::release::aarch64_binary,
    make_target: "build-aarch64",
};

#[test]
fn the_aarch64_binary_is_a_static_aarch64_executable() {
    emulated::is_a_static_executable(&AARCH64);
}

#[test]
fn every_mode_answers_version_and_help_like_the_x86_64_build() {
    emulated::every_mode_answers_version_and_help_alike(&AARCH64);
}

#[test]
fn version_first_line_keeps_upstreams_shape_on_aarch64() {
    emulated::version_first_line_keeps_upstreams_shape(&AARCH64);
}

#[test]
fn command_line_mistakes_get_the_same_message_and_status() {
    emulated::command_line_mistakes_are_answered_alike(&AARCH64);
}

#[test]
fn emulate_draws_the_same_screens_as_the_x86_64_build() {
    emulated::emulate_draws_the_same_screens(&AARCH64);
}
