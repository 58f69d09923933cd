//! Bench 2, soak: all four pairings at once through a lossy, reordering
//! relay, sampling memory and held states to see that they stay flat.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::bandwidth::ONE_WAY_DELAY_MS;
use crate::harness::{
    quote, seconds_from, sleep_until, start_session, Counts, Pairing, Scripts, Session, Side,
    PAIRINGS, WAIT,
};
use crate::link::{Impairment, LinkConfig};
use crate::report::print_soak;
use crate::tmux::Tmux;

/// Length of the soak.
pub(crate) const SOAK_SECONDS: u64 = 120;

pub(crate) const SOAK_SECONDS_VARIABLE: &str = "MOSH_RS_SOAK_SECONDS";

/// Soak samples taken (plus the one at the start).
pub(crate) const SOAK_SAMPLES: u64 = 30;

/// The first share of the soak is warm-up (buffers filling, caches).
pub(crate) const WARM_UP_SHARE: f64 = 0.2;

/// A figure "stays flat" if it grows by no more than this factor.
pub(crate) const GROWTH_LIMIT: f64 = 1.2;

/// One sampled figure of a soak.
pub(crate) struct Series {
    pub(crate) name: String,
    /// RSS in KiB (else a count or bytes).
    pub(crate) rss: bool,
    pub(crate) values: Vec<u64>,
    /// Samples that could not be read.
    pub(crate) missed: usize,
}

pub(crate) struct SoakRun {
    pub(crate) series: Vec<Series>,
    pub(crate) traffic: Counts,
    pub(crate) dropped: u64,
}

pub(crate) fn soak_link(seconds: u64) -> LinkConfig {
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

pub(crate) fn run_soak(
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
pub(crate) fn type_keys_until(t: &Tmux, due: Instant) {
    while Instant::now() + Duration::from_secs(1) < due {
        std::thread::sleep(Duration::from_secs(1));
        t.type_text("k");
    }
    sleep_until(due);
}

pub(crate) const HELD_NAMES: [&str; 3] = ["sent states", "received states", "reassembly bytes"];

/// The figures sampled for a pairing, in the order [`sample`] gives them.
pub(crate) fn series_for(pairing: Pairing) -> Vec<Series> {
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
pub(crate) fn sample(session: &Session, client_pid: i32) -> Vec<Option<u64>> {
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

pub(crate) fn rss_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Signals `pid` to log its held-state counts to `log`, and reads them.
pub(crate) fn ask_held(log: &Path, pid: i32, signal: libc::c_int) -> Option<[u64; 3]> {
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

pub(crate) fn held_lines(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("held sent states "))
        .map(str::to_string)
        .collect()
}

/// The counts in `... held sent states N received states M reassembly bytes B`.
pub(crate) fn parse_held(line: &str) -> Option<[u64; 3]> {
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
pub(crate) fn flat(series: &Series) -> bool {
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

pub(crate) fn mean(values: &[u64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<u64>() as f64 / values.len() as f64
}

pub(crate) fn run(links: &Path, scripts: &Scripts) {
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
