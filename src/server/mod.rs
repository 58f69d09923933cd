//! `mosh-server`: the server (pty, terminal emulator, UDP, daemonizing).

/// Runs the server mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(program: &str, args: Vec<std::ffi::OsString>) -> i32 {
    crate::modes::not_yet(program, args, "the server mode", "issue 4")
}
