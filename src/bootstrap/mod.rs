//! `mosh`: the bootstrap that starts a server over ssh (or locally) and
//! hands over to the client.

/// Runs the bootstrap mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(program: &str, args: Vec<std::ffi::OsString>) -> i32 {
    crate::modes::not_yet(program, args, "the mosh bootstrap", "issue 6")
}
