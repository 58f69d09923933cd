//! A toy append-only state for the transport's unit tests: a byte log
//! whose diffs carry the absolute offset they start at, so applying a
//! diff to the wrong base is caught instead of silently accepted.

use super::state::SyncState;
use crate::wire::WireError;

/// Bytes appended over time; `start` is how many were trimmed away.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ByteLog {
    pub start: u64,
    pub bytes: Vec<u8>,
}

impl ByteLog {
    pub fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    pub fn push(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }
}

impl SyncState for ByteLog {
    fn diff_from(&self, existing: &Self) -> Vec<u8> {
        assert!(existing.start >= self.start && existing.end() <= self.end());
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
        if u64::from_be_bytes(*offset) != self.end() {
            return Err(WireError::Protobuf("diff made against another base"));
        }
        self.bytes.extend_from_slice(new);
        Ok(())
    }

    fn subtract(&mut self, prefix: &Self) {
        assert_eq!(prefix.start, self.start, "subtracting a foreign prefix");
        let drop = prefix.bytes.len().min(self.bytes.len());
        assert_eq!(prefix.bytes[..drop], self.bytes[..drop]);
        self.bytes.drain(..drop);
        self.start += drop as u64;
    }
}

/// A state that only claims a size: `memory_bytes` says `claimed`
/// without holding it, so tests can offer the receiver gigabytes cheaply.
/// A diff is the new claim and version, 8 bytes each.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Claimed {
    pub claimed: usize,
    pub version: u64,
}

impl SyncState for Claimed {
    fn diff_from(&self, _existing: &Self) -> Vec<u8> {
        let mut diff = (self.claimed as u64).to_be_bytes().to_vec();
        diff.extend_from_slice(&self.version.to_be_bytes());
        diff
    }

    fn apply_diff(&mut self, diff: &[u8]) -> Result<(), WireError> {
        let (claimed, rest) = diff.split_first_chunk::<8>().ok_or(WireError::TooShort)?;
        let version = rest.first_chunk::<8>().ok_or(WireError::TooShort)?;
        self.claimed = u64::from_be_bytes(*claimed) as usize;
        self.version = u64::from_be_bytes(*version);
        Ok(())
    }

    fn subtract(&mut self, _prefix: &Self) {}

    fn memory_bytes(&self) -> usize {
        self.claimed
    }
}
