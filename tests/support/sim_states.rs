//! Toy synchronized states for the transport simulation, one of each
//! shape mosh uses:
//! - [`InputLog`], append-only like the user's keystroke stream: diffs
//!   are "the bytes after offset N", and acknowledged prefixes are
//!   trimmed away with `subtract`;
//! - [`Screen`], replaced wholesale like the terminal: diffs are cell
//!   changes against one exact earlier screen, `subtract` does nothing.
//!
//! Both make applying a diff to the wrong base state a test failure (a
//! panic here, in test code) rather than silent corruption, so a
//! transport bug in base bookkeeping cannot hide behind "it converged
//! eventually".

#![allow(dead_code)]

use mosh_rs::transport::SyncState;
use mosh_rs::wire::WireError;

/// Append-only bytes; `start` is how many leading bytes were trimmed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputLog {
    pub start: u64,
    pub bytes: Vec<u8>,
}

impl InputLog {
    /// Absolute offset just past the last byte.
    pub fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    pub fn push(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }
}

impl SyncState for InputLog {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        assert!(
            existing.start >= self.start && existing.end() <= self.end(),
            "diff_from a state that is not a prefix: {}..{} vs {}..{}",
            existing.start,
            existing.end(),
            self.start,
            self.end()
        );
        let skip = (existing.end() - self.start) as usize;
        let new = &self.bytes[skip..];
        if new.is_empty() {
            return Vec::new();
        }
        let mut diff = existing.end().to_be_bytes().to_vec();
        diff.extend_from_slice(new);
        diff
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        let (offset, new) = diff.split_first_chunk::<8>().ok_or(WireError::TooShort)?;
        let offset = u64::from_be_bytes(*offset);
        assert_eq!(offset, self.end(), "input diff applied to the wrong base");
        self.bytes.extend_from_slice(new);
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        assert_eq!(prefix.start, self.start, "subtracting a foreign prefix");
        assert!(
            prefix.bytes.len() <= self.bytes.len(),
            "prefix longer than state"
        );
        assert_eq!(prefix.bytes[..], self.bytes[..prefix.bytes.len()]);
        self.bytes.drain(..prefix.bytes.len());
        self.start += prefix.bytes.len() as u64;
    }
}

/// A fixed-size grid of byte cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Screen {
    pub cells: Vec<u8>,
}

impl Screen {
    pub fn new(len: usize) -> Screen {
        Screen {
            cells: vec![b' '; len],
        }
    }

    /// FNV-1a over the cells: names the exact screen a diff was made from.
    fn fingerprint(&self) -> u64 {
        self.cells.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }
}

impl SyncState for Screen {
    /// `fingerprint(existing) || (index u16, value u8)*`.
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        assert_eq!(self.cells.len(), existing.cells.len());
        if self == existing {
            return Vec::new();
        }
        let mut diff = existing.fingerprint().to_be_bytes().to_vec();
        for (i, (new, old)) in self.cells.iter().zip(&existing.cells).enumerate() {
            if new != old {
                diff.extend_from_slice(&(i as u16).to_be_bytes());
                diff.push(*new);
            }
        }
        diff
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        let (base, changes) = diff.split_first_chunk::<8>().ok_or(WireError::TooShort)?;
        assert_eq!(
            u64::from_be_bytes(*base),
            self.fingerprint(),
            "screen diff applied to the wrong base"
        );
        for change in changes.chunks(3) {
            let [hi, lo, value] = change else {
                return Err(WireError::Protobuf("truncated cell change"));
            };
            let cell = self
                .cells
                .get_mut(usize::from(u16::from_be_bytes([*hi, *lo])))
                .ok_or(WireError::Protobuf("cell out of range"))?;
            *cell = *value;
        }
        Ok(())
    }

    fn subtract(&mut self, _prefix: &Self) {}
}
