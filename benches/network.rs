//! Network benchmarks, `cargo bench --bench network` (part of `make bench`):
//! what mosh-rs puts on the wire and holds in memory, against upstream
//! mosh in every pairing (our client + our server, stock client + our
//! server, our client + stock server, and stock + stock, the reference).
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
//! A full run takes about 6.5 minutes: 4 x 60 s sessions one after the
//! other (so they do not compete for the CPU), then the 120 s soak.
//!
//! Nothing is asserted; missing tools print SKIPPED. The shell scripts
//! the sessions run are in `benches/scripts/`.

#[path = "../tests/support/link.rs"]
mod link;
#[path = "../tests/support/server.rs"]
mod server;
#[path = "../tests/support/tmux.rs"]
mod tmux;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use link::{Impairment, Link, LinkConfig, LinkStats};
use server::DetachedServer;
use tmux::Tmux;

const STOCK_SERVER: &str = "/usr/bin/mosh-server";
const STOCK_CLIENT: &str = "/usr/bin/mosh-client";
/// Length of the scripted bandwidth session.
const SESSION_SECONDS: u64 = 60;
const SESSION_SECONDS_VARIABLE: &str = "MOSH_RS_BENCH_SECONDS";
/// Length of the soak.
const SOAK_SECONDS: u64 = 120;
const SOAK_SECONDS_VARIABLE: &str = "MOSH_RS_SOAK_SECONDS";
/// Soak samples taken (plus the one at the start).
const SOAK_SAMPLES: u64 = 30;
/// The first share of the soak is warm-up (buffers filling, caches).
const WARM_UP_SHARE: f64 = 0.2;
/// A figure "stays flat" if it grows by no more than this factor.
const GROWTH_LIMIT: f64 = 1.2;
const ONE_WAY_DELAY_MS: u64 = 20;
const PROMPT: &str = "ready$ ";
const COLS: u16 = 80;
const ROWS: u16 = 24;
/// Mean time between typed keys, and how far each gap strays from it
/// (seeded, the same in every pairing: an even beat would line up with
/// the ack timer and measure that coincidence instead).
const KEY_GAP_MS: u64 = 150;
const KEY_GAP_JITTER_MS: u64 = 50;
/// Pause after each typed line (a person reading).
const PAUSE_AFTER_LINE: Duration = Duration::from_millis(900);
/// Shares of the session: typing, then the `top` stand-in; the flood and
/// idle time get the rest.
const TYPING_SHARE: f64 = 0.3;
const TOP_SHARE: f64 = 0.45;
const FLOOD_LINES: u64 = 200_000;
/// The flood's end marker, as the shell prints it (typed as arithmetic,
/// so the command line itself never shows it).
const FLOOD_MARKER: &str = "FLOOD42DONE";
const WAIT: Duration = Duration::from_secs(30);
/// Typed in this order, as many as fit (short ones first, so a shortened
/// run still types something).
const TYPED_LINES: &[&str] = &[
    "pwd",
    "echo the quick brown fox jumps over the lazy dog",
    "ls /",
    "echo pack my box with five dozen liquor jugs",
    "uname -s",
    "echo sphinx of black quartz judge my vow",
];
const TOP_SCRIPT: &str = include_str!("scripts/top.sh");
const SOAK_SCRIPT: &str = include_str!("scripts/soak.sh");

// ----- pairings -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Ours,
    Stock,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Ours => "mosh-rs",
            Side::Stock => "stock",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Pairing {
    client: Side,
    server: Side,
}

/// Every pairing; the last is the reference.
const PAIRINGS: [Pairing; 4] = [
    Pairing {
        client: Side::Ours,
        server: Side::Ours,
    },
    Pairing {
        client: Side::Stock,
        server: Side::Ours,
    },
    Pairing {
        client: Side::Ours,
        server: Side::Stock,
    },
    Pairing {
        client: Side::Stock,
        server: Side::Stock,
    },
];

impl Pairing {
    fn name(self) -> String {
        format!(
            "{} client, {} server",
            self.client.name(),
            self.server.name()
        )
    }

    fn client_program(self, links: &Path) -> PathBuf {
        match self.client {
            Side::Ours => links.join("mosh-client"),
            Side::Stock => PathBuf::from(STOCK_CLIENT),
        }
    }

    fn server_program(self, links: &Path) -> PathBuf {
        match self.server {
            Side::Ours => links.join("mosh-server"),
            Side::Stock => PathBuf::from(STOCK_SERVER),
        }
    }
}

// ----- a session through the relay -----

/// A client in tmux, the relay, the server; dropped in that order.
struct Session {
    tmux: Tmux,
    relay: Link,
    server: DetachedServer,
    client_log: Option<PathBuf>,
    server_log: Option<PathBuf>,
}

/// Starts `shell` (run by `sh -c`) under the pairing's server, a relay
/// with `link` in front of it and the pairing's client in tmux. With
/// `log_dir`, our programs log to files there.
fn start_session(
    pairing: Pairing,
    links: &Path,
    shell: &str,
    link: LinkConfig,
    log_dir: Option<&Path>,
) -> Result<Session, String> {
    let log_for = |side: Side, name: &str| {
        log_dir
            .filter(|_| side == Side::Ours)
            .map(|dir| dir.join(name))
    };
    let client_log = log_for(pairing.client, "client.log");
    let server_log = log_for(pairing.server, "server.log");
    let server_log_text = server_log
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let mut env = vec![("LANG", "C.UTF-8"), ("MOSH_SERVER_NETWORK_TMOUT", "120")];
    if let Some(path) = &server_log_text {
        env.push(("MOSH_LOG", path));
    }
    let server = server::start_detached(
        &pairing.server_program(links),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", shell],
        &env,
    )
    .map_err(|e| e.to_string())?;
    let relay =
        Link::start(([127, 0, 0, 1], server.port).into(), link).map_err(|e| e.to_string())?;
    let log_prefix = client_log
        .as_ref()
        .map(|p| format!("MOSH_LOG={} ", quote(&p.to_string_lossy())))
        .unwrap_or_default();
    let command = format!(
        "{log_prefix}MOSH_KEY={} exec {} 127.0.0.1 {}",
        server.key,
        quote(&pairing.client_program(links).to_string_lossy()),
        relay.client_facing_addr().port()
    );
    let tmux = Tmux::start(COLS, ROWS, &command, &[]).map_err(|e| e.to_string())?;
    Ok(Session {
        tmux,
        relay,
        server,
        client_log,
        server_log,
    })
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Datagrams and bytes the relay delivered each way.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    up_datagrams: u64,
    up_bytes: u64,
    down_datagrams: u64,
    down_bytes: u64,
}

impl Counts {
    fn of(stats: &LinkStats) -> Counts {
        Counts {
            up_datagrams: stats.to_server_datagrams.load(Ordering::Relaxed),
            up_bytes: stats.to_server_bytes.load(Ordering::Relaxed),
            down_datagrams: stats.to_client_datagrams.load(Ordering::Relaxed),
            down_bytes: stats.to_client_bytes.load(Ordering::Relaxed),
        }
    }

    fn since(self, earlier: Counts) -> Counts {
        Counts {
            up_datagrams: self.up_datagrams - earlier.up_datagrams,
            up_bytes: self.up_bytes - earlier.up_bytes,
            down_datagrams: self.down_datagrams - earlier.down_datagrams,
            down_bytes: self.down_bytes - earlier.down_bytes,
        }
    }

    fn total_bytes(self) -> u64 {
        self.up_bytes + self.down_bytes
    }
}

fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        std::thread::sleep(when - now);
    }
}

fn seconds_from(variable: &str, default: u64) -> u64 {
    std::env::var(variable)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&s: &u64| s > 0)
        .unwrap_or(default)
}

/// The scripts the sessions run, written to a private directory.
struct Scripts {
    dir: PathBuf,
}

impl Scripts {
    fn write() -> std::io::Result<Scripts> {
        let dir = std::env::temp_dir().join(format!("mosh-rs-bench-net-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("top.sh"), TOP_SCRIPT)?;
        std::fs::write(dir.join("soak.sh"), SOAK_SCRIPT)?;
        Ok(Scripts { dir })
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// A fresh directory for one session's logs.
    fn log_dir(&self, pairing: Pairing) -> std::io::Result<PathBuf> {
        let dir = self.dir.join(format!(
            "logs-{}-{}",
            pairing.client.name(),
            pairing.server.name()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }
}

impl Drop for Scripts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ----- 1. bandwidth -----

const PHASES: [&str; 5] = ["connect", "typing", "top", "flood", "idle"];

/// What one pairing put on the wire in the scripted session.
struct BandwidthRun {
    /// Per phase, in the order of [`PHASES`].
    phases: Vec<Counts>,
    total: Counts,
    /// Seconds from the flood's Return to its marker on the client's screen.
    flood_seconds: f64,
    /// Seconds past the planned length (the flood ran over).
    overran: f64,
}

fn bandwidth_link() -> LinkConfig {
    LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        down: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        ..LinkConfig::default()
    }
}

fn run_bandwidth(
    pairing: Pairing,
    links: &Path,
    scripts: &Scripts,
    length: Duration,
) -> Result<BandwidthRun, String> {
    let shell = format!("PS1='{PROMPT}' exec sh -i");
    let session = start_session(pairing, links, &shell, bandwidth_link(), None)?;
    let t = &session.tmux;
    t.wait_for_text(PROMPT.trim_end(), WAIT)
        .map_err(|s| format!("no prompt:\n{s}"))?;
    let start = Instant::now();
    let typing_end = start + length.mul_f64(TYPING_SHARE);
    let top_end = typing_end + length.mul_f64(TOP_SHARE);
    let end = start + length;
    let mut marks = vec![Counts::of(session.relay.stats())];
    type_plan(t, &typing_plan(typing_end - start));
    sleep_until(typing_end);
    marks.push(Counts::of(session.relay.stats()));
    run_top(t, scripts, top_end - Instant::now());
    sleep_until(top_end);
    marks.push(Counts::of(session.relay.stats()));
    let flood_seconds = run_flood(t, end)?;
    marks.push(Counts::of(session.relay.stats()));
    sleep_until(end);
    let overran = Instant::now().duration_since(end).as_secs_f64();
    marks.push(Counts::of(session.relay.stats()));
    let mut phases = vec![marks[0]];
    phases.extend(marks.windows(2).map(|w| w[1].since(w[0])));
    Ok(BandwidthRun {
        phases,
        total: marks[marks.len() - 1],
        flood_seconds,
        overran,
    })
}

/// One keystroke of the typing phase.
#[derive(Clone, Copy, Debug)]
enum Key {
    Char(char),
    Enter,
}

/// The typing phase's keystrokes and their times: whole lines from
/// [`TYPED_LINES`], as many as fit in `phase`. It depends on the length
/// only, so every pairing gets the same.
fn typing_plan(phase: Duration) -> Vec<(Duration, Key)> {
    let mut plan = Vec::new();
    let mut at = Duration::ZERO;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut gap = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let jitter = rng % (2 * KEY_GAP_JITTER_MS + 1);
        Duration::from_millis(KEY_GAP_MS - KEY_GAP_JITTER_MS + jitter)
    };
    for line in TYPED_LINES.iter().cycle() {
        let mut keys: Vec<(Duration, Key)> = Vec::new();
        let mut t = at;
        for key in line.chars().map(Key::Char).chain([Key::Enter]) {
            keys.push((t, key));
            t += gap();
        }
        t += PAUSE_AFTER_LINE;
        if t > phase {
            break;
        }
        plan.extend(keys);
        at = t;
    }
    plan
}

/// Types the keys of `plan` at their times after now.
fn type_plan(t: &Tmux, plan: &[(Duration, Key)]) {
    let start = Instant::now();
    for &(at, key) in plan {
        sleep_until(start + at);
        match key {
            Key::Char(c) => t.type_text(&c.to_string()),
            Key::Enter => t.send_keys(&["Enter"]),
        }
    }
}

/// Starts the `top` stand-in for a little less than `phase`.
fn run_top(t: &Tmux, scripts: &Scripts, phase: Duration) {
    let seconds = phase.as_secs().saturating_sub(2).max(1);
    t.type_text(&format!("sh {} {seconds}", quote(&scripts.path("top.sh"))));
    t.send_keys(&["Enter"]);
}

/// Runs the flood; the seconds until its marker shows. Waits past `end`
/// if it must.
fn run_flood(t: &Tmux, end: Instant) -> Result<f64, String> {
    t.type_text(&format!("seq 1 {FLOOD_LINES}; echo FLOOD$((6*7))DONE"));
    let typed = Instant::now();
    t.send_keys(&["Enter"]);
    let limit = end.saturating_duration_since(typed).max(WAIT);
    t.wait_for(limit, |screen| screen.lines().any(|l| l == FLOOD_MARKER))
        .map_err(|s| format!("the flood never finished:\n{s}"))?;
    Ok(typed.elapsed().as_secs_f64())
}

fn bandwidth(links: &Path, scripts: &Scripts) {
    let seconds = seconds_from(SESSION_SECONDS_VARIABLE, SESSION_SECONDS);
    let length = Duration::from_secs(seconds);
    println!(
        "bandwidth: one scripted {seconds} s session per pairing, {} ms each way, no loss \
         (typing, a full-screen redraw once a second, `seq 1 {FLOOD_LINES}`, idle)",
        ONE_WAY_DELAY_MS
    );
    let runs: Vec<(Pairing, Result<BandwidthRun, String>)> = PAIRINGS
        .iter()
        .map(|&p| (p, run_bandwidth(p, links, scripts, length)))
        .collect();
    let reference = runs
        .last()
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|r| r.total);
    print_bandwidth_totals(&runs, reference);
    print_bandwidth_phases(&runs);
    print_bandwidth_goal(&runs, reference);
}

fn ratio(ours: u64, reference: Option<u64>) -> String {
    match reference {
        Some(r) if r > 0 => format!("{:.2}", ours as f64 / r as f64),
        _ => "?".to_string(),
    }
}

fn print_bandwidth_totals(
    runs: &[(Pairing, Result<BandwidthRun, String>)],
    reference: Option<Counts>,
) {
    println!();
    println!(
        "| {:<30} | up dgrams | up bytes | down dgrams | down bytes | up/ref | down/ref | total/ref | flood s |",
        "pairing"
    );
    println!(
        "| {:-<30} | --------: | -------: | ----------: | ---------: | -----: | -------: | --------: | ------: |",
        ""
    );
    for (pairing, run) in runs {
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                println!("| {:<30} | failed: {}", pairing.name(), first_line(e));
                continue;
            }
        };
        let c = run.total;
        println!(
            "| {:<30} | {:>9} | {:>8} | {:>11} | {:>10} | {:>6} | {:>8} | {:>9} | {:>7.1} |",
            pairing.name(),
            c.up_datagrams,
            c.up_bytes,
            c.down_datagrams,
            c.down_bytes,
            ratio(c.up_bytes, reference.map(|r| r.up_bytes)),
            ratio(c.down_bytes, reference.map(|r| r.down_bytes)),
            ratio(c.total_bytes(), reference.map(Counts::total_bytes)),
            run.flood_seconds,
        );
        if run.overran > 1.0 {
            println!(
                "  (the flood ran {:.1} s past the session's length)",
                run.overran
            );
        }
    }
}

fn print_bandwidth_phases(runs: &[(Pairing, Result<BandwidthRun, String>)]) {
    type Cell = fn(&Counts) -> (u64, u64);
    let tables: [(&str, Cell); 2] = [
        ("bytes up / down per phase", |c| (c.up_bytes, c.down_bytes)),
        ("datagrams up / down per phase", |c| {
            (c.up_datagrams, c.down_datagrams)
        }),
    ];
    let header: Vec<String> = PHASES.iter().map(|p| format!("{p:>15}")).collect();
    for (title, cell) in tables {
        println!();
        println!("{title}");
        println!("| {:<30} | {} |", "pairing", header.join(" | "));
        println!(
            "| {:-<30} |{}",
            "",
            " --------------: |".repeat(PHASES.len())
        );
        for (pairing, run) in runs {
            let Ok(run) = run else { continue };
            let cells: Vec<String> = run
                .phases
                .iter()
                .map(|c| {
                    let (up, down) = cell(c);
                    format!("{:>15}", format!("{up} / {down}"))
                })
                .collect();
            println!("| {:<30} | {} |", pairing.name(), cells.join(" | "));
        }
    }
}

fn print_bandwidth_goal(
    runs: &[(Pairing, Result<BandwidthRun, String>)],
    reference: Option<Counts>,
) {
    let Some(reference) = reference else {
        println!("goal (bytes <= stock's): unknown, the stock pairing failed");
        return;
    };
    let over: Vec<String> = runs
        .iter()
        .filter_map(|(p, r)| Some((p, r.as_ref().ok()?)))
        .filter(|(_, r)| r.total.total_bytes() > reference.total_bytes())
        .map(|(p, _)| p.name())
        .collect();
    let failed = runs.iter().filter(|(_, r)| r.is_err()).count();
    if over.is_empty() && failed == 0 {
        println!("goal (total bytes <= the stock pairing's, each pairing): met");
    } else {
        println!(
            "goal (total bytes <= the stock pairing's, each pairing): NOT met; over: {over:?}, failed: {failed}"
        );
    }
    print_each_side(runs);
    println!();
}

/// Each of our programs against the stock one with the same peer, on the
/// bytes it sends itself: our server's down bytes, our client's up bytes.
fn print_each_side(runs: &[(Pairing, Result<BandwidthRun, String>)]) {
    let total = |client: Side, server: Side| {
        runs.iter()
            .find(|(p, _)| p.client == client && p.server == server)
            .and_then(|(_, r)| r.as_ref().ok())
            .map(|r| r.total)
    };
    for peer in [Side::Stock, Side::Ours] {
        if let (Some(ours), Some(stock)) = (total(peer, Side::Ours), total(peer, Side::Stock)) {
            println!(
                "  our server's bytes down / the stock server's, with the {} client: {} / {} = {}",
                peer.name(),
                ours.down_bytes,
                stock.down_bytes,
                ratio(ours.down_bytes, Some(stock.down_bytes))
            );
        }
    }
    for peer in [Side::Stock, Side::Ours] {
        if let (Some(ours), Some(stock)) = (total(Side::Ours, peer), total(Side::Stock, peer)) {
            println!(
                "  our client's bytes up / the stock client's, with the {} server: {} / {} = {}",
                peer.name(),
                ours.up_bytes,
                stock.up_bytes,
                ratio(ours.up_bytes, Some(stock.up_bytes))
            );
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

// ----- 2. soak -----

/// One sampled figure of a soak.
struct Series {
    name: String,
    /// RSS in KiB (else a count or bytes).
    rss: bool,
    values: Vec<u64>,
    /// Samples that could not be read.
    missed: usize,
}

struct SoakRun {
    series: Vec<Series>,
    traffic: Counts,
    dropped: u64,
}

fn soak_link(seconds: u64) -> LinkConfig {
    let lossy = Impairment {
        delay: Duration::from_millis(ONE_WAY_DELAY_MS),
        jitter: Duration::from_millis(10),
        loss: 0.15,
        duplicate: 0.01,
        reorder: 0.05,
        reorder_delay: Duration::from_millis(40),
        ..Impairment::default()
    };
    LinkConfig {
        up: lossy.clone(),
        down: lossy,
        seed: 7,
        max_lifetime: Duration::from_secs(seconds + 120),
        ..LinkConfig::default()
    }
}

fn run_soak(
    pairing: Pairing,
    links: &Path,
    scripts: &Scripts,
    seconds: u64,
) -> Result<SoakRun, String> {
    let log_dir = scripts.log_dir(pairing).map_err(|e| e.to_string())?;
    let rounds = seconds * 20;
    let shell = format!("exec sh {} 42 {rounds}", quote(&scripts.path("soak.sh")));
    let session = start_session(pairing, links, &shell, soak_link(seconds), Some(&log_dir))?;
    session
        .tmux
        .wait_for(WAIT, |s| !s.trim().is_empty())
        .map_err(|_| "the random output never showed".to_string())?;
    let client_pid = session.tmux.pane_pid().ok_or("no client pid")?;
    let mut series = series_for(pairing);
    let start = Instant::now();
    let every = Duration::from_secs(seconds).div_f64(SOAK_SAMPLES as f64);
    for n in 0..=SOAK_SAMPLES {
        let due = start + every.mul_f64(n as f64);
        type_keys_until(&session.tmux, due);
        let values = sample(&session, client_pid);
        for (s, v) in series.iter_mut().zip(values) {
            match v {
                Some(v) => s.values.push(v),
                None => s.missed += 1,
            }
        }
    }
    let stats = session.relay.stats();
    Ok(SoakRun {
        series,
        traffic: Counts::of(stats),
        dropped: stats.dropped.load(Ordering::Relaxed),
    })
}

/// Types a key a second until `due`.
fn type_keys_until(t: &Tmux, due: Instant) {
    while Instant::now() + Duration::from_secs(1) < due {
        std::thread::sleep(Duration::from_secs(1));
        t.type_text("k");
    }
    sleep_until(due);
}

const HELD_NAMES: [&str; 3] = ["sent states", "received states", "reassembly bytes"];

/// The figures sampled for a pairing, in the order [`sample`] gives them.
fn series_for(pairing: Pairing) -> Vec<Series> {
    let mut names = vec![
        ("server RSS".to_string(), true),
        ("client RSS".to_string(), true),
    ];
    for (side, who) in [(pairing.server, "server"), (pairing.client, "client")] {
        if side == Side::Ours {
            names.extend(HELD_NAMES.iter().map(|n| (format!("{who} {n}"), false)));
        }
    }
    names
        .into_iter()
        .map(|(name, rss)| Series {
            name,
            rss,
            values: Vec::new(),
            missed: 0,
        })
        .collect()
}

/// RSS of server and client, then our server's and our client's held
/// counts; `None` for a figure that could not be read.
fn sample(session: &Session, client_pid: i32) -> Vec<Option<u64>> {
    let mut values = vec![rss_kib(session.server.pid), rss_kib(client_pid)];
    let asks = [
        (&session.server_log, session.server.pid, libc::SIGUSR2),
        (&session.client_log, client_pid, libc::SIGUSR1),
    ];
    for (log, pid, signal) in asks {
        if let Some(log) = log {
            let held = ask_held(log, pid, signal);
            values.extend((0..HELD_NAMES.len()).map(|i| held.map(|h| h[i])));
        }
    }
    values
}

fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Signals `pid` to log its held-state counts to `log`, and reads them.
fn ask_held(log: &Path, pid: i32, signal: libc::c_int) -> Option<[u64; 3]> {
    let before = held_lines(log).len();
    mosh_rs::sys::process::kill(pid, signal).ok()?;
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let lines = held_lines(log);
        if lines.len() > before {
            return lines.last().and_then(|l| parse_held(l));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn held_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("held sent states "))
        .map(str::to_string)
        .collect()
}

/// The counts in `... held sent states N received states M reassembly bytes B`.
fn parse_held(line: &str) -> Option<[u64; 3]> {
    let (_, rest) = line.split_once("held sent states ")?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let number = |i: usize| words.get(i)?.parse().ok();
    Some([number(0)?, number(3)?, number(6)?])
}

/// Whether a sampled figure stayed flat after the warm-up. RSS: the last
/// sample is at most [`GROWTH_LIMIT`] times the first one after the
/// warm-up. Held counts go up and down with each loss, so their means are
/// compared: the mean of the second half is at most [`GROWTH_LIMIT`]
/// times the mean between the warm-up and the half, plus a little (one
/// state, or 4 KiB of reassembly). A leak grows steadily and fails both.
fn flat(series: &Series) -> bool {
    let v = &series.values;
    let warm = ((v.len() as f64 * WARM_UP_SHARE) as usize).min(v.len().saturating_sub(1));
    let half = (v.len() / 2).max(warm + 1).min(v.len());
    if series.rss {
        let base = v.get(warm).copied().unwrap_or(0) as f64;
        return v
            .last()
            .is_some_and(|&last| last as f64 <= base * GROWTH_LIMIT);
    }
    let slack = if series.name.ends_with("bytes") {
        4096.0
    } else {
        1.0
    };
    let early = mean(v.get(warm..half).unwrap_or_default());
    let late = mean(v.get(half..).unwrap_or_default());
    late <= early * GROWTH_LIMIT + slack
}

fn mean(values: &[u64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<u64>() as f64 / values.len() as f64
}

fn soak(links: &Path, scripts: &Scripts) {
    let seconds = seconds_from(SOAK_SECONDS_VARIABLE, SOAK_SECONDS);
    println!(
        "soak: {seconds} s, all pairings at once, random output and a key a second, \
         15% loss each way, 5% reordered, 1% duplicated; {} samples",
        SOAK_SAMPLES + 1
    );
    let runs: Vec<(Pairing, Result<SoakRun, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = PAIRINGS
            .iter()
            .map(|&p| (p, scope.spawn(move || run_soak(p, links, scripts, seconds))))
            .collect();
        handles
            .into_iter()
            .map(|(p, h)| (p, h.join().unwrap_or_else(|_| Err("panicked".into()))))
            .collect()
    });
    print_soak(&runs);
}

fn figure(series: &Series, value: u64) -> String {
    if series.rss {
        format!("{:.2} MiB", value as f64 / 1024.0)
    } else {
        value.to_string()
    }
}

fn print_soak(runs: &[(Pairing, Result<SoakRun, String>)]) {
    println!();
    println!(
        "| {:<30} | {:<24} | {:>10} | {:>10} | {:>10} | {:>10} | flat |",
        "pairing", "figure", "first", "middle", "last", "max"
    );
    println!(
        "| {:-<30} | {:-<24} | ---------: | ---------: | ---------: | ---------: | ---- |",
        "", ""
    );
    let mut all_flat = true;
    for (pairing, run) in runs {
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                all_flat = false;
                println!("| {:<30} | failed: {}", pairing.name(), first_line(e));
                continue;
            }
        };
        for s in &run.series {
            let v = &s.values;
            let at = |i: usize| figure(s, v.get(i).copied().unwrap_or(0));
            let max = figure(s, v.iter().copied().max().unwrap_or(0));
            let is_flat = flat(s);
            all_flat &= is_flat;
            println!(
                "| {:<30} | {:<24} | {:>10} | {:>10} | {:>10} | {max:>10} | {:<4} |",
                pairing.name(),
                s.name,
                at(0),
                at(v.len() / 2),
                at(v.len().saturating_sub(1)),
                if is_flat { "yes" } else { "NO" }
            );
            if s.missed > 0 {
                println!("  ({} samples of {} could not be read)", s.missed, s.name);
            }
        }
    }
    println!();
    println!("soak traffic delivered (datagrams up / down, bytes up / down; dropped by the relay)");
    for (pairing, run) in runs {
        if let Ok(run) = run {
            let c = run.traffic;
            println!(
                "  {:<30} {} / {} datagrams, {} / {} bytes, {} dropped",
                pairing.name(),
                c.up_datagrams,
                c.down_datagrams,
                c.up_bytes,
                c.down_bytes,
                run.dropped
            );
        }
    }
    println!(
        "goal (memory and held states flat over the soak): {}",
        if all_flat { "met" } else { "NOT met" }
    );
}

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
    bandwidth(&links, &scripts);
    soak(&links, &scripts);
}
