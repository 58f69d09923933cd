//! Thin safe wrappers over libc: the only place in mosh-rs with `unsafe`.
//!
//! Every `unsafe` block here states the invariant it relies on; callers
//! outside this module never see raw pointers or file descriptors they must
//! close by hand. `unsafe_code` is denied everywhere else in the crate.

#![allow(unsafe_code)]

pub mod fd;
pub(crate) mod host_name;
pub(crate) mod line_discipline;
pub(crate) mod passwd;
pub(crate) mod peer_cred;
pub mod process;
pub(crate) mod process_info;
pub mod pty;
pub(crate) mod signals;
pub mod socket;
pub mod spawn;
pub(crate) mod termios;

/// Turns a libc return value of -1 into the current `errno` as an error.
fn check(ret: libc::c_int) -> std::io::Result<libc::c_int> {
    if ret == -1 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Adds what was being attempted to an OS error, keeping its kind.
fn context(err: std::io::Error, what: &str) -> std::io::Error {
    std::io::Error::new(err.kind(), format!("{what}: {err}"))
}
