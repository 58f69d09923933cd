//! Bench 1, bandwidth: one scripted session per pairing (typing, a `top`
//! stand-in, a flood, idle) through a relay with 20 ms each way, counting
//! what crosses it per phase.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{
    quote, seconds_from, sleep_until, start_session, Counts, Pairing, Scripts, PAIRINGS, PROMPT,
    WAIT,
};
use crate::link::{Impairment, LinkConfig};
use crate::report::{print_bandwidth_goal, print_bandwidth_phases, print_bandwidth_totals};
use crate::tmux::Tmux;

/// Length of the scripted bandwidth session.
pub(crate) const SESSION_SECONDS: u64 = 60;

pub(crate) const SESSION_SECONDS_VARIABLE: &str = "MOSH_RS_BENCH_SECONDS";

pub(crate) const ONE_WAY_DELAY_MS: u64 = 20;

/// Mean time between typed keys, and how far each gap strays from it
/// (seeded, the same in every pairing: an even beat would line up with
/// the ack timer and measure that coincidence instead).
pub(crate) const KEY_GAP_MS: u64 = 150;

pub(crate) const KEY_GAP_JITTER_MS: u64 = 50;

/// Pause after each typed line (a person reading).
pub(crate) const PAUSE_AFTER_LINE: Duration = Duration::from_millis(900);

/// Shares of the session: typing, then the `top` stand-in; the flood and
/// idle time get the rest.
pub(crate) const TYPING_SHARE: f64 = 0.3;

pub(crate) const TOP_SHARE: f64 = 0.45;

pub(crate) const FLOOD_LINES: u64 = 200_000;

/// The flood's end marker, as the shell prints it (typed as arithmetic,
/// so the command line itself never shows it).
pub(crate) const FLOOD_MARKER: &str = "FLOOD42DONE";

/// Typed in this order, as many as fit (short ones first, so a shortened
/// run still types something).
pub(crate) const TYPED_LINES: &[&str] = &[
    "pwd",
    "echo the quick brown fox jumps over the lazy dog",
    "ls /",
    "echo pack my box with five dozen liquor jugs",
    "uname -s",
    "echo sphinx of black quartz judge my vow",
];

pub(crate) const PHASES: [&str; 5] = ["connect", "typing", "top", "flood", "idle"];

/// What one pairing put on the wire in the scripted session.
pub(crate) struct BandwidthRun {
    /// Per phase, in the order of [`PHASES`].
    pub(crate) phases: Vec<Counts>,
    pub(crate) total: Counts,
    /// Seconds from the flood's Return to its marker on the client's screen.
    pub(crate) flood_seconds: f64,
    /// Seconds past the planned length (the flood ran over).
    pub(crate) overran: f64,
}

pub(crate) fn bandwidth_link() -> LinkConfig {
    LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        down: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        ..LinkConfig::default()
    }
}

pub(crate) fn run_bandwidth(
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
pub(crate) enum Key {
    Char(char),
    Enter,
}

/// The typing phase's keystrokes and their times: whole lines from
/// [`TYPED_LINES`], as many as fit in `phase`. It depends on the length
/// only, so every pairing gets the same.
pub(crate) fn typing_plan(phase: Duration) -> Vec<(Duration, Key)> {
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
pub(crate) fn type_plan(t: &Tmux, plan: &[(Duration, Key)]) {
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
pub(crate) fn run_top(t: &Tmux, scripts: &Scripts, phase: Duration) {
    let seconds = phase.as_secs().saturating_sub(2).max(1);
    t.type_text(&format!("sh {} {seconds}", quote(&scripts.path("top.sh"))));
    t.send_keys(&["Enter"]);
}

/// Runs the flood; the seconds until its marker shows. Waits past `end`
/// if it must.
pub(crate) fn run_flood(t: &Tmux, end: Instant) -> Result<f64, String> {
    t.type_text(&format!("seq 1 {FLOOD_LINES}; echo FLOOD$((6*7))DONE"));
    let typed = Instant::now();
    t.send_keys(&["Enter"]);
    let limit = end.saturating_duration_since(typed).max(WAIT);
    t.wait_for(limit, |screen| screen.lines().any(|l| l == FLOOD_MARKER))
        .map_err(|s| format!("the flood never finished:\n{s}"))?;
    Ok(typed.elapsed().as_secs_f64())
}

pub(crate) fn run(links: &Path, scripts: &Scripts) {
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
