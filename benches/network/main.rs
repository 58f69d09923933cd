//! Network benchmarks, `cargo bench --bench network` (part of `make bench`):
//! what mosh-rs puts on the wire and holds in memory, against upstream
//! mosh in every pairing (our client + our server, the same with
//! scrollback, stock client + our server, our client + stock server, and
//! stock + stock, the reference).
//!
//! 1. Bandwidth. The same scripted session runs through a user-space
//!    relay with 20 ms each way and no loss: a shell where a few lines
//!    are typed at a human pace (seeded jitter), then a stand-in for `top` redrawing the
//!    whole 80x24 screen once a second, then one flood (`seq 1 200000`),
//!    then idle until the session's time is up ([`SESSION_SECONDS`], or
//!    `MOSH_RS_BENCH_SECONDS`). The relay counts the datagrams and bytes
//!    it delivers each way; the tables give them per pairing, per phase,
//!    and as ratios to the stock pairing, then each of our programs
//!    against the stock one with the same peer. Byte counts vary by a few
//!    per cent between runs (random chaff in every datagram, and how many
//!    frames the flood's catch-up takes depends on scheduling).
//! 2. Soak. All four pairings at once, each running seeded random output
//!    (with a key typed every second) through a relay that loses 15% each
//!    way, reorders and duplicates a little, for [`SOAK_SECONDS`] (or
//!    `MOSH_RS_SOAK_SECONDS`). Every few seconds: the resident set size of
//!    each client and server, and for our programs the held-state counts
//!    (our client's `SIGUSR1` status line and our server's `SIGUSR2` line
//!    in `MOSH_LOG`). For a stock program only its RSS is known. The
//!    table gives the first, middle and last samples and the maximum,
//!    and whether each stayed flat (see [`flat`]).
//!
//! 3. The ssh carrier (`carrier.rs`): the bandwidth session's script and
//!    Ctrl-C in a flood, our pair at 100 ms each way, over UDP and over
//!    `mosh --transport=ssh` where UDP is blocked: bytes on the wire each
//!    way (TCP bytes through a relay in front of sshd for the carrier)
//!    and the time until the prompt is back. Needs root, sshd and
//!    `unshare` (it re-runs the bench in a network namespace); SKIPPED
//!    otherwise.
//!
//! With scrollback, the tables add what it costs per phase against our
//! pair without it, and the soak shows the server's RSS as its history
//! fills.
//!
//! A full run takes about 10 minutes: 5 x 60 s sessions one after the
//! other (so they do not compete for the CPU), then the 120 s soak, then
//! the carrier's two 60 s sessions.
//!
//! Nothing is asserted; missing tools print SKIPPED. The shell scripts
//! the sessions run are in `benches/scripts/`.

mod bandwidth;
mod carrier;
mod harness;
mod report;
mod soak;

#[path = "../../tests/support/mod.rs"]
mod support;
use support::{link, server, tmux};

use std::path::Path;

use harness::{Scripts, STOCK_CLIENT, STOCK_SERVER};

fn main() {
    let missing: Vec<&str> = [STOCK_SERVER, STOCK_CLIENT]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    let tools_ok = ["tmux", "awk"].iter().all(|tool| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !missing.is_empty() || !tools_ok {
        println!(
            "network bench SKIPPED: needs upstream mosh, tmux and awk (scripts/test-deps.sh); missing {missing:?}"
        );
        return;
    }
    let scripts = match Scripts::write() {
        Ok(s) => s,
        Err(e) => {
            println!("network bench SKIPPED: cannot write its scripts: {e}");
            return;
        }
    };
    let links = server::our_links();
    if carrier::inside() {
        let seconds = harness::seconds_from(
            bandwidth::SESSION_SECONDS_VARIABLE,
            bandwidth::SESSION_SECONDS,
        );
        carrier::run_inside(&links, &scripts, std::time::Duration::from_secs(seconds));
        return;
    }
    bandwidth::run(&links, &scripts);
    soak::run(&links, &scripts);
    carrier::run();
}
