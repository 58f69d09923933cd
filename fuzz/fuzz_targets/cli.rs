//! The command-line parsers of each mode, on NUL-separated words (a word
//! starting with `\x01` is an environment entry `NAME=VALUE` instead):
//! `mosh` (the bootstrap's options and checks, with the environment),
//! `mosh-client` (its arguments) and `mosh-server` (`new`'s options).
//! The first byte picks the mode. Parsers answer with a value, never a
//! panic.
#![no_main]

use std::ffi::OsString;

use libfuzzer_sys::fuzz_target;
use mosh_rs::bootstrap::options;
use mosh_rs::client::settings::parse_args;
use mosh_rs::server::cli::{self, CliContext};
use mosh_rs_fuzz::{command_line, Header};

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let mode = header.byte();
    let (args, env) = command_line(header.rest());
    let lookup = |name: &str| -> Option<OsString> {
        env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    };
    match mode % 3 {
        0 => {
            let _ = options::parse("mosh", &args, &lookup);
        }
        1 => {
            let _ = parse_args(args);
        }
        _ => {
            let mut out = std::io::sink();
            let mut err = std::io::sink();
            let mut ctx = CliContext {
                argv0: "mosh-server",
                ssh_connection: lookup("SSH_CONNECTION").map(|v| v.to_string_lossy().into_owned()),
                out: &mut out,
                err: &mut err,
            };
            let _ = cli::parse(&args, &mut ctx);
        }
    }
});
