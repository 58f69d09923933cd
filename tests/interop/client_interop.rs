//! Our mosh-client driven by the stock `mosh` wrapper against the stock
//! `mosh-server`, in tmux: screens match the stock client's for the same
//! bytes, typing reaches the shell, the escape key quits, shows its
//! help and passes itself through, a resize reaches the program and the
//! screen, suspend and resume repaint, the program's exit ends the client
//! cleanly, and the notification bar speaks up when the server is silent.

use crate::support::hostile;
use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH, STOCK_SERVER};
use crate::support::rng::Rng;
use crate::support::scratch::Scratch;
use crate::support::screen_cases;
use crate::support::{link, server, session, skip, tmux};
use mosh_rs::wire::Direction;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::shell::shell_quote;
use session::MoshSession;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);
const SHELL: &str = "PS1='ready$ ' exec sh -i";

fn missing_tools() -> bool {
    skip::missing(&[STOCK_MOSH, STOCK_SERVER, STOCK_CLIENT]) || skip::missing_tmux()
}

fn our_client() -> PathBuf {
    server::our_links().join("mosh-client")
}

fn start(command: &str, env: &[(&str, &str)]) -> MoshSession {
    start_sized(80, 24, command, env)
}

fn start_sized(cols: u16, rows: u16, command: &str, env: &[(&str, &str)]) -> MoshSession {
    MoshSession::start_with_client(
        &our_client(),
        Path::new(STOCK_SERVER),
        cols,
        rows,
        command,
        env,
    )
    .expect("session starts")
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

/// The client exited with status 0 after its last line.
fn assert_client_ended_cleanly(s: &MoshSession) {
    assert!(
        s.tmux.wait_for_dead(WAIT),
        "client still running:\n{}",
        s.tmux.capture()
    );
    let screen = s.tmux.capture();
    assert!(
        screen.contains("[mosh is exiting.]"),
        "no exit line:\n{screen}"
    );
    assert!(
        !screen.contains("did not shut down cleanly"),
        "unclean:\n{screen}"
    );
    let deadline = Instant::now() + WAIT;
    while s.tmux.pane_exit_status().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(status) = s.tmux.pane_exit_status() {
        assert_eq!(status, 0, "client exit status; screen:\n{screen}");
    }
}

#[test]
fn typing_into_an_interactive_shell() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.type_text("echo hello-$((6*7)) ü漢");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "hello-42 ü漢");
}

#[test]
fn the_escape_key_quits_and_the_server_goes_too() {
    if missing_tools() {
        return;
    }
    let mut s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    assert!(s.server_pid(WAIT).is_some(), "server pid");
    s.tmux.send_keys(&["C-^"]);
    let screen = expect_text(&s, "Commands: Ctrl-Z suspends");
    assert!(
        screen.starts_with(
            "mosh: Commands: Ctrl-Z suspends, \".\" quits, \"^\" gives literal Ctrl-^"
        ),
        "help on the top row:\n{screen}"
    );
    s.tmux.type_text(".");
    assert_client_ended_cleanly(&s);
    assert!(s.wait_server_gone(WAIT), "the server still runs");
}

#[test]
fn the_escape_key_passes_itself_and_other_keys_through() {
    if missing_tools() {
        return;
    }
    let s = start("exec cat -v", &[]);
    // cat -v prints control characters as ^X once a line is complete.
    std::thread::sleep(Duration::from_millis(500));
    s.tmux.send_keys(&["C-^"]);
    expect_text(&s, "Commands:");
    s.tmux.type_text("^");
    s.tmux.send_keys(&["C-^"]);
    s.tmux.type_text("x");
    s.tmux.send_keys(&["Enter"]);
    let screen = expect_text(&s, "^^^^x");
    assert!(!screen.contains("Commands:"), "help gone:\n{screen}");
}

#[test]
fn sigterm_shuts_the_session_down_cleanly() {
    if missing_tools() {
        return;
    }
    let mut s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    assert!(s.server_pid(WAIT).is_some(), "server pid");
    let pid = s.tmux.pane_pid().expect("client pid");
    mosh_rs::sys::process::kill(pid, libc::SIGTERM).expect("SIGTERM");
    assert_client_ended_cleanly(&s);
    assert!(s.wait_server_gone(WAIT), "the server still runs");
}

#[test]
fn the_programs_exit_ends_the_client_cleanly() {
    if missing_tools() {
        return;
    }
    let s = start("echo goodbye-now; sleep 1", &[]);
    assert_client_ended_cleanly(&s);
}

#[test]
fn a_resize_reaches_the_program_and_the_screen() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.resize(60, 15);
    // The stock server answers with its resized screen.
    let prompts = |screen: &str| screen.lines().filter(|l| l.starts_with("ready$")).count();
    let deadline = Instant::now() + WAIT;
    let mut screen = String::new();
    while Instant::now() < deadline {
        let before = prompts(&s.tmux.capture());
        s.tmux.type_text("stty size");
        s.tmux.send_keys(&["Enter"]);
        screen = s
            .tmux
            .wait_for(WAIT, |now| prompts(now) > before || prompts(now) >= 6)
            .unwrap_or_else(|now| now);
        if screen.contains("\n15 60\n") {
            break;
        }
        s.tmux.type_text("clear");
        s.tmux.send_keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(screen.contains("\n15 60\n"), "size not seen:\n{screen}");
    s.tmux
        .type_text("printf '%070d\\n' 0 | tr 0 w; echo after-wrap");
    s.tmux.send_keys(&["Enter"]);
    let screen = expect_text(&s, "\nafter-wrap\n");
    let wide_rows: Vec<&str> = screen.lines().filter(|l| l.starts_with("www")).collect();
    assert_eq!(
        wide_rows,
        vec!["w".repeat(60).as_str(), "w".repeat(10).as_str()],
        "70 w's wrap at 60 columns:\n{screen}"
    );
}

/// tmux continues a stopped pane at once (it sends SIGCONT to a child
/// that stops), so this sees the whole round: the client gives the
/// terminal back with its notice, stops, is continued, takes the
/// terminal again and repaints the session on the cleared alternate
/// screen.
#[test]
fn suspend_and_resume_repaint_the_session() {
    if missing_tools() {
        return;
    }
    let s = start(SHELL, &[]);
    expect_text(&s, "ready$");
    s.tmux.type_text("echo before-suspend");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "before-suspend\n");
    s.tmux.send_keys(&["C-^", "C-z"]);
    s.tmux.type_text("echo after-resume");
    s.tmux.send_keys(&["Enter"]);
    let screen = expect_text(&s, "after-resume\n");
    assert!(
        screen.contains("before-suspend\n"),
        "repainted after resume:\n{screen}"
    );
    s.tmux.send_keys(&["C-^"]);
    s.tmux.type_text(".");
    assert_client_ended_cleanly(&s);
    let screen = s.tmux.capture();
    let suspended = screen.find("[mosh is suspended.]");
    let exiting = screen.find("[mosh is exiting.]");
    assert!(
        suspended.is_some() && suspended < exiting,
        "the suspend notice went to the real screen:\n{screen}"
    );
}

// ----- the notification bar -----

#[test]
fn the_bar_counts_the_silence_and_goes_when_the_server_is_back() {
    if missing_tools() {
        return;
    }
    let started = server::start_detached(
        Path::new(STOCK_SERVER),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[("MOSH_SERVER_NETWORK_TMOUT", "60"), ("LANG", "C.UTF-8")],
    )
    .expect("server starts");
    let relay = link::Link::start(
        ([127, 0, 0, 1], started.port).into(),
        link::LinkConfig::default(),
    )
    .expect("relay");
    let port = relay.client_facing_addr().port();
    let t = client_in_tmux(port, &started.key, &[]);
    t.wait_for_text("ready$", WAIT).expect("prompt");
    relay.set_blackout(true);
    let screen = t
        .wait_for_text("mosh: Last contact", WAIT)
        .unwrap_or_else(|s| panic!("no bar:\n{s}"));
    let top = screen.lines().next().unwrap_or_default();
    assert!(
        top.starts_with("mosh: Last contact ") && top.contains("seconds ago. [To quit: Ctrl-^ .]"),
        "{top}"
    );
    relay.set_blackout(false);
    t.wait_for(WAIT, |s| !s.contains("mosh: Last contact"))
        .unwrap_or_else(|s| panic!("bar stayed:\n{s}"));
    t.type_text("echo back-again");
    t.send_keys(&["Enter"]);
    t.wait_for_text("back-again\n", WAIT)
        .expect("session goes on");
}

/// How many sockets the process `pid` holds open.
fn open_sockets(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter(|target| target.to_string_lossy().starts_with("socket:"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_dead_path_makes_the_client_hop_ports_and_the_session_survives() {
    if missing_tools() {
        return;
    }
    let started = server::start_detached(
        Path::new(STOCK_SERVER),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[("MOSH_SERVER_NETWORK_TMOUT", "60"), ("LANG", "C.UTF-8")],
    )
    .expect("server starts");
    let relay = link::Link::start(
        ([127, 0, 0, 1], started.port).into(),
        link::LinkConfig::default(),
    )
    .expect("relay");
    let t = client_in_tmux(relay.client_facing_addr().port(), &started.key, &[]);
    t.wait_for_text("ready$", WAIT).expect("prompt");
    let pid = t.pane_pid().expect("client pid");
    assert_eq!(open_sockets(pid), 1);
    relay.set_blackout(true);
    // Nothing round-trips for 10 s: a new socket (a new source port).
    let deadline = Instant::now() + Duration::from_secs(30);
    while open_sockets(pid) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(open_sockets(pid) >= 2, "no port hop after a dead path");
    relay.set_blackout(false);
    t.wait_for(WAIT, |s| !s.contains("mosh: Last contact"))
        .unwrap_or_else(|s| panic!("contact not restored:\n{s}"));
    t.type_text("echo hopped-$((2*21))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("hopped-42\n", WAIT)
        .expect("the session goes on from the new port");
}

/// The local UDP ports of the process `pid`'s sockets.
fn udp_ports(pid: i32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|t| {
                    let t = t.to_string_lossy().into_owned();
                    Some(t.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/udp")).unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let inode = fields.get(9)?;
            let port = fields.get(1)?.rsplit(':').next()?;
            inodes
                .iter()
                .any(|i| i == inode)
                .then(|| u16::from_str_radix(port, 16).ok())
                .flatten()
        })
        .collect()
}

#[test]
fn bad_datagrams_change_nothing_on_the_client() {
    if missing_tools() {
        return;
    }
    let started = server::start_detached(
        Path::new(STOCK_SERVER),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[("LANG", "C.UTF-8")],
    )
    .expect("server starts");
    let t = client_in_tmux(started.port, &started.key, &[]);
    t.wait_for_text("ready$", WAIT).expect("prompt");
    t.type_text("echo before-$((3*3))");
    t.send_keys(&["Enter"]);
    let before = t.wait_for_text("before-9\n", WAIT).expect("output");
    let pid = t.pane_pid().expect("client pid");
    let ports = udp_ports(pid);
    assert_eq!(ports.len(), 1, "one socket: {ports:?}");
    let stranger = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rng = Rng::new(0x0123_4567_89ab_cdef);
    for datagram in hostile::forged(&started.key, Direction::ToClient, &mut rng) {
        let _ = stranger.send_to(&datagram, ("127.0.0.1", ports[0]));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(t.capture(), before, "the screen changed");
    t.type_text("echo after-$((4*4))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("after-16\n", WAIT)
        .expect("the session goes on");
    assert!(started.alive());
}

#[test]
fn window_titles_get_the_mosh_prefix_unless_told_not_to() {
    if missing_tools() {
        return;
    }
    let title_command = "printf '\\033]2;my-title\\007'; sleep 600";
    for (env, expected) in [
        (&[][..], "[mosh] my-title"),
        (&[("MOSH_TITLE_NOPREFIX", "1")][..], "my-title"),
    ] {
        let s = start(title_command, env);
        let deadline = Instant::now() + WAIT;
        let mut title = String::new();
        while Instant::now() < deadline && title != expected {
            title = pane_title(&s.tmux);
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(title, expected);
    }
}

fn pane_title(t: &Tmux) -> String {
    let out = std::process::Command::new("tmux")
        .arg("-S")
        .arg(t.socket())
        .args(["display-message", "-p", "-t", "0", "#{pane_title}"])
        .output()
        .expect("tmux display-message");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn our_client_with_our_server() {
    if skip::missing(&[STOCK_MOSH]) || skip::missing_tmux() {
        return;
    }
    let s =
        MoshSession::start_with_client(&our_client(), &server::our_server(), 80, 24, SHELL, &[])
            .expect("session starts");
    expect_text(&s, "ready$");
    s.tmux.type_text("echo ours-$((6*7))");
    s.tmux.send_keys(&["Enter"]);
    expect_text(&s, "ours-42\n");
    s.tmux.send_keys(&["C-^"]);
    s.tmux.type_text(".");
    assert_client_ended_cleanly(&s);
}

#[test]
fn a_server_that_never_answers_is_reported() {
    if skip::missing_tmux() {
        return;
    }
    // A port where nothing will ever answer.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let command = format!(
        "MOSH_KEY=AAAAAAAAAAAAAAAAAAAAAA {} 127.0.0.1 {port}",
        shell_quote(&our_client().to_string_lossy())
    );
    let t = Tmux::start(80, 24, &Tmux::with_exit_report(&command), &[]).expect("tmux starts");
    let notice = format!("Nothing received from server on UDP port {port}.");
    let screen = t
        .wait_for_text(&notice, WAIT)
        .unwrap_or_else(|s| panic!("no notice:\n{s}"));
    assert!(screen.starts_with("mosh: "), "{screen}");
    // After 15 s the client gives up, says why, and exits 1.
    let screen = t
        .wait_for(Duration::from_secs(60), |s| {
            s.contains("[mosh is exiting.]")
        })
        .unwrap_or_else(|s| panic!("did not give up:\n{s}"));
    assert!(
        screen.contains(&format!(
            "mosh did not make a successful connection to 127.0.0.1:{port}."
        )),
        "{screen}"
    );
    assert_eq!(t.wait_for_reported_exit(WAIT), Ok(1));
}

fn client_in_tmux(port: u16, key: &str, env: &[(&str, &str)]) -> Tmux {
    let mut command = String::new();
    for (k, v) in env {
        command.push_str(&format!("{k}={} ", shell_quote(v)));
    }
    command.push_str(&format!(
        "MOSH_KEY={key} exec {} 127.0.0.1 {port}",
        shell_quote(&our_client().to_string_lossy())
    ));
    Tmux::start(80, 24, &command, &[]).expect("tmux starts")
}

// ----- screens: the stock client vs ours, through the stock server -----

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

/// Where the cursor is and whether it shows.
fn cursor(t: &Tmux) -> String {
    let out = std::process::Command::new("tmux")
        .arg("-S")
        .arg(t.socket())
        .args([
            "display-message",
            "-p",
            "-t",
            "0",
            "cursor #{cursor_x},#{cursor_y} shown #{cursor_flag}",
        ])
        .output()
        .expect("tmux display-message");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `bytes` through the stock server to the stock client and to
/// ours (both in tmux); the two screens must be the same, colours and
/// attributes included.
fn screen_case(name: &str, bytes: &[u8]) {
    let scratch = Scratch::new(&format!("client-screen-{name}"));
    let dir = scratch.path();
    let file = dir.join("stream.bin");
    std::fs::write(&file, bytes).unwrap();
    let command = format!("cat {}; sleep 600", shell_quote(&file.to_string_lossy()));
    let stock = MoshSession::start(Path::new(STOCK_SERVER), 80, 24, &command, &[])
        .expect("stock session starts");
    let settled = settled_capture(&stock.tmux, |s| s.lines().any(|l| !l.trim().is_empty()));
    let expected = format!("{settled}{}", cursor(&stock.tmux));
    let s = start(&command, &[]);
    let ours = || format!("{}{}", s.tmux.capture_with_attributes(), cursor(&s.tmux));
    if s.tmux.wait_for(WAIT, |_| ours() == expected).is_err() {
        panic!(
            "screen {name} differs\n--- stock client:\n{expected}\n--- our client:\n{}",
            ours()
        );
    }
}

#[test]
fn screens_match_the_stock_client_text_colours_and_cursor_motion() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::text_colours_and_cursor() {
        screen_case(name, &bytes);
    }
}

#[test]
fn screens_match_the_stock_client_wrap_wide_and_combining() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::wrap_wide_and_combining() {
        screen_case(name, &bytes);
    }
}

#[test]
fn screens_match_the_stock_client_scroll_regions_and_the_alternate_screen() {
    if missing_tools() {
        return;
    }
    for (name, bytes) in screen_cases::scroll_regions() {
        screen_case(name, &bytes);
    }
    for (name, bytes) in screen_cases::alternate_screen() {
        screen_case(name, &bytes);
    }
}
