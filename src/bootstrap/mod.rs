//! `mosh`: the bootstrap. It reads upstream's `mosh` command line, starts
//! the server over ssh (or here with `--local`, or after copying this
//! binary over with `--install-server`), follows the server's startup
//! lines, and hands over to the client: our own in this process, with the
//! session key and settings as a value; any other `--client` by exec,
//! with them in its environment. `--fake-proxy` is the ProxyCommand it
//! gives ssh.
//!
//! Files: `options` (+ `getopt`, `shell_words`) read the command line;
//! `remote_command` builds the server, remote and ssh command lines;
//! `session` runs the starter and follows its output (`child_output`,
//! `handshake`, `install`); `local` is `--local`; `fake_proxy` the
//! ProxyCommand; `peers` picks the client and server programs;
//! `client_handoff` becomes the client; `child_environment` is what
//! every program started gets in its environment; `resolve` handles `--family`;
//! `verbose` narrates the start-up steps for `--verbose`.

pub(crate) mod carrier_command;
pub(crate) mod child_environment;
pub(crate) mod child_output;
pub(crate) mod client_handoff;
pub(crate) mod fake_proxy;
pub(crate) mod getopt;
/// Public for the fuzz targets in `fuzz/`; only `session` uses it here.
pub mod handshake;
pub(crate) mod install;
pub(crate) mod local;
pub(crate) mod notice;
pub mod options;
pub(crate) mod peers;
pub(crate) mod remote_command;
pub(crate) mod resolve;
pub(crate) mod session;
pub(crate) mod shell_words;
pub(crate) mod ssh_config;
pub(crate) mod verbose;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use options::Request;

/// Runs the bootstrap mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(_program: &str, args: Vec<OsString>) -> i32 {
    let program = invoked_name();
    let env = |name: &str| std::env::var_os(name);
    match options::parse(&program, &args, &env) {
        Request::Finish(finish) => {
            let _ = std::io::stdout().write_all(finish.stdout.as_bytes());
            let _ = std::io::stderr().write_all(finish.stderr.as_bytes());
            finish.status
        }
        Request::FakeProxy(target) => fake_proxy::run(&program, &target),
        Request::Connect(options) => session::run(&program, &options),
    }
}

/// The name messages start with: argv[0] as typed when it names `mosh`
/// (as upstream prints its `$0`), else plain `mosh`.
fn invoked_name() -> String {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let is_mosh = Path::new(&argv0).file_name().is_some_and(|n| n == "mosh");
    if is_mosh {
        argv0.to_string_lossy().into_owned()
    } else {
        "mosh".to_string()
    }
}
