//! Bench 3, the ssh carrier against UDP, our client and server on both
//! ends, at 100 ms each way: the bandwidth bench's scripted session
//! (typing, the `top` stand-in, a flood, idle) once over UDP through the
//! datagram relay and once over the carrier (`mosh --transport=ssh`, UDP
//! blocked) through the TCP relay in front of sshd, counting the bytes
//! each relay delivered (for the carrier: everything ssh sent, the
//! bootstrap's login included); then Ctrl-C in a flood on each path,
//! the time until the prompt is back.
//!
//! The carrier needs root, sshd, `unshare` and nftables: the bench
//! re-runs itself in a private network namespace (see
//! `tests/support/blocked_netns.rs`) and prints SKIPPED without them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bandwidth::{run_flood, run_top, type_plan, typing_plan, TOP_SHARE, TYPING_SHARE};
use crate::harness::{sleep_until, start_session, Pairing, Scripts, Side, WAIT};
use crate::link::{Impairment, LinkConfig};
use crate::report::ratio;
use crate::support::blocked_netns::{self, Remote, WrapperSession};
use crate::support::tcp_link::{TcpLink, TcpLinkConfig};
use crate::tmux::Tmux;

/// Set in the re-run inside the namespace.
const INSIDE: &str = "MOSH_RS_BENCH_CARRIER_INSIDE";

const ONE_WAY_MS: u64 = 100;

/// Our pair with scrollback, as `mosh --transport=ssh` negotiates it.
const OURS: Pairing = Pairing {
    client: Side::Ours,
    server: Side::Ours,
    scrollback: true,
};

/// Whether this process is the re-run inside the namespace.
pub(crate) fn inside() -> bool {
    std::env::var_os(INSIDE).is_some()
}

/// Re-runs this bench in a new network namespace for the carrier's
/// rows (its output goes straight to ours).
pub(crate) fn run() {
    let tools = [
        "/usr/bin/unshare",
        "/usr/sbin/nft",
        "/usr/sbin/ip",
        "/usr/sbin/sshd",
        "/usr/sbin/useradd",
    ];
    if let Some(absent) = tools.iter().find(|t| !Path::new(t).exists()) {
        println!("carrier bench SKIPPED: {absent} is missing (scripts/test-deps.sh)");
        return;
    }
    if mosh_rs::sys::process::current_uid() != 0 {
        println!("carrier bench SKIPPED: network namespaces, nftables and sshd need root");
        return;
    }
    let exe = std::env::current_exe().expect("bench binary");
    let status = Command::new("unshare")
        .arg("-n")
        .arg("--")
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(INSIDE, "1")
        .status();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        println!("carrier bench failed: {status:?}");
    }
}

/// What one path cost.
struct PathRun {
    up: u64,
    down: u64,
    ctrl_c: Result<Duration, String>,
}

/// Inside the namespace: both paths, then the table.
pub(crate) fn run_inside(links: &Path, scripts: &Scripts, length: Duration) {
    blocked_netns::loopback_up();
    println!(
        "carrier: the scripted {} s session and Ctrl-C in a flood, our client and server, \
         {ONE_WAY_MS} ms each way, over UDP and over the ssh carrier",
        length.as_secs()
    );
    let udp = udp_path(links, scripts, length);
    blocked_netns::block_udp();
    let carrier = carrier_path(scripts, length);
    println!();
    println!("| path                  | up bytes | down bytes | total bytes | total/UDP | Ctrl-C to prompt |");
    println!("| --------------------- | -------: | ---------: | ----------: | --------: | ---------------: |");
    let reference = udp.as_ref().ok().map(|r| r.up + r.down);
    for (name, run) in [("UDP", &udp), ("ssh carrier (TCP)", &carrier)] {
        match run {
            Ok(r) => println!(
                "| {name:<21} | {:>8} | {:>10} | {:>11} | {:>9} | {:>16} |",
                r.up,
                r.down,
                r.up + r.down,
                ratio(r.up + r.down, reference),
                match &r.ctrl_c {
                    Ok(d) => format!("{} ms", d.as_millis()),
                    Err(e) => format!("failed: {}", e.lines().next().unwrap_or_default()),
                }
            ),
            Err(e) => println!(
                "| {name:<21} | failed: {}",
                e.lines().next().unwrap_or_default()
            ),
        }
    }
    println!("  (the carrier's bytes include ssh's login and its own framing and encryption)");
}

/// Runs the scripted session's phases in `t`; returns when it is over.
fn scripted(t: &Tmux, scripts: &Scripts, length: Duration) -> Result<(), String> {
    let start = Instant::now();
    let typing_end = start + length.mul_f64(TYPING_SHARE);
    let top_end = typing_end + length.mul_f64(TOP_SHARE);
    let end = start + length;
    type_plan(t, &typing_plan(typing_end - start));
    sleep_until(typing_end);
    run_top(t, scripts, top_end - Instant::now());
    sleep_until(top_end);
    run_flood(t, end)?;
    sleep_until(end);
    Ok(())
}

fn udp_path(links: &Path, scripts: &Scripts, length: Duration) -> Result<PathRun, String> {
    let link = LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_MS),
        down: Impairment::delay_ms(ONE_WAY_MS),
        ..LinkConfig::default()
    };
    let shell = blocked_netns::remote_script("");
    let session = start_session(OURS, links, &shell, link, None)?;
    let t = &session.tmux;
    t.wait_for_text(blocked_netns::PROMPT.trim_end(), WAIT)
        .map_err(|s| format!("no prompt:\n{s}"))?;
    scripted(t, scripts, length)?;
    let stats = session.relay.stats();
    let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
    let (up, down) = (load(&stats.to_server_bytes), load(&stats.to_client_bytes));
    let ctrl_c = blocked_netns::ctrl_c_in_a_flood(t, WAIT);
    Ok(PathRun { up, down, ctrl_c })
}

fn carrier_path(scripts: &Scripts, length: Duration) -> Result<PathRun, String> {
    let remote = Remote::start(120);
    let sshd = ([127, 0, 0, 1], remote.sshd.port()).into();
    let link =
        TcpLink::start(sshd, TcpLinkConfig::delay_ms(ONE_WAY_MS)).map_err(|e| e.to_string())?;
    let ssh = remote.sshd.ssh_command_via(link.port());
    let words = remote.mosh_words("ssh", &ssh, &blocked_netns::remote_shell(""));
    let session = WrapperSession::start(&words, &[], Duration::from_secs(60));
    scripted(&session.tmux, scripts, length)?;
    let (up, down) = (link.up_bytes(), link.down_bytes());
    let ctrl_c = blocked_netns::ctrl_c_in_a_flood(&session.tmux, WAIT);
    Ok(PathRun { up, down, ctrl_c })
}
