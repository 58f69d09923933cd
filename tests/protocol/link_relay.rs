//! Checks the link simulator itself (tests/support/link.rs) with plain
//! UDP sockets, so the fault suites built on it can be trusted.

use crate::support::link;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use link::{Impairment, Link, LinkConfig, Scripted};

fn socket() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    s
}

/// Receives everything that arrives until `quiet` passes with nothing.
fn drain(s: &UdpSocket, quiet: Duration) -> Vec<(Vec<u8>, SocketAddr)> {
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    let mut last = Instant::now();
    while last.elapsed() < quiet {
        if let Ok((n, from)) = s.recv_from(&mut buf) {
            got.push((buf[..n].to_vec(), from));
            last = Instant::now();
        }
    }
    got
}

#[test]
fn relays_both_ways_and_learns_the_client() {
    let server = socket();
    let client = socket();
    let relay = Link::start(server.local_addr().unwrap(), LinkConfig::default()).unwrap();
    client
        .send_to(b"hello", relay.client_facing_addr())
        .unwrap();
    let got = drain(&server, Duration::from_millis(300));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, b"hello");
    server.send_to(b"back", got[0].1).unwrap();
    let back = drain(&client, Duration::from_millis(300));
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].0, b"back");
    assert_eq!(back[0].1, relay.client_facing_addr());
}

#[test]
fn delay_holds_datagrams_back() {
    let server = socket();
    let client = socket();
    let config = LinkConfig {
        up: Impairment::delay_ms(150),
        ..LinkConfig::default()
    };
    let relay = Link::start(server.local_addr().unwrap(), config).unwrap();
    let sent = Instant::now();
    client.send_to(b"slow", relay.client_facing_addr()).unwrap();
    let mut buf = [0u8; 16];
    server
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let (n, _) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"slow");
    assert!(sent.elapsed() >= Duration::from_millis(150));
}

#[test]
fn loss_duplication_and_blackout() {
    let server = socket();
    let client = socket();
    let config = LinkConfig {
        up: Impairment {
            loss: 0.5,
            duplicate: 0.2,
            ..Impairment::default()
        },
        seed: 7,
        ..LinkConfig::default()
    };
    let relay = Link::start(server.local_addr().unwrap(), config).unwrap();
    for i in 0..400u32 {
        client
            .send_to(&i.to_be_bytes(), relay.client_facing_addr())
            .unwrap();
    }
    let got = drain(&server, Duration::from_millis(400));
    assert!(got.len() > 100 && got.len() < 350, "{} arrived", got.len());
    let mut ids: Vec<_> = got.iter().map(|(b, _)| b.clone()).collect();
    let before = ids.len();
    ids.dedup();
    ids.sort();
    ids.dedup();
    assert!(ids.len() < before, "some datagrams arrive twice");

    relay.set_blackout(true);
    for _ in 0..20 {
        client.send_to(b"dark", relay.client_facing_addr()).unwrap();
    }
    assert!(drain(&server, Duration::from_millis(300)).is_empty());
    relay.set_blackout(false);
    // Sent until one gets through: the link still loses and duplicates.
    let mut after = Vec::new();
    for _ in 0..20 {
        client
            .send_to(b"light", relay.client_facing_addr())
            .unwrap();
        after = drain(&server, Duration::from_millis(100));
        if !after.is_empty() {
            break;
        }
    }
    assert!(!after.is_empty(), "nothing arrives after the blackout ends");
    assert!(after.iter().all(|(b, _)| b == b"light"));
}

#[test]
fn switching_the_source_moves_the_client_as_the_server_sees_it() {
    let server = socket();
    let client = socket();
    let relay = Link::start(server.local_addr().unwrap(), LinkConfig::default()).unwrap();
    client.send_to(b"a", relay.client_facing_addr()).unwrap();
    let first = drain(&server, Duration::from_millis(200));
    relay.switch_source(IpAddr::from([127, 0, 0, 3]));
    std::thread::sleep(Duration::from_millis(20));
    client.send_to(b"b", relay.client_facing_addr()).unwrap();
    let second = drain(&server, Duration::from_millis(200));
    assert_eq!(first[0].1.ip(), IpAddr::from([127, 0, 0, 1]));
    assert_eq!(second[0].1.ip(), IpAddr::from([127, 0, 0, 3]));
    // Replies to the new address still reach the client.
    server.send_to(b"r", second[0].1).unwrap();
    assert_eq!(drain(&client, Duration::from_millis(200)).len(), 1);
}

#[test]
fn scripted_blackout_and_port_hops() {
    let server = socket();
    let client = socket();
    let config = LinkConfig {
        script: vec![
            Scripted::Blackout {
                start: Duration::from_millis(0),
                length: Duration::from_millis(300),
            },
            Scripted::HopPorts {
                start: Duration::from_millis(300),
                every: Duration::from_millis(100),
            },
        ],
        ..LinkConfig::default()
    };
    let relay = Link::start(server.local_addr().unwrap(), config).unwrap();
    client.send_to(b"x", relay.client_facing_addr()).unwrap();
    assert!(drain(&server, Duration::from_millis(150)).is_empty());
    std::thread::sleep(Duration::from_millis(250));
    let mut ports = std::collections::BTreeSet::new();
    for _ in 0..5 {
        client.send_to(b"y", relay.client_facing_addr()).unwrap();
        for (_, from) in drain(&server, Duration::from_millis(120)) {
            ports.insert(from.port());
        }
    }
    assert!(ports.len() >= 3, "source ports seen: {ports:?}");
}
