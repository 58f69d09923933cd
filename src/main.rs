//! Entry point of the multi-call binary: picks bootstrap, client or server
//! from argv[0]'s file name, else from the first argument. Nothing else.

use std::ffi::OsString;
use std::process::ExitCode;

use mosh_rs::modes::Mode;

const USAGE: &str = "\
Usage: mosh-rs <command> [args...]

Commands:
  mosh [options] [user@]host [-- command...]   connect (the `mosh` wrapper)
  client [-# ARGS] HOST_IP PORT                the terminal client (`mosh-client`)
  server new [options] [-- command...]         the server (`mosh-server`)
  emulate [--cols N] [--rows N] [--ansi]       show what a byte stream on stdin draws

Installed as `mosh`, `mosh-client` or `mosh-server` (links to this file),
it acts as that program directly.

Options:
  --version   print the version and exit
  --help      print this help and exit
";

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = if args.is_empty() {
        OsString::from("mosh-rs")
    } else {
        args.remove(0)
    };
    ExitCode::from(exit_byte(dispatch(&argv0, args)))
}

fn dispatch(argv0: &OsString, mut args: Vec<OsString>) -> i32 {
    if let Some(mode) = Mode::from_program_name(argv0) {
        return mode.run(args);
    }
    let Some(first) = args.first().and_then(|a| a.to_str()).map(str::to_owned) else {
        eprint!("{USAGE}");
        return 1;
    };
    if let Some(mode) = Mode::from_subcommand(&first) {
        args.remove(0);
        return mode.run(args);
    }
    match first.as_str() {
        "emulate" => mosh_rs::terminal::emulate_cmd::main(args.split_off(1)),
        "--version" | "-V" | "version" => {
            print!("{}", mosh_rs::version::version_text("mosh-rs"));
            0
        }
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            0
        }
        other => {
            eprintln!("mosh-rs: unknown command '{other}'");
            eprint!("{USAGE}");
            1
        }
    }
}

fn exit_byte(status: i32) -> u8 {
    u8::try_from(status).unwrap_or(1)
}
