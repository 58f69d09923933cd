//! What upstream's wrapper puts in the environment of every program it
//! starts (ssh, a `--local` server, an external client, the colour count):
//! the bootstrap's pid, `-o` as `MOSH_PREDICTION_OVERWRITE`, and no
//! `MOSH_PREDICTION_DISPLAY` (only the client gets the prediction mode,
//! and only from `client_handoff`). Applied to each command, so this
//! process's own environment is never changed.

use std::process::Command;

/// The environment changes made for every child program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChildEnvironment {
    /// `-o`: predictions overwrite instead of inserting.
    predict_overwrite: bool,
    /// `MOSH_CLIENT_PID`: this process.
    client_pid: u32,
}

impl ChildEnvironment {
    /// The changes for this process, with `-o` as given.
    pub(crate) fn new(predict_overwrite: bool) -> ChildEnvironment {
        ChildEnvironment {
            predict_overwrite,
            client_pid: std::process::id(),
        }
    }

    /// Makes the changes in `command`'s environment.
    pub(crate) fn apply(&self, command: &mut Command) {
        command.env_remove("MOSH_PREDICTION_DISPLAY");
        if self.predict_overwrite {
            command.env("MOSH_PREDICTION_OVERWRITE", "yes");
        }
        command.env("MOSH_CLIENT_PID", self.client_pid.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_child_gets_the_pid_and_overwrite_but_not_the_display_mode() {
        let mut command = Command::new("true");
        ChildEnvironment::new(true).apply(&mut command);
        let envs: Vec<_> = command.get_envs().collect();
        assert!(envs.contains(&("MOSH_PREDICTION_DISPLAY".as_ref(), None)));
        assert!(envs.contains(&("MOSH_PREDICTION_OVERWRITE".as_ref(), Some("yes".as_ref()))));
        let pid = std::process::id().to_string();
        assert!(envs.contains(&("MOSH_CLIENT_PID".as_ref(), Some(pid.as_ref()))));
        let mut plain = Command::new("true");
        ChildEnvironment::new(false).apply(&mut plain);
        assert!(!plain
            .get_envs()
            .any(|(name, _)| name == "MOSH_PREDICTION_OVERWRITE"));
    }
}
