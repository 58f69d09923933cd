//! A simple server-to-client state that forwards the program's output
//! bytes unchanged (the diff is "the bytes after the old state"), with
//! the echo ack. The stock client applies such diffs to its own emulator,
//! so it can stand in for a server in tests (the acceptance harness uses
//! it), but floods are not condensed to the newest screen and a client
//! that falls behind replays history. The server itself sends the
//! complete terminal (`complete_terminal.rs`).

use std::rc::Rc;

use super::echo_ack::EchoAck;
use super::host_state::HostState;
use crate::transport::SyncState;
use crate::wire::{decode_host_message, encode_host_message, HostEvent, WireError};

/// Most output bytes kept; older ones are forgotten once acknowledged.
/// A state that grows past this (no client acking) starts dropping its
/// oldest bytes, and a later client then sees only the newest output.
const MAX_HELD_BYTES: usize = 4 << 20;

/// The program's output as a byte stream.
#[derive(Debug, Clone, Default)]
pub struct HostStream {
    /// Output bytes from position `start` on.
    bytes: Rc<Vec<u8>>,
    /// Stream position of `bytes[0]`.
    start: u64,
    size: (u16, u16),
    echo: EchoAck,
}

impl PartialEq for HostStream {
    fn eq(&self, other: &Self) -> bool {
        self.end() == other.end()
            && self.size == other.size
            && self.echo.value() == other.echo.value()
    }
}

impl HostStream {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    fn bytes_after(&self, position: u64) -> &[u8] {
        let skip = usize::try_from(position.saturating_sub(self.start))
            .map_or(self.bytes.len(), |skip| skip.min(self.bytes.len()));
        self.bytes.get(skip..).unwrap_or_default()
    }
}

impl SyncState for HostStream {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        let mut events = Vec::new();
        if existing.echo.value() != self.echo.value() {
            events.push(HostEvent::EchoAck(self.echo.value()));
        }
        if existing.size != self.size {
            events.push(HostEvent::Resize {
                width: i32::from(self.size.0),
                height: i32::from(self.size.1),
            });
        }
        let new_bytes = self.bytes_after(existing.end());
        if !new_bytes.is_empty() {
            events.push(HostEvent::HostBytes(new_bytes.to_vec()));
        }
        if events.is_empty() {
            return Vec::new();
        }
        encode_host_message(&events)
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        for event in decode_host_message(diff)? {
            match event {
                HostEvent::HostBytes(b) => self.host_output(&b, &mut Vec::new()),
                HostEvent::Resize { width, height } => {
                    self.size = (width.clamp(1, 65535) as u16, height.clamp(1, 65535) as u16)
                }
                HostEvent::EchoAck(n) => self.echo.set_value(n),
                HostEvent::History(_) | HostEvent::Discipline(_) | HostEvent::Clipboard(_) => {}
            }
        }
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        let drop = usize::try_from(prefix.end().saturating_sub(self.start))
            .map_or(self.bytes.len(), |drop| drop.min(self.bytes.len()));
        if drop > 0 {
            let kept = self.bytes.get(drop..).unwrap_or_default().to_vec();
            self.bytes = Rc::new(kept);
            self.start += drop as u64;
        }
    }
}

impl HostState for HostStream {
    fn blank(cols: u16, rows: u16) -> Self {
        HostStream {
            size: (cols, rows),
            ..HostStream::default()
        }
    }

    fn host_output(&mut self, bytes: &[u8], _replies: &mut Vec<u8>) {
        let held = Rc::make_mut(&mut self.bytes);
        held.extend_from_slice(bytes);
        if held.len() > MAX_HELD_BYTES {
            let excess = held.len() - MAX_HELD_BYTES;
            held.drain(..excess);
            self.start += excess as u64;
        }
    }

    fn user_keys(&mut self, keys: &[u8], to_host: &mut Vec<u8>) {
        to_host.extend_from_slice(keys);
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.size = (cols, rows);
    }

    fn register_input(&mut self, num: u64, now: u64) {
        self.echo.register_input(num, now);
    }

    fn forget_input(&mut self) {
        self.echo = EchoAck::default();
    }

    fn update_echo_ack(&mut self, now: u64) -> bool {
        self.echo.update(now)
    }

    fn echo_ack_deadline(&self) -> Option<u64> {
        self.echo.next_deadline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_is_echo_ack_resize_then_new_bytes() {
        let old = HostStream::blank(80, 24);
        let mut new = old.clone();
        new.host_output(b"hello", &mut Vec::new());
        new.resize(100, 30);
        new.register_input(7, 0);
        assert!(new.update_echo_ack(100));
        let events = decode_host_message(&new.diff_from(&old)).unwrap();
        assert_eq!(
            events,
            vec![
                HostEvent::EchoAck(7),
                HostEvent::Resize {
                    width: 100,
                    height: 30
                },
                HostEvent::HostBytes(b"hello".to_vec())
            ]
        );
        let mut replica = old.clone();
        replica.apply_diff(&new.diff_from(&old)).unwrap();
        assert!(replica == new);
        assert!(new.diff_from(&new).is_empty());
    }

    #[test]
    fn subtract_keeps_diffs_and_bounds_memory() {
        let mut a = HostStream::blank(80, 24);
        a.host_output(b"abc", &mut Vec::new());
        let mut b = a.clone();
        b.host_output(b"def", &mut Vec::new());
        let before = b.diff_from(&a);
        let (mut a2, mut b2) = (a.clone(), b.clone());
        a2.subtract(&a);
        b2.subtract(&a);
        assert_eq!(b2.diff_from(&a2), before);
        let mut big = HostStream::blank(80, 24);
        for _ in 0..100 {
            big.host_output(&[b'x'; 100_000], &mut Vec::new());
        }
        assert!(big.bytes.len() <= MAX_HELD_BYTES);
    }
}
