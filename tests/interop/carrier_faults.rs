//! The ssh carrier when things go wrong, as a user would notice it: UDP
//! to mosh's ports is dropped (a private network namespace with
//! nftables, see `support/blocked_netns.rs`), sshd and the session's
//! server run for a temporary user, and our `mosh` wrapper in tmux
//! carries the session over ssh, which connects through a TCP relay
//! (`support/tcp_link.rs`) that can add a round trip, count bytes and
//! cut connections. Each test's body is an `#[ignore]`d inner test that
//! its outer test runs in the namespace.
//!
//! - typing shows as a prediction long before a 200 ms round trip;
//! - the carrier's ssh killed: the same session goes on (a counter keeps
//!   counting) and a line typed in the gap arrives once;
//! - the client stopped for 30 s while its connection dies: it comes back;
//! - a resized window and `--attach` over the carrier;
//! - scrollback over the carrier: `seq 1 3000`, then 3001…6000 a few at a
//!   time with the carrier's ssh killed meanwhile: the pane's history
//!   holds 1…6000 each once, in order;
//! - ssh through a ProxyJump (the target's port is closed to the client),
//!   given with `--ssh` or in the ssh configuration;
//! - `auto` returns to UDP when UDP passes again and the carrier ends;
//! - Ctrl-C in a flood at 200 ms round trip: the prompt is back soon.

use crate::support::{blocked_netns, pane_history, tcp_link};

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use blocked_netns::{inside, remote_shell, run_inner, Remote, WrapperSession, PROMPT};
use tcp_link::{TcpLink, TcpLinkConfig};

const WAIT: Duration = Duration::from_secs(30);
/// One way through the TCP relay in the slow tests; the round trip is
/// twice this.
const ONE_WAY_MS: u64 = 100;
const UNDERLINE: &str = "\x1b[4m";

/// sshd (and a server ending after `network_timeout` seconds without
/// its client) with UDP blocked, and a TCP relay in front of sshd.
fn blocked_scene(network_timeout: u32, link: TcpLinkConfig) -> (Remote, TcpLink) {
    blocked_netns::block_udp();
    let remote = Remote::start(network_timeout);
    let sshd: SocketAddr = ([127, 0, 0, 1], remote.sshd.port()).into();
    let link = TcpLink::start(sshd, link).expect("tcp relay");
    (remote, link)
}

/// `mosh --transport=MODE` through `link`, the remote shell running
/// `setup` first; once its prompt shows.
fn session(
    remote: &Remote,
    link: &TcpLink,
    mode: &str,
    setup: &str,
    env: &[(&str, &str)],
) -> WrapperSession {
    let ssh = remote.sshd.ssh_command_via(link.port());
    let words = remote.mosh_words(mode, &ssh, &remote_shell(setup));
    WrapperSession::start(&words, env, Duration::from_secs(60))
}

fn kill(pid: i32, signal: i32) {
    mosh_rs::sys::process::kill(pid, signal).expect("kill");
}

/// How many screen lines are exactly `line` (trailing blanks aside).
fn lines_equal(screen: &str, line: &str) -> usize {
    screen.lines().filter(|l| l.trim_end() == line).count()
}

/// Checks that the command `echo WORD-$((6*7))` was typed once and ran
/// once.
fn arrived_once(screen: &str, word: &str) {
    let typed = format!("echo {word}-$((6*7))");
    let echoed = screen.lines().filter(|l| l.contains(&typed)).count();
    assert_eq!(echoed, 1, "the typed line shows {echoed} times:\n{screen}");
    let ran = lines_equal(screen, &format!("{word}-42"));
    assert_eq!(ran, 1, "the command ran {ran} times:\n{screen}");
}

// ----- typing with prediction through a 200 ms round trip -----

/// A captured line with its SGR sequences taken out: an underlined
/// prediction splits the text it shows.
fn without_attributes(line: &str) -> String {
    let mut text = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("\x1b[") {
        text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('m') {
            Some(end) => rest = &after[end + 1..],
            None => rest = "",
        }
    }
    text.push_str(rest);
    text
}

/// Waits until the screen (with attributes) has not changed for a while
/// and satisfies `ready`.
fn settled(s: &WrapperSession, ready: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let now = s.tmux.capture_with_attributes();
        if ready(&now) && now == last {
            return now;
        }
        last = now;
        std::thread::sleep(Duration::from_millis(400));
    }
    panic!("screen never settled:\n{last}");
}

#[test]
fn typing_is_predicted_before_the_carriers_round_trip() {
    run_inner("carrier_faults::inner_typing_is_predicted");
}

#[test]
#[ignore = "runs inside a network namespace, from typing_is_predicted_before_the_carriers_round_trip"]
fn inner_typing_is_predicted() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(60, TcpLinkConfig::delay_ms(ONE_WAY_MS));
    let s = session(
        &remote,
        &link,
        "ssh",
        "",
        &[("MOSH_PREDICTION_DISPLAY", "adaptive")],
    );
    // A first word echoed confirms the prediction epoch (as in
    // client_prediction.rs); by then the client knows the round trip.
    s.tmux.type_text("echo ");
    settled(&s, |screen| {
        screen.contains("ready$ echo") && !screen.contains(UNDERLINE)
    });
    s.tmux.type_text("predicted");
    let typed = Instant::now();
    let mut shown = None;
    while typed.elapsed() < Duration::from_secs(5) && shown.is_none() {
        let screen = s.tmux.capture_with_attributes();
        let line = screen
            .lines()
            .find(|l| without_attributes(l).contains("ready$ echo predicted"));
        if let Some(line) = line {
            shown = Some((typed.elapsed(), line.contains(UNDERLINE)));
        }
    }
    let (shown, underlined) = shown.expect("the typed word never showed");
    // The command's output needs the round trip: it shows the link is slow.
    s.tmux.send_keys(&["Enter"]);
    let entered = Instant::now();
    s.tmux
        .wait_for(WAIT, |screen| lines_equal(screen, "predicted") == 1)
        .unwrap_or_else(|screen| panic!("no output:\n{screen}"));
    let answered = entered.elapsed();
    eprintln!(
        "measured: the typed word shown {} ms after the keys ({}), the command's output {} ms after Enter (round trip {} ms over the carrier)",
        shown.as_millis(),
        if underlined { "underlined" } else { "not underlined" },
        answered.as_millis(),
        2 * ONE_WAY_MS
    );
    assert!(
        answered >= Duration::from_millis(2 * ONE_WAY_MS),
        "the output came back in {answered:?}: the link is not slow"
    );
    assert!(
        shown < Duration::from_millis(ONE_WAY_MS),
        "the typed word took {shown:?} to show: not predicted"
    );
}

// ----- the carrier's ssh killed -----

/// A background loop that keeps a counter in the top right corner of
/// the screen (cursor saved and restored around it).
const COUNTER: &str = "(i=0; while :; do i=$((i+1)); \
                       printf '\\0337\\033[1;60Hcount %d \\0338' $i; sleep 0.3; done) &";

/// The counter's value on the screen.
fn count(screen: &str) -> Option<u64> {
    let first = screen.lines().next()?;
    let at = first.find("count ")?;
    first.get(at + 6..)?.split_whitespace().next()?.parse().ok()
}

fn wait_for_count_above(s: &WrapperSession, floor: u64) -> u64 {
    let screen = s
        .tmux
        .wait_for(WAIT, |screen| count(screen).is_some_and(|c| c > floor))
        .unwrap_or_else(|screen| {
            panic!(
                "the counter stopped at {floor}:\n{screen}\nlog:\n{}",
                s.log()
            )
        });
    count(&screen).unwrap_or_default()
}

#[test]
fn the_session_survives_its_carriers_ssh_being_killed() {
    run_inner("carrier_faults::inner_ssh_killed");
}

#[test]
#[ignore = "runs inside a network namespace, from the_session_survives_its_carriers_ssh_being_killed"]
fn inner_ssh_killed() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(60, TcpLinkConfig::default());
    let s = session(&remote, &link, "ssh", COUNTER, &[]);
    let before = wait_for_count_above(&s, 2);
    let ssh = s.wait_for_carrier_ssh(WAIT);
    kill(ssh, libc::SIGKILL);
    s.tmux.type_text("echo gap-$((6*7))");
    s.tmux.send_keys(&["Enter"]);
    let log = s.log();
    assert!(
        !log.contains("carrier: reconnecting over ssh"),
        "the line was not typed in the gap:\n{log}"
    );
    s.wait_for_log("carrier: the ssh carrier ended", 1, WAIT);
    s.wait_for_log("carrier: reconnecting over ssh", 1, WAIT);
    let screen = s
        .tmux
        .wait_for(WAIT, |screen| lines_equal(screen, "gap-42") > 0)
        .unwrap_or_else(|screen| panic!("the line typed in the gap was lost:\n{screen}"));
    let after = wait_for_count_above(&s, count(&screen).unwrap_or(before));
    // Let any late duplicate show before counting.
    std::thread::sleep(Duration::from_millis(1000));
    let screen = s.tmux.capture();
    arrived_once(&screen, "gap");
    assert!(
        screen.contains("SERVER-PID="),
        "not the same screen:\n{screen}"
    );
    assert_eq!(remote.server.pids().len(), 1, "a second server started");
    let new_ssh = s.wait_for_carrier_ssh(WAIT);
    assert_ne!(new_ssh, ssh);
    eprintln!("measured: counter {before} before the kill, {after} after");
}

// ----- the client stopped for 30 s -----

#[test]
fn a_client_stopped_for_30_s_while_its_connection_dies_comes_back() {
    run_inner("carrier_faults::inner_client_stopped");
}

#[test]
#[ignore = "runs inside a network namespace, from a_client_stopped_for_30_s_while_its_connection_dies_comes_back"]
fn inner_client_stopped() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(120, TcpLinkConfig::default());
    let s = session(&remote, &link, "ssh", "", &[]);
    s.echo_round_trip("before", WAIT);
    let client = s.client_pid().expect("the client's pid");
    let stopped = Instant::now();
    kill(client, libc::SIGSTOP);
    // Asleep, the client loses its connection (as behind a NAT that
    // forgets it), and a line is typed.
    std::thread::sleep(Duration::from_secs(1));
    link.cut();
    s.tmux.type_text("echo woke-$((6*7))");
    s.tmux.send_keys(&["Enter"]);
    std::thread::sleep(Duration::from_secs(30).saturating_sub(stopped.elapsed()));
    let screen = s.tmux.capture();
    assert_eq!(lines_equal(&screen, "woke-42"), 0, "the client ran stopped");
    kill(client, libc::SIGCONT);
    let continued = Instant::now();
    let screen = s
        .tmux
        .wait_for(WAIT, |screen| lines_equal(screen, "woke-42") > 0)
        .unwrap_or_else(|screen| {
            panic!(
                "the session did not come back:\n{screen}\nlog:\n{}",
                s.log()
            )
        });
    eprintln!(
        "measured: the line typed while stopped ran {} ms after SIGCONT",
        continued.elapsed().as_millis()
    );
    std::thread::sleep(Duration::from_millis(1000));
    arrived_once(&s.tmux.capture(), "woke");
    assert!(
        screen.contains("before-42"),
        "not the same screen:\n{screen}"
    );
    s.echo_round_trip("again", WAIT);
    let log = s.log();
    assert!(log.contains("carrier: reconnecting over ssh"), "{log}");
    assert_eq!(remote.server.pids().len(), 1, "a second server started");
}

// ----- a resized window, and --attach, over the carrier -----

/// The carrier carries what UDP carries: a resized window reaches the
/// remote program, and `mosh --attach` from a new terminal resumes the
/// session whose client was killed, UDP still blocked.
#[test]
fn resize_and_attach_work_over_the_carrier() {
    run_inner("carrier_faults::inner_resize_and_attach");
}

#[test]
#[ignore = "runs inside a network namespace, from resize_and_attach_work_over_the_carrier"]
fn inner_resize_and_attach() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(120, TcpLinkConfig::default());
    let s = session(&remote, &link, "ssh", "", &[]);
    let size_shows = |s: &WrapperSession, size: &str| {
        s.tmux.type_text("stty size");
        s.tmux.send_keys(&["Enter"]);
        s.tmux
            .wait_for(WAIT, |screen| lines_equal(screen, size) > 0)
            .unwrap_or_else(|screen| panic!("no {size}:\n{screen}"));
    };
    size_shows(&s, "24 80");
    s.tmux.resize(100, 30);
    size_shows(&s, "30 100");

    let client = s.client_pid().expect("the client's pid");
    kill(client, libc::SIGKILL);
    let ssh = remote.sshd.ssh_command_via(link.port());
    let mut words = remote.mosh_words("ssh", &ssh, &[]);
    words.insert(1, "--attach".to_string());
    let attached = WrapperSession::start(&words, &[], Duration::from_secs(60));
    assert_eq!(attached.server_pid, s.server_pid, "another session resumed");
    attached.echo_round_trip("attached", WAIT);
    attached.tmux.type_text("echo parent-$PPID");
    attached.tmux.send_keys(&["Enter"]);
    let wanted = format!("parent-{}", s.server_pid.unwrap_or_default());
    attached
        .tmux
        .wait_for(WAIT, |screen| lines_equal(screen, &wanted) > 0)
        .unwrap_or_else(|screen| panic!("not the first session's shell:\n{screen}"));
    assert_eq!(remote.server.pids().len(), 1, "a second server started");
    attached.wait_for_carrier_ssh(WAIT);
}

// ----- scrollback over the carrier -----

/// Waits until the pane's history settles with `last` as its last number
/// and the prompt under it; checks 1..=`last` are there once each, in
/// order.
fn history_holds_up_to(s: &WrapperSession, last: u64, when: &str) {
    let all = pane_history::settled(&s.tmux, WAIT, |all| {
        pane_history::numbers(all).last() == Some(&last)
            && all.last().is_some_and(|l| l.starts_with(PROMPT.trim_end()))
    });
    pane_history::each_once_in_order(&all, last, when);
}

/// Plain `mosh` over the carrier learns from the server that it offers
/// scrollback (no option given): what scrolls off the top reaches the
/// pane's own history, and a carrier killed while output runs neither
/// loses nor repeats a line.
#[test]
fn scrollback_over_the_carrier_survives_its_ssh_being_killed() {
    run_inner("carrier_faults::inner_scrollback_over_the_carrier");
}

#[test]
#[ignore = "runs inside a network namespace, from scrollback_over_the_carrier_survives_its_ssh_being_killed"]
fn inner_scrollback_over_the_carrier() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(60, TcpLinkConfig::default());
    let ssh = remote.sshd.ssh_command_via(link.port());
    let words = remote.mosh_words("ssh", &ssh, &remote_shell(""));
    let s = WrapperSession::start_with_history(&words, &[], Duration::from_secs(60), 20_000);
    s.tmux.type_text("seq 1 3000");
    s.tmux.send_keys(&["Enter"]);
    history_holds_up_to(&s, 3000, "over the carrier");
    // Ten numbers every 20 ms or so: still running when the ssh dies.
    s.tmux
        .type_text("for i in $(seq 3001 10 5991); do seq $i $((i+9)); sleep 0.02; done");
    s.tmux.send_keys(&["Enter"]);
    s.tmux
        .wait_for(WAIT, |screen| {
            screen
                .lines()
                .any(|l| l.parse::<u64>().is_ok_and(|n| n > 3300))
        })
        .unwrap_or_else(|screen| panic!("the loop did not start:\n{screen}"));
    let ssh = s.wait_for_carrier_ssh(WAIT);
    kill(ssh, libc::SIGKILL);
    let screen = s.tmux.capture();
    assert_eq!(
        lines_equal(&screen, "6000"),
        0,
        "the loop ended first:\n{screen}"
    );
    s.wait_for_log("carrier: the ssh carrier ended", 1, WAIT);
    s.wait_for_log("carrier: reconnecting over ssh", 1, WAIT);
    history_holds_up_to(&s, 6000, "after the carrier's ssh was killed");
    assert_eq!(remote.server.pids().len(), 1, "a second server started");
}

// ----- ProxyJump -----

#[test]
fn the_carrier_goes_through_a_proxy_jump() {
    run_inner("carrier_faults::inner_proxy_jump");
}

/// sshd on a second port that root (the client) cannot reach directly:
/// only sshd itself, forwarding for a jump, gets there.
struct JumpScene {
    remote: Remote,
    /// An ssh configuration with the test user's key.
    config: std::path::PathBuf,
    target_port: u16,
    /// `user@127.0.0.1:PORT`, sshd's reachable port.
    jump: String,
}

fn jump_scene() -> JumpScene {
    blocked_netns::block_udp();
    let target_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let remote = Remote::start_with(20, &format!("Port {target_port}\n"));
    blocked_netns::block_roots_tcp_to(target_port);
    let config = remote.sshd.dir().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  IdentityFile {}\n  StrictHostKeyChecking no\n  \
             UserKnownHostsFile /dev/null\n  BatchMode yes\n  LogLevel ERROR\n",
            remote.sshd.client_key().display()
        ),
    )
    .unwrap();
    let jump = format!("{}@127.0.0.1:{}", remote.user.name, remote.sshd.port());
    JumpScene {
        remote,
        config,
        target_port,
        jump,
    }
}

#[test]
#[ignore = "runs inside a network namespace, from the_carrier_goes_through_a_proxy_jump"]
fn inner_proxy_jump() {
    if !inside() {
        return;
    }
    let scene = jump_scene();
    let user = &scene.remote.user.name;
    let (config_text, port_text) = (
        scene.config.display().to_string(),
        scene.target_port.to_string(),
    );
    let ssh = |extra: &[&str]| -> Vec<String> {
        let mut words = vec!["ssh", "-F", &config_text];
        words.extend_from_slice(extra);
        words.extend(["-p", &port_text]);
        words.iter().map(|w| w.to_string()).collect()
    };
    let run = |words: &[String]| {
        std::process::Command::new(&words[0])
            .args(&words[1..])
            .arg(format!("{user}@127.0.0.1"))
            .arg("echo reached")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let direct = run(&ssh(&[]));
    assert!(
        !direct.status.success(),
        "the target port must be closed to the client"
    );
    let jumped = ssh(&["-J", &scene.jump]);
    let through = run(&jumped);
    assert!(
        String::from_utf8_lossy(&through.stdout).contains("reached"),
        "ssh -J itself must work: {}",
        String::from_utf8_lossy(&through.stderr)
    );
    let words = scene.remote.mosh_words(
        "ssh",
        &crate::support::shell::sh_quote(&jumped),
        &remote_shell(""),
    );
    let s = WrapperSession::start(&words, &[], Duration::from_secs(60));
    s.echo_round_trip("jumped", WAIT);
    s.wait_for_carrier_ssh(WAIT);
    let log = s.log();
    assert!(
        log.contains("carrier: carrying the session over ssh"),
        "{log}"
    );
}

/// Plain `mosh target` (auto) where `~/.ssh/config` reaches the target
/// through a ProxyJump: the fake ProxyCommand that finds the server's
/// address must not replace the user's jump (stock mosh's does, and
/// cannot connect), and the carrier takes the same way.
#[test]
fn auto_keeps_a_proxy_jump_from_the_ssh_configuration() {
    run_inner("carrier_faults::inner_configured_proxy_jump");
}

#[test]
#[ignore = "runs inside a network namespace, from auto_keeps_a_proxy_jump_from_the_ssh_configuration"]
fn inner_configured_proxy_jump() {
    if !inside() {
        return;
    }
    let scene = jump_scene();
    let mut config = std::fs::read_to_string(&scene.config).unwrap();
    config.push_str(&format!(
        "Host target\n  HostName 127.0.0.1\n  Port {}\n  ProxyJump {}\n",
        scene.target_port, scene.jump
    ));
    std::fs::write(&scene.config, config).unwrap();
    let ssh = format!("ssh -F {}", scene.config.display());
    let user = &scene.remote.user.name;
    let words: Vec<String> = scene
        .remote
        .mosh_words("", &ssh, &remote_shell(""))
        .into_iter()
        .map(|w| {
            if w == format!("{user}@127.0.0.1") {
                format!("{user}@target")
            } else {
                w
            }
        })
        .collect();
    let s = WrapperSession::start(&words, &[], Duration::from_secs(60));
    s.wait_for_carrier_ssh(WAIT);
    s.echo_round_trip("configured", WAIT);
    let log = s.log();
    assert!(
        log.contains("carrier: no reply over UDP; carrying the session over ssh"),
        "{log}"
    );
}

// ----- auto back on UDP -----

#[test]
fn auto_returns_to_udp_when_udp_passes_again() {
    run_inner("carrier_faults::inner_auto_back_to_udp");
}

#[test]
#[ignore = "runs inside a network namespace, from auto_returns_to_udp_when_udp_passes_again"]
fn inner_auto_back_to_udp() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(60, TcpLinkConfig::default());
    let s = session(&remote, &link, "auto", "", &[]);
    s.wait_for_log(
        "carrier: no reply over UDP; carrying the session over ssh",
        1,
        WAIT,
    );
    s.echo_round_trip("carried", WAIT);
    blocked_netns::unblock_udp();
    let ssh = s.wait_for_carrier_ssh(WAIT);
    kill(ssh, libc::SIGKILL);
    s.wait_for_log("carrier: the ssh carrier ended", 1, WAIT);
    s.echo_round_trip("direct", WAIT);
    // Past the time `auto` gives UDP before trying ssh again (4 s).
    std::thread::sleep(Duration::from_secs(7));
    s.echo_round_trip("still", WAIT);
    let log = s.log();
    assert!(
        !log.contains("carrier: reconnecting over ssh"),
        "the carrier came back though UDP passes:\n{log}"
    );
    assert!(s.carrier_ssh_pids().is_empty(), "an ssh runs");
    assert_eq!(remote.server.pids().len(), 1, "a second server started");
}

// ----- Ctrl-C in a flood at 200 ms -----

#[test]
fn ctrl_c_stops_a_flood_over_a_slow_carrier() {
    run_inner("carrier_faults::inner_ctrl_c_in_a_flood");
}

#[test]
#[ignore = "runs inside a network namespace, from ctrl_c_stops_a_flood_over_a_slow_carrier"]
fn inner_ctrl_c_in_a_flood() {
    if !inside() {
        return;
    }
    let (remote, link) = blocked_scene(60, TcpLinkConfig::delay_ms(ONE_WAY_MS));
    let s = session(&remote, &link, "ssh", "", &[]);
    let elapsed = blocked_netns::ctrl_c_in_a_flood(&s.tmux, WAIT).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "measured: Ctrl-C to prompt in a flood over the carrier at {} ms round trip: {} ms",
        2 * ONE_WAY_MS,
        elapsed.as_millis()
    );
    assert!(
        elapsed < Duration::from_secs(4),
        "the prompt took {elapsed:?} to come back"
    );
    s.echo_round_trip("after", WAIT);
}
