//! `mosh-server`: the server (pty, terminal emulator, UDP, daemonizing).
//!
//! `main` parses the command line (`cli`), `startup` checks the command
//! and locale, binds the socket (`ports`), prints `MOSH CONNECT`, detaches
//! and starts the program on a pty; `session` is the event loop that
//! connects the pty, the terminal emulator and the transport.

pub(crate) mod attach_cmd;
pub mod cli;
pub(crate) mod control;
pub(crate) mod environment;
pub(crate) mod kill_cmd;
pub(crate) mod list_cmd;
pub(crate) mod ports;
pub(crate) mod registry;
pub(crate) mod relay_cmd;
pub(crate) mod scrollback_setting;
pub(crate) mod session;
pub(crate) mod startup;
pub(crate) mod timeouts;

use std::ffi::OsString;
use std::path::Path;

/// Runs the server mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(_program: &str, args: Vec<OsString>) -> i32 {
    let core_dump_limit = crate::sys::process::disable_core_dumps().ok();
    // The key stays out of core dumps and out of reach of the user's other
    // processes; the session's program, once exec'd, is dumpable again.
    let _ = crate::sys::process::forbid_inspection();
    if let Some(status) = run_session_command(&args) {
        return status;
    }
    let argv0 = invoked_name();
    let parsed = {
        let mut out = std::io::stdout();
        let mut err = std::io::stderr();
        let mut ctx = cli::CliContext {
            argv0: &argv0,
            ssh_connection: std::env::var("SSH_CONNECTION").ok(),
            out: &mut out,
            err: &mut err,
        };
        cli::parse(&args, &mut ctx)
    };
    match parsed {
        cli::Parsed::Exit(status) => status,
        cli::Parsed::Run(opts) => startup::run(opts, core_dump_limit),
    }
}

/// Runs `attach`, `list`, `kill` or `relay` if the first word names one.
fn run_session_command(args: &[OsString]) -> Option<i32> {
    let (first, rest) = args.split_first()?;
    if first == "relay" {
        return Some(relay_cmd::run(rest, &mut std::io::stderr()));
    }
    let run = match first.to_str()? {
        "attach" => attach_cmd::run,
        "list" => list_cmd::run,
        "kill" => kill_cmd::run,
        _ => return None,
    };
    Some(run(rest, &mut std::io::stdout(), &mut std::io::stderr()))
}

/// The name messages use: argv[0] as typed when it names `mosh-server`
/// (as upstream prints it), else plain `mosh-server`.
fn invoked_name() -> String {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let is_server = Path::new(&argv0)
        .file_name()
        .is_some_and(|n| n == "mosh-server");
    if is_server {
        argv0.to_string_lossy().into_owned()
    } else {
        "mosh-server".to_string()
    }
}
