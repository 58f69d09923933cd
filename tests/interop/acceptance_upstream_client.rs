//! Acceptance, the reverse way: a small harness built on mosh-rs's wire
//! and transport code plays server to Debian's real
//! `/usr/bin/mosh-client` (mosh 1.4), which runs in a tmux pane with
//! `MOSH_KEY` in its environment.
//!
//! The harness is the sans-IO `Transport` as a server, driven by a
//! minimal loop (`support/udp_end.rs`), sending `statesync::HostStream`
//! (program output passed through as host bytes) and receiving the real
//! `statesync::UserStream`. Upstream's client must paint the host bytes
//! we send (`WIRE-REVERSE-OK`) through its own emulator, its size and
//! keystrokes must reach us as user events, and the session must end
//! cleanly whichever side quits: upstream's client exits with status 0
//! after printing `[mosh is exiting.]`, which it only does when the
//! shutdown handshake completed.
//!
//! Later issues replace this harness with the real mosh-rs server.

use crate::support::paths::STOCK_CLIENT;
use crate::support::{noise, skip, tmux, udp_end};

use std::process::Command;
use std::time::{Duration, Instant};

use mosh_rs::statesync::{HostState, HostStream, UserStream};
use mosh_rs::transport::{Millis, SHUTDOWN_NUM};
use mosh_rs::wire::{decode_user_message, SessionKey, UserEvent};
use tmux::{Tmux, EXIT_STATUS_PREFIX};
use udp_end::UdpEnd;

const GREETING: &str = "WIRE-REVERSE-OK";
const CLIENT_EXITING: &str = "[mosh is exiting.]";
const UNCLEAN: &str = "did not shut down cleanly";

type Server = UdpEnd<HostStream, UserStream>;

/// Our harness server and upstream's client in tmux, connected, with
/// what the client sent so far.
struct Session {
    server: Server,
    tmux: Tmux,
    /// Every user event received, in order.
    user_events: Vec<UserEvent>,
    /// The pane's last capture and when it was taken.
    screen: String,
    captured_at: Option<Instant>,
}

impl Session {
    /// Starts our server with `WIRE-REVERSE-OK` as its screen and
    /// upstream's client in an 80x24 tmux pane pointed at it.
    fn start() -> Option<Session> {
        Session::start_with_output(&format!("{GREETING}\r\n"))
    }

    /// Starts our server, whose program has printed `output`, and
    /// upstream's client in an 80x24 tmux pane pointed at it.
    fn start_with_output(output: &str) -> Option<Session> {
        if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
            return None;
        }
        let key = SessionKey::generate().expect("random key");
        let blank = HostStream::blank(80, 24);
        let mut server = Server::server(&key, blank, UserStream::new()).expect("server socket");
        // State 0 is the blank screen both ends start from; the output
        // is the first change.
        server
            .transport
            .current_state_mut()
            .host_output(output.as_bytes(), &mut Vec::new());
        let port = server.local_addr().port();
        let key_text = key.to_base64();
        let tmux = Tmux::start(
            80,
            24,
            &Tmux::with_exit_report(&format!("{STOCK_CLIENT} 127.0.0.1 {port}")),
            &[
                ("MOSH_KEY", key_text.as_str()),
                ("LANG", "C.UTF-8"),
                ("LC_ALL", "C.UTF-8"),
            ],
        )
        .expect("tmux starts");
        Some(Session {
            server,
            tmux,
            user_events: Vec::new(),
            screen: String::new(),
            captured_at: None,
        })
    }

    /// Runs the server loop until `done` accepts the session, capturing
    /// the pane every 50 ms and collecting user input as it arrives.
    fn run_until(&mut self, timeout: Duration, done: impl Fn(&Session) -> bool) -> bool {
        self.run_watching(true, timeout, done)
    }

    /// Runs the server loop like [`run_until`](Self::run_until) but never
    /// stops it for a capture. Upstream's client gives up its shutdown
    /// after 16 quick retries (a third of a second on loopback); a
    /// capture that takes that long on a loaded machine would make our
    /// harness, not the client, miss the handshake.
    fn serve_until(&mut self, timeout: Duration, done: impl Fn(&Session) -> bool) -> bool {
        let served = self.run_watching(false, timeout, done);
        if !served {
            self.screen = self.tmux.capture();
        }
        served
    }

    fn run_watching(
        &mut self,
        watch_screen: bool,
        timeout: Duration,
        done: impl Fn(&Session) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.collect_user_events();
            if watch_screen
                && self
                    .captured_at
                    .is_none_or(|t| t.elapsed() >= Duration::from_millis(50))
            {
                self.screen = self.tmux.capture();
                self.captured_at = Some(Instant::now());
            }
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            self.server.turn(Duration::from_millis(10));
        }
    }

    /// Takes the user input received since the last call, as the real
    /// server feeds its pty.
    fn collect_user_events(&mut self) {
        let diff = self.server.transport.take_remote_diff();
        let events = decode_user_message(&diff).expect("our own diff of upstream's input decodes");
        self.user_events.extend(events);
    }

    fn typed(&self) -> Vec<u8> {
        let mut typed = Vec::new();
        for event in &self.user_events {
            if let UserEvent::Keystroke(keys) = event {
                typed.extend_from_slice(keys);
            }
        }
        typed
    }

    fn screen_shows(&self, text: &str) -> bool {
        self.screen.contains(text)
    }

    /// Connects, checks the greeting is painted and that the client's
    /// size and keystrokes reach us.
    fn greet_and_type(&mut self) {
        let painted = self.run_until(Duration::from_secs(20), |s| s.screen_shows(GREETING));
        assert!(
            painted,
            "upstream client never painted our host bytes:\n{}",
            self.screen
        );
        assert!(self.server.transport.has_remote_addr());
        assert!(
            self.user_events.contains(&UserEvent::Resize {
                width: 80,
                height: 24
            }),
            "the client's size never arrived: {:?}",
            self.user_events
        );

        self.tmux.type_text("typed-via-mosh");
        let typed = self.serve_until(Duration::from_secs(10), |s| {
            s.typed().windows(14).any(|w| w == b"typed-via-mosh")
        });
        assert!(
            typed,
            "keystrokes never arrived: {:?}",
            String::from_utf8_lossy(&self.typed())
        );
        assert!(
            self.server.rejected.is_empty(),
            "dropped datagrams: {:?}",
            self.server.rejected
        );
        assert!(
            self.server.transport.srtt() < 1000.0,
            "no RTT measured on loopback: {}",
            self.server.transport.srtt()
        );
    }

    /// Waits for upstream's client to exit and checks it called the
    /// shutdown clean.
    fn assert_client_exited_cleanly(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut transcript = self.transcript();
        while !transcript.contains(EXIT_STATUS_PREFIX) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(25));
            transcript = self.transcript();
        }
        assert!(
            transcript.contains(&format!("{EXIT_STATUS_PREFIX}0")),
            "mosh-client did not exit with status 0:\n{transcript}"
        );
        assert!(
            transcript.contains(CLIENT_EXITING),
            "no exit line:\n{transcript}"
        );
        assert!(!transcript.contains(UNCLEAN), "{transcript}");
    }

    /// The pane's screen with its scrollback: upstream's client leaves
    /// the alternate screen as it exits, and its last line can land in
    /// the history.
    fn transcript(&self) -> String {
        Command::new("tmux")
            .arg("-S")
            .arg(self.tmux.socket())
            .args(["capture-pane", "-p", "-S", "-", "-t", "0"])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default()
    }
}

/// Issue 2, item 7 (reverse): upstream's client paints what our harness
/// sends, its keystrokes reach us, and our shutdown ends it cleanly.
#[test]
fn upstream_client_paints_our_host_bytes_and_acks_our_shutdown() {
    let Some(mut session) = Session::start() else {
        return;
    };
    session.greet_and_type();

    let now = session.server.now();
    session.server.transport.start_shutdown(Millis(now));
    let finished = session.serve_until(Duration::from_secs(15), |s| {
        let now = s.server.now();
        s.server.transport.shutdown_acknowledged()
            || s.server.transport.shutdown_ack_timed_out(Millis(now))
    });
    assert!(finished, "shutdown neither acknowledged nor timed out");
    assert!(
        session.server.transport.shutdown_acknowledged(),
        "upstream mosh-client never acknowledged our shutdown"
    );
    session.assert_client_exited_cleanly();
}

/// The user quits upstream's client (Ctrl-^ .): its shutdown reaches our
/// harness, we acknowledge it, and the client exits cleanly — which it
/// only does once it has our acknowledgement.
#[test]
fn our_harness_acks_upstream_client_quitting() {
    let Some(mut session) = Session::start() else {
        return;
    };
    session.greet_and_type();

    session.tmux.send_keys(&["C-^"]);
    session.tmux.type_text(".");
    let acked = session.serve_until(Duration::from_secs(15), |s| {
        s.server.transport.counterparty_shutdown_ack_sent()
    });
    assert!(
        acked,
        "the client's shutdown never arrived:\n{}",
        session.screen
    );
    assert_eq!(session.server.transport.remote_state_num(), SHUTDOWN_NUM);
    assert!(!session.server.transport.shutdown_in_progress());
    // Our harness quits here, as a real server does; the client only
    // exits with status 0 if our acknowledgement reached it.
    session.assert_client_exited_cleanly();
}

/// Output that takes many fragments (150 lines of incompressible text)
/// is reassembled and painted by upstream's client: its screen shows
/// exactly the last lines.
#[test]
fn upstream_client_reassembles_output_of_many_fragments() {
    let lines = noise::lines(7, 150, 79);
    let output = lines.join("\r\n") + "\r\nWIRE-BIG-END\r\n";
    let Some(mut session) = Session::start_with_output(&output) else {
        return;
    };
    let painted = session.run_until(Duration::from_secs(20), |s| s.screen_shows("WIRE-BIG-END"));
    assert!(
        painted,
        "upstream client never painted our output:\n{}",
        session.screen
    );
    assert!(
        session.server.sent_tap.max_fragments > 1,
        "no instruction took more than one fragment: the test proves nothing"
    );

    // The last 23 lines and the cursor's empty line are on the screen.
    let mut shown: Vec<&str> = lines.iter().map(String::as_str).collect();
    shown.push("WIRE-BIG-END");
    shown.push("");
    let expected: String = shown[shown.len() - 24..]
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    let matched = session.run_until(Duration::from_secs(5), |s| s.screen == expected);
    assert!(matched, "screen differs:\n{}", session.screen);

    let now = session.server.now();
    session.server.transport.start_shutdown(Millis(now));
    let acked = session.serve_until(Duration::from_secs(15), |s| {
        s.server.transport.shutdown_acknowledged()
    });
    assert!(
        acked,
        "upstream mosh-client never acknowledged our shutdown"
    );
    session.assert_client_exited_cleanly();
}
