//! How the client may reach its server over ssh: the transport mode, the
//! user's ssh command and destination, the remote relay command, and the
//! ControlMaster to go through. From these it builds the two ssh command
//! lines the client runs: the carrier itself (no terminal, batch mode,
//! since nobody can answer a prompt from inside a session), and the login
//! the user may ask for when ssh needs a password again (in the terminal,
//! leaving a master behind for the carrier).

use std::ffi::OsString;

use super::ssh_master::{PrivateMaster, PERSIST_SECONDS};

/// Which paths a session may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportMode {
    /// UDP, and the carrier when UDP stays silent.
    Auto,
    /// The carrier only.
    Ssh,
}

/// The ControlMaster a carrier goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MasterUse {
    /// None known (ssh may not be OpenSSH): every carrier logs in.
    None,
    /// The user's ssh configuration names a ControlPath: ssh uses it.
    Configured,
    /// The session's own, which the bootstrap's ssh started.
    Private(PrivateMaster),
}

/// Everything needed to open carriers for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CarrierPlan {
    pub mode: TransportMode,
    /// The user's ssh command (`--ssh`, split into words).
    pub ssh: Vec<OsString>,
    /// `user@host` as typed.
    pub destination: OsString,
    /// The remote command line that runs the relay.
    pub relay: OsString,
    pub master: MasterUse,
}

impl CarrierPlan {
    /// The carrier's command: ssh without a terminal, in batch mode,
    /// through the master when there is one, running the relay.
    pub(crate) fn carrier_argv(&self) -> Vec<OsString> {
        let mut argv = self.ssh.clone();
        for word in ["-T", "-o", "BatchMode=yes"] {
            argv.push(word.into());
        }
        if let MasterUse::Private(master) = &self.master {
            argv.extend(master.use_options());
        }
        argv.push(self.destination.clone());
        argv.push("--".into());
        argv.push(self.relay.clone());
        argv
    }

    /// The command that logs in again in the user's terminal and leaves a
    /// master behind (`-f -N`: ssh goes to the background once logged
    /// in); `None` where no ControlPath is known.
    pub(crate) fn login_argv(&self) -> Option<Vec<OsString>> {
        let mut argv = self.ssh.clone();
        match &self.master {
            MasterUse::None => return None,
            MasterUse::Private(master) => argv.extend(master.master_options()),
            MasterUse::Configured => {
                for option in [
                    "ControlMaster=auto".to_string(),
                    format!("ControlPersist={PERSIST_SECONDS}"),
                ] {
                    argv.push("-o".into());
                    argv.push(option.into());
                }
            }
        }
        argv.push("-f".into());
        argv.push("-N".into());
        argv.push(self.destination.clone());
        Some(argv)
    }

    /// Ends the session's own master, if it has one.
    pub(crate) fn stop_master(&self) {
        if let MasterUse::Private(master) = &self.master {
            master.stop(&self.ssh, &self.destination);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(argv: &[OsString]) -> Vec<String> {
        argv.iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect()
    }

    fn plan(master: MasterUse) -> CarrierPlan {
        CarrierPlan {
            mode: TransportMode::Ssh,
            ssh: vec!["ssh".into(), "-p".into(), "2222".into()],
            destination: "me@host".into(),
            relay: "mosh-server 'relay' '-p' '60004'".into(),
            master,
        }
    }

    #[test]
    fn the_carrier_runs_the_relay_in_batch_mode() {
        assert_eq!(
            words(&plan(MasterUse::Configured).carrier_argv()),
            [
                "ssh",
                "-p",
                "2222",
                "-T",
                "-o",
                "BatchMode=yes",
                "me@host",
                "--",
                "mosh-server 'relay' '-p' '60004'"
            ]
        );
        assert_eq!(plan(MasterUse::None).login_argv(), None);
    }

    #[test]
    fn a_private_master_carries_the_carrier_and_the_login() {
        let base = std::env::temp_dir();
        let master = PrivateMaster::create(&base).unwrap();
        let plan = plan(MasterUse::Private(master));
        let carrier = words(&plan.carrier_argv());
        let path = carrier
            .iter()
            .find(|w| w.starts_with("ControlPath="))
            .expect("the carrier goes through the master")
            .clone();
        let login = words(&plan.login_argv().unwrap());
        assert!(login.contains(&path));
        assert!(login.contains(&"ControlMaster=auto".to_string()));
        assert_eq!(login[login.len() - 3..], ["-f", "-N", "me@host"]);
        plan.stop_master();
    }
}
