//! Our mosh-server driven by the stock `mosh` wrapper and the stock
//! `mosh-client`, in tmux: screens match tmux running the same bytes
//! directly, typing reaches the shell, Ctrl-C stops a flood, resizes
//! reach the program, the program's exit ends the client, timeouts and
//! SIGUSR1 behave as upstream's, a hand-started `mosh-server new` serves
//! a client, and bad datagrams change nothing.

use crate::support::hostile;
use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH};
use crate::support::rng::Rng;
use crate::support::scratch::Scratch;
use crate::support::screen_cases;
use crate::support::shell::shell_quote;
use crate::support::{server, session, skip, tmux};
use mosh_rs::wire::Direction;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use session::MoshSession;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);
const SHELL: &str = "PS1='ready$ ' exec sh -i";

fn missing_tools() -> bool {
    skip::missing(&[STOCK_MOSH, STOCK_CLIENT]) || skip::missing_tmux()
}

fn start(command: &str, env: &[(&str, &str)]) -> MoshSession {
    MoshSession::start(&server::our_server(), 80, 24, command, env).expect("session starts")
}

fn expect_text(s: &MoshSession, needle: &str) -> String {
    match s.tmux.wait_for_text(needle, WAIT) {
        Ok(screen) => screen,
        Err(screen) => panic!(
            "{needle:?} never appeared; screen:\n{screen}\nserver stderr:\n{}",
            s.server_stderr()
        ),
    }
}

#[test]
fn typing_into_an_interactive_shell() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.type_text("echo hello-$((6*7))");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "hello-42");
}

#[test]
fn ctrl_c_stops_yes_and_the_prompt_returns() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.type_text("yes");
    s.tmux.send_keys(&["Enter"]);
    s.tmux
        .wait_for(WAIT, |screen| {
            screen.lines().filter(|l| *l == "y").count() > 10
        })
        .expect("yes floods the screen");
    s.tmux.send_keys(&["C-c"]);
    s.tmux.type_text("echo back-$((1+1))");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "back-2");
}

#[test]
fn a_resize_reaches_the_program() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.resize(100, 30);
    s.tmux.wait_for(WAIT, |_| true).ok();
    let deadline = Instant::now() + WAIT;
    loop {
        s.tmux.type_text("stty size");
        s.tmux.send_keys(&["Enter"]);
        if s.tmux
            .wait_for_text("30 100", Duration::from_secs(2))
            .is_ok()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "size never reached the program:\n{}",
            s.tmux.capture()
        );
    }
}

#[test]
fn the_programs_exit_ends_the_client_and_the_server() {
    if missing_tools() {
        return;
    }
    let mut s = start("echo finished; sleep 0.3", &[]);
    assert_client_ended_cleanly(&s);
    assert!(s.server_pid(WAIT).is_some(), "{}", s.server_stderr());
    assert!(
        s.wait_server_gone(WAIT),
        "server still running after the session ended"
    );
}

#[test]
fn the_server_exits_after_the_network_timeout_once_the_client_is_gone() {
    if missing_tools() {
        return;
    }
    let mut s = start(SHELL, &[("MOSH_SERVER_NETWORK_TMOUT", "3")]);
    expect_text(&s, "ready$");
    assert!(s.server_pid(WAIT).is_some());
    let client = s.tmux.pane_pid().expect("client pid");
    mosh_rs::sys::process::kill(client, libc::SIGKILL).unwrap();
    assert!(
        s.wait_server_gone(WAIT),
        "server outlived MOSH_SERVER_NETWORK_TMOUT"
    );
}

#[test]
fn the_shell_sees_the_timeout_variables_but_not_the_key() {
    if missing_tools() {
        return;
    }
    let s = start(
        SHELL,
        &[
            ("MOSH_SERVER_NETWORK_TMOUT", "31"),
            ("MOSH_SERVER_SIGNAL_TMOUT", "41"),
        ],
    );
    expect_text(&s, "ready$");
    s.tmux
        .type_text("echo \"net=$MOSH_SERVER_NETWORK_TMOUT sig=$MOSH_SERVER_SIGNAL_TMOUT key=${MOSH_KEY-none}\"");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "net=31 sig=41 key=none");
}

#[test]
fn an_unattended_server_exits_after_the_network_timeout() {
    let started = server::start_detached(
        &server::our_server(),
        &["new", "-i", "127.0.0.1", "--", "sleep", "600"],
        &[("MOSH_SERVER_NETWORK_TMOUT", "2")],
    )
    .expect("server starts");
    assert!(started.wait_gone(WAIT), "server did not time out");
}

#[test]
fn sigusr1_ends_an_idle_server_without_a_signal_timeout() {
    let started = server::start_detached(
        &server::our_server(),
        &["new", "-i", "127.0.0.1", "--", "sleep", "600"],
        &[("MOSH_SERVER_NETWORK_TMOUT", "60")],
    )
    .expect("server starts");
    std::thread::sleep(Duration::from_millis(300));
    assert!(started.alive());
    mosh_rs::sys::process::kill(started.pid, libc::SIGUSR1).unwrap();
    assert!(started.wait_gone(WAIT), "SIGUSR1 did not end the server");
}

#[test]
fn sigusr1_spares_a_server_whose_client_spoke_recently() {
    if missing_tools() {
        return;
    }
    let mut s = start(SHELL, &[("MOSH_SERVER_SIGNAL_TMOUT", "3600")]);
    expect_text(&s, "ready$");
    let pid = s.server_pid(WAIT).expect("server pid");
    mosh_rs::sys::process::kill(pid, libc::SIGUSR1).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        s.server_alive(),
        "SIGUSR1 ended a server with an active client"
    );
    s.tmux.type_text("echo still-$((2*3))");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "still-6");
    mosh_rs::sys::process::kill(pid, libc::SIGTERM).unwrap();
    assert!(s.wait_server_gone(WAIT), "SIGTERM did not end the server");
    assert_client_ended_cleanly(&s);
}

/// The client exited and said it was exiting normally (tmux may take a
/// while to reap it, so its status is checked only when known).
fn assert_client_ended_cleanly(s: &MoshSession) {
    assert!(
        s.tmux.wait_for_dead(WAIT),
        "client still running:\n{}",
        s.tmux.capture()
    );
    let screen = s.tmux.capture();
    assert!(
        screen.contains("[mosh is exiting.]"),
        "client did not end cleanly:\n{screen}"
    );
    if let Some(status) = s.tmux.pane_exit_status() {
        assert_eq!(status, 0, "client exit status; screen:\n{screen}");
    }
}

fn client_in_tmux(port: u16, key: &str) -> Tmux {
    let command = format!("MOSH_KEY={key} exec {STOCK_CLIENT} 127.0.0.1 {port}");
    Tmux::start(80, 24, &command, &[]).expect("tmux starts")
}

#[test]
fn a_hand_started_server_serves_the_stock_client() {
    if missing_tools() {
        return;
    }
    let started = server::start_detached(
        &server::our_server(),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[],
    )
    .expect("server starts");
    // The key is in memory: no core dumps for the server.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", started.pid)).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "{core}");
    let t = client_in_tmux(started.port, &started.key);
    t.wait_for_text("ready$", WAIT).expect("prompt");
    t.type_text("echo by-hand-$((3*3))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("by-hand-9", WAIT).expect("output");
}

#[test]
fn bad_datagrams_neither_break_the_session_nor_steal_it() {
    if missing_tools() {
        return;
    }
    let started = server::start_detached(
        &server::our_server(),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[],
    )
    .expect("server starts");
    let t = client_in_tmux(started.port, &started.key);
    t.wait_for_text("ready$", WAIT).expect("prompt");
    // The client has sent more than its first datagram by now.
    t.type_text("echo warm-$((4*4))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("warm-16", WAIT).expect("output");
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rng = Rng::new(0x1234_5678_9abc_def0);
    for datagram in hostile::forged(&started.key, Direction::ToServer, &mut rng) {
        let _ = stranger.send_to(&datagram, ("127.0.0.1", started.port));
    }
    t.type_text("echo survived-$((5*5))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("survived-25", WAIT)
        .expect("the session goes on");
    assert!(started.alive());
    // Nothing was ever sent to the stranger: the client's address stands.
    stranger
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 2048];
    assert!(
        stranger.recv_from(&mut buf).is_err(),
        "the server answered a stranger"
    );
}

// ----- screens: tmux running the bytes directly vs through mosh -----

fn settled_capture(t: &Tmux, ready: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let now = t.capture_with_attributes();
        if ready(&now) && now == last {
            return now;
        }
        last = now;
        std::thread::sleep(Duration::from_millis(300));
    }
    last
}

fn screen_case(name: &str, bytes: &[u8]) {
    let scratch = Scratch::new(&format!("screen-{name}"));
    let dir = scratch.path();
    let file = dir.join("stream.bin");
    std::fs::write(&file, bytes).unwrap();
    let command = format!("cat {}; sleep 600", shell_quote(&file.to_string_lossy()));
    let direct = Tmux::start(80, 24, &command, &[]).expect("tmux");
    let expected = settled_capture(&direct, |s| !s.trim().is_empty());
    let s = start(&command, &[]);
    let got = s
        .tmux
        .wait_for(WAIT, |_| s.tmux.capture_with_attributes() == expected);
    if got.is_err() {
        panic!(
            "screen {name} differs\n--- tmux directly:\n{expected}\n--- through mosh:\n{}",
            s.tmux.capture_with_attributes()
        );
    }
}

#[test]
fn screens_match_tmux_text_colours_and_cursor_motion() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::text_colours_and_cursor() {
        screen_case(name, &bytes);
    }
}

#[test]
fn screens_match_tmux_wrap_wide_and_combining() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::wrap_wide_and_combining() {
        screen_case(name, &bytes);
    }
}

#[test]
fn screens_match_tmux_scroll_regions() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::scroll_regions() {
        screen_case(name, &bytes);
    }
}

/// A flood of plain lines (which the server skips drawing but for the last
/// screenful) ends on the screen tmux shows: lines that wrap, a coloured
/// background coming in with each scroll, a scroll region, and a
/// partial last line.
#[test]
fn screens_match_tmux_after_plain_floods() {
    if missing_tools() {
        return;
    }
    let mut flood = b"\x1b[44m".to_vec();
    for i in 0..20_000 {
        let pad = "x".repeat(i * 7 % 170);
        flood.extend_from_slice(format!("line {i} {pad}\n").as_bytes());
    }
    flood.extend_from_slice(b"\x1b[0m\x1b[5;20r\x1b[20;1H");
    for i in 0..5_000 {
        flood.extend_from_slice(format!("in region {i}\n").as_bytes());
    }
    // tmux and mosh disagree on the end of a row that scrolled in blue
    // once default-coloured text is printed at its start (with or without
    // the skipping), so the partial line goes on a row that came in
    // uncoloured.
    flood.extend_from_slice(b"\x1b[r\x1b[24;1H\npartial");
    screen_case("flood", &flood);
}

/// The stock client's emulator has no alternate screen buffer, so this
/// matches tmux only because our server keeps the real screen itself and
/// sends the result (the complete terminal), not the raw bytes.
#[test]
fn screens_match_tmux_alternate_screen() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::alternate_screen() {
        screen_case(name, &bytes);
    }
}

#[test]
fn typing_ahead_of_a_busy_program_is_delivered_once_it_reads() {
    if missing_tools() {
        return;
    }
    // More than the pty's 4 KiB input buffer, typed while nothing reads.
    let s = start(
        "stty -icanon; echo waiting; sleep 3; head -c 9000 | wc -c; sleep 600",
        &[],
    );
    expect_text(&s, "waiting");
    let line: String = (0..9000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    for chunk in line.as_bytes().chunks(1000) {
        s.tmux.type_text(std::str::from_utf8(chunk).unwrap());
    }
    // The tty echoes the typing, so the count follows the last echoed letter.
    s.tmux
        .wait_for(WAIT, |screen| {
            screen.lines().any(|l| l.trim_end().ends_with("9000"))
        })
        .unwrap_or_else(|screen| panic!("typed input was lost:\n{screen}"));
}

#[test]
fn verbose_logs_count_dropped_datagrams() {
    let scratch = Scratch::new("verbose");
    let dir = scratch.path();
    let (out_path, err_path) = (dir.join("out"), dir.join("err"));
    let status = std::process::Command::new(server::our_server())
        .args(["new", "-v", "-i", "127.0.0.1", "--", "sleep", "600"])
        .env("MOSH_SERVER_NETWORK_TMOUT", "20")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let (port, _key) = server::parse_connect(&read(&out_path)).expect("MOSH CONNECT");
    let pid = server::parse_detached_pid(&read(&err_path)).expect("detached line");
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    for len in 0..30u8 {
        let _ = stranger.send_to(&vec![len; 30 + usize::from(len)], ("127.0.0.1", port));
    }
    let deadline = Instant::now() + WAIT;
    while !read(&err_path).contains("10 dropped so far") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = read(&err_path);
    let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
    assert!(log.contains("dropped a datagram"), "{log}");
    assert!(log.contains("10 dropped so far"), "{log}");
}
