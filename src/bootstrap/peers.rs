//! Which client and server programs a session uses: this binary's own
//! client unless `--client` names another program, and this binary's
//! server with `--local`, otherwise upstream's default (`mosh-server` on
//! the remote's PATH).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::shell_words;

/// The client to hand over to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// This binary's client mode, run in this process.
    Builtin,
    /// Another program, run by exec.
    External(OsString),
}

/// The client for `--client` (`None`: not given).
pub(crate) fn choose_client(given: Option<&OsStr>) -> Client {
    match given {
        None => Client::Builtin,
        Some(program) if names_this_binary(program) => Client::Builtin,
        Some(program) => Client::External(program.to_owned()),
    }
}

/// The server command for a session: `--server` if given; otherwise
/// this binary's server mode when the server runs here (`--local`), and
/// `mosh-server` from the remote PATH over ssh, as upstream.
pub fn server_command(given: Option<&OsStr>, local: bool) -> OsString {
    if let Some(command) = given {
        return command.to_owned();
    }
    match this_binary() {
        Some(exe) if local => {
            let mut command = shell_words::quote(&[exe.as_os_str()]);
            command.push(" server");
            command
        }
        _ => OsString::from("mosh-server"),
    }
}

/// The path of this running binary.
pub(crate) fn this_binary() -> Option<PathBuf> {
    std::env::current_exe().ok()
}

/// Whether `program` (a path, or a name looked up in PATH) is this binary.
fn names_this_binary(program: &OsStr) -> bool {
    let Some(me) = this_binary().and_then(|p| p.canonicalize().ok()) else {
        return false;
    };
    let candidates = if program.as_bytes().contains(&b'/') {
        vec![PathBuf::from(program)]
    } else {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .collect()
    };
    candidates
        .iter()
        .find(|p| is_executable_file(p))
        .and_then(|p| p.canonicalize().ok())
        .is_some_and(|p| p == me)
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_client_is_the_default_and_an_explicit_one_is_run_unless_it_is_this_binary() {
        assert_eq!(choose_client(None), Client::Builtin);
        assert_eq!(
            choose_client(Some(OsStr::new("/usr/bin/mosh-client"))),
            Client::External("/usr/bin/mosh-client".into())
        );
        let me = this_binary().unwrap();
        assert_eq!(choose_client(Some(me.as_os_str())), Client::Builtin);
    }

    #[test]
    fn the_server_is_given_or_defaults() {
        assert_eq!(server_command(Some(OsStr::new("~/s")), true), "~/s");
        assert_eq!(server_command(None, false), "mosh-server");
        let local = server_command(None, true);
        let me = this_binary().unwrap();
        assert_eq!(
            local.to_str().unwrap(),
            format!("'{}' server", me.display())
        );
    }
}
