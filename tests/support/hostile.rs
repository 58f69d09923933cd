//! Hostile datagrams, for the tests that throw them at a parser, at a
//! live server or client, or into a running session: random bytes,
//! forged and reflected datagrams, replays, bit flips and truncations.
//! Every generator is seeded, so a failure replays.

use mosh_rs::wire::{Cipher, Direction, Nonce, SessionKey};

use super::rng::Rng;

/// Flips, overwrites, truncates, extends or splices `data` at random.
pub fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.index(3) {
        match rng.index(6) {
            0 if !out.is_empty() => {
                let bit = rng.index(out.len() * 8);
                out[bit / 8] ^= 1 << (bit % 8);
            }
            1 if !out.is_empty() => {
                let at = rng.index(out.len());
                out[at] = rng.next_u64() as u8;
            }
            2 => out.truncate(rng.index(out.len() + 1)),
            3 => {
                let extra = rng.some_bytes(20);
                out.extend(extra);
            }
            4 if !out.is_empty() => {
                let at = rng.index(out.len());
                out[at] = [0x00, 0x7f, 0x80, 0xff][rng.index(4)];
            }
            _ => {
                let at = rng.index(out.len() + 1);
                let extra = rng.some_bytes(4);
                let extra = if extra.is_empty() { vec![0x80] } else { extra };
                out.splice(at..at, extra);
            }
        }
    }
    out
}

/// Bad datagrams of every kind for the end of a session keyed `key` that
/// receives in direction `towards`, as a stranger would send them:
/// random bytes of sizes around the nonce and tag; datagrams sealed with
/// another key; authentic datagrams in the receiver's own direction (a
/// reflection); authentic datagrams replaying sequence number 0 (what a
/// replay from another address looks like). Towards a client also
/// authentic datagrams with fresh sequence numbers and garbage inside;
/// towards a server such a datagram is, by the protocol, a client that
/// roamed, so it is not an attack a server can refuse.
pub fn forged(key: &str, towards: Direction, rng: &mut Rng) -> Vec<Vec<u8>> {
    let away = match towards {
        Direction::ToServer => Direction::ToClient,
        Direction::ToClient => Direction::ToServer,
    };
    let mut out = Vec::new();
    for len in [0usize, 1, 8, 23, 24, 25, 100, 1300, 3000] {
        out.push(rng.bytes(len));
    }
    let mut wrong_key = Cipher::new(&SessionKey::from_bytes([7u8; 16]));
    let mut right_key = Cipher::new(&SessionKey::parse(key).expect("key"));
    for seq in 0..20u64 {
        let payload = rng.bytes(80);
        let fresh = Nonce {
            direction: towards,
            seq: (1 << 40) | seq,
        };
        out.push(wrong_key.seal(fresh, &payload).unwrap());
        let reflected = Nonce {
            direction: away,
            seq: (1 << 40) | seq,
        };
        out.push(right_key.seal(reflected, &payload).unwrap());
        if towards == Direction::ToClient {
            out.push(right_key.seal(fresh, &payload).unwrap());
        }
    }
    for _ in 0..3 {
        let payload = rng.bytes(60);
        let replayed = Nonce {
            direction: towards,
            seq: 0,
        };
        out.push(right_key.seal(replayed, &payload).unwrap());
    }
    out
}

/// What an attacker who records the traffic sends in one round: a
/// captured datagram replayed as it is, one with a bit flipped, one
/// truncated, and random garbage of one of a few sizes (including
/// shorter than a nonce and tag). Few enough that a receiving socket
/// never overflows, which would drop the session's own datagrams.
pub fn from_captured(captured: &[Vec<u8>], rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if !captured.is_empty() {
        let replay = rng.pick(captured);
        out.push(replay.clone());
        let mut flipped = replay.clone();
        let at = rng.index(flipped.len());
        if let Some(byte) = flipped.get_mut(at) {
            *byte ^= 1 << rng.below(8);
        }
        out.push(flipped);
        out.push(replay[..replay.len() / 2].to_vec());
    }
    let size = *rng.pick(&[0usize, 7, 23, 24, 100, 1400]);
    out.push(rng.bytes(size));
    out
}
