//! A tmux pane's whole history as the scrollback tests read it: every
//! line (history and screen, wrapped rows joined), the lines that are
//! just a number, and the check that they run 1..=N each once in order.

use std::time::{Duration, Instant};

use super::tmux::Tmux;

/// The pane's whole history and screen, wrapped lines joined.
pub fn everything(tmux: &Tmux) -> Vec<String> {
    tmux.capture_flags(&["-J", "-S", "-"])
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// Waits (up to `timeout`) until the pane, history included, has not
/// changed for a second and `ready` holds; panics with it otherwise.
pub fn settled(tmux: &Tmux, timeout: Duration, ready: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    let mut last = Vec::new();
    let mut since = Instant::now();
    while Instant::now() < deadline {
        let now = everything(tmux);
        if now != last {
            last = now;
            since = Instant::now();
        } else if ready(&last) && since.elapsed() >= Duration::from_secs(1) {
            return last;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the pane never settled:\n{}", last.join("\n"));
}

/// The lines that are just a number, in order.
pub fn numbers(lines: &[String]) -> Vec<u64> {
    lines.iter().filter_map(|l| l.parse().ok()).collect()
}

/// Checks that the numbers in `lines` are 1..=`last`, each once, in
/// order; on failure shows the lines around the first that is wrong.
pub fn each_once_in_order(lines: &[String], last: u64, when: &str) {
    let got = numbers(lines);
    let Some(wrong) = (1..=last)
        .zip(got.iter().copied().chain(std::iter::repeat(0)))
        .position(|(expected, got)| expected != got)
        .or((got.len() as u64 > last).then_some(last as usize))
    else {
        return;
    };
    let number = got.get(wrong).copied().unwrap_or_default();
    let at = lines
        .iter()
        .position(|l| l.parse() == Ok(number))
        .unwrap_or(lines.len());
    let around = lines[at.saturating_sub(12)..(at + 12).min(lines.len())].join("\n");
    panic!(
        "{when}: {} numbers for 1..={last}, number {} is {number}, around it:\n{around}",
        got.len(),
        wrong + 1
    );
}
