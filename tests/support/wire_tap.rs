//! Reads recorded mosh traffic the way an auditor with the session key
//! would: opens every datagram, reassembles each instruction from its
//! fragments, inflates it and lists the protobuf field numbers used at
//! each level. The walker is written here, apart from the crate's own
//! decoder, so a test that says "only upstream's fields" does not trust
//! the code it checks.

use std::collections::{BTreeMap, BTreeSet};

use mosh_rs::wire::{decompress, Cipher, Fragment, Packet, SessionKey, MAX_INSTRUCTION_BYTES};

/// Field numbers of upstream's `TransportBuffers.Instruction`.
pub const UPSTREAM_INSTRUCTION_FIELDS: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];
/// The one field of `HostMessage` and `UserMessage`: the inner list.
pub const UPSTREAM_MESSAGE_FIELDS: [u32; 1] = [1];
/// Host events: `hostbytes`, `resize`, `echoack`.
pub const UPSTREAM_HOST_EVENT_FIELDS: [u32; 3] = [2, 3, 7];
/// User events: `keystroke`, `resize`.
pub const UPSTREAM_USER_EVENT_FIELDS: [u32; 2] = [2, 3];

/// What one direction's traffic used.
#[derive(Debug, Default)]
pub struct FieldCensus {
    /// Datagrams that did not open with the key.
    pub unopened: usize,
    /// Instructions reassembled and read.
    pub instructions: usize,
    pub instruction_fields: BTreeSet<u32>,
    pub message_fields: BTreeSet<u32>,
    pub event_fields: BTreeSet<u32>,
}

/// Reads every datagram of one direction, in the order delivered.
pub fn census(key: &SessionKey, datagrams: &[Vec<u8>]) -> FieldCensus {
    let cipher = Cipher::new(key);
    let mut census = FieldCensus::default();
    let mut pieces: BTreeMap<u64, BTreeMap<u16, Fragment>> = BTreeMap::new();
    let mut done: BTreeSet<u64> = BTreeSet::new();
    for datagram in datagrams {
        let Some(fragment) = open(&cipher, datagram) else {
            census.unopened += 1;
            continue;
        };
        if done.contains(&fragment.id) {
            continue;
        }
        let id = fragment.id;
        let held = pieces.entry(id).or_default();
        held.insert(fragment.num, fragment);
        if let Some(compressed) = complete(held) {
            pieces.remove(&id);
            done.insert(id);
            let serialized = decompress(&compressed, MAX_INSTRUCTION_BYTES)
                .expect("an authentic instruction inflates");
            census.read_instruction(&serialized);
        }
    }
    census
}

fn open(cipher: &Cipher, datagram: &[u8]) -> Option<Fragment> {
    let (_, plaintext) = cipher.open(datagram).ok()?;
    let packet = Packet::decode(&plaintext).ok()?;
    Fragment::decode(&packet.payload).ok()
}

/// The instruction's compressed bytes once every fragment is held.
fn complete(held: &BTreeMap<u16, Fragment>) -> Option<Vec<u8>> {
    let last = held.values().find(|f| f.is_final)?;
    if held.len() != usize::from(last.num) + 1 {
        return None;
    }
    Some(held.values().flat_map(|f| f.contents.clone()).collect())
}

impl FieldCensus {
    fn read_instruction(&mut self, serialized: &[u8]) {
        self.instructions += 1;
        for (field, value) in fields(serialized) {
            self.instruction_fields.insert(field);
            if let (6, Value::Bytes(diff)) = (field, value) {
                self.read_message(diff);
            }
        }
    }

    fn read_message(&mut self, message: &[u8]) {
        for (field, value) in fields(message) {
            self.message_fields.insert(field);
            if let (1, Value::Bytes(event)) = (field, value) {
                self.event_fields
                    .extend(fields(event).into_iter().map(|(f, _)| f));
            }
        }
    }
}

/// One protobuf value: only length-delimited ones are looked into.
enum Value<'a> {
    Bytes(&'a [u8]),
    Other,
}

/// The fields of one message; panics on malformed protobuf, which an
/// authentic mosh datagram never holds.
fn fields(mut rest: &[u8]) -> Vec<(u32, Value<'_>)> {
    let mut out = Vec::new();
    while !rest.is_empty() {
        let key = take_varint(&mut rest);
        let field = u32::try_from(key >> 3).expect("field number");
        let value = match key & 7 {
            0 => {
                take_varint(&mut rest);
                Value::Other
            }
            1 => {
                rest = &rest[8..];
                Value::Other
            }
            2 => {
                let len = usize::try_from(take_varint(&mut rest)).expect("length");
                let (bytes, after) = rest.split_at(len);
                rest = after;
                Value::Bytes(bytes)
            }
            5 => {
                rest = &rest[4..];
                Value::Other
            }
            other => panic!("wire type {other} in an authentic message"),
        };
        out.push((field, value));
    }
    out
}

fn take_varint(rest: &mut &[u8]) -> u64 {
    let mut value = 0u64;
    for (i, byte) in rest.iter().enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *rest = &rest[i + 1..];
            return value;
        }
    }
    panic!("truncated varint in an authentic message")
}
