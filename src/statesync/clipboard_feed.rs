//! The clipboard part of the server-to-client state, between mosh-rs
//! peers that announced `clipboard`: a copy a program made with OSC 52
//! travels beside the screen, a bounded piece per frame, so a 1 MiB copy
//! never sits in every diff nor holds back the echo of what the user
//! types.
//!
//! The server numbers each new copy (`serial`); a state holds how many
//! bytes of the newest copy it has published, and a diff carries the
//! bytes between two states' marks (from the start when the copy is
//! newer than the old state's: an older unfinished copy is abandoned,
//! the newest wins). The client gathers the pieces and puts the copy on
//! its screen's clipboard only when it is whole. A copy the program
//! repeats is the same copy (the emulator keeps it), so nothing new is
//! sent.

use std::sync::Arc;

use crate::terminal::clipboard::{clean_base64, clean_selection, MAX_CLIPBOARD_BASE64};
use crate::terminal::Clipboard;
use crate::wire::{ClipboardChunk, WireError};

/// Base64 bytes of a copy published in one step (one frame's diff): a
/// dozen datagrams once compressed.
const STEP_BYTES: usize = 16 * 1024;

/// How far a state has the newest copy: its serial and how many of its
/// bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClipboardProgress {
    pub serial: u64,
    pub bytes: usize,
}

/// The server's side: the newest copy and how much of it is published.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClipboardFeed {
    /// The newest copy the program made.
    copy: Clipboard,
    progress: ClipboardProgress,
}

impl ClipboardFeed {
    /// How far the state has the copy.
    pub(crate) fn progress(&self) -> ClipboardProgress {
        self.progress
    }

    /// Takes note of the screen's clipboard after the program's output:
    /// a copy other than the one being published starts over as the
    /// next serial.
    pub(crate) fn observe(&mut self, copy: &Clipboard) {
        if *copy != self.copy {
            self.start(copy.clone());
        }
    }

    /// Sends `copy` again from its start as the next serial (a client
    /// that just asked gets the clipboard the session holds).
    pub(crate) fn restart(&mut self, copy: &Clipboard) {
        self.start(copy.clone());
    }

    fn start(&mut self, copy: Clipboard) {
        self.copy = copy;
        self.progress = ClipboardProgress {
            serial: self.progress.serial.wrapping_add(1),
            bytes: 0,
        };
    }

    /// Whether bytes of the copy wait to be published.
    pub(crate) fn has_unpublished(&self) -> bool {
        self.progress.serial != 0 && self.progress.bytes < self.copy.data.len()
    }

    /// Publishes the next step of the copy.
    pub(crate) fn publish(&mut self) {
        if self.has_unpublished() {
            let bytes = self.progress.bytes.saturating_add(STEP_BYTES);
            self.progress.bytes = bytes.min(self.copy.data.len());
        }
    }

    /// The piece turning a state that had the copy as far as `from` into
    /// this one; `None` when it brings nothing.
    pub(crate) fn chunk_from(&self, from: ClipboardProgress) -> Option<ClipboardChunk> {
        let to = self.progress;
        if to.serial == 0 || from == to {
            return None;
        }
        let start = if from.serial == to.serial {
            from.bytes
        } else {
            0
        };
        let data = self.copy.data.as_bytes().get(start..to.bytes)?;
        Some(ClipboardChunk {
            serial: to.serial,
            selection: self.copy.selection.as_bytes().to_vec(),
            total: self.copy.data.len() as u64,
            offset: start as u64,
            data: data.to_vec(),
        })
    }
}

/// The client's side: the pieces of the newest copy so far. A copy of
/// the state shares the pieces.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReceivedClipboard {
    progress: ClipboardProgress,
    total: usize,
    selection: Arc<str>,
    pieces: Vec<Arc<[u8]>>,
}

impl ReceivedClipboard {
    /// How far the state has the copy.
    pub(crate) fn progress(&self) -> ClipboardProgress {
        self.progress
    }

    /// Bytes of the pieces held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.pieces.iter().map(|piece| piece.len()).sum()
    }

    /// Takes in a piece; returns the copy once it is whole. A piece of a
    /// newer copy replaces the unfinished one.
    pub(crate) fn apply(&mut self, chunk: ClipboardChunk) -> Result<Option<Clipboard>, WireError> {
        let total = usize::try_from(chunk.total)
            .ok()
            .filter(|&total| total <= MAX_CLIPBOARD_BASE64)
            .ok_or(WireError::Protobuf("clipboard copy over the cap"))?;
        if chunk.serial != self.progress.serial {
            *self = ReceivedClipboard {
                progress: ClipboardProgress {
                    serial: chunk.serial,
                    bytes: 0,
                },
                total,
                selection: Arc::from(clean_selection(&String::from_utf8_lossy(&chunk.selection))),
                pieces: Vec::new(),
            };
        }
        if chunk.offset != self.progress.bytes as u64 || total != self.total {
            return Err(WireError::Protobuf("clipboard piece out of place"));
        }
        self.progress.bytes = self.progress.bytes.saturating_add(chunk.data.len());
        self.pieces.push(Arc::from(chunk.data));
        if self.progress.bytes < total {
            return Ok(None);
        }
        let whole: Vec<u8> = self.pieces.iter().flat_map(|p| p.iter().copied()).collect();
        self.pieces = Vec::new();
        Ok(Some(Clipboard {
            selection: Arc::clone(&self.selection),
            data: Arc::from(clean_base64(&whole)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(selection: &str, data: &str) -> Clipboard {
        Clipboard {
            selection: Arc::from(selection),
            data: Arc::from(data),
        }
    }

    fn base64_of(len: usize) -> String {
        (0..len)
            .map(|i| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64],
                )
            })
            .collect()
    }

    /// Publishes and hands every diff's piece to `client` until nothing
    /// is left; returns the whole copies the client got and the largest
    /// piece.
    fn drain(
        server: &mut ClipboardFeed,
        client: &mut ReceivedClipboard,
    ) -> (Vec<Clipboard>, usize) {
        let (mut whole, mut largest) = (Vec::new(), 0);
        loop {
            server.publish();
            if let Some(chunk) = server.chunk_from(client.progress()) {
                largest = largest.max(chunk.data.len());
                whole.extend(client.apply(chunk).unwrap());
            }
            if !server.has_unpublished() {
                return (whole, largest);
            }
        }
    }

    #[test]
    fn a_mebibyte_copy_arrives_whole_once_in_bounded_pieces() {
        let big = copy("c", &base64_of(MAX_CLIPBOARD_BASE64));
        let (mut server, mut client) = (ClipboardFeed::default(), ReceivedClipboard::default());
        server.observe(&big);
        let (whole, largest) = drain(&mut server, &mut client);
        assert_eq!(whole, std::slice::from_ref(&big));
        assert!(largest <= STEP_BYTES, "a piece of {largest} bytes");
        assert_eq!(client.memory_bytes(), 0, "pieces kept after assembly");
        server.observe(&big);
        assert_eq!(
            server.chunk_from(client.progress()),
            None,
            "a repeat was sent"
        );
    }

    #[test]
    fn the_newest_copy_replaces_an_unfinished_one() {
        let (mut server, mut client) = (ClipboardFeed::default(), ReceivedClipboard::default());
        server.observe(&copy("c", &base64_of(STEP_BYTES * 3)));
        server.publish();
        let first = server.chunk_from(client.progress()).unwrap();
        assert_eq!(client.apply(first).unwrap(), None);
        let newer = copy("p", &base64_of(100));
        server.observe(&newer);
        let (whole, _) = drain(&mut server, &mut client);
        assert_eq!(whole, [newer]);
    }

    #[test]
    fn pieces_out_of_place_or_over_the_cap_are_errors() {
        let mut client = ReceivedClipboard::default();
        let chunk = ClipboardChunk {
            serial: 1,
            selection: b"c".to_vec(),
            total: 8,
            offset: 4,
            data: b"abcd".to_vec(),
        };
        assert!(client.apply(chunk.clone()).is_err());
        let over = ClipboardChunk {
            total: MAX_CLIPBOARD_BASE64 as u64 + 1,
            offset: 0,
            ..chunk
        };
        assert!(client.apply(over).is_err());
    }

    #[test]
    fn an_emptied_clipboard_reaches_the_client() {
        let (mut server, mut client) = (ClipboardFeed::default(), ReceivedClipboard::default());
        server.observe(&copy("c", "aGk="));
        drain(&mut server, &mut client);
        server.observe(&copy("c", ""));
        let chunk = server.chunk_from(client.progress()).unwrap();
        assert_eq!(client.apply(chunk).unwrap(), Some(copy("c", "")));
    }
}
