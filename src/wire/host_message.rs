//! `HostBuffers.HostMessage`: the diff of the server-to-client state.
//!
//! On the wire: `repeated Instruction instruction = 1`, where each inner
//! instruction carries one extension: `HostBytes hostbytes = 2 { bytes
//! hoststring = 4 }`, `ResizeMessage resize = 3`, or `EchoAck echoack = 7
//! { uint64 echo_ack_num = 8 }`; and, to a mosh-rs client that announced
//! scrollback only, mosh-rs's history (extension 1701,
//! `history_message.rs`); to one that announced it can use it, the pty's
//! line discipline (extension 1702, `line_discipline.rs`); to one that
//! announced `clipboard`, pieces of clipboard copies (extension 1706,
//! `clipboard_message.rs`).

use super::clipboard_message::{
    decode_clipboard, encode_clipboard, ClipboardChunk, FIELD_CLIPBOARD,
};
use super::error::WireError;
use super::history_message::{decode_history, encode_history, HistoryDelta, FIELD_HISTORY};
use super::line_discipline::{
    decode_discipline, encode_discipline, LineDiscipline, FIELD_DISCIPLINE,
};
use super::protobuf::{write_bytes_field, write_varint_field, FieldReader, WireValue};
use super::resize_message::{encode_resize, merge_resize};

const FIELD_INSTRUCTION: u32 = 1;
const FIELD_HOSTBYTES: u32 = 2;
const FIELD_RESIZE: u32 = 3;
const FIELD_ECHOACK: u32 = 7;
const FIELD_HOSTSTRING: u32 = 4;
const FIELD_ECHO_ACK_NUM: u32 = 8;

/// One step of the screen update the server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// Escape sequences that turn the client's screen into the new one.
    HostBytes(Vec<u8>),
    /// The terminal changed size.
    Resize { width: i32, height: i32 },
    /// The newest user state whose keystrokes reached the program.
    EchoAck(u64),
    /// Lines that left the top of the screen (mosh-rs peers only).
    History(HistoryDelta),
    /// The pty's line discipline changed (mosh-rs peers only).
    Discipline(LineDiscipline),
    /// A piece of a clipboard copy (mosh-rs peers only).
    Clipboard(ClipboardChunk),
}

/// Serializes events in order, one inner instruction each.
pub fn encode_host_message(events: &[HostEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events {
        let mut inner = Vec::new();
        match event {
            HostEvent::HostBytes(bytes) => {
                let mut body = Vec::with_capacity(bytes.len() + 6);
                write_bytes_field(&mut body, FIELD_HOSTSTRING, bytes);
                write_bytes_field(&mut inner, FIELD_HOSTBYTES, &body);
            }
            HostEvent::Resize { width, height } => {
                write_bytes_field(&mut inner, FIELD_RESIZE, &encode_resize(*width, *height));
            }
            HostEvent::EchoAck(num) => {
                let mut body = Vec::with_capacity(11);
                write_varint_field(&mut body, FIELD_ECHO_ACK_NUM, *num);
                write_bytes_field(&mut inner, FIELD_ECHOACK, &body);
            }
            HostEvent::History(delta) => {
                write_bytes_field(&mut inner, FIELD_HISTORY, &encode_history(delta));
            }
            HostEvent::Discipline(discipline) => {
                write_bytes_field(&mut inner, FIELD_DISCIPLINE, &encode_discipline(discipline));
            }
            HostEvent::Clipboard(chunk) => {
                write_bytes_field(&mut inner, FIELD_CLIPBOARD, &encode_clipboard(chunk));
            }
        }
        write_bytes_field(&mut out, FIELD_INSTRUCTION, &inner);
    }
    out
}

/// Parses a host message. An inner instruction with no known extension is
/// skipped; one with several yields the first of hostbytes, resize,
/// echoack (upstream's precedence).
pub fn decode_host_message(bytes: &[u8]) -> Result<Vec<HostEvent>, WireError> {
    let mut events = Vec::new();
    for field in FieldReader::new(bytes) {
        if let (FIELD_INSTRUCTION, WireValue::LengthDelimited(inner)) = field? {
            if let Some(event) = decode_inner(inner)? {
                events.push(event);
            }
        }
    }
    Ok(events)
}

fn decode_inner(inner: &[u8]) -> Result<Option<HostEvent>, WireError> {
    let mut host_bytes: Option<Vec<u8>> = None;
    let mut size: Option<(i32, i32)> = None;
    let mut echo_ack: Option<u64> = None;
    let mut history: Option<HistoryDelta> = None;
    let mut discipline: Option<LineDiscipline> = None;
    let mut clipboard: Option<ClipboardChunk> = None;
    for field in FieldReader::new(inner) {
        match field? {
            (FIELD_HOSTBYTES, WireValue::LengthDelimited(body)) => {
                let host_bytes = host_bytes.get_or_insert_with(Vec::new);
                for field in FieldReader::new(body) {
                    if let (FIELD_HOSTSTRING, WireValue::LengthDelimited(bytes)) = field? {
                        *host_bytes = bytes.to_vec();
                    }
                }
            }
            (FIELD_RESIZE, WireValue::LengthDelimited(body)) => {
                merge_resize(body, size.get_or_insert((0, 0)))?;
            }
            (FIELD_ECHOACK, WireValue::LengthDelimited(body)) => {
                let echo_ack = echo_ack.get_or_insert(0);
                for field in FieldReader::new(body) {
                    if let (FIELD_ECHO_ACK_NUM, WireValue::Varint(num)) = field? {
                        *echo_ack = num;
                    }
                }
            }
            (FIELD_HISTORY, WireValue::LengthDelimited(body)) => {
                history = Some(decode_history(body)?);
            }
            (FIELD_DISCIPLINE, WireValue::LengthDelimited(body)) => {
                discipline = Some(decode_discipline(body)?);
            }
            (FIELD_CLIPBOARD, WireValue::LengthDelimited(body)) => {
                clipboard = Some(decode_clipboard(body)?);
            }
            _ => {}
        }
    }
    Ok(if let Some(bytes) = host_bytes {
        Some(HostEvent::HostBytes(bytes))
    } else if let Some((width, height)) = size {
        Some(HostEvent::Resize { width, height })
    } else if let Some(num) = echo_ack {
        Some(HostEvent::EchoAck(num))
    } else if let Some(delta) = history {
        Some(HostEvent::History(delta))
    } else if let Some(discipline) = discipline {
        Some(HostEvent::Discipline(discipline))
    } else {
        clipboard.map(HostEvent::Clipboard)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_encodes_to_hand_derived_bytes() {
        assert_eq!(
            encode_host_message(&[HostEvent::HostBytes(b"\x1b[H".to_vec())]),
            [0x0a, 0x07, 0x12, 0x05, 0x22, 0x03, 0x1b, b'[', b'H']
        );
        assert_eq!(
            encode_host_message(&[HostEvent::Resize {
                width: 80,
                height: 24
            }]),
            [0x0a, 0x06, 0x1a, 0x04, 0x28, 80, 0x30, 24]
        );
        assert_eq!(
            encode_host_message(&[HostEvent::EchoAck(300)]),
            [0x0a, 0x05, 0x3a, 0x03, 0x40, 0xac, 0x02]
        );
    }

    #[test]
    fn upstream_order_round_trips() {
        let events = vec![
            HostEvent::EchoAck(17),
            HostEvent::Resize {
                width: 132,
                height: 43,
            },
            HostEvent::HostBytes(b"\x1b[?25l\x1b[1;1Hhello".to_vec()),
            HostEvent::HostBytes(vec![]),
        ];
        assert_eq!(
            decode_host_message(&encode_host_message(&events)),
            Ok(events)
        );
    }

    #[test]
    fn history_round_trips_after_the_screen_events() {
        use crate::wire::{HistoryDelta, HistoryWireLine};
        let events = vec![
            HostEvent::History(HistoryDelta {
                first: 42,
                lines: vec![HistoryWireLine::BaseRow(0)],
            }),
            HostEvent::HostBytes(b"\n".to_vec()),
        ];
        assert_eq!(
            decode_host_message(&encode_host_message(&events)),
            Ok(events)
        );
    }

    #[test]
    fn instruction_without_known_extension_is_skipped() {
        let bytes = [
            0x0a, 0x03, 0x4a, 0x01, 0x00, // only unknown extension 9
            0x0a, 0x00, // empty
            0x0a, 0x05, 0x3a, 0x03, 0x40, 0xac, 0x02,
        ];
        assert_eq!(
            decode_host_message(&bytes),
            Ok(vec![HostEvent::EchoAck(300)])
        );
    }

    #[test]
    fn hostbytes_wins_over_other_extensions_in_one_instruction() {
        let bytes = [
            0x0a, 0x0b, 0x3a, 0x02, 0x40, 0x05, 0x12, 0x05, 0x22, 0x03, b'a', b'b', b'c',
        ];
        assert_eq!(
            decode_host_message(&bytes),
            Ok(vec![HostEvent::HostBytes(b"abc".to_vec())])
        );
    }

    #[test]
    fn missing_inner_fields_default_to_zero() {
        let bytes = [0x0a, 0x02, 0x3a, 0x00, 0x0a, 0x02, 0x12, 0x00];
        assert_eq!(
            decode_host_message(&bytes),
            Ok(vec![HostEvent::EchoAck(0), HostEvent::HostBytes(vec![])])
        );
    }

    #[test]
    fn truncated_messages_are_errors() {
        let bytes = encode_host_message(&[HostEvent::HostBytes(b"screen".to_vec())]);
        for len in 1..bytes.len() {
            assert!(decode_host_message(&bytes[..len]).is_err(), "len {len}");
        }
    }
}
