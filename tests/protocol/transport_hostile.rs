//! Hostile and broken input to a server `Transport`: random bytes,
//! datagrams reflected at it, authentic datagrams carrying garbage
//! fragments, and authentic instructions with arbitrary state numbers and
//! diffs (a buggy or malicious peer holding the key). Expected: nothing
//! panics, memory stays bounded, strangers never become the client, the
//! transport never asks to be woken "now" in a loop, and afterwards it
//! still accepts a well-formed state.

use crate::support::rng::Rng;

use std::net::SocketAddr;

use mosh_rs::transport::{Millis, SyncState, Transport, HARD_STATE_LIMIT, MAX_SENT_STATES};
use mosh_rs::wire::{
    compress, Cipher, Direction, Fragment, Fragmenter, Instruction, Nonce, Packet, SessionKey,
    WireError, MAX_INSTRUCTION_BYTES, PROTOCOL_VERSION,
};

/// A state replaced wholesale by each diff; rejects oversized diffs.
#[derive(Clone, Debug, Default, PartialEq)]
struct Blob(Vec<u8>);

impl SyncState for Blob {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        if self == existing {
            Vec::new()
        } else {
            self.0.clone()
        }
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        if diff.len() > 4096 {
            return Err(WireError::Protobuf("blob too large"));
        }
        self.0 = diff.to_vec();
        Ok(())
    }

    fn subtract(&mut self, _prefix: &Self) {}
}

/// Fragment ids far from those the peer's own fragmenter hands out.
const FOREIGN_IDS: u64 = 1 << 40;
const CLIENT: &str = "127.0.0.2:4000";
const STRANGER: &str = "127.0.0.66:6666";

/// A peer that holds the key and sends whatever it likes.
struct RawPeer {
    cipher: Cipher,
    seq: u64,
    fragmenter: Fragmenter,
}

impl RawPeer {
    fn seal(&mut self, direction: Direction, payload: Vec<u8>) -> Vec<u8> {
        let packet = Packet {
            timestamp: 0,
            timestamp_reply: u16::MAX,
            payload,
        };
        self.seq += 1;
        let nonce = Nonce {
            direction,
            seq: self.seq,
        };
        self.cipher.seal(nonce, &packet.encode()).unwrap()
    }

    fn instruction(&mut self, inst: &Instruction) -> Vec<Vec<u8>> {
        self.fragmenter
            .make_fragments(inst, 1224)
            .into_iter()
            .map(|f| self.seal(Direction::ToServer, f.encode()))
            .collect()
    }
}

/// Mostly plausible state numbers near `near`, sometimes anything (but
/// rarely the shutdown number, after which no newer state can follow).
fn arbitrary_num(rng: &mut Rng, near: u64) -> u64 {
    match rng.below(1000) {
        0 => u64::MAX,
        1..=99 => 0,
        100..=199 => rng.next_u64() >> rng.below(64),
        _ => near.saturating_add(rng.below(3)).saturating_sub(1),
    }
}

/// One datagram of hostile traffic and where it claims to come from.
fn hostile_datagram(
    rng: &mut Rng,
    peer: &mut RawPeer,
    server_num: u64,
    bomb: &[u8],
) -> Vec<(Vec<u8>, bool)> {
    match rng.below(7) {
        0 => {
            let len = rng.below(2000) as usize;
            vec![(rng.bytes(len), false)]
        }
        1 => {
            let len = rng.below(1200) as usize;
            vec![(peer.seal(Direction::ToClient, rng.bytes(len)), false)]
        }
        2 => {
            let len = rng.below(1200) as usize;
            vec![(peer.seal(Direction::ToServer, rng.bytes(len)), true)]
        }
        3 => {
            // A fragment whose contents are not zlib, or a zlib bomb piece.
            let len = rng.below(1000) as usize;
            let contents = if rng.chance(0.1) {
                bomb.to_vec()
            } else {
                rng.bytes(len)
            };
            let fragment = Fragment {
                id: FOREIGN_IDS + rng.below(4),
                num: rng.below(3) as u16,
                is_final: rng.chance(0.5),
                contents,
            };
            vec![(peer.seal(Direction::ToServer, fragment.encode()), true)]
        }
        4 => {
            // An endless instruction: non-final fragments with large numbers.
            let fragment = Fragment {
                id: FOREIGN_IDS + 99,
                num: rng.below(0x8000) as u16,
                is_final: false,
                contents: rng.bytes(1000),
            };
            vec![(peer.seal(Direction::ToServer, fragment.encode()), true)]
        }
        _ => {
            let len = if rng.chance(0.1) {
                5000
            } else {
                rng.below(64) as usize
            };
            let inst = Instruction {
                protocol_version: if rng.chance(0.05) {
                    7
                } else {
                    PROTOCOL_VERSION
                },
                old_num: arbitrary_num(rng, server_num),
                new_num: arbitrary_num(rng, server_num.saturating_add(1)),
                ack_num: arbitrary_num(rng, 0),
                throwaway_num: arbitrary_num(rng, server_num),
                diff: rng.bytes(len),
                chaff: Vec::new(),
            };
            peer.instruction(&inst)
                .into_iter()
                .map(|d| (d, true))
                .collect()
        }
    }
}

#[test]
fn hostile_traffic_is_dropped_without_panics_or_unbounded_memory() {
    let client: SocketAddr = CLIENT.parse().unwrap();
    let stranger: SocketAddr = STRANGER.parse().unwrap();
    let iterations = if cfg!(debug_assertions) {
        3_000
    } else {
        30_000
    };
    // A few hundred bytes that inflate past the instruction size cap.
    let bomb = compress(&vec![0u8; MAX_INSTRUCTION_BYTES + 1]);
    let seeds = if cfg!(debug_assertions) { 2 } else { 4 };
    for seed in 0..seeds {
        let mut rng = Rng::new(seed);
        let key = SessionKey::from_bytes([seed as u8; 16]);
        let mut server: Transport<Blob, Blob> =
            Transport::new_server(&key, Blob::default(), Blob::default(), Millis(0), seed);
        let mut peer = RawPeer {
            cipher: Cipher::new(&key),
            seq: 0,
            fragmenter: Fragmenter::new(),
        };
        let mut now = 0;
        let mut states_accepted = 0;
        for _ in 0..iterations {
            now += rng.below(50);
            let num = server.remote_state_num();
            for (datagram, authentic) in hostile_datagram(&mut rng, &mut peer, num, &bomb) {
                let from = if authentic { client } else { stranger };
                let _ = server.handle_datagram(&datagram, from, Millis(now));
            }
            while let Some((to, datagram)) = server.poll_transmit(Millis(now)) {
                assert_eq!(to, client, "the server answers only the key holder");
                assert!(datagram.len() <= mosh_rs::wire::mtu::IPV4_DATAGRAM_MTU);
            }
            assert!(
                server.poll_timeout(Millis(now)) > Millis(now),
                "busy loop after hostile input"
            );
            assert!(server.received_states_held() <= HARD_STATE_LIMIT);
            assert!(server.sent_states_held() <= MAX_SENT_STATES);
            assert!(server.reassembly_bytes_held() <= MAX_INSTRUCTION_BYTES + 64 * 1024);
            assert_ne!(server.remote_addr(), Some(stranger));
            assert!(server.remote_state().0.len() <= 4096);
            if server.remote_state_num() != num {
                states_accepted += 1;
            }
        }
        // The barrage did reach the state machinery, not just the cipher.
        assert!(
            states_accepted > 10,
            "only {states_accepted} states accepted"
        );

        // Still alive: a well-formed state on top of the newest one applies.
        let newest = server.remote_state_num();
        if newest < u64::MAX - 1 {
            let inst = Instruction {
                protocol_version: PROTOCOL_VERSION,
                old_num: newest,
                new_num: newest + 1,
                ack_num: 0,
                throwaway_num: newest,
                diff: b"still here".to_vec(),
                chaff: Vec::new(),
            };
            for datagram in peer.instruction(&inst) {
                server
                    .handle_datagram(&datagram, client, Millis(now + 1))
                    .unwrap();
            }
            assert_eq!(server.remote_state_num(), newest + 1);
            assert_eq!(server.remote_state().0, b"still here");
        }
    }
}
