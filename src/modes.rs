//! Mode selection for the multi-call binary: which mode a program name or
//! subcommand picks, and the shared answers every mode gives.

use std::ffi::OsString;
use std::path::Path;

/// What the binary was asked to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `mosh`: ssh bootstrap, then the client.
    Bootstrap,
    /// `mosh-client`: the terminal client.
    Client,
    /// `mosh-server`: the server.
    Server,
}

impl Mode {
    /// The mode a program file name selects (`mosh`, `mosh-client`,
    /// `mosh-server`), if any.
    pub fn from_program_name(argv0: &OsString) -> Option<Mode> {
        let name = Path::new(argv0).file_name()?.to_str()?;
        match name {
            "mosh" => Some(Mode::Bootstrap),
            "mosh-client" => Some(Mode::Client),
            "mosh-server" => Some(Mode::Server),
            _ => None,
        }
    }

    /// The mode a `mosh-rs` subcommand selects, if any.
    pub fn from_subcommand(word: &str) -> Option<Mode> {
        match word {
            "mosh" | "bootstrap" => Some(Mode::Bootstrap),
            "client" | "mosh-client" => Some(Mode::Client),
            "server" | "mosh-server" => Some(Mode::Server),
            _ => None,
        }
    }

    /// The upstream program name of this mode, used in messages.
    pub(crate) fn program_name(self) -> &'static str {
        match self {
            Mode::Bootstrap => "mosh",
            Mode::Client => "mosh-client",
            Mode::Server => "mosh-server",
        }
    }

    /// Runs this mode and returns the exit status.
    pub fn run(self, args: Vec<OsString>) -> i32 {
        let program = self.program_name();
        match self {
            Mode::Bootstrap => crate::bootstrap::main(program, args),
            Mode::Client => crate::client::main(program, args),
            Mode::Server => crate::server::main(program, args),
        }
    }
}
