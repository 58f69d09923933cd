//! Underline styles and colours (issue 19): between mosh-rs peers a curly
//! red underline a program draws reaches the client's pane, when the
//! pane's terminfo says it shows them (`Smulx`, `Setulc`: an entry built
//! with `tic` on top of tmux-256color); a stock client is sent a plain
//! underline and nothing it would misread (no colon forms, no `58`).

use crate::support::paths::STOCK_CLIENT;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::process::Command;
use std::time::Duration;

use link::LinkConfig;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
/// What our `mosh` hands our client when our server offers styles.
const STYLES: (&str, &str) = ("MOSH_SERVER_FEATURES", "styles");
/// A word with a curly red underline, then a plainly underlined one.
const PROGRAM: &str = r"sleep 1; printf 'ok \033[4:3;58:2::255:0:0mcurly\033[0m \033[4mplain\033[0m drawn\r\n'; sleep 120";
/// A terminal like tmux-256color that says it draws styled and coloured
/// underlines (tmux does; Debian's entry lacks `Setulc`).
const TERMINFO_SOURCE: &str = "mosh-rs-styles|tmux with underline styles and colours,
\tSmulx=\\E[4:%p1%dm,
\tSetulc=\\E[58:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
\tuse=tmux-256color,
";

/// Compiles the terminfo entry into a directory of `scratch`; its path.
fn styled_terminfo(scratch: &Scratch) -> String {
    let source = scratch.file("styles.ti", TERMINFO_SOURCE.as_bytes());
    let dir = scratch.join("terminfo");
    let status = Command::new("tic")
        .args(["-x", "-o"])
        .arg(&dir)
        .arg(&source)
        .status()
        .expect("tic runs");
    assert!(status.success(), "tic could not compile {TERMINFO_SOURCE}");
    dir.to_string_lossy().into_owned()
}

/// Runs the program under `pairing`; the pane's `capture-pane -e` and
/// every byte the client wrote.
fn run(
    pairing: Pairing,
    scratch: &Scratch,
    name: &str,
    client_env: &[(&str, &str)],
) -> (String, String) {
    let s = RelayedSession::start(pairing, LinkConfig::default(), PROGRAM, &[], client_env);
    let recording = scratch.join(format!("pane-{name}"));
    s.tmux.record_output(&recording);
    s.expect_text("curly plain drawn", WAIT);
    std::thread::sleep(Duration::from_millis(300));
    let written = std::fs::read(&recording).unwrap_or_default();
    let written = String::from_utf8_lossy(&written).into_owned();
    (s.tmux.capture_with_attributes(), written)
}

#[test]
fn a_curly_coloured_underline_reaches_our_client_and_a_plain_one_the_stock_client() {
    if skip::missing(&[STOCK_CLIENT, "/usr/bin/tic"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("underline-styles");
    let terminfo = styled_terminfo(&scratch);
    let styled_term = [
        STYLES,
        ("TERM", "mosh-rs-styles"),
        ("TERMINFO", terminfo.as_str()),
    ];
    let (pane, _) = run(Pairing::Ours, &scratch, "styled", &styled_term);
    assert!(
        pane.contains("\x1b[4:3m") && pane.contains("\x1b[58;2;255;0;0mcurly"),
        "no curly red underline in our client's pane: {pane:?}"
    );

    // The same client in a terminal without Smulx/Setulc: a plain one.
    let (pane, written) = run(Pairing::Ours, &scratch, "plain", &[STYLES]);
    assert!(
        pane.contains("\x1b[4mcurly") && !written.contains("4:") && !written.contains("58"),
        "a terminal without the capabilities got more than a plain underline: {pane:?} {written:?}"
    );

    let (pane, written) = run(Pairing::StockClientOurServer, &scratch, "stock", &[]);
    assert!(
        pane.contains("\x1b[4mcurly") && !written.contains("4:") && !written.contains("58"),
        "the stock client did not show a plain underline only: {pane:?} {written:?}"
    );
}
