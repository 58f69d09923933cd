//! Predictive local echo over a slow link: the stock `mosh-server` behind
//! a user-space relay that adds 200 ms of round trip, our client in tmux.
//! Typed characters appear underlined before the server could have echoed
//! them; once the server has answered the screen is exactly what it is
//! with predictions switched off, in a shell and in a full-screen editor;
//! and at a `read -s` password prompt no typed character ever shows.

use crate::support::paths::STOCK_SERVER;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip, tmux};

use std::time::{Duration, Instant};

use crate::support::shell::shell_quote;
use link::{Impairment, LinkConfig};
use relayed_session::{Pairing, RelayedSession};
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(30);
const SHELL: &str = "PS1='ready$ ' exec bash --norc --noprofile -i";
/// One way; the round trip is twice this.
const ONE_WAY_DELAY_MS: u64 = 100;
const UNDERLINE: &str = "\x1b[4m";

fn start(prediction: &str) -> RelayedSession {
    start_program(prediction, SHELL, "ready$")
}

/// Our client and the stock server through a relay adding the round
/// trip, running `command`, once `ready_text` shows.
fn start_program(prediction: &str, command: &str, ready_text: &str) -> RelayedSession {
    let config = LinkConfig {
        up: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        down: Impairment::delay_ms(ONE_WAY_DELAY_MS),
        ..LinkConfig::default()
    };
    let session = RelayedSession::start(
        Pairing::OurClientStockServer,
        config,
        command,
        &[],
        &[("MOSH_PREDICTION_DISPLAY", prediction)],
    );
    session.expect_text(ready_text, WAIT);
    session
}

/// Waits until the screen (with attributes) has not changed for a while
/// and satisfies `ready`.
fn settled(t: &Tmux, ready: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let now = t.capture_with_attributes();
        if ready(&now) && now == last {
            return now;
        }
        last = now;
        std::thread::sleep(Duration::from_millis(400));
    }
    panic!("screen never settled:\n{last}");
}

/// Types `text` after the prompt has echoed a first word, so the
/// prediction epoch is confirmed; returns the screen once the server has
/// answered.
fn type_line(t: &Tmux, text: &str) {
    t.type_text("echo ");
    settled(t, |s| s.contains("ready$ echo") && !s.contains(UNDERLINE));
    t.type_text(text);
}

fn missing_tools() -> bool {
    skip::missing(&[STOCK_SERVER]) || skip::missing_tmux()
}

#[test]
fn typing_shows_underlined_before_the_echo_and_settles_to_the_servers_screen() {
    if missing_tools() {
        return;
    }
    let fast = start("adaptive");
    type_line(&fast.tmux, "predicted");
    let typed = Instant::now();
    let mut seen_underlined = None;
    while typed.elapsed() < Duration::from_secs(5) && seen_underlined.is_none() {
        let screen = fast.tmux.capture_with_attributes();
        let line = screen.lines().find(|l| l.contains("ready$"));
        if line.is_some_and(|l| l.contains(UNDERLINE) && l.contains("predicted")) {
            seen_underlined = Some(typed.elapsed());
        }
    }
    let shown_after = seen_underlined.expect("the typing never showed as an underlined prediction");
    eprintln!(
        "prediction shown {} ms after the keys were sent (round trip {} ms)",
        shown_after.as_millis(),
        2 * ONE_WAY_DELAY_MS
    );
    // Non-ASCII and wide characters are predicted whole: no frame shows
    // anything but a prefix of the line being typed.
    let target = "ready$ echo predicted glück 漢字";
    for piece in [" gl", "ü", "ck ", "漢", "字"] {
        fast.tmux.type_text(piece);
        let typed = Instant::now();
        while typed.elapsed() < Duration::from_millis(150) {
            let screen = fast.tmux.capture();
            let line = screen
                .lines()
                .find(|l| l.starts_with("ready$"))
                .unwrap_or_default();
            assert!(
                target.starts_with(line.trim_end()),
                "a wrong frame: {line:?}\n{screen}"
            );
        }
    }
    let with_predictions = settled(&fast.tmux, |s| s.contains(target) && !s.contains(UNDERLINE));

    let plain = start("never");
    type_line(&plain.tmux, "predicted glück 漢字");
    let without_predictions = settled(&plain.tmux, |s| s.contains(target));
    assert_eq!(
        with_predictions, without_predictions,
        "the settled screen differs from the one without predictions"
    );

    fast.tmux.send_keys(&["Enter"]);
    fast.tmux
        .wait_for_text("\npredicted glück 漢字\n", WAIT)
        .unwrap_or_else(|s| panic!("no output:\n{s}"));
}

#[test]
fn a_silent_password_prompt_never_shows_what_is_typed() {
    if missing_tools() {
        return;
    }
    let s = start("adaptive");
    type_line(
        &s.tmux,
        "start; printf 'Password: '; read -s pw; echo; echo \"length ${#pw}\"",
    );
    s.tmux.send_keys(&["Enter"]);
    settled(&s.tmux, |screen| {
        screen.contains("Password: ") && !screen.contains(UNDERLINE)
    });
    let secret = "hunter2";
    let typed = Instant::now();
    s.tmux.type_text(secret);
    // Watch well past the round trip: nothing typed may appear, neither
    // as a prediction nor otherwise.
    while typed.elapsed() < Duration::from_millis(8 * ONE_WAY_DELAY_MS) {
        let screen = s.tmux.capture();
        let line = screen
            .lines()
            .find(|l| l.starts_with("Password:"))
            .unwrap_or_default();
        assert_eq!(line.trim_end(), "Password:", "typed text showed:\n{screen}");
    }
    s.tmux.send_keys(&["Enter"]);
    let screen = s
        .tmux
        .wait_for_text("length 7", WAIT)
        .unwrap_or_else(|screen| panic!("the program did not get the input:\n{screen}"));
    assert!(!screen.contains(secret), "{screen}");
}

#[test]
fn a_full_screen_editor_ends_up_exactly_as_without_predictions() {
    if missing_tools() || skip::missing(&["/usr/bin/vim"]) {
        return;
    }
    let scratch = Scratch::new("vim");
    let dir = scratch.path();
    let mut screens = Vec::new();
    for prediction in ["adaptive", "never"] {
        let file = dir.join(format!("{prediction}.txt"));
        std::fs::write(&file, "first line\nsecond line\n").unwrap();
        let command = format!(
            "exec vim -u NONE -i NONE -N -n {}",
            shell_quote(&file.to_string_lossy())
        );
        let s = start_program(prediction, &command, "second line");
        // Normal-mode keys (not echoed), insert mode typing, cursor keys,
        // backspace, and a command line.
        for keys in [
            "jA",
            " and more",
            "\x1b[D\x1b[D\x7fX",
            "\x1bggOnew top",
            "\x1b:s/top/TOP/",
        ] {
            s.tmux.type_text(keys);
            std::thread::sleep(Duration::from_millis(300));
        }
        s.tmux.send_keys(&["Enter"]);
        let screen = settled(&s.tmux, |screen| {
            screen.contains("new TOP") && !screen.contains(UNDERLINE)
        });
        screens.push(screen.replace(prediction, "NAME"));
    }
    assert!(screens[0].contains("second line and mo"), "{}", screens[0]);
    assert_eq!(screens[0], screens[1], "with and without predictions");
}
