//! Mouse reports in pixels (DECSET 1016, issue 19): between mosh-rs
//! peers the mode a program sets reaches the user's terminal, and is
//! taken back when the program resets it (every byte the client wrote is
//! recorded with `pipe-pane`); a stock client is never sent it. The
//! reports the user's terminal sends reach the program in both pairings.

use crate::support::paths::STOCK_CLIENT;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::time::Duration;

use link::LinkConfig;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
/// What our `mosh` hands our client when our server offers pixels.
const PIXELS: (&str, &str) = ("MOSH_SERVER_FEATURES", "pixels");
/// A press at pixel (300, 200), as a terminal in mode 1016 reports it.
const REPORT: &str = "\x1b[<0;300;200M";

/// Turns on motion reports in SGR pixels, reads one report, turns the
/// pixels off and shows what it read.
const PROGRAM: &str = r"import os, termios, time, tty
saved = termios.tcgetattr(0)
tty.setraw(0)
os.write(1, b'\x1b[?1003h\x1b[?1006h\x1b[?1016hpixels on\r\n')
got = b''
while not got.endswith(b'M'):
    got += os.read(0, 64)
os.write(1, b'\x1b[?1016l\x1b[?1003lgot ' + got.replace(b'\x1b', b'ESC') + b'\r\n')
termios.tcsetattr(0, termios.TCSADRAIN, saved)
time.sleep(120)
";

/// Runs the program under `pairing`, sends it a pixel report, and
/// returns every byte the client wrote.
fn run(pairing: Pairing, scratch: &Scratch, client_env: &[(&str, &str)]) -> String {
    let script = scratch.file(&format!("pixels-{pairing:?}.py"), PROGRAM.as_bytes());
    let s = RelayedSession::start(
        pairing,
        LinkConfig::default(),
        &format!("sleep 1; exec python3 {script}"),
        &[],
        client_env,
    );
    let recording = scratch.join(format!("pane-{pairing:?}"));
    s.tmux.record_output(&recording);
    s.expect_text("pixels on", WAIT);
    s.tmux.type_text(REPORT);
    s.expect_text("got ESC[<0;300;200M", WAIT);
    std::thread::sleep(Duration::from_millis(300));
    String::from_utf8_lossy(&std::fs::read(&recording).unwrap_or_default()).into_owned()
}

#[test]
fn mouse_pixel_positions_pass_between_our_peers_and_never_to_a_stock_client() {
    if skip::missing(&[STOCK_CLIENT, "/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("mouse-pixels");
    let ours = run(Pairing::Ours, &scratch, &[PIXELS]);
    let on = ours.find("\x1b[?1016h");
    let off = ours.rfind("\x1b[?1016l");
    assert!(
        on.is_some() && off > on,
        "mode 1016 not set then reset on the user's terminal: {ours:?}"
    );
    let stock = run(Pairing::StockClientOurServer, &scratch, &[]);
    assert!(
        !stock.contains("1016"),
        "the stock client was sent 1016: {stock:?}"
    );
}
