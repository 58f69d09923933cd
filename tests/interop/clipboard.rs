//! The clipboard (OSC 52, issue 19): between mosh-rs peers, across a
//! link with a 100 ms round trip, a program's 1 MiB copy (random bytes,
//! base64) reaches the user's terminal whole and once — every byte the
//! client wrote is recorded with `pipe-pane` — while keys typed during
//! the transfer still echo promptly; the program repeating the copy sends
//! nothing more, and its query for the clipboard never reaches the user's
//! terminal (which would answer with the user's own clipboard). A stock
//! client gets a copy within its own limit as it always did, and no query
//! either.

use crate::support::paths::STOCK_CLIENT;
use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::time::{Duration, Instant};

use link::{Impairment, LinkConfig};
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(60);
/// What our `mosh` hands our client when our server offers the clipboard.
const CLIPBOARD: (&str, &str) = ("MOSH_SERVER_FEATURES", "clipboard");
/// Longest a typed key may take to echo during the transfer, on a 100 ms
/// round trip (a busy machine included).
const ECHO_BOUND: Duration = Duration::from_millis(1500);

/// Copies `argv[2]` random bytes as base64 (also saved to `argv[1]`) when
/// `c` is typed, again on `r`; queries the clipboard on `q`; echoes any
/// other key in brackets.
const PROGRAM: &str = r"import base64, os, sys, termios, tty
data = base64.b64encode(os.urandom(int(sys.argv[2])))
open(sys.argv[1], 'wb').write(data)
tty.setraw(0)
os.write(1, b'ready\r\n')
while True:
    key = os.read(0, 1)
    if key in (b'c', b'r'):
        os.write(1, b'\x1b]52;c;' + data + b'\x07copied ' + key + b'\r\n')
    elif key == b'q':
        os.write(1, b'\x1b]52;c;?\x07queried\r\n')
    elif key:
        os.write(1, b'[' + key + b']')
";

struct Run {
    session: RelayedSession,
    recording: std::path::PathBuf,
    copy: std::path::PathBuf,
}

fn start(pairing: Pairing, scratch: &Scratch, bytes: usize, link: LinkConfig) -> Run {
    let script = scratch.file(&format!("copy-{pairing:?}.py"), PROGRAM.as_bytes());
    let copy = scratch.join(format!("copy-{pairing:?}"));
    let client_env: &[(&str, &str)] = if pairing == Pairing::Ours {
        &[CLIPBOARD]
    } else {
        &[]
    };
    let session = RelayedSession::start(
        pairing,
        link,
        &format!("sleep 1; exec python3 {script} {} {bytes}", copy.display()),
        &[],
        client_env,
    );
    let recording = scratch.join(format!("pane-{pairing:?}"));
    session.tmux.record_output(&recording);
    session.expect_text("ready", WAIT);
    Run {
        session,
        recording,
        copy,
    }
}

impl Run {
    /// The payloads of the OSC 52 sequences the client wrote so far.
    fn copies_written(&self) -> Vec<Vec<u8>> {
        osc52_payloads(&std::fs::read(&self.recording).unwrap_or_default())
    }

    /// Waits until the client has written `count` OSC 52 sequences.
    fn wait_for_copies(&self, count: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + WAIT;
        loop {
            let copies = self.copies_written();
            if copies.len() >= count {
                return copies;
            }
            assert!(
                Instant::now() < deadline,
                "{:?}: {} copies written, not {count}",
                self.session.pairing,
                copies.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The program's copy, as it wrote it.
    fn expected(&self) -> Vec<u8> {
        let mut copy = b"c;".to_vec();
        copy.extend(std::fs::read(&self.copy).expect("the program saved its copy"));
        copy
    }
}

/// Each complete `ESC ] 52 ; ... BEL` in `bytes`: what is between `52;`
/// and the BEL.
fn osc52_payloads(bytes: &[u8]) -> Vec<Vec<u8>> {
    let start = b"\x1b]52;";
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = find(&bytes[at..], start) {
        let from = at + offset + start.len();
        let Some(len) = bytes[from..].iter().position(|&b| b == 0x07) else {
            break;
        };
        found.push(bytes[from..from + len].to_vec());
        at = from + len;
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn describe(copies: &[Vec<u8>]) -> Vec<String> {
    copies
        .iter()
        .map(|c| {
            format!(
                "{} bytes: {:?}",
                c.len(),
                String::from_utf8_lossy(&c[..c.len().min(20)])
            )
        })
        .collect()
}

/// Types the program's key `key` and waits for the program's answer.
fn typed(run: &Run, key: &str, answer: &str) {
    run.session.tmux.type_text(key);
    run.session.expect_text(answer, WAIT);
}

/// Types digits while the copy is in flight; returns how many echoed
/// before the copy arrived and the slowest echo among them, failing if
/// any took longer than the bound.
fn type_during_transfer(run: &Run) -> (usize, Duration) {
    let (mut during, mut slowest) = (0, Duration::ZERO);
    for digit in 0..8 {
        let key = digit.to_string();
        let started = Instant::now();
        run.session.tmux.type_text(&key);
        run.session.expect_text(&format!("[{key}]"), WAIT);
        let took = started.elapsed();
        let arrived = !run.copies_written().is_empty();
        assert!(
            took < ECHO_BOUND || arrived,
            "key {key} echoed after {took:?} while the copy was in flight"
        );
        if !arrived {
            during += 1;
            slowest = slowest.max(took);
        }
    }
    (during, slowest)
}

fn delayed_link() -> LinkConfig {
    LinkConfig {
        up: Impairment::delay_ms(50),
        down: Impairment::delay_ms(50),
        ..LinkConfig::default()
    }
}

#[test]
fn a_mebibyte_copy_arrives_whole_and_once_while_typing_stays_responsive() {
    if skip::missing(&["/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("clipboard");
    let run = start(Pairing::Ours, &scratch, 1 << 20, delayed_link());
    let started = Instant::now();
    run.session.tmux.type_text("c");
    let (during, slowest) = type_during_transfer(&run);
    assert!(
        during >= 2,
        "only {during} keys were typed during the transfer"
    );
    let copies = run.wait_for_copies(1);
    eprintln!(
        "clipboard: 1 MiB copy written after {:?}; {during} keys echoed during it, \
         the slowest in {slowest:?}",
        started.elapsed()
    );
    let expected = run.expected();
    assert_eq!(copies.len(), 1, "{:?}", describe(&copies));
    assert!(
        copies[0] == expected,
        "the copy arrived changed: {:?}",
        describe(&copies)
    );

    typed(&run, "r", "copied r");
    typed(&run, "q", "queried");
    typed(&run, "x", "[x]");
    std::thread::sleep(Duration::from_secs(1));
    let copies = run.copies_written();
    assert_eq!(copies.len(), 1, "written again: {:?}", describe(&copies));
}

#[test]
fn a_stock_client_gets_a_copy_within_its_limit_and_no_query() {
    if skip::missing(&[STOCK_CLIENT, "/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("clipboard-stock");
    let run = start(
        Pairing::StockClientOurServer,
        &scratch,
        8 * 1024,
        LinkConfig::default(),
    );
    typed(&run, "c", "copied c");
    let copies = run.wait_for_copies(1);
    assert!(copies[0] == run.expected(), "{:?}", describe(&copies));
    typed(&run, "q", "queried");
    typed(&run, "x", "[x]");
    std::thread::sleep(Duration::from_millis(500));
    let copies = run.copies_written();
    assert_eq!(copies.len(), 1, "{:?}", describe(&copies));
}
