//! A whole `mosh` session in a real terminal, for bootstrap tests: run a
//! wrapper command line in tmux with a remote command that prints a
//! marker and the server's pid, type a command and see its output, then
//! exit the shell and see the wrapper end with status 0. The server (the
//! session shell's parent) is killed by pid afterwards if it is still
//! there. Needs `support/tmux.rs` included as `mod tmux`.

#![allow(dead_code)]

use std::time::Duration;

use super::shell::sh_quote;
use super::tmux::Tmux;

/// The text the remote command prints first.
pub const MARKER: &str = "remote command: two  words";

/// `-- /bin/sh -c '…'`: prints the marker (a quoted argument with two
/// spaces, to prove quoting) and the server's pid, then runs a shell.
pub fn remote_command() -> Vec<String> {
    [
        "--",
        "/bin/sh",
        "-c",
        "echo \"remote command: two  words\"; echo SERVER-PID=$PPID; exec /bin/sh",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Kills the server by pid when dropped.
struct ServerGuard(Option<i32>);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0.filter(|&p| p > 1) {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
    }
}

/// Runs `words` (a wrapper command line ending in `remote_command()`)
/// in an 80x24 tmux and checks a full session; panics with the screen
/// when a step fails.
pub fn check_session(words: &[String], env: &[(&str, &str)]) {
    let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(words));
    let term = Tmux::start(80, 24, &command, env).expect("tmux");
    let started = |s: &str| s.contains(MARKER) && prompt_after_pid(s);
    let screen = match term.wait_for(Duration::from_secs(30), started) {
        Ok(screen) => screen,
        Err(screen) => panic!("no session:\n{screen}"),
    };
    let _guard = ServerGuard(server_pid(&screen));
    term.type_text("echo typed-$((6*7))");
    term.send_keys(&["Enter"]);
    if let Err(screen) = term.wait_for_text("typed-42", Duration::from_secs(20)) {
        panic!("typing did not work:\n{screen}");
    }
    term.type_text("exit");
    term.send_keys(&["Enter"]);
    if let Err(screen) = term.wait_for_text("MOSH-EXIT=0", Duration::from_secs(20)) {
        panic!("session did not end cleanly:\n{screen}");
    }
}

/// Whether the shell's prompt follows the pid line (so the line is whole).
fn prompt_after_pid(screen: &str) -> bool {
    let mut lines = screen.lines().skip_while(|l| !l.starts_with("SERVER-PID="));
    lines.next().is_some() && lines.next().is_some_and(|l| !l.trim().is_empty())
}

fn server_pid(screen: &str) -> Option<i32> {
    screen
        .lines()
        .find_map(|l| l.trim().strip_prefix("SERVER-PID=")?.parse().ok())
}
