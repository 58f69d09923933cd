//! The keyboard protocol (progressive keyboard enhancement, issue 19)
//! between mosh-rs peers. tmux 3.3 does not have it, so a small terminal
//! of the test's own (`TERMINAL`, a pty between tmux and the client)
//! plays one that has: it answers the client's flags query, records every
//! byte the client writes, and passes on what tmux types, which here is
//! what such a terminal sends for Tab (`\t`) and Ctrl-I (`CSI 105;5u`).
//! A program on the server pushes flags 1, asks for them, and shows what
//! it reads: it must tell the two keys apart. In plain tmux nothing
//! changes: the program hears no flags, and Tab is Tab.

use crate::support::scratch::Scratch;
use crate::support::{link, relayed_session, skip};

use std::time::Duration;

use link::LinkConfig;
use relayed_session::{Pairing, RelayedSession};

const WAIT: Duration = Duration::from_secs(30);
/// What our `mosh` hands our client when our server offers the protocol.
const KEYS: (&str, &str) = ("MOSH_SERVER_FEATURES", "keys");
/// Ctrl-I as a terminal with the protocol's flag 1 sends it.
const CTRL_I: &str = "\x1b[105;5u";
/// Ctrl-^ (Shift+Ctrl+6) as the same terminal sends it.
const CTRL_CARET: &str = "\x1b[54;6u";

/// Pushes flags 1, asks for the flags and the device attributes, says
/// what it heard, then shows everything it reads (Tab as TAB).
const PROGRAM: &str = r"import os, termios, time, tty
saved = termios.tcgetattr(0)
tty.setraw(0)
os.write(1, b'\x1b[>1u\x1b[?u\x1b[c')
answer = b''
while not answer.endswith(b'c'):
    answer += os.read(0, 64)
heard = b'flags ' + answer.split(b'u')[0][3:] if answer.startswith(b'\x1b[?') and b'u' in answer else b'no flags'
os.write(1, heard + b'\r\n')
got = b''
while True:
    got += os.read(0, 64)
    shown = got.replace(b'\x1b', b'ESC').replace(b'\t', b'TAB')
    os.write(1, b'\rread ' + shown + b'.\r\n')
";

/// A terminal with the keyboard protocol, between tmux and the client:
/// `TERMINAL RECORDING COMMAND...` runs the command on a pty of the
/// tmux pane's size, answers `CSI ? u` with flags 0, appends what the
/// command writes to RECORDING, and passes everything else on.
const TERMINAL: &str = r"import fcntl, os, pty, select, sys, termios, tty
record = open(sys.argv[1], 'ab')
pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(master, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b'\0' * 8))
tty.setraw(0)
tail = b''
while True:
    ready, _, _ = select.select([0, master], [], [])
    if master in ready:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        record.write(data)
        record.flush()
        if b'\x1b[?u' in tail + data:
            os.write(master, b'\x1b[?0u')
        tail = (tail + data)[-3:]
        os.write(1, data)
    if 0 in ready:
        os.write(master, os.read(0, 4096))
os.waitpid(pid, 0)
";

/// Starts the program in our pairing, the client in `wrapper` ("" for
/// plain tmux), with what it needs in `scratch`.
fn start(scratch: &Scratch, wrapper: &str) -> RelayedSession {
    let program = scratch.file("keys.py", PROGRAM.as_bytes());
    RelayedSession::start_wrapped(
        Pairing::Ours,
        LinkConfig::default(),
        &format!("sleep 1; exec python3 {program}"),
        &[],
        &[KEYS],
        wrapper,
    )
}

#[test]
fn a_program_tells_ctrl_i_from_tab_through_a_terminal_with_the_protocol() {
    if skip::missing(&["/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("keyboard-protocol");
    let terminal = scratch.file("terminal.py", TERMINAL.as_bytes());
    let recording = scratch.join("client-output");
    let wrapper = format!("python3 {terminal} {}", recording.to_string_lossy());
    let s = start(&scratch, &wrapper);
    s.expect_text("flags 1", WAIT);
    s.tmux.send_keys(&["Tab"]);
    s.tmux.type_text(CTRL_I);
    s.expect_text("read TABESC[105;5u.", WAIT);

    let written = || String::from_utf8_lossy(&std::fs::read(&recording).unwrap()).into_owned();
    let shown = written();
    let push = shown.find("\x1b[>0u");
    let flags = shown.find("\x1b[=1;1u");
    assert!(
        push.is_some() && flags > push,
        "the client did not push an entry and set flags 1: {shown:?}"
    );
    assert!(!shown.contains("\x1b[<u"), "popped too early: {shown:?}");

    // The escape key's quit, Ctrl-^ sent as a terminal with flag 1 on
    // sends it: the client still sees it, and the terminal gets its flags
    // back.
    s.tmux.type_text(CTRL_CARET);
    s.tmux.type_text(".");
    assert!(s.tmux.wait_for_dead(WAIT), "the client did not quit");
    let shown = written();
    assert!(
        shown.rfind("\x1b[<u") > shown.rfind("\x1b[=1;1u"),
        "the client left flags 1 on the user's terminal: {shown:?}"
    );
}

#[test]
fn without_the_protocol_in_the_terminal_nothing_changes() {
    if skip::missing(&["/usr/bin/python3"]) || skip::missing_tmux() {
        return;
    }
    let scratch = Scratch::new("keyboard-protocol-plain");
    let s = start(&scratch, "");
    let recording = scratch.join("pane");
    s.tmux.record_output(&recording);
    s.expect_text("no flags", WAIT);
    s.tmux.send_keys(&["Tab"]);
    s.expect_text("read TAB.", WAIT);
    let shown =
        String::from_utf8_lossy(&std::fs::read(&recording).unwrap_or_default()).into_owned();
    assert!(
        !shown.contains("\x1b[>") && !shown.contains("\x1b[="),
        "the client set keyboard flags on a terminal without them: {shown:?}"
    );
}
