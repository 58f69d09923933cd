//! The long soak (`make soak MOSH_RS_SOAK_HOURS=1`): in every pairing,
//! a session runs for a quarter of the given time through a link that
//! loses 10% each way, while the client hops ports every few seconds and
//! moves to another address twice a minute, and the user starts one
//! flood after another (40 000 lines each, waiting for each to end on
//! screen). The server's and the client's resident memory (RSS) are
//! read after the first flood (once buffers and the scrollback are full)
//! and at the end; both are reported, and the test fails if either grew
//! by more than [`ALLOWED_GROWTH_KB`] plus a quarter of its first value.
//!
//! These tests are `#[ignore]`d: they run only through `make soak` with
//! `MOSH_RS_SOAK_HOURS` set (a fraction such as 0.02 gives a short run).

use crate::support::link::{Impairment, LinkConfig, Scripted};
use crate::support::relayed_session::{Pairing, RelayedSession};
use crate::support::{paths, skip};

use std::net::IpAddr;
use std::time::{Duration, Instant};

/// RSS growth always allowed on top of a quarter of the first reading.
const ALLOWED_GROWTH_KB: u64 = 16 * 1024;
/// Lines in one flood.
const FLOOD_LINES: u32 = 40_000;
/// How long one flood may take to show its end through the lossy link.
const FLOOD_DEADLINE: Duration = Duration::from_secs(120);

/// Prints a flood for each line typed, then `done-LINE`.
fn flooder() -> String {
    format!("while IFS= read -r l; do seq 1 {FLOOD_LINES}; echo \"done-$l\"; done")
}

/// Each pairing's share of `MOSH_RS_SOAK_HOURS`; `None` when unset.
fn share_of_the_soak() -> Option<Duration> {
    let hours: f64 = std::env::var("MOSH_RS_SOAK_HOURS").ok()?.parse().ok()?;
    (hours > 0.0).then(|| Duration::from_secs_f64(hours * 3600.0 / 4.0))
}

/// The resident set size of `pid` in kB, from `/proc/PID/status`.
fn rss_kb(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("process {pid} is gone: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS for {pid}"))
}

/// 10% loss each way at 80 ms round trip, a new client port every 4 s and
/// a new client address every 30 s, for `length` and a minute more.
fn roaming_lossy_link(length: Duration) -> LinkConfig {
    let lossy = Impairment {
        delay: Duration::from_millis(40),
        loss: 0.1,
        ..Impairment::default()
    };
    let mut script = vec![Scripted::HopPorts {
        start: Duration::from_secs(4),
        every: Duration::from_secs(4),
    }];
    let addresses = [
        [127, 0, 0, 3],
        [127, 0, 0, 4],
        [127, 0, 0, 5],
        [127, 0, 0, 2],
    ];
    let moves = length.as_secs() / 30;
    for (n, ip) in (1..=moves).zip(addresses.iter().cycle()) {
        script.push(Scripted::SwitchSource {
            at: Duration::from_secs(n * 30),
            ip: IpAddr::from(*ip),
        });
    }
    LinkConfig {
        up: lossy.clone(),
        down: lossy,
        script,
        seed: 61,
        max_lifetime: length + Duration::from_secs(60),
        ..LinkConfig::default()
    }
}

/// Types `word` and waits for its flood to end on screen.
fn flood(session: &RelayedSession, word: &str) {
    session.tmux.type_text(word);
    session.tmux.send_keys(&["Enter"]);
    session.expect_text(&format!("done-{word}"), FLOOD_DEADLINE);
}

fn memory_stays_flat(pairing: Pairing) {
    let Some(length) = share_of_the_soak() else {
        skip::skip("set MOSH_RS_SOAK_HOURS (make soak MOSH_RS_SOAK_HOURS=1)");
        return;
    };
    if skip::missing(&[paths::STOCK_CLIENT, paths::STOCK_SERVER]) || skip::missing_tmux() {
        return;
    }
    let session = RelayedSession::start(pairing, roaming_lossy_link(length), &flooder(), &[], &[]);
    let started = Instant::now();
    flood(&session, "warm");
    let (server, client) = (session.server.pid, session.client_pid());
    let first = (rss_kb(server), rss_kb(client));
    let mut floods = 1;
    while started.elapsed() < length {
        floods += 1;
        flood(&session, &format!("f{floods:05}"));
    }
    let last = (rss_kb(server), rss_kb(client));
    println!(
        "soak {pairing:?}: {floods} floods of {FLOOD_LINES} lines in {:.0} s; \
         server RSS {} kB first, {} kB last; client RSS {} kB first, {} kB last",
        started.elapsed().as_secs_f64(),
        first.0,
        last.0,
        first.1,
        last.1
    );
    for (who, first, last) in [("server", first.0, last.0), ("client", first.1, last.1)] {
        let bound = first + first / 4 + ALLOWED_GROWTH_KB;
        assert!(
            last <= bound,
            "{pairing:?}: the {who}'s RSS grew from {first} kB to {last} kB (bound {bound} kB)"
        );
    }
}

#[test]
#[ignore = "an hour long: make soak MOSH_RS_SOAK_HOURS=1"]
fn ours() {
    memory_stays_flat(Pairing::Ours);
}

#[test]
#[ignore = "an hour long: make soak MOSH_RS_SOAK_HOURS=1"]
fn stock_client_our_server() {
    memory_stays_flat(Pairing::StockClientOurServer);
}

#[test]
#[ignore = "an hour long: make soak MOSH_RS_SOAK_HOURS=1"]
fn our_client_stock_server() {
    memory_stays_flat(Pairing::OurClientStockServer);
}

#[test]
#[ignore = "an hour long: make soak MOSH_RS_SOAK_HOURS=1"]
fn stock_reference() {
    memory_stays_flat(Pairing::Stock);
}
