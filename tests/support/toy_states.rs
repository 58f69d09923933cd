//! Minimal synchronized states for acceptance tests that put mosh-rs's
//! transport in front of upstream mosh before the real `statesync` states
//! exist.
//!
//! [`UserInput`] is the client-to-server state: the list of user events,
//! whose diff is a `UserMessage` of the events after the older state.
//! [`HostOutput`] is the server-to-client state reduced to what a test
//! can check: every `HostBytes` string in order, the newest `EchoAck`
//! and the newest `Resize`; its diff is a `HostMessage` with what changed.
//! Both are append-only, so they trim an acknowledged prefix by absolute
//! offset, and a diff against a state that is not a prefix is refused.

#![allow(dead_code)]

use mosh_rs::transport::SyncState;
use mosh_rs::wire::{
    decode_host_message, decode_user_message, encode_host_message, encode_user_message, HostEvent,
    UserEvent, WireError,
};

/// Events beyond this many are refused: a test peer never sends that much.
const MAX_EVENTS: usize = 1 << 16;
/// Host bytes beyond this many are refused, for the same reason.
const MAX_HOST_BYTES: usize = 1 << 24;

/// The user's input stream: keystrokes and resizes, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserInput {
    /// How many events were trimmed off the front.
    trimmed: usize,
    events: Vec<UserEvent>,
}

impl UserInput {
    /// Appends one event.
    pub fn push(&mut self, event: UserEvent) {
        self.events.push(event);
    }

    /// Absolute index one past the newest event.
    fn end(&self) -> usize {
        self.trimmed + self.events.len()
    }

    /// The events not yet trimmed away.
    pub fn events(&self) -> &[UserEvent] {
        &self.events
    }
}

impl SyncState for UserInput {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        let skip = existing
            .end()
            .saturating_sub(self.trimmed)
            .min(self.events.len());
        encode_user_message(&self.events[skip..])
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        let events = decode_user_message(diff)?;
        if self.events.len() + events.len() > MAX_EVENTS {
            return Err(WireError::Protobuf("too many user events for a test"));
        }
        self.events.extend(events);
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        let drop = prefix
            .end()
            .saturating_sub(self.trimmed)
            .min(self.events.len());
        self.events.drain(..drop);
        self.trimmed += drop;
    }
}

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
