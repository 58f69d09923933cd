//! `mosh-client`: the terminal client (UDP, prediction, display).
//!
//! The pieces of the client landed so far: `settings` (command line and
//! environment), `capabilities`/`terminfo` (the local terminal), the
//! `prediction` engine and the `notification` bar composed by `overlays`,
//! the `escape` key, the local terminal in raw mode (`tty`) and the UDP
//! `sockets` with port hopping. The event loop that ties them together
//! lands with the shared display renderer.

/// Runs the client mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(program: &str, args: Vec<std::ffi::OsString>) -> i32 {
    crate::modes::not_yet(program, args, "the client mode", "issue 5")
}

pub mod capabilities;
pub mod escape;
pub mod notification;
pub mod overlays;
pub mod prediction;
pub mod settings;
pub mod sockets;
pub mod terminfo;
pub mod tty;
