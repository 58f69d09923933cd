//! A test-only receiving end for the server-to-client state: instead of
//! painting a terminal, [`HostOutput`] keeps every `HostBytes` string in
//! order, the newest `EchoAck` and the newest `Resize`, so a test can
//! look for a program's output in what the server sent. Its diff is a
//! `HostMessage` with what changed; it is append-only and trims an
//! acknowledged prefix by absolute offset.

#![allow(dead_code)]

use mosh_rs::transport::SyncState;
use mosh_rs::wire::{decode_host_message, encode_host_message, HostEvent, WireError};

/// Host bytes beyond this many are refused: a test never needs more.
const MAX_HOST_BYTES: usize = 1 << 24;

/// What the server told the client, accumulated: host bytes in order,
/// the newest echo ack and the newest size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostOutput {
    /// How many bytes were trimmed off the front.
    trimmed: usize,
    bytes: Vec<u8>,
    echo_ack: u64,
    size: Option<(i32, i32)>,
}

impl HostOutput {
    /// Appends terminal output for the peer to paint.
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The host bytes not yet trimmed away (all of them, on a receiver
    /// whose diffs are never taken).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the host bytes contain `needle`.
    pub fn contains(&self, needle: &[u8]) -> bool {
        !needle.is_empty() && self.bytes.windows(needle.len()).any(|w| w == needle)
    }

    /// The newest echo ack (0 if none came).
    pub fn echo_ack(&self) -> u64 {
        self.echo_ack
    }

    /// The newest (width, height) the peer announced, if any.
    pub fn size(&self) -> Option<(i32, i32)> {
        self.size
    }

    fn end(&self) -> usize {
        self.trimmed + self.bytes.len()
    }
}

impl SyncState for HostOutput {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        let mut events = Vec::new();
        if self.echo_ack != existing.echo_ack {
            events.push(HostEvent::EchoAck(self.echo_ack));
        }
        if let Some((width, height)) = self.size.filter(|_| self.size != existing.size) {
            events.push(HostEvent::Resize { width, height });
        }
        let skip = existing
            .end()
            .saturating_sub(self.trimmed)
            .min(self.bytes.len());
        if skip < self.bytes.len() {
            events.push(HostEvent::HostBytes(self.bytes[skip..].to_vec()));
        }
        encode_host_message(&events)
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        for event in decode_host_message(diff)? {
            match event {
                HostEvent::HostBytes(bytes) => {
                    if self.bytes.len() + bytes.len() > MAX_HOST_BYTES {
                        return Err(WireError::Protobuf("too many host bytes for a test"));
                    }
                    self.bytes.extend(bytes);
                }
                HostEvent::EchoAck(num) => self.echo_ack = num,
                HostEvent::Resize { width, height } => self.size = Some((width, height)),
                HostEvent::History(_) | HostEvent::Discipline(_) | HostEvent::Clipboard(_) => {}
            }
        }
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        let drop = prefix
            .end()
            .saturating_sub(self.trimmed)
            .min(self.bytes.len());
        self.bytes.drain(..drop);
        self.trimmed += drop;
    }
}
