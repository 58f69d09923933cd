//! What the user's own ssh configuration says of the destination, read
//! from `ssh -G` (OpenSSH's resolved configuration, with the words of
//! `--ssh` applied): whether it names a ControlPath (the session then
//! shares the user's master), and whether the host is reached through a
//! ProxyJump or ProxyCommand (the fake ProxyCommand that reports the
//! server's address would replace it, and ssh could not reach the host).

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};

use super::options::{Options, RemoteIp};

/// The parts of the resolved configuration the bootstrap acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SshConfig {
    /// A ControlPath other than `none`.
    pub control_path: bool,
    /// A ProxyJump or ProxyCommand other than `none`.
    pub proxied: bool,
}

impl SshConfig {
    /// Asks `ssh -G` about `destination`; `None` when ssh cannot say
    /// (not OpenSSH, too old, or a bad configuration).
    pub(crate) fn resolve(ssh: &[OsString], destination: &OsStr) -> Option<SshConfig> {
        let (program, args) = ssh.split_first()?;
        let output = Command::new(program)
            .args(args)
            .arg("-G")
            .arg(destination)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        SshConfig::parse(&String::from_utf8_lossy(&output.stdout))
    }

    /// The options with `--experimental-remote-ip=remote` when the host
    /// is reached through a proxy and the user chose no mode: the remote
    /// then says its own address and ssh keeps the user's proxy. `None`
    /// when nothing changes.
    pub(crate) fn keeping_the_proxy(&self, options: &Options) -> Option<Options> {
        let replaces_proxy = options.remote_ip == RemoteIp::Proxy && options.remote_ip_is_default;
        (self.proxied && replaces_proxy).then(|| Options {
            remote_ip: RemoteIp::Remote,
            ..options.clone()
        })
    }

    /// Reads `ssh -G` output; `None` when it does not look like it (every
    /// OpenSSH that has `-G` prints a `controlmaster` line).
    fn parse(text: &str) -> Option<SshConfig> {
        let mut config = SshConfig {
            control_path: false,
            proxied: false,
        };
        let mut looks_right = false;
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let (Some(key), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            let set = value != "none";
            match key {
                "controlpath" => config.control_path = set,
                "proxyjump" | "proxycommand" => config.proxied |= set,
                "controlmaster" => looks_right = true,
                _ => {}
            }
        }
        looks_right.then_some(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::options::session_options as options;

    const PLAIN: &str = "user me\nhostname host\nport 22\ncontrolmaster false\n\
                         controlpersist no\nproxyusefdpass no\n";

    #[test]
    fn a_plain_configuration_has_neither() {
        let config = SshConfig::parse(PLAIN).unwrap();
        assert!(!config.control_path && !config.proxied);
    }

    #[test]
    fn a_control_path_is_seen_unless_it_is_none() {
        let with = format!("{PLAIN}controlpath ~/.ssh/cm-%C\n");
        assert!(SshConfig::parse(&with).unwrap().control_path);
        let none = format!("{PLAIN}controlpath none\n");
        assert!(!SshConfig::parse(&none).unwrap().control_path);
    }

    #[test]
    fn a_jump_host_or_proxy_command_is_seen_unless_it_is_none() {
        let jump = format!("{PLAIN}proxyjump me@gateway:22\n");
        assert!(SshConfig::parse(&jump).unwrap().proxied);
        let command = format!("{PLAIN}proxycommand nc -X 5 -x socks %h %p\n");
        assert!(SshConfig::parse(&command).unwrap().proxied);
        let none = format!("{PLAIN}proxycommand none\n");
        assert!(!SshConfig::parse(&none).unwrap().proxied);
    }

    #[test]
    fn other_output_is_not_taken_for_a_configuration() {
        assert_eq!(SshConfig::parse("usage: ssh [-46AaCf...]\n"), None);
        assert_eq!(SshConfig::parse(""), None);
    }

    #[test]
    fn a_proxied_host_keeps_its_proxy_unless_the_user_chose_a_mode() {
        let proxied = SshConfig {
            control_path: false,
            proxied: true,
        };
        let default = options(&["node042"]);
        let kept = proxied.keeping_the_proxy(&default).unwrap();
        assert_eq!(kept.remote_ip, RemoteIp::Remote);
        let chosen = options(&["--experimental-remote-ip=proxy", "node042"]);
        assert_eq!(proxied.keeping_the_proxy(&chosen), None);
        let direct = SshConfig {
            proxied: false,
            ..proxied
        };
        assert_eq!(direct.keeping_the_proxy(&default), None);
    }
}
