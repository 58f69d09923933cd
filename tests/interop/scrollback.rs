//! Native scrollback between mosh-rs peers (issue 17), as the user sees
//! it: our client in tmux, our server behind the user-space relay, and
//! the whole history of the client's pane read with `tmux capture-pane
//! -p -S -`. The client is told the server offers scrollback the way our
//! `mosh` tells it (`MOSH_SERVER_FEATURES`, from the server's line after
//! `MOSH CONNECT`).
//!
//! - `seq 1 5000`: 1…5000 each once, in order, then the screen; the same
//!   at 20% loss and 200 ms, and across an outage of about 10 s (the bar
//!   that is up meanwhile never reaches the history);
//! - the window resized to 100x30 and then to 70x20, `seq` run at each
//!   size: every number once, in order;
//! - a 100-column line in history is one line with `-J`, also when its
//!   rows leave the screen in two states;
//! - `seq 1 1000000`: one marker, then the newest lines up to the limit;
//! - commands typed with every key and Return predicted, at the bottom
//!   row: each command and its output once in history;
//! - a suspend and resume in between: every number once, in order;
//! - vim opened and closed in between: nothing of vim's screen in history;
//! - `--no-scrollback` (no features): the alternate screen, no history;
//! - with the stock client or the stock server, every datagram read with
//!   the key holds only upstream's protobuf fields (and ours do use the
//!   extension, so the reading can tell).

use crate::support::{link, pane_history, paths, relayed_session, skip, wire_tap};

use std::time::Duration;

use link::{Impairment, LinkConfig};
use mosh_rs::wire::SessionKey;
use pane_history::{each_once_in_order, numbers};
use relayed_session::{Pairing, RelayedSession};
use wire_tap::FieldCensus;

const WAIT: Duration = Duration::from_secs(60);
const SHELL: &str = "PS1='ready$ ' exec bash --norc --noprofile -i";
const FEATURES: (&str, &str) = ("MOSH_SERVER_FEATURES", "scrollback");

fn missing_tools() -> bool {
    skip::missing_tmux()
}

fn session(link: LinkConfig, command: &str, server_env: &[(&str, &str)]) -> RelayedSession {
    RelayedSession::start(Pairing::Ours, link, command, server_env, &[FEATURES])
}

/// Waits until the pane (history included) has not changed for a second
/// and `ready` holds.
fn settled(s: &RelayedSession, ready: impl Fn(&[String]) -> bool) -> Vec<String> {
    pane_history::settled(&s.tmux, WAIT, ready)
}

fn seq_once_in_order(link: LinkConfig, outage: bool) {
    let s = session(link, &format!("seq 1 5000; {SHELL}"), &[]);
    if outage {
        s.expect_text("ready$", WAIT);
    }
    let all = settled(&s, |all| {
        all.iter().any(|l| l == "ready$") && numbers(all).len() >= 5000
    });
    let expected: Vec<u64> = (1..=5000).collect();
    assert_eq!(numbers(&all), expected, "history:\n{}", all.join("\n"));
    if outage {
        s.relay.set_blackout(true);
        s.tmux.type_text("seq 5001 6000");
        s.tmux.send_keys(&["Enter"]);
        // The bar is up on the top row when the history comes in.
        s.expect(WAIT, "the bar", |screen| screen.contains("Last contact"));
        std::thread::sleep(Duration::from_secs(3));
        s.relay.set_blackout(false);
        let all = settled(&s, |all| numbers(all).len() >= 6000);
        let expected: Vec<u64> = (1..=6000).collect();
        assert_eq!(
            numbers(&all),
            expected,
            "after the outage:\n{}",
            all.join("\n")
        );
        let bar = all.iter().filter(|l| l.contains("Last contact")).count();
        assert_eq!(bar, 0, "the bar reached the history:\n{}", all.join("\n"));
    }
}

#[test]
fn seq_5000_reaches_the_terminals_history_once_in_order() {
    if missing_tools() {
        return;
    }
    seq_once_in_order(LinkConfig::default(), false);
}

#[test]
fn the_same_at_20_percent_loss_and_200_ms() {
    if missing_tools() {
        return;
    }
    let lossy = Impairment {
        loss: 0.2,
        ..Impairment::delay_ms(100)
    };
    let config = LinkConfig {
        up: lossy.clone(),
        down: lossy,
        ..LinkConfig::default()
    };
    seq_once_in_order(config, false);
}

#[test]
fn the_same_across_a_10_s_outage() {
    if missing_tools() {
        return;
    }
    seq_once_in_order(LinkConfig::default(), true);
}

/// Types `command` at the prompt and waits until the pane has settled
/// with `last` as its last number.
fn run_at_prompt(s: &RelayedSession, command: &str, last: u64) -> Vec<String> {
    s.tmux.type_text(command);
    s.tmux.send_keys(&["Enter"]);
    settled(s, |all| {
        numbers(all).last() == Some(&last) && all.last().is_some_and(|l| l == "ready$")
    })
}

/// Resizes the user's window and waits until the remote shell sees the
/// new size (so what runs next is drawn at it).
fn resize_to(s: &RelayedSession, cols: u16, rows: u16) {
    s.tmux.resize(cols, rows);
    let size = format!("{rows} {cols}");
    s.tmux.type_text("stty size");
    s.tmux.send_keys(&["Enter"]);
    s.expect(WAIT, &size, |screen| {
        screen.lines().any(|l| l.trim_end() == size)
    });
}

#[test]
fn a_resized_window_keeps_every_line_once_in_order() {
    if missing_tools() {
        return;
    }
    let s = session(LinkConfig::default(), &format!("seq 1 2000; {SHELL}"), &[]);
    settled(&s, |all| numbers(all).last() == Some(&2000));
    let mut last = 2000;
    for (cols, rows) in [(100, 30), (70, 20)] {
        resize_to(&s, cols, rows);
        let all = run_at_prompt(
            &s,
            &format!("seq {} {}", last + 1, last + 2000),
            last + 2000,
        );
        last += 2000;
        each_once_in_order(&all, last, &format!("after the resize to {cols}x{rows}"));
    }
}

#[test]
fn a_long_wrapped_line_is_one_line_in_history() {
    if missing_tools() {
        return;
    }
    let long = "x".repeat(60) + &"y".repeat(40);
    let command = format!("echo {long}; seq 1 40; {SHELL}");
    let s = session(LinkConfig::default(), &command, &[]);
    let all = settled(&s, |all| all.iter().any(|l| l == "ready$"));
    assert_eq!(
        all.iter().filter(|l| **l == long).count(),
        1,
        "the 100-column line is not one joined line:\n{}",
        all.join("\n")
    );
}

/// Long lines printed one at a time: the first rows of a line often
/// leave the server's screen a state before the rest of it does. Each
/// line takes three rows, and the three loops start at the three
/// parities (each empty line moves them by one), so two of them split.
#[test]
fn lines_wrapped_across_two_states_are_joined_in_history() {
    if missing_tools() {
        return;
    }
    let line = |n: &str| format!("{}{n}{}", "x".repeat(70), "y".repeat(150));
    let lines_from = |first: u32| {
        let numbers: Vec<String> = (first..first + 6).map(|n| n.to_string()).collect();
        format!(
            "for n in {}; do echo {}; sleep 0.1; done; echo; sleep 0.2",
            numbers.join(" "),
            line("${n}")
        )
    };
    let command = format!(
        "seq 1 30; {}; {}; {}; seq 1 30; {SHELL}",
        lines_from(10),
        lines_from(20),
        lines_from(30)
    );
    let s = session(LinkConfig::default(), &command, &[]);
    let all = settled(&s, |all| all.iter().any(|l| l == "ready$"));
    for n in (10..16).chain(20..26).chain(30..36) {
        let expected = line(&n.to_string());
        assert_eq!(
            all.iter().filter(|l| **l == expected).count(),
            1,
            "line {n} is not one joined line:\n{}",
            all.join("\n")
        );
    }
}

#[test]
fn a_million_line_flood_leaves_one_marker_and_the_newest_lines() {
    if missing_tools() {
        return;
    }
    let s = session(
        LinkConfig::default(),
        &format!("seq 1 1000000; {SHELL}"),
        &[("MOSH_SERVER_SCROLLBACK", "2000")],
    );
    let all = settled(&s, |all| {
        all.iter().any(|l| l == "ready$") && all.iter().any(|l| l.contains("skipped"))
    });
    let markers: Vec<&String> = all.iter().filter(|l| l.contains("lines skipped")).collect();
    assert_eq!(markers.len(), 1, "markers: {markers:?}");
    let got = numbers(&all);
    let last = *got.last().expect("no numbers");
    assert_eq!(last, 1_000_000);
    let first = got[0];
    let expected: Vec<u64> = (first..=last).collect();
    assert_eq!(got, expected, "the newest lines are not each there once");
    // The log's 2000 lines, and the rows on the screen.
    assert!(got.len() >= 2000, "only {} lines", got.len());
    let marker_at = all
        .iter()
        .position(|l| l.contains("lines skipped"))
        .unwrap();
    let first_at = all.iter().position(|l| *l == first.to_string()).unwrap();
    assert!(marker_at < first_at, "the marker comes after the lines");
}

/// Suspend (the escape key, then Ctrl-Z; tmux continues the client at
/// once) leaves the session's last screen above the notice, where it
/// reaches the terminal's scrollback: when those rows later leave the
/// server's screen, they are not written a second time.
#[test]
fn a_suspend_and_resume_keeps_every_line_once_in_order() {
    if missing_tools() {
        return;
    }
    let s = session(LinkConfig::default(), &format!("seq 1 100; {SHELL}"), &[]);
    settled(&s, |all| numbers(all).last() == Some(&100));
    s.tmux.send_keys(&["C-^", "C-z"]);
    settled(&s, |all| {
        all.iter().any(|l| l.contains("[mosh is suspended.]"))
    });
    let all = run_at_prompt(&s, "seq 101 300", 300);
    each_once_in_order(&all, 300, "after a suspend and resume");
}

/// The screen's rows that are not blank, without trailing blanks.
fn last_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Commands typed at the bottom row at a 200 ms round trip, each key
/// and Return guessed and shown before the server answers: the history
/// gets each command and its output once, as the server drew them.
#[test]
fn predictions_never_reach_the_history() {
    if missing_tools() {
        return;
    }
    let slow = LinkConfig {
        up: Impairment::delay_ms(100),
        down: Impairment::delay_ms(100),
        ..LinkConfig::default()
    };
    let client_env = [
        ("MOSH_SERVER_FEATURES", "discipline scrollback"),
        ("MOSH_PREDICTION_DISPLAY", "always"),
    ];
    let s = RelayedSession::start(
        Pairing::Ours,
        slow,
        &format!("seq 1 100; {SHELL}"),
        &[],
        &client_env,
    );
    s.expect_text("ready$", WAIT);
    let mut guesses_seen = 0;
    for n in 1..=6 {
        let command = format!("echo zq{n}");
        s.tmux.type_text(&command);
        std::thread::sleep(Duration::from_millis(30));
        guesses_seen += usize::from(s.tmux.capture().contains(&command));
        // Return at once, within a round trip of the line.
        s.tmux.send_keys(&["Enter"]);
        let answer = format!("zq{n}");
        s.expect(WAIT, &answer, |screen| {
            last_rows(screen).ends_with(&[answer.as_str(), "ready$"])
        });
    }
    let all = settled(&s, |all| {
        all.iter().any(|l| l == "zq6") && all.last().is_some_and(|l| l == "ready$")
    });
    assert!(guesses_seen > 0, "no guess was ever shown before its echo");
    let typed: Vec<&str> = all
        .iter()
        .filter(|l| l.contains("zq"))
        .map(String::as_str)
        .collect();
    let expected: Vec<String> = (1..=6)
        .flat_map(|n| [format!("ready$ echo zq{n}"), format!("zq{n}")])
        .collect();
    assert_eq!(typed, expected, "pane:\n{}", all.join("\n"));
    let expected: Vec<u64> = (1..=100).collect();
    assert_eq!(numbers(&all), expected, "history:\n{}", all.join("\n"));
}

#[test]
fn a_full_screen_program_leaves_nothing_in_history() {
    if missing_tools() || skip::missing(&["/usr/bin/vim"]) {
        return;
    }
    let s = session(LinkConfig::default(), SHELL, &[]);
    s.expect_text("ready$", WAIT);
    s.tmux.type_text("seq 1 50");
    s.tmux.send_keys(&["Enter"]);
    s.expect_text("50", WAIT);
    s.tmux.type_text("vim -u NONE -i NONE -N -n");
    s.tmux.send_keys(&["Enter"]);
    s.expect(WAIT, "vim's tildes", |screen| {
        screen.lines().filter(|l| l.starts_with('~')).count() > 5
    });
    s.tmux.type_text(":q");
    s.tmux.send_keys(&["Enter"]);
    s.expect(WAIT, "the shell back", |screen| {
        !screen.contains('~')
            && screen
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::trim_end)
                == Some("ready$")
    });
    s.tmux.type_text("seq 51 100");
    s.tmux.send_keys(&["Enter"]);
    let all = settled(&s, |all| numbers(all).last() == Some(&100));
    let expected: Vec<u64> = (1..=100).collect();
    assert_eq!(numbers(&all), expected);
    assert!(
        !all.iter().any(|l| l.starts_with('~')),
        "vim's screen reached history:\n{}",
        all.join("\n")
    );
}

#[test]
fn without_the_feature_the_session_stays_on_the_alternate_screen() {
    if missing_tools() {
        return;
    }
    let s = RelayedSession::start(
        Pairing::Ours,
        LinkConfig::default(),
        &format!("seq 1 300; {SHELL}"),
        &[],
        &[],
    );
    s.expect_text("ready$", WAIT);
    std::thread::sleep(Duration::from_secs(1));
    let history = s.tmux.display("#{history_size}").unwrap_or_default();
    assert_eq!(history.trim(), "0", "history grew without scrollback");
}

/// The extension number our history and feature announcement use.
const MOSH_RS_EXTENSION: u32 = 1701;

/// Runs a flood and a typed command under `pairing`, recording every
/// datagram, and reads each direction with the session key.
fn fields_on_the_wire(pairing: Pairing, client_env: &[(&str, &str)]) -> (FieldCensus, FieldCensus) {
    let link = LinkConfig {
        record: true,
        ..LinkConfig::default()
    };
    let s = RelayedSession::start(
        pairing,
        link,
        &format!("seq 1 3000; {SHELL}"),
        &[],
        client_env,
    );
    s.expect_text("ready$", WAIT);
    s.tmux.type_text("echo typed-$((6*7))");
    s.tmux.send_keys(&["Enter"]);
    s.expect_text("typed-42", WAIT);
    std::thread::sleep(Duration::from_secs(1));
    let key = SessionKey::parse(&s.server.key).expect("the session key");
    let recording = s.relay.recording();
    let up = wire_tap::census(&key, &recording.to_server);
    let down = wire_tap::census(&key, &recording.to_client);
    if client_env.is_empty() {
        let history = s.tmux.display("#{history_size}").unwrap_or_default();
        assert_eq!(history.trim(), "0", "{pairing:?}: history grew");
    }
    (up, down)
}

fn assert_only_upstreams(pairing: Pairing, census: &FieldCensus, events: &[u32]) {
    assert_eq!(
        census.unopened, 0,
        "{pairing:?}: datagrams the key does not open"
    );
    // Keystrokes one way and host bytes the other were read (field 2).
    assert!(census.event_fields.contains(&2), "{pairing:?}: {census:?}");
    let only = |seen: &std::collections::BTreeSet<u32>, allowed: &[u32]| {
        seen.iter().all(|f| allowed.contains(f))
    };
    assert!(
        only(
            &census.instruction_fields,
            &wire_tap::UPSTREAM_INSTRUCTION_FIELDS
        ) && only(&census.message_fields, &wire_tap::UPSTREAM_MESSAGE_FIELDS)
            && only(&census.event_fields, events),
        "{pairing:?}: fields beyond upstream's: {census:?}"
    );
}

#[test]
fn stock_peers_see_only_upstreams_fields_on_the_wire() {
    if missing_tools() || skip::missing(&[paths::STOCK_CLIENT, paths::STOCK_SERVER]) {
        return;
    }
    for pairing in [Pairing::StockClientOurServer, Pairing::OurClientStockServer] {
        let (up, down) = fields_on_the_wire(pairing, &[]);
        assert_only_upstreams(pairing, &up, &wire_tap::UPSTREAM_USER_EVENT_FIELDS);
        assert_only_upstreams(pairing, &down, &wire_tap::UPSTREAM_HOST_EVENT_FIELDS);
    }
    // Between our peers the same reading finds the extension both ways.
    let (up, down) = fields_on_the_wire(Pairing::Ours, &[FEATURES]);
    assert!(up.event_fields.contains(&MOSH_RS_EXTENSION), "{up:?}");
    assert!(down.event_fields.contains(&MOSH_RS_EXTENSION), "{down:?}");
}
