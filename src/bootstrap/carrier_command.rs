//! The bootstrap's part in the ssh carrier: whether the session may use
//! one, the ControlMaster that spares a password user a second login (the
//! user's own when their ssh configuration names a ControlPath, else one
//! of the session's own that the bootstrap's ssh starts), and the plan
//! handed to the client: the user's ssh and destination, and the remote
//! `mosh-server relay -p PORT` command.

use std::ffi::{OsStr, OsString};

use super::options::{Options, Transport};
use super::remote_command::server_command_line;
use super::ssh_config::SshConfig;
use crate::client::{CarrierPlan, MasterUse, PrivateMaster, TransportMode};

/// The transport mode when a carrier may be used: `None` for UDP only,
/// for `--local`, and for another client program (which cannot carry).
pub(crate) fn carrier_mode(options: &Options, builtin_client: bool) -> Option<TransportMode> {
    if options.local || !builtin_client {
        return None;
    }
    match options.transport {
        Transport::Udp => None,
        Transport::Auto => Some(TransportMode::Auto),
        Transport::Ssh => Some(TransportMode::Ssh),
    }
}

/// The master for a session that may use the carrier: what `ssh -G`
/// said of ControlPath decides (`None`: ssh could not say).
pub(crate) fn choose_master(config: Option<SshConfig>) -> MasterUse {
    match config.map(|c| c.control_path) {
        Some(true) => MasterUse::Configured,
        Some(false) => {
            let env = |name: &str| std::env::var_os(name);
            match PrivateMaster::create(&PrivateMaster::base(&env)) {
                Ok(master) => MasterUse::Private(master),
                Err(_) => MasterUse::None,
            }
        }
        None => MasterUse::None,
    }
}

/// The plan for the built-in client.
pub(crate) fn carrier_plan(
    options: &Options,
    mode: TransportMode,
    master: MasterUse,
    server: &OsStr,
    port: u16,
) -> CarrierPlan {
    let relay = [
        OsString::from("relay"),
        OsString::from("-p"),
        OsString::from(port.to_string()),
    ];
    CarrierPlan {
        mode,
        ssh: options.ssh.clone(),
        destination: options.user_host.clone(),
        relay: server_command_line(server, &relay),
        master,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::options::session_options as options;

    #[test]
    fn the_carrier_runs_the_relay_through_the_users_ssh() {
        let o = options(&["--transport=ssh", "--ssh=ssh -p 2222", "me@host"]);
        let mode = carrier_mode(&o, true).unwrap();
        let plan = carrier_plan(
            &o,
            mode,
            MasterUse::None,
            OsStr::new(".local/bin/mosh-server"),
            60004,
        );
        assert_eq!(plan.mode, TransportMode::Ssh);
        assert_eq!(plan.ssh, ["ssh", "-p", "2222"]);
        assert_eq!(plan.destination, "me@host");
        assert_eq!(plan.relay, ".local/bin/mosh-server 'relay' '-p' '60004'");
    }

    #[test]
    fn udp_local_and_other_clients_have_no_carrier() {
        let udp = options(&["--transport=udp", "host"]);
        assert_eq!(carrier_mode(&udp, true), None);
        let auto_local = options(&["--transport=auto", "--local", "host"]);
        assert_eq!(carrier_mode(&auto_local, true), None);
        let auto = options(&["--transport=auto", "host"]);
        assert_eq!(carrier_mode(&auto, true), Some(TransportMode::Auto));
        assert_eq!(carrier_mode(&auto, false), None);
    }
}
