//! mosh-rs's clipboard extension to the host message: one piece of a
//! clipboard copy (OSC 52), carried beside the screen so a large copy
//! never sits in every frame. Stock mosh never receives it (the server
//! sends it only to a client that announced `clipboard`, see
//! `peer_features.rs`; a stock client gets the copy in the screen's
//! escape bytes, within its own limit).
//!
//! On the wire, as extension 1706 of the host `Instruction`:
//! `ClipboardChunk { uint64 serial = 1; bytes selection = 2;
//! uint64 total = 3; uint64 offset = 4; bytes data = 5; }`.
//! `serial` numbers the server's copies (a newer one replaces an older
//! unfinished one), `total` is the copy's length in base64 bytes, and
//! `data` is the part of it starting at `offset`.

use super::error::WireError;
use super::protobuf::{write_bytes_field, write_varint_field, FieldReader, WireValue};

/// The extension number of a clipboard chunk on a host `Instruction`.
pub(crate) const FIELD_CLIPBOARD: u32 = 1706;

const FIELD_SERIAL: u32 = 1;
const FIELD_SELECTION: u32 = 2;
const FIELD_TOTAL: u32 = 3;
const FIELD_OFFSET: u32 = 4;
const FIELD_DATA: u32 = 5;

/// A piece of one clipboard copy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClipboardChunk {
    /// Which of the server's copies this belongs to.
    pub serial: u64,
    /// The copy's selection letters (`c`, `p`, `s`, `0`-`7`).
    pub selection: Vec<u8>,
    /// The copy's whole length (base64 bytes).
    pub total: u64,
    /// Where `data` starts in the copy.
    pub offset: u64,
    /// The bytes of the copy from `offset`.
    pub data: Vec<u8>,
}

impl ClipboardChunk {
    /// One past the last byte carried.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.data.len() as u64)
    }
}

/// The body of the extension.
pub(crate) fn encode_clipboard(chunk: &ClipboardChunk) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.data.len() + 32);
    write_varint_field(&mut out, FIELD_SERIAL, chunk.serial);
    write_bytes_field(&mut out, FIELD_SELECTION, &chunk.selection);
    write_varint_field(&mut out, FIELD_TOTAL, chunk.total);
    write_varint_field(&mut out, FIELD_OFFSET, chunk.offset);
    write_bytes_field(&mut out, FIELD_DATA, &chunk.data);
    out
}

/// Parses the body of the extension; unknown fields are skipped.
pub(crate) fn decode_clipboard(body: &[u8]) -> Result<ClipboardChunk, WireError> {
    let mut chunk = ClipboardChunk::default();
    for field in FieldReader::new(body) {
        match field? {
            (FIELD_SERIAL, WireValue::Varint(serial)) => chunk.serial = serial,
            (FIELD_SELECTION, WireValue::LengthDelimited(s)) => chunk.selection = s.to_vec(),
            (FIELD_TOTAL, WireValue::Varint(total)) => chunk.total = total,
            (FIELD_OFFSET, WireValue::Varint(offset)) => chunk.offset = offset,
            (FIELD_DATA, WireValue::LengthDelimited(data)) => chunk.data = data.to_vec(),
            _ => {}
        }
    }
    if chunk.end() > chunk.total {
        return Err(WireError::Protobuf("clipboard chunk ends past its copy"));
    }
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_round_trips_to_hand_derived_bytes() {
        let chunk = ClipboardChunk {
            serial: 2,
            selection: b"p".to_vec(),
            total: 8,
            offset: 4,
            data: b"bG8=".to_vec(),
        };
        let body = encode_clipboard(&chunk);
        assert_eq!(
            body,
            [0x08, 2, 0x12, 1, b'p', 0x18, 8, 0x20, 4, 0x2a, 4, b'b', b'G', b'8', b'=']
        );
        assert_eq!(decode_clipboard(&body), Ok(chunk));
    }

    #[test]
    fn a_chunk_past_its_copy_or_cut_short_is_an_error() {
        let chunk = ClipboardChunk {
            serial: 1,
            selection: b"c".to_vec(),
            total: 3,
            offset: 0,
            data: b"abcd".to_vec(),
        };
        assert!(decode_clipboard(&encode_clipboard(&chunk)).is_err());
        let fine = ClipboardChunk { total: 4, ..chunk };
        let body = encode_clipboard(&fine);
        assert!(decode_clipboard(&body[..body.len() - 2]).is_err());
    }
}
