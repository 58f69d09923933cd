//! Datagrams into a whole transport end: each record is a nonce sequence
//! number, a clock step and a plaintext (two timestamps and a fragment),
//! sealed with the fixed key so that it passes authentication, then
//! opened, parsed, reassembled, inflated, decoded and applied by
//! `Transport::handle_datagram` of a client (first byte even) or a server
//! (odd). What the end holds stays within its documented bounds.
#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use mosh_rs::statesync::{CompleteTerminal, UserStream};
use mosh_rs::transport::{Millis, SyncState, Transport, HARD_STATE_LIMIT, MAX_SENT_STATES};
use mosh_rs::wire::fragment::MAX_COMPRESSED_BYTES;
use mosh_rs::wire::{Cipher, Direction, Nonce};
use mosh_rs_fuzz::{fixed_key, records, Header};

/// The most datagrams one wake may send (a full instruction's fragments).
const MAX_SENDS_PER_WAKE: usize = 64;

fuzz_target!(|data: &[u8]| {
    let mut header = Header::new(data);
    let server_end = header.byte() & 1 == 1;
    let key = fixed_key();
    let start = Millis(1_000_000);
    if server_end {
        let end = Transport::new_server(
            &key,
            CompleteTerminal::new(80, 24),
            UserStream::new(),
            start,
            7,
        );
        drive(end, Direction::ToServer, header.rest());
    } else {
        let peer: SocketAddr = "192.0.2.1:60001".parse().expect("an address");
        let end = Transport::new_client(
            &key,
            peer,
            UserStream::new(),
            CompleteTerminal::new(80, 24),
            start,
            7,
        );
        drive(end, Direction::ToClient, header.rest());
    }
});

fn drive<L: SyncState, R: SyncState>(mut end: Transport<L, R>, toward: Direction, data: &[u8]) {
    let mut cipher = Cipher::new(&fixed_key());
    let from: SocketAddr = "192.0.2.1:60001".parse().expect("an address");
    let mut now = 1_000_000u64;
    for record in records(data) {
        let mut fields = Header::new(record);
        let seq = fields.u64() >> 1;
        now += u64::from(fields.u16());
        let Ok(datagram) = cipher.seal(
            Nonce {
                direction: toward,
                seq,
            },
            fields.rest(),
        ) else {
            continue;
        };
        let _ = end.handle_datagram(&datagram, from, Millis(now));
        let _ = end.take_remote_diff();
        for _ in 0..MAX_SENDS_PER_WAKE {
            if end.poll_transmit(Millis(now)).is_none() {
                break;
            }
        }
        while end.poll_event().is_some() {}
        let _ = end.poll_timeout(Millis(now));
        assert!(end.received_states_held() <= HARD_STATE_LIMIT);
        assert!(end.sent_states_held() <= MAX_SENT_STATES + 1);
        assert!(end.reassembly_bytes_held() <= MAX_COMPRESSED_BYTES);
    }
}
