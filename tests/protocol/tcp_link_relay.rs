//! Checks the TCP delay relay itself (tests/support/tcp_link.rs) with
//! plain sockets, so the carrier tests built on it can be trusted: bytes
//! arrive whole, in order and a one-way delay late, each way; they are
//! counted; a cut ends both ends' streams; a refusing relay refuses.

use crate::support::tcp_link::{TcpLink, TcpLinkConfig};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// An echo server on 127.0.0.1 that answers each connection by copying
/// its bytes back.
fn echo_server() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let accepting = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        for stream in accepting.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut back = stream.try_clone().unwrap();
                let _ = std::io::copy(&mut stream, &mut back);
            });
        }
    });
    listener
}

fn connect(link: &TcpLink) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", link.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

#[test]
fn bytes_come_back_in_order_a_round_trip_late_and_are_counted() {
    let server = echo_server();
    let link = TcpLink::start(server.local_addr().unwrap(), TcpLinkConfig::delay_ms(100)).unwrap();
    let mut s = connect(&link);
    let sent: Vec<u8> = (0..20_000u32).map(|n| (n % 251) as u8).collect();
    let started = Instant::now();
    for piece in sent.chunks(1000) {
        s.write_all(piece).unwrap();
    }
    let mut first = [0u8; 1];
    s.read_exact(&mut first).unwrap();
    let round_trip = started.elapsed();
    let mut got = vec![first[0]];
    let mut rest = vec![0u8; sent.len() - 1];
    s.read_exact(&mut rest).unwrap();
    got.extend(rest);
    assert_eq!(got, sent, "bytes changed or reordered");
    assert!(
        round_trip >= Duration::from_millis(195) && round_trip < Duration::from_millis(1000),
        "the first byte came back after {round_trip:?}, not one 200 ms round trip"
    );
    assert_eq!(link.up_bytes(), sent.len() as u64);
    assert_eq!(link.down_bytes(), sent.len() as u64);
    assert_eq!(link.accepted(), 1);
}

#[test]
fn a_rate_cap_spreads_the_bytes_out() {
    let server = echo_server();
    let config = TcpLinkConfig {
        one_way: Duration::ZERO,
        rate: 100_000,
    };
    let link = TcpLink::start(server.local_addr().unwrap(), config).unwrap();
    let mut s = connect(&link);
    let started = Instant::now();
    s.write_all(&[7u8; 20_000]).unwrap();
    let mut got = vec![0u8; 20_000];
    s.read_exact(&mut got).unwrap();
    // 20 kB at 100 kB/s takes 0.2 s each way at least.
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_cut_ends_the_streams_and_a_refusing_relay_refuses() {
    let server = echo_server();
    let link = TcpLink::start(server.local_addr().unwrap(), TcpLinkConfig::default()).unwrap();
    let mut s = connect(&link);
    s.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).unwrap();
    link.cut();
    let mut rest = Vec::new();
    let ended = s.read_to_end(&mut rest);
    assert!(
        matches!(ended, Ok(0)) || ended.is_err(),
        "the stream outlived the cut: {ended:?}"
    );

    link.refuse(true);
    let refused = TcpStream::connect(("127.0.0.1", link.port()));
    assert!(refused.is_err(), "a refusing relay accepted a connection");
    link.refuse(false);
    let mut again = connect(&link);
    again.write_all(b"pong").unwrap();
    again.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    assert_eq!(link.accepted(), 2);
}
