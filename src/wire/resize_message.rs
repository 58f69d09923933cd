//! `ResizeMessage { int32 width = 5; int32 height = 6; }`, the window-size
//! extension shared by the user and host messages.

use super::error::WireError;
use super::protobuf::{varint_as_i32, write_int32_field, FieldReader, WireValue};

const FIELD_WIDTH: u32 = 5;
const FIELD_HEIGHT: u32 = 6;

/// Serializes a resize body (both fields always written, as upstream).
pub(crate) fn encode_resize(width: i32, height: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    write_int32_field(&mut out, FIELD_WIDTH, width);
    write_int32_field(&mut out, FIELD_HEIGHT, height);
    out
}

/// Parses a resize body into `size`, keeping values from earlier
/// occurrences for fields this one lacks (protobuf's merge rule).
pub(crate) fn merge_resize(bytes: &[u8], size: &mut (i32, i32)) -> Result<(), WireError> {
    for field in FieldReader::new(bytes) {
        match field? {
            (FIELD_WIDTH, WireValue::Varint(v)) => size.0 = varint_as_i32(v),
            (FIELD_HEIGHT, WireValue::Varint(v)) => size.1 = varint_as_i32(v),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_bytes() {
        assert_eq!(encode_resize(80, 24), [0x28, 80, 0x30, 24]);
        let mut size = (0, 0);
        merge_resize(&[0x28, 80, 0x30, 24], &mut size).unwrap();
        assert_eq!(size, (80, 24));
    }

    #[test]
    fn merge_keeps_missing_fields() {
        let mut size = (80, 24);
        merge_resize(&[0x30, 50], &mut size).unwrap();
        assert_eq!(size, (80, 50));
    }

    #[test]
    fn negative_and_extreme_values_round_trip() {
        for (w, h) in [(-1, i32::MIN), (i32::MAX, 0)] {
            let mut size = (7, 7);
            merge_resize(&encode_resize(w, h), &mut size).unwrap();
            assert_eq!(size, (w, h));
        }
    }
}
