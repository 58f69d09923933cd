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
//! namespace.

use crate::support::{bootstrap_session, peers, server, skip, sshd};

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use bootstrap_session::{check_session, remote_command};
use peers::LoggedServer;
use sshd::{Sshd, TempUser};

/// Set in the inner run, inside the namespace.
const INSIDE: &str = "MOSH_RS_INSIDE_BLOCKED_NETNS";

/// Runs the inner test `name` in a new network namespace (which it may
/// firewall); fails with its output unless it passed.
fn run_in_blocked_namespace(name: &str) {
    if skip::missing(&["/usr/bin/unshare", "/usr/sbin/nft", "/usr/sbin/ip"]) || skip::missing_tmux()
    {
        return;
    }
    if mosh_rs::sys::process::current_uid() != 0 {
        skip::skip("network namespaces and nftables need root");
        return;
    }
    let this_test = std::env::current_exe().expect("test binary");
    let out = Command::new("unshare")
        .arg("-n")
        .arg("--")
        .arg(this_test)
        .arg(format!("carrier_ssh::{name}"))
        .args(["--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("unshare runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "inner test {name} failed:\n{text}"
    );
}

/// Inside the namespace: loopback up, and root's UDP to mosh's ports
/// dropped.
fn block_udp() {
    let steps: [&[&str]; 4] = [
        &["ip", "link", "set", "lo", "up"],
        &["nft", "add", "table", "inet", "mosh_rs_test"],
        &[
            "nft",
            "add",
            "chain",
            "inet",
            "mosh_rs_test",
            "out",
            "{ type filter hook output priority 0; }",
        ],
        &[
            "nft",
            "add",
            "rule",
            "inet",
            "mosh_rs_test",
            "out",
            "meta",
            "skuid",
            "0",
            "udp",
            "dport",
            "60000-61000",
            "drop",
        ],
    ];
    for step in steps {
        let status = Command::new(step[0]).args(&step[1..]).status().unwrap();
        assert!(status.success(), "{step:?}");
    }
    assert!(!udp_reaches(60500), "UDP to mosh's ports must be blocked");
    assert!(udp_reaches(40500), "other UDP still passes");
}

/// Whether a datagram to 127.0.0.1:`port` arrives.
fn udp_reaches(port: u16) -> bool {
    let Ok(receiver) = UdpSocket::bind(("127.0.0.1", port)) else {
        return false;
    };
    receiver
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let _ = sender.send_to(b"probe", ("127.0.0.1", port));
    let mut buf = [0u8; 16];
    receiver.recv_from(&mut buf).is_ok()
}

/// A whole session with `--transport=MODE` inside the namespace (with
/// UDP blocked first when `blocked`); returns the client's `MOSH_LOG`.
fn session_in_namespace(mode: &str, blocked: bool) -> String {
    if blocked {
        block_udp();
    } else {
        let status = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let sshd = Sshd::start().expect("sshd");
    let user = TempUser::create("/bin/sh").expect("a temporary user");
    sshd.authorize_home(&user.home, user.uid)
        .expect("authorized key");
    let server = LoggedServer::new(&server::our_server());
    let mut words = vec![
        server::our_links().join("mosh").display().to_string(),
        format!("--transport={mode}"),
        format!("--server={}", server.command()),
        format!("--ssh={}", sshd.ssh_command()),
        format!("{}@127.0.0.1", user.name),
    ];
    words.extend(remote_command());
    let log =
        std::env::temp_dir().join(format!("mosh-rs-carrier-{}-{mode}.log", std::process::id()));
    let log_text = log.display().to_string();
    let started = Instant::now();
    check_session(&words, &[("MOSH_LOG", log_text.as_str())]);
    eprintln!(
        "--transport={mode}: a session, a typed line and a clean exit in {:?}",
        started.elapsed()
    );
    drop(user);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    text
}

#[test]
fn transport_ssh_works_where_udp_is_blocked() {
    run_in_blocked_namespace("inner_transport_ssh");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_ssh_works_where_udp_is_blocked"]
fn inner_transport_ssh() {
    if std::env::var_os(INSIDE).is_none() {
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
    run_in_blocked_namespace("inner_transport_auto");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_auto_falls_back_to_the_carrier_where_udp_is_blocked"]
fn inner_transport_auto() {
    if std::env::var_os(INSIDE).is_none() {
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
    run_in_blocked_namespace("inner_transport_auto_with_udp");
}

#[test]
#[ignore = "runs inside a network namespace, from transport_auto_stays_on_udp_where_udp_passes"]
fn inner_transport_auto_with_udp() {
    if std::env::var_os(INSIDE).is_none() {
        return;
    }
    let log = session_in_namespace("auto", false);
    assert!(log.contains("started"), "{log}");
    assert!(
        !log.contains("carrier:"),
        "no carrier where UDP passes:\n{log}"
    );
}
