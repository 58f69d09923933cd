//! `mosh` where UDP cannot pass: sshd, our server and our client run in a
//! private network namespace whose nftables drop the client's UDP to
//! mosh's ports (60000–61000; the client runs as root, the remote login
//! is a temporary unprivileged user, whose loopback traffic passes); the
//! machine's own firewall is never touched. There, plain `mosh` (`auto`)
//! and `--transport=ssh` still give a working session over the ssh
//! carrier (`mosh-server relay` on the remote end). Outside it: with a
//! stock `mosh-server` on the remote, `--transport=ssh` says in one line
//! what is needed.
//!
//! Each test re-runs this test binary under `unshare -n` for its inner
//! part, which is `#[ignore]`d so that it never runs outside the
//! namespace (see `support/blocked_netns.rs`).

use crate::support::{blocked_netns, bootstrap_session, server, shell::sh_quote, skip, sshd, tmux};

use std::time::{Duration, Instant};

use crate::support::paths::STOCK_SERVER;
use blocked_netns::{inside, run_inner, Remote};
use bootstrap_session::{check_session, remote_command};
use sshd::{Sshd, TempUser};
use tmux::Tmux;

/// A whole session with `--transport=MODE` inside the namespace (with
/// UDP blocked first when `blocked`); returns the client's `MOSH_LOG`.
fn session_in_namespace(mode: &str, blocked: bool) -> String {
    session_in_namespace_timed(mode, blocked).0
}

/// As [`session_in_namespace`], also giving how long the session took,
/// from the wrapper's start to its clean exit.
fn session_in_namespace_timed(mode: &str, blocked: bool) -> (String, Duration) {
    if blocked {
        blocked_netns::block_udp();
    } else {
        blocked_netns::loopback_up();
    }
    let remote = Remote::start(20);
    let words = remote.mosh_words(mode, &remote.sshd.ssh_command(), &remote_command());
    let log =
        std::env::temp_dir().join(format!("mosh-rs-carrier-{}-{mode}.log", std::process::id()));
    let log_text = log.display().to_string();
    let started = Instant::now();
    check_session(&words, &[("MOSH_LOG", log_text.as_str())]);
    let took = started.elapsed();
    eprintln!("--transport={mode}: a session, a typed line and a clean exit in {took:?}");
    drop(remote);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (text, took)
}

#[test]
fn transport_ssh_works_where_udp_is_blocked() {
    run_inner("carrier_ssh::inner_transport_ssh");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_ssh_works_where_udp_is_blocked"]
fn inner_transport_ssh() {
    if !inside() {
        return;
    }
    let log = session_in_namespace("ssh", true);
    assert!(
        log.contains("carrier: carrying the session over ssh"),
        "{log}"
    );
}

/// The whole session (start, a command typed and answered, exit) may
/// take this long where UDP is blocked: the 4 s of UDP silence `auto`
/// waits, the logins, and the typing.
const DEFAULT_SESSION_LIMIT: Duration = Duration::from_secs(20);

#[test]
fn plain_mosh_falls_back_to_the_carrier_where_udp_is_blocked() {
    run_inner("carrier_ssh::inner_default_transport");
}

#[test]
#[ignore = "runs inside a network namespace, from plain_mosh_falls_back_to_the_carrier_where_udp_is_blocked"]
fn inner_default_transport() {
    if !inside() {
        return;
    }
    let (log, took) = session_in_namespace_timed("", true);
    assert!(
        log.contains("carrier: no reply over UDP; carrying the session over ssh"),
        "{log}"
    );
    assert!(took < DEFAULT_SESSION_LIMIT, "the session took {took:?}");
}

#[test]
fn transport_ssh_with_a_stock_server_says_what_is_needed() {
    if skip::missing(&[STOCK_SERVER]) || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let Some(user) = TempUser::create("/bin/sh") else {
        return;
    };
    sshd.authorize_home(&user.home, user.uid)
        .expect("authorized key");
    let destination = format!("{}@127.0.0.1", user.name);
    let words = [
        server::our_links().join("mosh").display().to_string(),
        "--transport=ssh".to_string(),
        format!("--server={STOCK_SERVER}"),
        format!("--ssh={}", sshd.ssh_command()),
        destination.clone(),
    ];
    let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(&words));
    let term = Tmux::start(200, 24, &command, &[]).expect("tmux");
    let screen = term
        .wait_for(Duration::from_secs(30), |s| s.contains("MOSH-EXIT="))
        .unwrap_or_else(|s| panic!("mosh did not end:\n{s}"));
    let wanted = format!(
        "mosh: --transport=ssh needs mosh-rs's mosh-server on {destination}, which has \
         stock mosh's; `mosh --install-server {destination}` installs it."
    );
    assert!(screen.contains(&wanted), "{screen}");
    assert!(screen.contains("MOSH-EXIT=1"), "{screen}");
    // The stock server it started belongs to the user, who takes it along.
    drop(user);
}

#[test]
fn transport_auto_stays_on_udp_where_udp_passes() {
    run_inner("carrier_ssh::inner_transport_auto_with_udp");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_auto_stays_on_udp_where_udp_passes"]
fn inner_transport_auto_with_udp() {
    if !inside() {
        return;
    }
    let log = session_in_namespace("auto", false);
    assert!(log.contains("started"), "{log}");
    assert!(
        !log.contains("carrier:"),
        "no carrier where UDP passes:\n{log}"
    );
}
