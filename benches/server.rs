//! `make bench` figures for mosh-server, ours against upstream's with the
//! same stock client, and ours with our client keeping scrollback, in one
//! run (ratios, not absolute times):
//!
//! * flood: time to drain `cat` of ~23 MB of `seq` output inside a
//!   session, until a marker printed after it shows on the client's
//!   screen; against the raw pty floor (the same `cat` on a bare pty,
//!   drained by a reader doing nothing else), sampled before every flood
//!   of either server so that all three see the same machine load; and
//!   the server's CPU time per flood (less noisy on a shared machine);
//! * memory: server RSS idle in an 80x24 session, and after 1 and 3 floods;
//!   for our server with our client and scrollback on (issue 17), also
//!   with its history full: 10,000 lines of 80 columns of varied text;
//! * idle: server wake-ups per second (voluntary context switches: each
//!   time it slept and was woken; preemptions are the machine's load) with
//!   a connected idle client, over 15 s (a heartbeat each way every 3 s,
//!   so a shorter window mostly measures its phase).

#[path = "../tests/support/mod.rs"]
mod support;
use support::paths::{STOCK_CLIENT, STOCK_MOSH, STOCK_SERVER};
use support::{noise, server, session};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use session::MoshSession;

const SEQ_LINES: u64 = 3_150_000;
const FLOODS: usize = 3;
const IDLE_SECONDS: u64 = 15;
const WAIT: Duration = Duration::from_secs(120);
/// The server's default history, filled with lines this wide.
const HISTORY_LINES: usize = 10_000;
const HISTORY_COLUMNS: usize = 80;

/// Which client and server a measurement runs, and how.
struct Setup<'a> {
    name: &'a str,
    client: PathBuf,
    server: PathBuf,
    env: &'a [(&'a str, &'a str)],
    /// A file of full-width lines to print after the floods, for the
    /// server's RSS with its history full.
    fill_history: Option<&'a Path>,
}

fn main() {
    let missing: Vec<&str> = [STOCK_MOSH, STOCK_CLIENT, STOCK_SERVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    let tmux_ok = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !missing.is_empty() || !tmux_ok {
        println!("server bench SKIPPED: needs upstream mosh and tmux (scripts/test-deps.sh); missing {missing:?}");
        return;
    }
    let data = seq_file();
    let size_mb = std::fs::metadata(&data).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!("mosh-server benchmark: flood of {size_mb:.1} MB (`seq 1 {SEQ_LINES}`), 80x24, stock mosh-client");

    let history_file = history_file();
    let setups = [
        Setup {
            name: "mosh-rs server",
            client: STOCK_CLIENT.into(),
            server: server::our_server(),
            env: &[],
            fill_history: None,
        },
        Setup {
            name: "upstream mosh-server",
            client: STOCK_CLIENT.into(),
            server: STOCK_SERVER.into(),
            env: &[],
            fill_history: None,
        },
        Setup {
            name: "mosh-rs, scrollback",
            client: server::our_links().join("mosh-client"),
            server: server::our_server(),
            env: &[("MOSH_SERVER_FEATURES", "scrollback")],
            fill_history: Some(&history_file),
        },
    ];
    let measured: Vec<Measured> = setups.iter().map(|setup| measure(setup, &data)).collect();
    let [ours, upstream, with_history] = &measured[..] else {
        unreachable!("three setups")
    };
    let floor = measured
        .iter()
        .map(|m| m.best_floor)
        .fold(f64::MAX, f64::min);

    println!();
    println!(
        "| {:<24} | seconds | x floor | server CPU s |",
        format!("flood (best of {FLOODS})")
    );
    println!("| ------------------------ | ------- | ------- | ------------ |");
    println!(
        "| raw pty floor            | {floor:7.3} | {:7.2} |              |",
        1.0
    );
    for (setup, m) in setups.iter().zip(&measured) {
        let name = setup.name;
        println!(
            "| {name:<24} | {:7.3} | {:7.2} | {:12.3} |",
            m.best_flood,
            m.best_flood / floor,
            m.best_cpu
        );
    }
    println!(
        "ours / upstream flood time: {:.2} (goal <= 0.5; ours <= 1.25x floor)",
        ours.best_flood / upstream.best_flood
    );
    println!(
        "with scrollback: {:.2}x floor (goal <= 1.1x)",
        with_history.best_flood / floor
    );
    println!();
    println!("| memory (RSS, MB)         | idle  | 1 flood | {FLOODS} floods |");
    println!("| ------------------------ | ----- | ------- | -------- |");
    for (setup, m) in setups.iter().zip(&measured) {
        let name = setup.name;
        println!(
            "| {name:<24} | {:5.1} | {:7.1} | {:8.1} |",
            m.rss_idle_mb, m.rss_after_first_mb, m.rss_after_last_mb
        );
    }
    if let Some(full) = with_history.rss_full_history_mb {
        println!(
            "mosh-rs server RSS with {HISTORY_LINES} lines of {HISTORY_COLUMNS} columns in its history: {full:.1} MB (goal <= 6)"
        );
    }
    println!();
    println!("| idle, connected client   | wake-ups/s |");
    println!("| ------------------------ | ---------- |");
    for (setup, m) in setups.iter().zip(&measured) {
        println!("| {:<24} | {:10.2} |", setup.name, m.idle_wakeups_per_s);
    }
    let _ = std::fs::remove_file(&data);
    let _ = std::fs::remove_file(&history_file);
}

struct Measured {
    best_flood: f64,
    /// The least server CPU time (s) a flood took.
    best_cpu: f64,
    /// The raw pty floor, sampled before each flood.
    best_floor: f64,
    rss_idle_mb: f64,
    rss_after_first_mb: f64,
    rss_after_last_mb: f64,
    idle_wakeups_per_s: f64,
    rss_full_history_mb: Option<f64>,
}

/// Lines of varied printable text as wide as the screen, more than the
/// history holds (no two alike, so nothing is shared by accident).
fn history_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("mosh-rs-bench-history-{}", std::process::id()));
    let text = noise::lines(17, HISTORY_LINES + 100, HISTORY_COLUMNS).join("\n") + "\n";
    std::fs::write(&path, text).expect("write history file");
    path
}

fn seq_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("mosh-rs-bench-seq-{}", std::process::id()));
    let mut text = String::with_capacity(24 << 20);
    for i in 1..=SEQ_LINES {
        text.push_str(&i.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write seq file");
    path
}

/// Seconds to drain `cat FILE` from a bare pty.
fn raw_pty_drain(data: &Path) -> f64 {
    use mosh_rs::sys::pty::WindowSize;
    use mosh_rs::sys::spawn::{spawn_on_pty, PtyCommand};
    let command = PtyCommand {
        program: "cat".into(),
        argv: vec!["cat".into(), data.as_os_str().to_owned()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        ..PtyCommand::default()
    };
    let start = Instant::now();
    let child = spawn_on_pty(&command, WindowSize { cols: 80, rows: 24 }).expect("spawn cat");
    let pid = child.pid;
    let mut master = std::fs::File::from(child.master);
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = mosh_rs::sys::process::wait_blocking(pid);
    elapsed
}

fn status_field(pid: i32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_mb(pid: i32) -> f64 {
    status_field(pid, "VmRSS:").unwrap_or(0) as f64 / 1024.0
}

/// Seconds the process has run on a CPU (user and system).
fn cpu_seconds(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).unwrap_or_default();
    let ns: u64 = stat
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    ns as f64 / 1e9
}

fn voluntary_switches(pid: i32) -> u64 {
    status_field(pid, "voluntary_ctxt_switches:").unwrap_or(0)
}

fn measure(setup: &Setup, data: &Path) -> Measured {
    let shell = "PS1='ready$ ' exec sh -i";
    let mut env = vec![("MOSH_SERVER_NETWORK_TMOUT", "300")];
    env.extend_from_slice(setup.env);
    let mut s = MoshSession::start_with_client(&setup.client, &setup.server, 80, 24, shell, &env)
        .expect("session starts");
    s.tmux.wait_for_text("ready$", WAIT).expect("prompt");
    let pid = s.server_pid(WAIT).expect("server pid");
    std::thread::sleep(Duration::from_secs(2));
    let rss_idle_mb = rss_mb(pid);
    let before = voluntary_switches(pid);
    std::thread::sleep(Duration::from_secs(IDLE_SECONDS));
    let idle_wakeups_per_s = (voluntary_switches(pid) - before) as f64 / IDLE_SECONDS as f64;

    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut floors = Vec::new();
    let mut rss_after = Vec::new();
    for n in 0..FLOODS {
        floors.push(raw_pty_drain(data));
        s.tmux.type_text("clear");
        s.tmux.send_keys(&["Enter"]);
        s.tmux
            .wait_for(WAIT, |screen| !screen.contains("clear"))
            .expect("clear");
        let marker = format!("FLOOD{}DONE", n + 100);
        let command = format!("cat {}; echo FLOOD$(({n}+100))DONE", data.display());
        s.tmux.type_text(&command);
        let cpu_before = cpu_seconds(pid);
        let start = Instant::now();
        s.tmux.send_keys(&["Enter"]);
        s.tmux
            .wait_for(WAIT, |screen| screen.lines().any(|l| l == marker))
            .expect("flood finishes");
        times.push(start.elapsed().as_secs_f64());
        cpu.push(cpu_seconds(pid) - cpu_before);
        std::thread::sleep(Duration::from_millis(500));
        rss_after.push(rss_mb(pid));
    }
    let rss_full_history_mb = setup.fill_history.map(|file| {
        let command = format!("cat {}; echo HISTORY$((1+1))FULL", file.display());
        s.tmux.type_text(&command);
        s.tmux.send_keys(&["Enter"]);
        s.tmux
            .wait_for(WAIT, |screen| screen.lines().any(|l| l == "HISTORY2FULL"))
            .expect("history fills");
        std::thread::sleep(Duration::from_secs(2));
        rss_mb(pid)
    });
    let best = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    Measured {
        best_flood: best(&times),
        best_cpu: best(&cpu),
        best_floor: best(&floors),
        rss_idle_mb,
        rss_after_first_mb: rss_after.first().copied().unwrap_or(0.0),
        rss_after_last_mb: rss_after.last().copied().unwrap_or(0.0),
        idle_wakeups_per_s,
        rss_full_history_mb,
    }
}
