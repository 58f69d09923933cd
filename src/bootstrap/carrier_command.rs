//! The command that opens the ssh carrier: the user's own ssh (so
//! `~/.ssh/config`, `ProxyJump`, `ProxyCommand` and ControlMaster all
//! apply), without a terminal and in batch mode (the client cannot
//! answer a password prompt from inside a session), running
//! `mosh-server relay PORT` on the remote.

use std::ffi::{OsStr, OsString};

use super::options::{Options, Transport};
use super::remote_command::server_command_line;
use crate::client::{CarrierPlan, TransportMode};

/// The carrier plan for the built-in client, or `None` for UDP only.
pub(crate) fn carrier_plan(options: &Options, server: &OsStr, port: u16) -> Option<CarrierPlan> {
    let mode = match options.transport {
        Transport::Udp => return None,
        Transport::Auto => TransportMode::Auto,
        Transport::Ssh => TransportMode::Ssh,
    };
    if options.local {
        return None;
    }
    Some(CarrierPlan {
        mode,
        command: carrier_argv(options, server, port),
    })
}

fn carrier_argv(options: &Options, server: &OsStr, port: u16) -> Vec<OsString> {
    let mut argv = options.ssh.clone();
    for word in ["-T", "-o", "BatchMode=yes"] {
        argv.push(word.into());
    }
    argv.push(options.user_host.clone());
    argv.push("--".into());
    let relay = [OsString::from("relay"), OsString::from(port.to_string())];
    argv.push(server_command_line(server, &relay));
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::options::{parse, Request};

    fn options(args: &[&str]) -> Options {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse("mosh", &args, &|_| None) {
            Request::Connect(options) => *options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_carrier_runs_the_relay_through_the_users_ssh() {
        let o = options(&["--transport=ssh", "--ssh=ssh -p 2222", "me@host"]);
        let plan = carrier_plan(&o, OsStr::new(".local/bin/mosh-server"), 60004).unwrap();
        assert_eq!(plan.mode, TransportMode::Ssh);
        let words: Vec<String> = plan
            .command
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            words,
            [
                "ssh",
                "-p",
                "2222",
                "-T",
                "-o",
                "BatchMode=yes",
                "me@host",
                "--",
                ".local/bin/mosh-server 'relay' '60004'"
            ]
        );
    }

    #[test]
    fn udp_and_local_sessions_have_no_carrier() {
        let udp = options(&["host"]);
        assert_eq!(carrier_plan(&udp, OsStr::new("mosh-server"), 1), None);
        let auto_local = options(&["--transport=auto", "--local", "host"]);
        assert_eq!(
            carrier_plan(&auto_local, OsStr::new("mosh-server"), 1),
            None
        );
        let auto = options(&["--transport=auto", "host"]);
        assert_eq!(
            carrier_plan(&auto, OsStr::new("mosh-server"), 1).map(|p| p.mode),
            Some(TransportMode::Auto)
        );
    }
}
