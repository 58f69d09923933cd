//! Client benchmarks: `cargo bench --bench client`.
//!
//! 1. Keystroke-to-screen latency at 200 ms round trip. The stock
//!    `mosh-server` runs bash behind a user-space relay that delays each
//!    direction by 100 ms; the client under test runs on a pty that this
//!    program types into, one key at a time, while it feeds everything
//!    the client draws into a terminal emulator. A keystroke counts as
//!    shown when the prompt line reads what has been typed so far. The
//!    same scripted session runs with our client and upstream's; the
//!    table gives the share of keystrokes shown within 5 ms, the median,
//!    the 90th percentile, and the frames that showed a wrong line
//!    (mispredictions).
//! 2. Client memory: resident set size of each client after the session
//!    has idled for a few seconds.
//!
//! Nothing here asserts a time; it prints figures to compare. With
//! `BENCH_TRACE=1` each keystroke's latency (ms) goes to stderr.

#[path = "../tests/support/mod.rs"]
mod support;
use support::paths::{STOCK_CLIENT, STOCK_SERVER};
use support::{link, server};

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use link::{Impairment, Link, LinkConfig};
use mosh_rs::sys::fd::set_nonblocking;
use mosh_rs::sys::pty::WindowSize;
use mosh_rs::sys::spawn::{spawn_on_pty, PtyCommand};
use mosh_rs::terminal::Emulator;

const ONE_WAY_DELAY_MS: u64 = 100;
const PROMPT: &str = "ready$ ";
const COLS: u16 = 80;
const ROWS: u16 = 24;
/// A keystroke shown within this long counts as instant.
const INSTANT: Duration = Duration::from_millis(5);
/// Time between keystrokes (a brisk typist), with a little jitter.
const KEY_GAP_MS: u64 = 120;
/// Pause after a new prompt appears before typing the next command (a
/// person reading the output). The second table types straight into
/// each new prompt while the Return's prediction is still unconfirmed:
/// upstream keeps guessing at the start of the next row and kills epoch
/// after epoch; ours follows the server's cursor.
const THINK_TIME: Duration = Duration::from_millis(800);
/// A keystroke not shown after this long is counted as lost.
const KEY_TIMEOUT: Duration = Duration::from_secs(3);
/// Idle time before the memory reading.
const IDLE_BEFORE_RSS: Duration = Duration::from_secs(3);

/// The typing session: each line is typed, then Return.
const SCRIPT: &[&str] = &[
    "echo the quick brown fox jumps over the lazy dog",
    "ls -l /usr/share | head -3",
    "echo pack my box with five dozen liquor jugs",
    "cd /tmp && pwd",
    "printf '%s\\n' sphinx of black quartz judge my vow",
    "echo done",
];

/// What one client did in the typing session.
struct Run {
    latencies: Vec<Duration>,
    lost: usize,
    wrong_frames: usize,
    rss_kib: Option<u64>,
}

/// The client on its pty and the terminal it draws into.
struct Screen {
    master: File,
    emulator: Emulator,
    wrong_frames: usize,
    target: String,
}

impl Screen {
    /// Reads whatever the client drew; counts frames whose prompt line
    /// is not a prefix of the line being typed.
    fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        loop {
            match self.master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.emulator.feed(buf.get(..n).unwrap_or_default());
                    let line = self.prompt_line();
                    if let Some(line) = line {
                        if !self.target.is_empty() && !self.target.starts_with(line.trim_end()) {
                            self.wrong_frames += 1;
                        }
                    }
                }
            }
        }
    }

    /// The last row that starts with the prompt.
    fn prompt_line(&self) -> Option<String> {
        let text = self.emulator.framebuffer().text();
        text.lines()
            .rev()
            .find(|l| l.starts_with(PROMPT.trim_end()))
            .map(str::to_string)
    }

    fn prompts(&self) -> usize {
        let text = self.emulator.framebuffer().text();
        text.lines()
            .filter(|l| l.starts_with(PROMPT.trim_end()))
            .count()
    }

    /// Waits until `ready` holds; returns how long it took, or `None`.
    fn wait_until(&mut self, limit: Duration, ready: impl Fn(&Screen) -> bool) -> Option<Duration> {
        let start = Instant::now();
        loop {
            self.pump();
            if ready(self) {
                return Some(start.elapsed());
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    fn type_byte(&mut self, byte: u8) {
        let _ = self.master.write_all(&[byte]);
    }
}

fn run_client(client: &Path, think: Duration) -> Result<Run, String> {
    let started = server::start_detached(
        Path::new(STOCK_SERVER),
        &[
            "new",
            "-i",
            "127.0.0.1",
            "--",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ],
        &[("LANG", "C.UTF-8"), ("PS1", PROMPT)],
    )
    .map_err(|e| e.to_string())?;
    let config = LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        down: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        ..LinkConfig::default()
    };
    let relay =
        Link::start(([127, 0, 0, 1], started.port).into(), config).map_err(|e| e.to_string())?;
    let env: Vec<(OsString, OsString)> = [
        ("MOSH_KEY", started.key.as_str()),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm-256color"),
        ("PATH", "/usr/bin:/bin"),
        ("MOSH_PREDICTION_DISPLAY", "adaptive"),
    ]
    .iter()
    .map(|(k, v)| (OsString::from(k), OsString::from(v)))
    .collect();
    let port = relay.client_facing_addr().port().to_string();
    let command = PtyCommand {
        program: client.as_os_str().to_owned(),
        argv: vec!["mosh-client".into(), "127.0.0.1".into(), port.into()],
        env,
        ..PtyCommand::default()
    };
    let child = spawn_on_pty(
        &command,
        WindowSize {
            cols: COLS,
            rows: ROWS,
        },
    )
    .map_err(|e| e.to_string())?;
    let pid = child.pid;
    let result = drive(child.master, pid, think);
    let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
    let _ = mosh_rs::sys::process::wait_blocking(pid);
    drop(relay);
    drop(started);
    result
}

fn drive(master: std::os::fd::OwnedFd, pid: i32, think: Duration) -> Result<Run, String> {
    set_nonblocking(master.as_fd(), true).map_err(|e| e.to_string())?;
    let mut screen = Screen {
        master: File::from(master),
        emulator: Emulator::new(usize::from(COLS), usize::from(ROWS)),
        wrong_frames: 0,
        target: String::new(),
    };
    screen
        .wait_until(Duration::from_secs(20), |s| s.prompts() > 0)
        .ok_or_else(|| {
            format!(
                "no prompt appeared; screen:\n{}",
                screen.emulator.framebuffer().text()
            )
        })?;
    // Let the first frames settle.
    screen.wait_until(Duration::from_millis(800), |_| false);
    let mut latencies = Vec::new();
    let mut lost = 0;
    let mut jitter = 0x9e37_79b9u64;
    for line in SCRIPT {
        screen.wait_until(think, |_| false);
        let prompts = screen.prompts();
        screen.target = format!("{PROMPT}{line}");
        let mut typed = String::from(PROMPT);
        for ch in line.chars() {
            typed.push(ch);
            let expect = typed.clone();
            let sent = Instant::now();
            let mut utf8 = [0u8; 4];
            for &b in ch.encode_utf8(&mut utf8).as_bytes() {
                screen.type_byte(b);
            }
            match screen.wait_until(KEY_TIMEOUT, |s| {
                s.prompt_line()
                    .is_some_and(|l| l.trim_end() == expect.trim_end())
            }) {
                Some(took) => {
                    if std::env::var_os("BENCH_TRACE").is_some() {
                        eprint!("{ch}:{} ", took.as_millis());
                    }
                    latencies.push(took)
                }
                None => lost += 1,
            }
            jitter ^= jitter << 13;
            jitter ^= jitter >> 7;
            jitter ^= jitter << 17;
            let gap = Duration::from_millis(KEY_GAP_MS - 40 + jitter % 80);
            let rest = gap.saturating_sub(sent.elapsed());
            screen.wait_until(rest, |_| false);
        }
        screen.target.clear();
        screen.type_byte(b'\r');
        screen
            .wait_until(Duration::from_secs(10), |s| {
                s.prompts() > prompts || s.prompts() >= 10
            })
            .ok_or("the command did not finish")?;
        if screen.prompts() >= 8 {
            screen.target.clear();
            for &b in b"clear\r" {
                screen.type_byte(b);
            }
            screen.wait_until(Duration::from_secs(10), |s| s.prompts() == 1);
        }
    }
    screen.wait_until(IDLE_BEFORE_RSS, |_| false);
    Ok(Run {
        latencies,
        lost,
        wrong_frames: screen.wrong_frames,
        rss_kib: rss_kib(pid),
    })
}

fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if !Path::new(STOCK_SERVER).exists() || !Path::new(STOCK_CLIENT).exists() {
        println!("SKIPPED: upstream mosh is not installed (run scripts/test-deps.sh)");
        return;
    }
    let ours: PathBuf = server::our_links().join("mosh-client");
    let keys: usize = SCRIPT.iter().map(|l| l.chars().count()).sum();
    for (think, what) in [
        (THINK_TIME, "typing after a pause at each prompt"),
        (Duration::ZERO, "typing as soon as each prompt appears"),
    ] {
        println!(
            "keystroke-to-screen latency, {} ms round trip, {keys} keystrokes: {what}",
            2 * ONE_WAY_DELAY_MS
        );
        println!(
            "{:<10} {:>12} {:>10} {:>10} {:>6} {:>13} {:>10}",
            "client", "within 5 ms", "median", "p90", "lost", "wrong frames", "RSS idle"
        );
        for (name, client) in [
            ("mosh-rs", ours.as_path()),
            ("upstream", Path::new(STOCK_CLIENT)),
        ] {
            match run_client(client, think) {
                Ok(run) => print_row(name, &run, keys),
                Err(e) => println!("{name:<10} failed: {e}"),
            }
        }
        println!();
    }
}

fn print_row(name: &str, run: &Run, keys: usize) {
    let mut sorted = run.latencies.clone();
    sorted.sort();
    let instant = sorted.iter().filter(|d| **d <= INSTANT).count();
    let share = 100.0 * instant as f64 / keys as f64;
    let rss = run
        .rss_kib
        .map_or("?".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "{name:<10} {share:>11.1}% {:>7.1} ms {:>7.1} ms {:>6} {:>13} {rss:>10}",
        ms(percentile(&sorted, 0.5)),
        ms(percentile(&sorted, 0.9)),
        run.lost,
        run.wrong_frames,
    );
}
