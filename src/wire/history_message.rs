//! mosh-rs's scrollback extension to the host message: the lines that
//! left the top of the server's primary screen since the state the diff
//! starts from. Stock mosh never receives it (the server sends it only to
//! a client that announced scrollback, see `peer_features.rs`).
//!
//! On the wire, as extension 1701 of the host `Instruction`:
//! `History { uint64 first = 1; repeated Line line = 2; }` with
//! `Line { bytes text = 1; bool wrapped = 2; uint32 base_row = 3; }`.
//! `first` is the number of the first line carried (lines are numbered
//! from the session's start); the state's history then ends at `first`
//! plus the number of lines. A line either carries its text (terminal
//! bytes) or names a row of the screen the diff starts from, which the
//! client already has.

use super::error::WireError;
use super::protobuf::{write_bytes_field, write_varint_field, FieldReader, WireValue};

/// The extension number of the history on a host `Instruction`.
pub(crate) const FIELD_HISTORY: u32 = 1701;

const FIELD_FIRST: u32 = 1;
const FIELD_LINE: u32 = 2;
const FIELD_TEXT: u32 = 1;
const FIELD_WRAPPED: u32 = 2;
const FIELD_BASE_ROW: u32 = 3;

/// History lines in one diff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryDelta {
    /// The number of the first line in `lines`.
    pub first: u64,
    /// The lines, oldest first.
    pub lines: Vec<HistoryWireLine>,
}

impl HistoryDelta {
    /// One past the number of the last line: where the state's history
    /// ends after this diff.
    pub fn end(&self) -> u64 {
        self.first.saturating_add(self.lines.len() as u64)
    }
}

/// One history line as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryWireLine {
    /// The line's terminal bytes, and whether it runs on into the next.
    Text { text: Vec<u8>, wrapped: bool },
    /// The line is row `n` (from the top) of the screen the diff starts
    /// from.
    BaseRow(u32),
}

/// The body of the extension.
pub(crate) fn encode_history(delta: &HistoryDelta) -> Vec<u8> {
    let mut out = Vec::new();
    write_varint_field(&mut out, FIELD_FIRST, delta.first);
    for line in &delta.lines {
        let mut body = Vec::new();
        match line {
            HistoryWireLine::Text { text, wrapped } => {
                write_bytes_field(&mut body, FIELD_TEXT, text);
                if *wrapped {
                    write_varint_field(&mut body, FIELD_WRAPPED, 1);
                }
            }
            HistoryWireLine::BaseRow(row) => {
                write_varint_field(&mut body, FIELD_BASE_ROW, u64::from(*row));
            }
        }
        write_bytes_field(&mut out, FIELD_LINE, &body);
    }
    out
}

/// Parses the body of the extension.
pub(crate) fn decode_history(body: &[u8]) -> Result<HistoryDelta, WireError> {
    let mut delta = HistoryDelta::default();
    for field in FieldReader::new(body) {
        match field? {
            (FIELD_FIRST, WireValue::Varint(first)) => delta.first = first,
            (FIELD_LINE, WireValue::LengthDelimited(line)) => delta.lines.push(decode_line(line)?),
            _ => {}
        }
    }
    Ok(delta)
}

fn decode_line(body: &[u8]) -> Result<HistoryWireLine, WireError> {
    let mut text: Option<Vec<u8>> = None;
    let mut wrapped = false;
    let mut base_row: Option<u32> = None;
    for field in FieldReader::new(body) {
        match field? {
            (FIELD_TEXT, WireValue::LengthDelimited(bytes)) => text = Some(bytes.to_vec()),
            (FIELD_WRAPPED, WireValue::Varint(flag)) => wrapped = flag != 0,
            (FIELD_BASE_ROW, WireValue::Varint(row)) => {
                base_row = Some(u32::try_from(row).unwrap_or(u32::MAX));
            }
            _ => {}
        }
    }
    Ok(match (text, base_row) {
        (Some(text), _) => HistoryWireLine::Text { text, wrapped },
        (None, Some(row)) => HistoryWireLine::BaseRow(row),
        (None, None) => HistoryWireLine::Text {
            text: Vec::new(),
            wrapped,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_round_trips() {
        let delta = HistoryDelta {
            first: 300,
            lines: vec![
                HistoryWireLine::Text {
                    text: b"\x1b[1mbold\x1b[0m".to_vec(),
                    wrapped: true,
                },
                HistoryWireLine::BaseRow(0),
                HistoryWireLine::BaseRow(23),
                HistoryWireLine::Text {
                    text: Vec::new(),
                    wrapped: false,
                },
            ],
        };
        let body = encode_history(&delta);
        assert_eq!(decode_history(&body), Ok(delta.clone()));
        assert_eq!(delta.end(), 304);
    }

    #[test]
    fn a_row_reference_costs_a_few_bytes() {
        let delta = HistoryDelta {
            first: 1,
            lines: vec![HistoryWireLine::BaseRow(5)],
        };
        // first (2 bytes) + line key, length, base_row key, value.
        assert_eq!(encode_history(&delta), [0x08, 1, 0x12, 2, 0x18, 5]);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let body = encode_history(&HistoryDelta {
            first: 7,
            lines: vec![HistoryWireLine::Text {
                text: b"hello".to_vec(),
                wrapped: false,
            }],
        });
        assert!(decode_history(&body[..body.len() - 2]).is_err());
    }
}
