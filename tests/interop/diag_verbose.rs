//! `mosh --verbose`: in a real terminal (tmux), `mosh --verbose --local
//! localhost` prints each start-up step on stderr — the resolved
//! address, the exact command, the server's start-up lines without the
//! session key, the chosen port — and the session then opens and works;
//! also through a real sshd, where the verbose server (`-v` keeps its
//! output open) must not hold the ssh connection and the start-up.

use crate::support::scratch::Scratch;
use crate::support::{bootstrap_session, server, skip, sshd, tmux};

use std::time::Duration;

use crate::support::shell::sh_quote;
use bootstrap_session::{check_session, remote_command, MARKER};
use sshd::Sshd;
use tmux::Tmux;

/// Kills the detached server by pid when dropped.
struct ServerGuard(Option<i32>);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0.filter(|&p| p > 1) {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
    }
}

#[test]
fn verbose_local_session_shows_each_step_and_opens() {
    if skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("diag-verbose");
    let dir = scratch.path();
    let stderr_file = dir.join("stderr");
    let mut words = vec![
        server::our_links().join("mosh").display().to_string(),
        "--verbose".to_string(),
        "--local".to_string(),
        "-4".to_string(),
        "localhost".to_string(),
    ];
    words.extend(remote_command());
    let command = format!(
        "{} 2>{}; echo MOSH-EXIT=$?; sleep 60",
        sh_quote(&words),
        stderr_file.display()
    );
    let env = [("MOSH_SERVER_NETWORK_TMOUT", "20")];
    let term = Tmux::start(80, 24, &command, &env).expect("tmux");
    let opened = term.wait_for(Duration::from_secs(30), |s| s.contains(MARKER));
    let steps = std::fs::read_to_string(&stderr_file).unwrap_or_default();
    let _server = ServerGuard(server::parse_detached_pid(&verbose_payload(&steps)));
    if let Err(screen) = opened {
        panic!("no session:\n{screen}\nstderr:\n{steps}");
    }

    assert!(steps.contains("resolved localhost to 127.0.0.1"), "{steps}");
    let running = steps
        .lines()
        .find(|l| l.contains("running: /bin/sh -c "))
        .unwrap_or_else(|| panic!("no command line in:\n{steps}"));
    assert!(running.contains("-v"), "the server gets -v: {running}");
    assert!(running.contains("-i"), "{running}");
    let port = steps
        .lines()
        .find_map(|l| {
            let rest = l.split("server is at 127.0.0.1, UDP port ").nth(1)?;
            rest.split(';').next()?.parse::<u16>().ok()
        })
        .unwrap_or_else(|| panic!("no chosen port in:\n{steps}"));
    assert!(
        steps.contains(&format!("MOSH CONNECT {port} <session key not shown>")),
        "{steps}"
    );
    assert!(
        server::parse_connect(&verbose_payload(&steps)).is_none_or(|(_, key)| key.starts_with('<')),
        "the session key was printed:\n{steps}"
    );

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

/// The lines after the `[verbose] server says: ` prefix.
fn verbose_payload(steps: &str) -> String {
    steps
        .lines()
        .filter_map(|l| l.split("[verbose] server says: ").nth(1))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn verbose_session_through_sshd_opens_and_ends_cleanly() {
    if skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let mut words = vec![
        server::our_links().join("mosh").display().to_string(),
        "--verbose".to_string(),
        format!("--server={}", server::our_server().display()),
        format!("--ssh={}", sshd.ssh_command()),
        "root@127.0.0.1".to_string(),
    ];
    words.extend(remote_command());
    check_session(&words, &[("MOSH_SERVER_NETWORK_TMOUT", "20")]);
}
