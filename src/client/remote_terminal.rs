//! The client's copy of the server's terminal: the host state the
//! transport receives. A diff from the server is a `HostMessage`: the
//! echo ack, a resize, and escape bytes that the client's own emulator
//! runs to reach the server's screen (the stock server and ours both
//! produce them).
//!
//! The client never sends this state, so [`SyncState::diff_from`] only
//! has to be correct, not compact: it carries the echo ack, the size and
//! a full repaint of the screen.

use crate::terminal::{render, Emulator, Framebuffer, RenderCaps};
use crate::transport::SyncState;
use crate::wire::{decode_host_message, encode_host_message, HostEvent, WireError};

/// The server's screen as the client knows it, with the echo ack.
#[derive(Clone, Debug)]
pub struct RemoteTerminal {
    emulator: Emulator,
    echo_ack: u64,
}

impl PartialEq for RemoteTerminal {
    fn eq(&self, other: &RemoteTerminal) -> bool {
        self.echo_ack == other.echo_ack && self.framebuffer() == other.framebuffer()
    }
}

impl RemoteTerminal {
    /// A blank screen of `cols` x `rows`.
    pub fn new(cols: usize, rows: usize) -> RemoteTerminal {
        RemoteTerminal {
            emulator: Emulator::new(cols, rows),
            echo_ack: 0,
        }
    }

    /// The screen.
    pub fn framebuffer(&self) -> &Framebuffer {
        self.emulator.framebuffer()
    }

    /// The newest user state number the server says reached the program.
    pub fn echo_ack(&self) -> u64 {
        self.echo_ack
    }

    fn apply_event(&mut self, event: HostEvent) {
        match event {
            HostEvent::HostBytes(bytes) => {
                self.emulator.feed(&bytes);
                // Answers to the server's queries are the server's
                // business; the client's copy drops them.
                drop(self.emulator.take_host_replies());
            }
            HostEvent::Resize { width, height } => {
                let dimension = |v: i32| usize::try_from(v.max(1)).unwrap_or(1);
                self.emulator.resize(dimension(width), dimension(height));
            }
            HostEvent::EchoAck(num) => self.echo_ack = num,
        }
    }
}

impl SyncState for RemoteTerminal {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        let mut events = Vec::new();
        if existing.echo_ack != self.echo_ack {
            events.push(HostEvent::EchoAck(self.echo_ack));
        }
        let (old, new) = (existing.framebuffer(), self.framebuffer());
        if old != new {
            if (old.width(), old.height()) != (new.width(), new.height()) {
                events.push(HostEvent::Resize {
                    width: i32::try_from(new.width()).unwrap_or(i32::MAX),
                    height: i32::try_from(new.height()).unwrap_or(i32::MAX),
                });
            }
            events.push(HostEvent::HostBytes(render(
                None,
                new,
                &RenderCaps::default(),
            )));
        }
        if events.is_empty() {
            return Vec::new();
        }
        encode_host_message(&events)
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        for event in decode_host_message(diff)? {
            self.apply_event(event);
        }
        Ok(())
    }

    fn subtract(&mut self, _prefix: &Self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(events: &[HostEvent]) -> Vec<u8> {
        encode_host_message(events)
    }

    #[test]
    fn host_messages_drive_the_screen_and_the_echo_ack() {
        let mut t = RemoteTerminal::new(20, 4);
        t.apply_diff(&diff(&[
            HostEvent::EchoAck(7),
            HostEvent::Resize {
                width: 30,
                height: 5,
            },
            HostEvent::HostBytes(b"\x1b[2;3Hhello".to_vec()),
        ]))
        .unwrap();
        assert_eq!(t.echo_ack(), 7);
        assert_eq!((t.framebuffer().width(), t.framebuffer().height()), (30, 5));
        assert_eq!(t.framebuffer().text().lines().nth(1), Some("  hello"));
        assert_eq!(t.framebuffer().cursor(), (1, 7));
    }

    #[test]
    fn queries_from_the_server_leave_nothing_behind() {
        let mut t = RemoteTerminal::new(20, 4);
        for _ in 0..10_000 {
            t.apply_diff(&diff(&[HostEvent::HostBytes(b"\x1b[6n\x1b[c".to_vec())]))
                .unwrap();
        }
        assert!(t.emulator.clone().take_host_replies().is_empty());
    }

    #[test]
    fn nonsense_sizes_and_garbage_do_not_panic() {
        let mut t = RemoteTerminal::new(20, 4);
        t.apply_diff(&diff(&[HostEvent::Resize {
            width: -5,
            height: i32::MAX,
        }]))
        .unwrap();
        assert!(t.framebuffer().width() >= 1);
        assert!(t.apply_diff(b"\xff\xff\xff").is_err());
    }

    #[test]
    fn diff_from_reproduces_the_state() {
        let old = RemoteTerminal::new(20, 4);
        let mut new = old.clone();
        new.apply_diff(&diff(&[
            HostEvent::EchoAck(3),
            HostEvent::HostBytes(b"\x1b[1mbold\x1b[m text".to_vec()),
        ]))
        .unwrap();
        let mut replica = old.clone();
        replica.apply_diff(&new.diff_from(&old)).unwrap();
        assert!(replica == new);
        assert!(new.diff_from(&new).is_empty());
    }
}
