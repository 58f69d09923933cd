//! The remote end of the ssh carrier, `mosh-server relay`, with real
//! peers: a session of our server, the relay in front of it with its
//! standard input and output piped, and a bridge in the test that turns
//! a client's UDP datagrams into frames on those pipes and back (what the
//! ssh connection will carry). The stock client and ours both work
//! through it: the session follows its client to the relay's address and
//! nothing else changes. The relay ends when its input ends.

use crate::support::paths::STOCK_CLIENT;
use crate::support::{server, skip, tmux};

use std::io::{Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::shell::shell_quote;
use mosh_rs::carrier::framing::{encode, FrameReader};
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);
const SHELL: &str = "PS1='ready$ ' exec sh -i";

/// `mosh-server relay PORT 127.0.0.1` with piped standard input and output.
fn start_relay(port: u16) -> Child {
    Command::new(server::our_binary())
        .args([
            "server",
            "relay",
            "-p",
            &port.to_string(),
            "-i",
            "127.0.0.1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("relay starts")
}

/// Carries a client's datagrams to the relay's input as frames, and the
/// relay's output frames back to the client. Returns the UDP port the
/// client is to use.
fn bridge(mut to_relay: ChildStdin, mut from_relay: ChildStdout) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bridge socket");
    let port = socket.local_addr().unwrap().port();
    let client: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
    let (up, seen) = (socket.try_clone().unwrap(), Arc::clone(&client));
    thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok((n, from)) = up.recv_from(&mut buf) {
            *seen.lock().unwrap() = Some(from);
            let mut frame = Vec::new();
            encode(&buf[..n], &mut frame);
            if to_relay.write_all(&frame).is_err() {
                return;
            }
        }
    });
    thread::spawn(move || {
        let mut reader = FrameReader::new();
        let mut buf = [0u8; 16384];
        while let Ok(n) = from_relay.read(&mut buf) {
            if n == 0 {
                return;
            }
            reader.feed(&buf[..n], |datagram| {
                if let Some(to) = *client.lock().unwrap() {
                    let _ = socket.send_to(datagram, to);
                }
            });
        }
    });
    port
}

fn client_in_tmux(client: &str, port: u16, key: &str) -> Tmux {
    let command = format!(
        "MOSH_KEY={key} exec {} 127.0.0.1 {port}",
        shell_quote(client)
    );
    Tmux::start(80, 24, &command, &[]).expect("tmux starts")
}

fn session_through_the_relay(client: &str) {
    let started = server::start_detached(
        &server::our_server(),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", SHELL],
        &[],
    )
    .expect("server starts");
    let mut relay = start_relay(started.port);
    let port = bridge(relay.stdin.take().unwrap(), relay.stdout.take().unwrap());
    let t = client_in_tmux(client, port, &started.key);
    t.wait_for_text("ready$", WAIT)
        .expect("the prompt arrives through the relay");
    t.type_text("echo relayed-$((6*7))");
    t.send_keys(&["Enter"]);
    t.wait_for_text("relayed-42", WAIT)
        .expect("typing reaches the shell and its output comes back");
    t.type_text("exit");
    t.send_keys(&["Enter"]);
    assert!(
        started.wait_gone(WAIT),
        "the session ends when its shell does"
    );
    let _ = mosh_rs::sys::process::kill(relay.id() as i32, libc::SIGKILL);
    let _ = relay.wait();
}

#[test]
fn the_stock_client_reaches_our_server_through_the_relay() {
    if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    session_through_the_relay(STOCK_CLIENT);
}

#[test]
fn our_client_reaches_our_server_through_the_relay() {
    if skip::missing_tmux() {
        return;
    }
    let client = server::our_links().join("mosh-client");
    session_through_the_relay(&client.to_string_lossy());
}

#[test]
fn the_relay_ends_with_its_input() {
    let mut relay = start_relay(9);
    drop(relay.stdin.take());
    let deadline = Instant::now() + WAIT;
    let mut ended = false;
    while !ended && Instant::now() < deadline {
        ended = relay.try_wait().unwrap().is_some();
        thread::sleep(Duration::from_millis(50));
    }
    if !ended {
        let _ = mosh_rs::sys::process::kill(relay.id() as i32, libc::SIGKILL);
    }
    let status = relay.wait().unwrap();
    assert!(ended, "the relay outlived its input");
    assert!(status.success(), "{status:?}");
}

#[test]
fn bad_relay_arguments_are_a_usage_error() {
    let out = Command::new(server::our_binary())
        .args(["server", "relay", "-p", "notaport"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad port") && err.contains("Usage: mosh-server relay"),
        "{err}"
    );
}
