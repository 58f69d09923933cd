//! `mosh` where UDP cannot pass: sshd, our server and our client run in a
//! private network namespace whose nftables drop the client's UDP to
//! mosh's ports (60000–61000; the client runs as root, the remote login
//! is a temporary unprivileged user, whose loopback traffic passes); the
//! machine's own firewall is never touched. There,
//! `--transport=ssh` and `--transport=auto` still give a working session
//! over the ssh carrier (`mosh-server relay` on the remote end).
//!
//! Each test re-runs this test binary under `unshare -n` for its inner
//! part, which is `#[ignore]`d so that it never runs outside the
//! namespace (see `support/blocked_netns.rs`).

use crate::support::{blocked_netns, bootstrap_session};

use std::time::Instant;

use blocked_netns::{inside, run_inner, Remote};
use bootstrap_session::{check_session, remote_command};

/// A whole session with `--transport=MODE` inside the namespace (with
/// UDP blocked first when `blocked`); returns the client's `MOSH_LOG`.
fn session_in_namespace(mode: &str, blocked: bool) -> String {
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
    eprintln!(
        "--transport={mode}: a session, a typed line and a clean exit in {:?}",
        started.elapsed()
    );
    drop(remote);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    text
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

#[test]
fn transport_auto_falls_back_to_the_carrier_where_udp_is_blocked() {
    run_inner("carrier_ssh::inner_transport_auto");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_auto_falls_back_to_the_carrier_where_udp_is_blocked"]
fn inner_transport_auto() {
    if !inside() {
        return;
    }
    let log = session_in_namespace("auto", true);
    assert!(
        log.contains("carrier: no reply over UDP; carrying the session over ssh"),
        "{log}"
    );
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
