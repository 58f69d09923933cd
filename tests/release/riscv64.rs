//! The riscv64 release binary behaves like the x86_64 one under
//! `qemu-riscv64-static` (the checks are in `emulated.rs`). `make test`
//! builds it and passes it as `$MOSH_RS_RISCV64_BIN`.

use crate::emulated::{self, Arch};

const RISCV64: Arch = Arch {
    name: "riscv64",
    triple: "riscv64gc-unknown-linux-musl",
    qemu: "qemu-riscv64-static",
    machine: crate::support::release::EM_RISCV,
    binary: crate::support::release::riscv64_binary,
    make_target: "build-riscv64",
};

#[test]
fn the_riscv64_binary_is_a_static_riscv_executable() {
    emulated::is_a_static_executable(&RISCV64);
}

#[test]
fn every_mode_answers_version_and_help_like_the_x86_64_build_on_riscv64() {
    emulated::every_mode_answers_version_and_help_alike(&RISCV64);
}

#[test]
fn version_first_line_keeps_upstreams_shape_on_riscv64() {
    emulated::version_first_line_keeps_upstreams_shape(&RISCV64);
}

#[test]
fn command_line_mistakes_get_the_same_message_and_status_on_riscv64() {
    emulated::command_line_mistakes_are_answered_alike(&RISCV64);
}

#[test]
fn emulate_draws_the_same_screens_as_the_x86_64_build_on_riscv64() {
    emulated::emulate_draws_the_same_screens(&RISCV64);
}
