//! The wire layer against a real upstream `mosh-server` (mosh 1.4): we
//! act as a minimal client built only from `mosh_rs::wire`, type a
//! command, and read the screen updates back. This proves, in both
//! directions, the key format, OCB sealing, nonce direction bits,
//! timestamps, fragments, zlib, the Instruction encoding and the user and
//! host messages.

use crate::support::paths::STOCK_SERVER;
use crate::support::{server, skip};

use std::net::UdpSocket;
use std::path::Path;
use std::time::{Duration, Instant};

use mosh_rs::wire::*;

/// What the minimal client learned from the server.
#[derive(Default)]
struct Seen {
    host_bytes: Vec<u8>,
    newest_state: u64,
    echo_ack: u64,
    acked_by_server: u64,
}

impl Seen {
    fn done(&self) -> bool {
        contains(&self.host_bytes, b"TYPED-42") && self.echo_ack >= 1 && self.acked_by_server >= 1
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn upstream_server_accepts_our_datagrams_and_we_read_its_replies() {
    if skip::missing(&[STOCK_SERVER, "/bin/sh"]) {
        return;
    }
    let server = server::start_detached(
        Path::new(STOCK_SERVER),
        &["new", "-i", "127.0.0.1", "--", "/bin/sh"],
        &[
            ("LANG", "C.UTF-8"),
            ("LC_ALL", "C.UTF-8"),
            ("PS1", "$ "),
            ("MOSH_SERVER_NETWORK_TMOUT", "20"),
        ],
    )
    .expect("upstream mosh-server starts");
    let key = SessionKey::parse(&server.key).expect("upstream key parses");
    assert_eq!(key.to_base64(), server.key);

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.connect(("127.0.0.1", server.port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();

    let mut cipher = Cipher::new(&key);
    let mut fragmenter = Fragmenter::new();
    let mut assembly = FragmentAssembly::new();
    let mut echo = TimestampEcho::new();
    let mut rtt = RttEstimator::new();
    let mut seq = 0u64;
    let mut seen = Seen::default();
    let typed = encode_user_message(&[
        UserEvent::Resize {
            width: 80,
            height: 24,
        },
        UserEvent::Keystroke(b"echo TYPED-$((6*7))\r".to_vec()),
    ]);

    let start = Instant::now();
    let now = || 1_000_000 + start.elapsed().as_millis() as u64;
    let deadline = start + Duration::from_secs(15);
    let mut next_send = start;
    let mut buf = [0u8; RECEIVE_BUFFER_LEN];
    while Instant::now() < deadline && !seen.done() {
        if Instant::now() >= next_send {
            // Our state 1 (the typed events) from state 0, acking theirs.
            let inst = Instruction {
                protocol_version: PROTOCOL_VERSION,
                old_num: 0,
                new_num: 1,
                ack_num: seen.newest_state,
                throwaway_num: 0,
                diff: typed.clone(),
                chaff: vec![0x5a; (seq % 17) as usize],
            };
            for frag in fragmenter.make_fragments(&inst, default_fragment_budget(false)) {
                let packet = Packet {
                    timestamp: timestamp16(now()),
                    timestamp_reply: echo.reply(now()),
                    payload: frag.encode(),
                };
                let nonce = Nonce {
                    direction: Direction::ToServer,
                    seq,
                };
                seq += 1;
                let datagram = cipher.seal(nonce, &packet.encode()).unwrap();
                assert!(datagram.len() <= mtu::IPV4_DATAGRAM_MTU);
                socket.send(&datagram).unwrap();
            }
            next_send = Instant::now() + Duration::from_millis(150);
        }
        let Ok(len) = socket.recv(&mut buf) else {
            continue;
        };
        let (nonce, plaintext) = cipher
            .open(&buf[..len])
            .expect("upstream datagram authenticates");
        assert_eq!(nonce.direction, Direction::ToClient);
        let packet = Packet::decode(&plaintext).unwrap();
        echo.received(packet.timestamp, now());
        rtt.sample_echo(packet.timestamp_reply, now());
        let fragment = Fragment::decode(&packet.payload).unwrap();
        let Some(inst) = assembly
            .add(fragment)
            .expect("upstream fragments reassemble")
        else {
            continue;
        };
        assert_eq!(inst.protocol_version, PROTOCOL_VERSION);
        seen.newest_state = seen.newest_state.max(inst.new_num);
        seen.acked_by_server = seen.acked_by_server.max(inst.ack_num);
        for event in decode_host_message(&inst.diff).expect("upstream host message decodes") {
            match event {
                HostEvent::HostBytes(bytes) => seen.host_bytes.extend(bytes),
                HostEvent::EchoAck(num) => seen.echo_ack = seen.echo_ack.max(num),
                HostEvent::Resize { .. } => {}
                HostEvent::History(_) | HostEvent::Discipline(_) | HostEvent::Clipboard(_) => {
                    panic!("a stock server cannot send mosh-rs extensions")
                }
            }
        }
    }

    let screen = String::from_utf8_lossy(&seen.host_bytes);
    assert!(
        contains(&seen.host_bytes, b"TYPED-42"),
        "command output never arrived: {screen:?}"
    );
    assert_eq!(seen.acked_by_server, 1, "server never acked our state");
    assert_eq!(seen.echo_ack, 1, "server never echo-acked our keystrokes");
    assert!(rtt.has_sample(), "server never echoed a timestamp");
    assert!(rtt.srtt() < 1000.0, "loopback RTT {}", rtt.srtt());
}
