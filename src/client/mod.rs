//! `mosh-client`: the terminal client (UDP, prediction, display).

/// Runs the client mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(program: &str, args: Vec<std::ffi::OsString>) -> i32 {
    crate::modes::not_yet(program, args, "the client mode", "issue 5")
}

pub mod capabilities;
pub mod settings;
pub mod terminfo;
