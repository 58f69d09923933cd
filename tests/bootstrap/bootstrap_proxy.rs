//! `mosh --fake-proxy -- HOST PORT`, the ProxyCommand the bootstrap gives
//! ssh: it reports `MOSH IP` on stderr, relays bytes both ways, and
//! closes each direction on its own (half-close), so ssh sees the
//! server's end-of-file even while its own side is still open.

use crate::support::server;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start_proxy(args: &[&str]) -> Child {
    Command::new(server::our_binary())
        .arg("mosh")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("proxy starts")
}

/// Waits for `child` to exit within `timeout`; kills it (by pid) if not.
fn wait_exit(child: &mut Child, timeout: Duration) -> Option<i32> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn read_stderr(child: &mut Child) -> String {
    let mut text = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut text)
        .expect("read stderr");
    text
}

#[test]
fn client_half_close_reaches_the_server_and_the_reply_still_flows() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut proxy = start_proxy(&["--fake-proxy", "--", "127.0.0.1", &port]);
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut stdin = proxy.stdin.take().unwrap();
    let to_send = payload.clone();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&to_send).unwrap();
        // Dropping stdin is the client's half-close.
    });
    let mut received = Vec::new();
    conn.read_to_end(&mut received).unwrap();
    writer.join().unwrap();
    assert_eq!(received, payload, "server got every byte, then end-of-file");

    conn.write_all(b"reply after half-close").unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    proxy
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut reply)
        .unwrap();
    assert_eq!(reply, "reply after half-close");
    assert_eq!(wait_exit(&mut proxy, Duration::from_secs(10)), Some(0));
    assert_eq!(read_stderr(&mut proxy), "MOSH IP 127.0.0.1\n");
}

#[test]
fn server_close_ends_the_output_while_input_stays_open() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut proxy = start_proxy(&["--family=inet", "--fake-proxy", "--", "localhost", &port]);
    let (mut conn, _) = listener.accept().unwrap();
    conn.write_all(b"SSH-2.0-test\r\n").unwrap();
    drop(conn);
    let stdin = proxy.stdin.take().unwrap();
    let mut stdout = proxy.stdout.take().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let _ = done_tx.send(out);
    });
    let out = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("stdout reached end-of-file with stdin still open");
    assert_eq!(out, b"SSH-2.0-test\r\n");
    drop(stdin);
    assert_eq!(wait_exit(&mut proxy, Duration::from_secs(10)), Some(0));
    assert_eq!(read_stderr(&mut proxy), "MOSH IP 127.0.0.1\n");
}

#[test]
fn an_unreachable_host_is_reported_and_fails() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let mut proxy = start_proxy(&["--fake-proxy", "--", "127.0.0.1", &port]);
    drop(proxy.stdin.take());
    let status = wait_exit(&mut proxy, Duration::from_secs(10));
    let stderr = read_stderr(&mut proxy);
    assert_eq!(status, Some(1), "{stderr}");
    assert!(
        stderr.contains("Could not connect to 127.0.0.1, last tried 127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("MOSH IP"), "{stderr}");
}

#[test]
fn the_family_filters_addresses() {
    let mut proxy = start_proxy(&["-6", "--fake-proxy", "--", "127.0.0.1", "22"]);
    drop(proxy.stdin.take());
    let status = wait_exit(&mut proxy, Duration::from_secs(10));
    let stderr = read_stderr(&mut proxy);
    assert_eq!(status, Some(1));
    assert!(stderr.contains("no IPv6 address"), "{stderr}");
}
