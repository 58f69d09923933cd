//! Acceptance: mosh-rs's wire and transport code acts as the client of
//! Debian's real `/usr/bin/mosh-server` (mosh 1.4) over a real UDP socket.
//!
//! The client here is the sans-IO `Transport` driven by a minimal loop
//! (`support/udp_end.rs`), sending the real user stream
//! (`statesync::UserStream`) and receiving into a test-only host state
//! that keeps every host byte (`support/toy_states.rs`):
//! it sends a `UserMessage` (a resize), decrypts and reassembles the
//! server's replies, decodes the `HostMessage`s and finds the command's
//! output in the host bytes. Both ways a session ends cleanly are proved:
//! the server's command exits (the server shuts down, we acknowledge) and
//! we quit (we shut down, the server acknowledges); either way the server
//! process must be gone afterwards.
//!
//! Later issues replace this harness with the real mosh-rs client.

use crate::support::paths::STOCK_SERVER;
use crate::support::{noise, server, skip, toy_states, udp_end};

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use mosh_rs::statesync::UserStream;
use mosh_rs::terminal::Emulator;
use mosh_rs::transport::{Millis, SHUTDOWN_NUM};
use mosh_rs::wire::SessionKey;
use toy_states::HostOutput;
use udp_end::UdpEnd;

/// How many times a mosh sender repeats its shutdown before giving up on
/// an acknowledgement (upstream's `SHUTDOWN_RETRIES`).
const UPSTREAM_SHUTDOWN_RETRIES: u64 = 16;

type Client = UdpEnd<UserStream, HostOutput>;

/// Starts upstream's server running `sh -c script` and connects our
/// transport to it as a client (nothing sent yet).
fn start_session(script: &str) -> Option<(server::DetachedServer, Client)> {
    if skip::missing(&[STOCK_SERVER, "/bin/sh"]) {
        return None;
    }
    let server = server::start_detached(
        Path::new(STOCK_SERVER),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", script],
        &[
            ("LANG", "C.UTF-8"),
            ("LC_ALL", "C.UTF-8"),
            ("MOSH_SERVER_NETWORK_TMOUT", "30"),
        ],
    )
    .expect("upstream mosh-server starts and prints MOSH CONNECT");
    let key = SessionKey::parse(&server.key).expect("upstream's key parses");
    let address = SocketAddr::from(([127, 0, 0, 1], server.port));
    let mut client = Client::client(&key, address, UserStream::new(), HostOutput::default())
        .expect("client socket");
    // Upstream's client sends keystrokes after 1 ms rather than 8.
    client.transport.set_send_delay(1);
    Some((server, client))
}

/// A file in the temp directory, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("mosh-rs-accept-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("temp file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn host_text(client: &Client) -> String {
    String::from_utf8_lossy(client.transport.remote_state().bytes()).into_owned()
}

/// Issue 2, item 7: resize to 80x24, read `WIRE-OK-42` from the server's
/// host bytes, then the command exits: the server shuts down, we
/// acknowledge, and the server process exits.
#[test]
fn our_transport_reads_upstream_server_output_and_acks_its_shutdown() {
    let Some((server, mut client)) = start_session("echo WIRE-OK-$((6*7)); sleep 5") else {
        return;
    };
    client.transport.current_state_mut().push_resize(80, 24);

    let seen = client.run_until(Duration::from_secs(15), |c| {
        c.transport.remote_state().contains(b"WIRE-OK-42")
    });
    assert!(
        seen,
        "command output never arrived; host bytes: {:?}",
        host_text(&client)
    );
    assert!(
        client.transport.sent_state_acked() >= 1,
        "the server never acknowledged our resize"
    );
    assert!(
        client.rejected.is_empty(),
        "dropped datagrams: {:?}",
        client.rejected
    );
    assert!(
        server.alive(),
        "the server quit before its command finished"
    );
    // Timestamps went both ways: the server echoed ours.
    assert!(
        client.transport.srtt() < 1000.0,
        "no RTT measured on loopback: {}",
        client.transport.srtt()
    );

    // `sleep 5` ends, the pty closes, and upstream's server starts its
    // shutdown; we acknowledge it, then quit as upstream's client does.
    let acked = client.run_until(Duration::from_secs(20), |c| {
        c.transport.counterparty_shutdown_ack_sent()
    });
    assert!(
        acked,
        "the server's shutdown never arrived or was never acknowledged"
    );
    assert_eq!(client.transport.remote_state_num(), SHUTDOWN_NUM);
    assert!(
        !client.transport.shutdown_in_progress(),
        "we never started one"
    );

    let gone = client.listen_silently(Duration::from_secs(15), || !server.alive());
    assert!(
        gone,
        "upstream mosh-server (pid {}) did not exit",
        server.pid
    );
    // Had our acknowledgement been lost, the server would have repeated
    // its shutdown until its 16 tries ran out before exiting.
    assert!(
        client.tap.shutdown_instructions < UPSTREAM_SHUTDOWN_RETRIES,
        "the server sent its shutdown {} times: it never heard our ack",
        client.tap.shutdown_instructions
    );
    assert!(
        client.rejected.is_empty(),
        "dropped datagrams: {:?}",
        client.rejected
    );
}

/// We quit first: our shutdown reaches the server, which acknowledges it
/// and exits although its command would run for another minute. The
/// resize we sent (97x31) reaches the command's pty and comes back as the
/// server terminal's size.
#[test]
fn upstream_server_acknowledges_our_shutdown_and_exits() {
    let script = "echo WIRE-SIZE-$(stty size | tr ' ' x); sleep 60";
    let Some((server, mut client)) = start_session(script) else {
        return;
    };
    client.transport.current_state_mut().push_resize(97, 31);

    let seen = client.run_until(Duration::from_secs(15), |c| {
        c.transport.remote_state().contains(b"WIRE-SIZE-31x97")
    });
    assert!(
        seen,
        "the pty never got our size; host bytes: {:?}",
        host_text(&client)
    );
    let echoed = client.run_until(Duration::from_secs(5), |c| {
        c.transport.remote_state().size() == Some((97, 31))
    });
    assert!(
        echoed,
        "the server's terminal never reported our size: {:?}",
        client.transport.remote_state().size()
    );
    // Once our input reached its pty, the server echo-acks our state.
    let echo_acked = client.run_until(Duration::from_secs(5), |c| {
        c.transport.remote_state().echo_ack() >= 1
    });
    assert!(echo_acked, "the server never echo-acked our input");

    client.transport.start_shutdown(Millis(client.now()));
    let finished = client.run_until(Duration::from_secs(15), |c| {
        let now = c.now();
        c.transport.shutdown_acknowledged() || c.transport.shutdown_ack_timed_out(Millis(now))
    });
    assert!(finished, "shutdown neither acknowledged nor timed out");
    assert!(
        client.transport.shutdown_acknowledged(),
        "upstream mosh-server never acknowledged our shutdown"
    );
    assert!(
        server.wait_gone(Duration::from_secs(10)),
        "upstream mosh-server (pid {}) still runs after acknowledging our shutdown",
        server.pid
    );
    assert!(
        client.rejected.is_empty(),
        "dropped datagrams: {:?}",
        client.rejected
    );
}

/// A screen of incompressible text (200x60) makes upstream's server send
/// instructions of many fragments; reassembled and painted by our
/// emulator, the host bytes give exactly the screen the program drew.
#[test]
fn upstream_server_screen_of_many_fragments_reassembles_exactly() {
    let lines = noise::lines(42, 80, 190);
    let file = TempFile::new("screen.txt", &(lines.join("\n") + "\n"));
    // The server starts the command only once a client is heard.
    let script = format!("cat '{}'; echo WIRE-BIG-DONE; sleep 60", file.0.display());
    let Some((server, mut client)) = start_session(&script) else {
        return;
    };
    client.transport.current_state_mut().push_resize(200, 60);

    let seen = client.run_until(Duration::from_secs(15), |c| {
        c.transport.remote_state().contains(b"WIRE-BIG-DONE")
    });
    assert!(
        seen,
        "the output never ended; host bytes: {:?}",
        host_text(&client)
    );
    assert_eq!(client.transport.remote_state().size(), Some((200, 60)));
    assert!(
        client.tap.max_fragments > 1,
        "no instruction took more than one fragment: the test proves nothing"
    );

    // The last 59 lines and the cursor's empty line are on the screen.
    let mut shown: Vec<&str> = lines.iter().map(String::as_str).collect();
    shown.push("WIRE-BIG-DONE");
    shown.push("");
    let expected: String = shown[shown.len() - 60..]
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    let mut emulator = Emulator::new(200, 60);
    emulator.feed(client.transport.remote_state().bytes());
    assert_eq!(emulator.framebuffer().text(), expected);
    assert!(
        client.rejected.is_empty(),
        "dropped datagrams: {:?}",
        client.rejected
    );

    client.transport.start_shutdown(Millis(client.now()));
    let acked = client.run_until(Duration::from_secs(15), |c| {
        c.transport.shutdown_acknowledged()
    });
    assert!(
        acked,
        "upstream mosh-server never acknowledged our shutdown"
    );
    assert!(
        server.wait_gone(Duration::from_secs(10)),
        "server still runs"
    );
}

/// The test-only host state must diff and trim like an append-only
/// state, or the tests above would prove nothing about the transport.
#[test]
fn toy_host_output_round_trips_and_trims() {
    use mosh_rs::transport::SyncState;
    use mosh_rs::wire::{encode_host_message, HostEvent};

    let mut sender = HostOutput::default();
    sender.push_bytes(b"first ");
    let old = sender.clone();
    sender.push_bytes(b"second");
    let mut receiver = old.clone();
    receiver.apply_diff(&sender.diff_from(&old)).unwrap();
    assert_eq!(receiver.bytes(), b"first second");

    let upstream_shaped = encode_host_message(&[
        HostEvent::EchoAck(3),
        HostEvent::Resize {
            width: 97,
            height: 31,
        },
        HostEvent::HostBytes(b"!".to_vec()),
    ]);
    receiver.apply_diff(&upstream_shaped).unwrap();
    assert_eq!(receiver.echo_ack(), 3);
    assert_eq!(receiver.size(), Some((97, 31)));
    assert!(receiver.contains(b"second!"));

    let diff_before = sender.diff_from(&old);
    let mut trimmed_sender = sender.clone();
    let mut trimmed_old = old.clone();
    trimmed_sender.subtract(&old);
    trimmed_old.subtract(&old);
    assert_eq!(trimmed_sender.bytes(), b"second");
    assert_eq!(trimmed_sender.diff_from(&trimmed_old), diff_before);
}
