//! A session's own ssh ControlMaster, so that a user who logs in with a
//! password or a one-time code types it once per `mosh host`: the
//! bootstrap's ssh becomes the master (and stays a while after the
//! server has started), and every carrier ssh goes through it without
//! asking again while it lives. When the user's ssh configuration already
//! names a ControlPath, theirs is used and none of this is made.
//!
//! The socket lives in a directory of its own, readable by the user only,
//! which the client removes (after asking the master to exit) when the
//! session ends. A client killed outright leaves the master to end by
//! itself after [`PERSIST_SECONDS`] without carriers.

use std::ffi::OsString;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How long the master stays without any carrier using it (s): long
/// enough for `auto` to give up on UDP and for a carrier to be reopened.
pub(crate) const PERSIST_SECONDS: u32 = 60;
/// ssh checks a quiet connection this often (s), and gives it up after
/// [`ALIVE_COUNT`] unanswered checks, so a master left on a network that
/// has gone does not hold carriers forever.
const ALIVE_INTERVAL_SECONDS: u32 = 5;
const ALIVE_COUNT: u32 = 3;

/// The master's private socket directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrivateMaster {
    dir: PathBuf,
}

impl PrivateMaster {
    /// Makes the directory under `base` (the user's runtime directory, or
    /// the temporary one) with a name no other session has.
    pub(crate) fn create(base: &Path) -> io::Result<PrivateMaster> {
        for _ in 0..8 {
            let mut suffix = [0u8; 6];
            getrandom::fill(&mut suffix).map_err(|e| io::Error::other(e.to_string()))?;
            let name: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
            let dir = base.join(format!("mosh-rs-ssh.{name}"));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(PrivateMaster { dir }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "no free name for the ssh master's directory",
        ))
    }

    /// Where such directories go: `$XDG_RUNTIME_DIR`, else `$TMPDIR`, else
    /// `/tmp`; only directories whose path ssh can take as it is (no
    /// spaces, no `%`) and short enough for a socket address.
    pub(crate) fn base(env: &dyn Fn(&str) -> Option<OsString>) -> PathBuf {
        ["XDG_RUNTIME_DIR", "TMPDIR"]
            .iter()
            .filter_map(|name| env(name))
            .map(PathBuf::from)
            .find(|p| p.is_absolute() && p.is_dir() && fits_ssh(p))
            .unwrap_or_else(|| PathBuf::from("/tmp"))
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("master")
    }

    /// A file in the private directory for the bootstrap's ProxyCommand
    /// to leave the server's address in (ssh silences its standard error
    /// under ControlPersist).
    pub(crate) fn address_file(&self) -> PathBuf {
        self.dir.join("address")
    }

    fn control_path(&self) -> OsString {
        let mut option = OsString::from("ControlPath=");
        option.push(self.socket());
        option
    }

    /// Options that make the bootstrap's ssh the master.
    pub(crate) fn master_options(&self) -> Vec<OsString> {
        let mut words = self.use_options();
        for option in [
            "ControlMaster=auto".to_string(),
            format!("ControlPersist={PERSIST_SECONDS}"),
            format!("ServerAliveInterval={ALIVE_INTERVAL_SECONDS}"),
            format!("ServerAliveCountMax={ALIVE_COUNT}"),
        ] {
            words.push("-o".into());
            words.push(option.into());
        }
        words
    }

    /// Options that send a carrier through the master when it lives (and
    /// straight to the host when it does not).
    pub(crate) fn use_options(&self) -> Vec<OsString> {
        vec!["-o".into(), self.control_path()]
    }

    /// Asks the master to exit (`ssh -O exit`) and removes the directory.
    /// `ssh` is the user's ssh command, `destination` the host.
    pub(crate) fn stop(&self, ssh: &[OsString], destination: &OsString) {
        if self.socket().exists() {
            if let Some((program, args)) = ssh.split_first() {
                let _ = Command::new(program)
                    .args(args)
                    .args(self.use_options())
                    .args(["-O", "exit"])
                    .arg(destination)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let _ = std::fs::remove_file(self.socket());
        let _ = std::fs::remove_file(self.address_file());
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Whether ssh can use a socket in `dir` as it is named: no characters it
/// would expand or split on, and room for the name within the 104 bytes
/// the smallest socket addresses allow.
fn fits_ssh(dir: &Path) -> bool {
    let text = dir.to_string_lossy();
    !text.contains(|c: char| c.is_whitespace() || c == '%' || c == '"') && text.len() < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_private_and_removed_at_the_end() {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir();
        let master = PrivateMaster::create(&base).unwrap();
        let mode = std::fs::metadata(&master.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let other = PrivateMaster::create(&base).unwrap();
        assert_ne!(master, other);
        let words: Vec<String> = master
            .master_options()
            .iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            words[1],
            format!("ControlPath={}/master", master.dir.display())
        );
        assert!(words.contains(&"ControlMaster=auto".to_string()));
        master.stop(&[], &OsString::from("host"));
        other.stop(&[], &OsString::from("host"));
        assert!(!master.dir.exists() && !other.dir.exists());
    }

    #[test]
    fn the_base_is_a_usable_directory() {
        let tmp = std::env::temp_dir();
        let env = |name: &str| match name {
            "XDG_RUNTIME_DIR" => Some(OsString::from("/nonexistent/run")),
            "TMPDIR" => Some(tmp.clone().into_os_string()),
            _ => None,
        };
        assert_eq!(PrivateMaster::base(&env), tmp);
        let spaced = |_: &str| Some(OsString::from("/tmp/with space"));
        assert_eq!(PrivateMaster::base(&spaced), PathBuf::from("/tmp"));
        assert_eq!(PrivateMaster::base(&|_| None), PathBuf::from("/tmp"));
    }
}
