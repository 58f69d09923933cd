//! `ClientBuffers.UserMessage`: the diff of the client-to-server state, a
//! list of user events (keystroke bytes and window resizes).
//!
//! On the wire: `repeated Instruction instruction = 1`, where each inner
//! instruction carries one extension: `Keystroke keystroke = 2 { bytes
//! keys = 4 }` or `ResizeMessage resize = 3`; and, to a mosh-rs server
//! only, the client's features (extension 1701, `peer_features.rs`).

use super::error::WireError;
use super::peer_features::{decode_features, encode_features, PeerFeatures, FIELD_FEATURES};
use super::protobuf::{write_bytes_field, FieldReader, WireValue};
use super::resize_message::{encode_resize, merge_resize};

const FIELD_INSTRUCTION: u32 = 1;
const FIELD_KEYSTROKE: u32 = 2;
const FIELD_RESIZE: u32 = 3;
const FIELD_KEYS: u32 = 4;

/// One thing the user did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserEvent {
    /// Bytes typed (or pasted).
    Keystroke(Vec<u8>),
    /// The client's window changed size.
    Resize { width: i32, height: i32 },
    /// What the client can do beyond stock mosh (mosh-rs peers only).
    Features(PeerFeatures),
}

/// Serializes events in order. Consecutive keystrokes are merged into one,
/// as upstream does; empty keystrokes carry nothing and are left out.
pub fn encode_user_message(events: &[UserEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pending_keys: Vec<u8> = Vec::new();
    for event in events {
        match event {
            UserEvent::Keystroke(keys) => pending_keys.extend_from_slice(keys),
            UserEvent::Resize { width, height } => {
                flush_keys(&mut out, &mut pending_keys);
                let mut inner = Vec::new();
                write_bytes_field(&mut inner, FIELD_RESIZE, &encode_resize(*width, *height));
                write_bytes_field(&mut out, FIELD_INSTRUCTION, &inner);
            }
            UserEvent::Features(features) => {
                flush_keys(&mut out, &mut pending_keys);
                let mut inner = Vec::new();
                write_bytes_field(&mut inner, FIELD_FEATURES, &encode_features(*features));
                write_bytes_field(&mut out, FIELD_INSTRUCTION, &inner);
            }
        }
    }
    flush_keys(&mut out, &mut pending_keys);
    out
}

fn flush_keys(out: &mut Vec<u8>, keys: &mut Vec<u8>) {
    if keys.is_empty() {
        return;
    }
    let mut keystroke = Vec::with_capacity(keys.len() + 6);
    write_bytes_field(&mut keystroke, FIELD_KEYS, keys);
    let mut inner = Vec::with_capacity(keystroke.len() + 6);
    write_bytes_field(&mut inner, FIELD_KEYSTROKE, &keystroke);
    write_bytes_field(out, FIELD_INSTRUCTION, &inner);
    keys.clear();
}

/// Parses a user message. An inner instruction with neither extension is
/// skipped; one with both counts as a keystroke (upstream's precedence).
pub fn decode_user_message(bytes: &[u8]) -> Result<Vec<UserEvent>, WireError> {
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

fn decode_inner(inner: &[u8]) -> Result<Option<UserEvent>, WireError> {
    let mut keys: Option<Vec<u8>> = None;
    let mut size: Option<(i32, i32)> = None;
    let mut features: Option<PeerFeatures> = None;
    for field in FieldReader::new(inner) {
        match field? {
            (FIELD_KEYSTROKE, WireValue::LengthDelimited(body)) => {
                let keys = keys.get_or_insert_with(Vec::new);
                for field in FieldReader::new(body) {
                    if let (FIELD_KEYS, WireValue::LengthDelimited(bytes)) = field? {
                        *keys = bytes.to_vec();
                    }
                }
            }
            (FIELD_RESIZE, WireValue::LengthDelimited(body)) => {
                merge_resize(body, size.get_or_insert((0, 0)))?;
            }
            (FIELD_FEATURES, WireValue::LengthDelimited(body)) => {
                features = Some(decode_features(body)?);
            }
            _ => {}
        }
    }
    Ok(match (keys, size) {
        (Some(keys), _) => Some(UserEvent::Keystroke(keys)),
        (None, Some((width, height))) => Some(UserEvent::Resize { width, height }),
        (None, None) => features.map(UserEvent::Features),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystroke_encodes_to_hand_derived_bytes() {
        // UserMessage{ instruction: [ Instruction{ keystroke: { keys: "ab" } } ] }
        let bytes = encode_user_message(&[UserEvent::Keystroke(b"ab".to_vec())]);
        assert_eq!(bytes, [0x0a, 0x06, 0x12, 0x04, 0x22, 0x02, b'a', b'b']);
        assert_eq!(
            decode_user_message(&bytes),
            Ok(vec![UserEvent::Keystroke(b"ab".to_vec())])
        );
    }

    #[test]
    fn resize_encodes_to_hand_derived_bytes() {
        let bytes = encode_user_message(&[UserEvent::Resize {
            width: 80,
            height: 24,
        }]);
        assert_eq!(bytes, [0x0a, 0x06, 0x1a, 0x04, 0x28, 80, 0x30, 24]);
    }

    #[test]
    fn consecutive_keystrokes_merge_but_keep_order_around_resizes() {
        let events = [
            UserEvent::Keystroke(b"a".to_vec()),
            UserEvent::Keystroke(b"b".to_vec()),
            UserEvent::Resize {
                width: 100,
                height: 30,
            },
            UserEvent::Keystroke(vec![]),
            UserEvent::Keystroke(b"c".to_vec()),
        ];
        assert_eq!(
            decode_user_message(&encode_user_message(&events)),
            Ok(vec![
                UserEvent::Keystroke(b"ab".to_vec()),
                UserEvent::Resize {
                    width: 100,
                    height: 30
                },
                UserEvent::Keystroke(b"c".to_vec()),
            ])
        );
        assert!(encode_user_message(&[UserEvent::Keystroke(vec![])]).is_empty());
    }

    #[test]
    fn features_travel_as_their_own_instruction_between_keystrokes() {
        let features = PeerFeatures {
            scrollback: true,
            discipline: false,
            marks: false,
            mouse_pixels: false,
            keys: false,
            styles: false,
            clipboard: false,
        };
        let events = [
            UserEvent::Features(features),
            UserEvent::Keystroke(b"ls".to_vec()),
        ];
        let bytes = encode_user_message(&events);
        assert_eq!(decode_user_message(&bytes), Ok(events.to_vec()));
        // Instruction { 1701: { scrollback: 1 } }: key 1701 is 0xaa 0x6a.
        assert_eq!(
            bytes.get(..7),
            Some(&[0x0a, 0x05, 0xaa, 0x6a, 0x02, 0x08, 0x01][..])
        );
    }

    #[test]
    fn unknown_extensions_and_fields_are_skipped() {
        // An inner instruction whose own fields are malformed (key 0) is an error.
        assert!(decode_user_message(&[0x0a, 0x03, 0x38, 0x01, 0x00]).is_err());
        let bytes = [
            0x0a, 0x02, 0x38, 0x01, // instruction with only an unknown field
            0x10, 0x05, // unknown top-level field 2
            0x0a, 0x00, // empty instruction
            0x0a, 0x06, 0x12, 0x04, 0x22, 0x02, b'o', b'k',
        ];
        assert_eq!(
            decode_user_message(&bytes),
            Ok(vec![UserEvent::Keystroke(b"ok".to_vec())])
        );
    }

    #[test]
    fn keystroke_takes_precedence_over_resize_in_one_instruction() {
        let bytes = [
            0x0a, 0x0a, 0x1a, 0x02, 0x28, 1, 0x12, 0x04, 0x22, 0x02, b'h', b'i',
        ];
        assert_eq!(
            decode_user_message(&bytes),
            Ok(vec![UserEvent::Keystroke(b"hi".to_vec())])
        );
    }

    #[test]
    fn truncated_messages_are_errors() {
        let bytes = encode_user_message(&[UserEvent::Keystroke(b"hello".to_vec())]);
        for len in 1..bytes.len() {
            assert!(decode_user_message(&bytes[..len]).is_err(), "len {len}");
        }
    }
}
