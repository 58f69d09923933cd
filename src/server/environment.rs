//! The session's program and environment: the login shell (or the given
//! command), the home directory, the message of the day, and the
//! variables the program sees (`TERM`, `NCURSES_NO_UTF8_ACS`, no `STY`,
//! none of mosh's own).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::locale::Environment;
use crate::sys::passwd::UserEntry;

/// Variables of mosh itself that must not leak into the session: the key,
/// our log file, and the client's own settings. The server's timeout
/// variables stay, as with stock mosh: scripts and nested servers read them.
const MOSH_OWN_VARIABLES: [&str; 5] = [
    "MOSH_KEY",
    "MOSH_LOG",
    "MOSH_PREDICTION_DISPLAY",
    "MOSH_NO_TERM_INIT",
    "MOSH_ESCAPE_KEY",
];

/// The program to run in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCommand {
    /// Path or name to execute.
    pub program: OsString,
    /// Its argument vector (argv[0] is `-NAME` for a login shell).
    pub argv: Vec<OsString>,
    /// Whether this is the user's login shell (then the motd is shown).
    pub login_shell: bool,
}

/// The command to run: `command` if given, else the login shell from
/// `$SHELL` or the password database (`/bin/sh` if empty), started as a
/// login shell (argv[0] prefixed with `-`).
pub fn session_command(
    command: Option<Vec<OsString>>,
    env: &Environment,
    user: impl FnOnce() -> std::io::Result<UserEntry>,
) -> std::io::Result<SessionCommand> {
    if let Some(argv) = command.filter(|argv| !argv.is_empty()) {
        return Ok(SessionCommand {
            program: argv[0].clone(),
            argv,
            login_shell: false,
        });
    }
    let mut shell = match env.get("SHELL") {
        Some(shell) => shell.to_owned(),
        None => user()?.shell,
    };
    if shell.is_empty() {
        shell = OsString::from("/bin/sh");
    }
    let name = shell
        .as_bytes()
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or_default();
    let mut argv0 = OsString::from("-");
    argv0.push(OsStr::from_bytes(name));
    Ok(SessionCommand {
        program: shell,
        argv: vec![argv0],
        login_shell: true,
    })
}

/// The directory the session starts in: `$HOME`, else the password
/// database's home.
pub fn home_directory(
    env: &Environment,
    user: impl FnOnce() -> std::io::Result<UserEntry>,
) -> Option<OsString> {
    match env.get("HOME") {
        Some(home) => Some(home.to_owned()),
        None => user().ok().map(|u| u.home),
    }
}

/// The environment the session's program gets.
pub fn session_environment(mut env: Environment, colors: i64, home: Option<&OsStr>) -> Environment {
    let term = if colors >= 256 {
        "xterm-256color"
    } else {
        "xterm"
    };
    env.set("TERM", term);
    env.set("NCURSES_NO_UTF8_ACS", "1");
    env.remove("STY");
    for name in MOSH_OWN_VARIABLES {
        env.remove(name);
    }
    if let Some(home) = home {
        env.set("PWD", home);
    }
    env
}

/// The message of the day a login session shows, unless `~/.hushlogin`
/// exists: the dynamic motd (as Ubuntu's PAM writes it), then `/etc/motd`.
pub fn message_of_the_day(home: Option<&OsStr>) -> Vec<u8> {
    if let Some(home) = home {
        if Path::new(home)
            .join(".hushlogin")
            .symlink_metadata()
            .is_ok()
        {
            return Vec::new();
        }
    }
    let mut motd = std::fs::read("/run/motd.dynamic")
        .or_else(|_| std::fs::read("/var/run/motd.dynamic"))
        .unwrap_or_default();
    motd.extend(std::fs::read("/etc/motd").unwrap_or_default());
    motd.truncate(64 * 1024);
    motd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(shell: &str) -> impl FnOnce() -> std::io::Result<UserEntry> + '_ {
        move || {
            Ok(UserEntry {
                name: "u".into(),
                home: "/home/u".into(),
                shell: shell.into(),
            })
        }
    }

    #[test]
    fn login_shell_comes_from_shell_variable_then_passwd() {
        let env = Environment::from_pairs([("SHELL", "/usr/bin/zsh")]);
        let c = session_command(None, &env, user("/bin/bash")).unwrap();
        assert_eq!(c.program, "/usr/bin/zsh");
        assert_eq!(c.argv, vec![OsString::from("-zsh")]);
        assert!(c.login_shell);
        let c = session_command(None, &Environment::default(), user("/bin/bash")).unwrap();
        assert_eq!(c.argv, vec![OsString::from("-bash")]);
        let c = session_command(None, &Environment::default(), user("")).unwrap();
        assert_eq!(
            (c.program.as_os_str(), c.argv[0].as_os_str()),
            (OsStr::new("/bin/sh"), OsStr::new("-sh"))
        );
        let c = session_command(
            None,
            &Environment::from_pairs([("SHELL", "fish")]),
            user(""),
        )
        .unwrap();
        assert_eq!(c.argv[0], "-fish");
    }

    #[test]
    fn an_explicit_command_runs_as_given() {
        let argv = vec![OsString::from("vim"), OsString::from("x")];
        let c = session_command(Some(argv.clone()), &Environment::default(), user("")).unwrap();
        assert_eq!(
            c,
            SessionCommand {
                program: "vim".into(),
                argv,
                login_shell: false
            }
        );
    }

    #[test]
    fn session_environment_sets_term_and_drops_mosh_variables() {
        let env = Environment::from_pairs([
            ("STY", "1.pts"),
            ("MOSH_KEY", "secret"),
            ("MOSH_PREDICTION_DISPLAY", "always"),
            ("MOSH_SERVER_NETWORK_TMOUT", "5"),
            ("MOSH_SERVER_SIGNAL_TMOUT", "7"),
            ("KEEP", "yes"),
            ("TERM", "dumb"),
        ]);
        let out = session_environment(env.clone(), 256, Some(OsStr::new("/h")));
        assert_eq!(out.get("TERM"), Some(OsStr::new("xterm-256color")));
        assert_eq!(out.get("NCURSES_NO_UTF8_ACS"), Some(OsStr::new("1")));
        assert_eq!(out.get("PWD"), Some(OsStr::new("/h")));
        assert_eq!(out.get("KEEP"), Some(OsStr::new("yes")));
        assert_eq!(out.get("MOSH_SERVER_NETWORK_TMOUT"), Some(OsStr::new("5")));
        assert_eq!(out.get("MOSH_SERVER_SIGNAL_TMOUT"), Some(OsStr::new("7")));
        for gone in ["STY", "MOSH_KEY", "MOSH_PREDICTION_DISPLAY"] {
            assert_eq!(out.get(gone), None, "{gone}");
        }
        assert_eq!(
            session_environment(env, 8, None).get("TERM"),
            Some(OsStr::new("xterm"))
        );
    }

    #[test]
    fn assignments_need_a_name_and_an_equals_sign() {
        let mut env = Environment::default();
        env.assign(OsStr::new("LANG=en_US.UTF-8"));
        env.assign(OsStr::new("JUNK"));
        env.assign(OsStr::new("=x"));
        env.assign(OsStr::new("A=b=c"));
        assert_eq!(env.get("LANG"), Some(OsStr::new("en_US.UTF-8")));
        assert_eq!(env.get("A"), Some(OsStr::new("b=c")));
        assert_eq!(env.pairs().len(), 2);
    }

    #[test]
    fn hushlogin_silences_the_motd() {
        let dir = std::env::temp_dir().join(format!("mosh-rs-hush-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".hushlogin"), b"").unwrap();
        assert!(message_of_the_day(Some(dir.as_os_str())).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
