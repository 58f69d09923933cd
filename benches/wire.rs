//! Wire-layer throughput: `cargo bench --bench wire`.
//!
//! Prints datagrams per second for sealing and opening 1200-byte
//! plaintexts (the cost every datagram pays), and for the whole send and
//! receive path of one instruction (encode, zlib, fragment, seal; and
//! open, reassemble, inflate, decode). Each figure runs for about a
//! second; nothing here asserts a time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mosh_rs::wire::*;

const RUN_FOR: Duration = Duration::from_millis(800);

/// Calls `step` until `RUN_FOR` has passed; returns calls per second.
fn rate(mut step: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls: u64 = 0;
    while start.elapsed() < RUN_FOR {
        for _ in 0..64 {
            step();
        }
        calls += 64;
    }
    calls as f64 / start.elapsed().as_secs_f64()
}

fn report(name: &str, per_second: f64, bytes_each: usize) {
    let mib = per_second * bytes_each as f64 / (1024.0 * 1024.0);
    println!("{name:<44} {per_second:>12.0} /s  {mib:>9.1} MiB/s");
}

fn main() {
    let key = SessionKey::from_bytes(*b"bench-key-16byte");
    let mut sealer = Cipher::new(&key);
    let opener = Cipher::new(&key);
    let plaintext = vec![0x5a; 1200];
    let mut seq = 0u64;
    let mut next_nonce = move || {
        seq += 1;
        Nonce {
            direction: Direction::ToClient,
            seq,
        }
    };

    let seal_rate = rate(|| {
        black_box(sealer.seal(next_nonce(), black_box(&plaintext)).ok());
    });
    report("seal 1200-byte datagram", seal_rate, 1200);

    let datagram = sealer.seal(next_nonce(), &plaintext).unwrap_or_default();
    let open_rate = rate(|| {
        black_box(opener.open(black_box(&datagram)).ok());
    });
    report("open 1200-byte datagram", open_rate, 1200);

    let round_trip = rate(|| {
        if let Ok(sealed) = sealer.seal(next_nonce(), black_box(&plaintext)) {
            black_box(opener.open(&sealed).ok());
        }
    });
    report("seal + open 1200-byte datagram", round_trip, 1200);

    // A screenful of changing text, as a host message diff.
    let mut screen = Vec::new();
    for row in 0..24 {
        screen.extend_from_slice(format!("\x1b[{};1H\x1b[3{}m", row + 1, row % 8).as_bytes());
        screen.extend((0..80).map(|col| b'!' + ((row * 7 + col * 13) % 90) as u8));
    }
    let inst = Instruction {
        protocol_version: PROTOCOL_VERSION,
        old_num: 10,
        new_num: 11,
        ack_num: 5,
        throwaway_num: 9,
        diff: encode_host_message(&[HostEvent::EchoAck(5), HostEvent::HostBytes(screen)]),
        chaff: vec![0; 7],
    };
    let budget = default_fragment_budget(false);
    let mut fragmenter = Fragmenter::new();
    let send =
        |sealer: &mut Cipher, fragmenter: &mut Fragmenter, nonce: &mut dyn FnMut() -> Nonce| {
            let mut datagrams = Vec::new();
            for frag in fragmenter.make_fragments(&inst, budget) {
                let packet = Packet {
                    timestamp: 1,
                    timestamp_reply: 2,
                    payload: frag.encode(),
                };
                if let Ok(sealed) = sealer.seal(nonce(), &packet.encode()) {
                    datagrams.push(sealed);
                }
            }
            datagrams
        };
    let mut next_nonce = {
        let mut seq = 1u64 << 40;
        move || {
            seq += 1;
            Nonce {
                direction: Direction::ToClient,
                seq,
            }
        }
    };
    let diff_len = inst.diff.len();
    let send_rate = rate(|| {
        black_box(send(&mut sealer, &mut fragmenter, &mut next_nonce));
    });
    report(
        &format!("send instruction ({diff_len}-byte diff)"),
        send_rate,
        diff_len,
    );

    let datagrams = send(&mut sealer, &mut fragmenter, &mut next_nonce);
    let mut assembly = FragmentAssembly::new();
    let receive_rate = rate(|| {
        for datagram in &datagrams {
            let Ok((_, plaintext)) = opener.open(datagram) else {
                continue;
            };
            let Ok(packet) = Packet::decode(&plaintext) else {
                continue;
            };
            let Ok(frag) = Fragment::decode(&packet.payload) else {
                continue;
            };
            if let Ok(Some(got)) = assembly.add(frag) {
                black_box(decode_host_message(&got.diff).ok());
            }
        }
    });
    report(
        &format!("receive instruction ({} datagrams)", datagrams.len()),
        receive_rate,
        diff_len,
    );
}
