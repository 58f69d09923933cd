//! The little of protobuf (proto2 wire format) that mosh needs, by hand:
//! varints, field keys, length-delimited fields, and a reader that walks
//! `(field_number, value)` pairs and lets callers skip unknown fields.
//!
//! Every read is bounds-checked and returns `Err` on malformed input.
//! Varints longer than 10 bytes or overflowing 64 bits are rejected;
//! non-minimal encodings within 10 bytes are accepted, as protobuf does.

use super::error::WireError;

/// Longest varint encoding of a u64.
pub(crate) const MAX_VARINT_LEN: usize = 10;
/// Largest field number protobuf allows (2^29 - 1).
pub(crate) const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// The wire types this codec writes and reads (groups 3/4 are refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireType {
    Varint = 0,
    LengthDelimited = 2,
}

/// One field value as it sits on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireValue<'a> {
    Varint(u64),
    Fixed64(u64),
    LengthDelimited(&'a [u8]),
    Fixed32(u32),
}

/// Appends `value` as a base-128 varint.
pub fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(low_seven_bits(value) | 0x80);
        value >>= 7;
    }
    out.push(low_seven_bits(value));
}

/// The low 7 bits of `value`, one varint digit.
fn low_seven_bits(value: u64) -> u8 {
    let [low, ..] = (value & 0x7f).to_le_bytes();
    low
}

/// Reads a varint from the front of `buf`: `(value, bytes consumed)`.
pub(crate) fn read_varint(buf: &[u8]) -> Result<(u64, usize), WireError> {
    let mut value: u64 = 0;
    for (i, byte) in buf.iter().take(MAX_VARINT_LEN).enumerate() {
        let bits = u64::from(byte & 0x7f);
        if i == MAX_VARINT_LEN - 1 && bits > 1 {
            return Err(WireError::Protobuf("varint overflows 64 bits"));
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    if buf.len() >= MAX_VARINT_LEN {
        Err(WireError::Protobuf("varint longer than 10 bytes"))
    } else {
        Err(WireError::Protobuf("truncated varint"))
    }
}

/// Appends a field key (field number and wire type).
pub(crate) fn write_key(out: &mut Vec<u8>, field: u32, wire_type: WireType) {
    write_varint(out, (u64::from(field) << 3) | wire_type as u64);
}

/// Appends a varint field (uint32, uint64, bool, and int32 >= 0).
pub fn write_varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
    write_key(out, field, WireType::Varint);
    write_varint(out, value);
}

/// Appends an `int32` field; negative values take 10 bytes, sign-extended
/// to 64 bits as protobuf specifies.
pub(crate) fn write_int32_field(out: &mut Vec<u8>, field: u32, value: i32) {
    write_varint_field(out, field, i64::from(value) as u64);
}

/// Appends a length-delimited field (bytes, string, embedded message).
pub fn write_bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    write_key(out, field, WireType::LengthDelimited);
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// The low 32 bits of a varint, as protobuf reads `int32` and `uint32`.
pub(crate) fn varint_as_i32(value: u64) -> i32 {
    i32::from_le_bytes(low_32_bits(value))
}

/// The low 32 bits of a varint, as protobuf reads `uint32`.
pub(crate) fn varint_as_u32(value: u64) -> u32 {
    u32::from_le_bytes(low_32_bits(value))
}

fn low_32_bits(value: u64) -> [u8; 4] {
    let [a, b, c, d, ..] = value.to_le_bytes();
    [a, b, c, d]
}

/// Walks the fields of one message. Yields `Err` once on malformed input
/// and then stops.
#[derive(Clone, Debug)]
pub(crate) struct FieldReader<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> FieldReader<'a> {
    pub fn new(message: &'a [u8]) -> FieldReader<'a> {
        FieldReader {
            rest: message,
            failed: false,
        }
    }

    fn take_varint(&mut self) -> Result<u64, WireError> {
        let (value, used) = read_varint(self.rest)?;
        self.rest = self
            .rest
            .get(used..)
            .ok_or(WireError::Protobuf("truncated varint"))?;
        Ok(value)
    }

    fn take_bytes(&mut self, len: usize, why: &'static str) -> Result<&'a [u8], WireError> {
        if len > self.rest.len() {
            return Err(WireError::Protobuf(why));
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    fn take_fixed<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.take_bytes(N, "truncated fixed-width field")?;
        bytes
            .try_into()
            .map_err(|_| WireError::Protobuf("truncated fixed-width field"))
    }

    fn next_field(&mut self) -> Result<(u32, WireValue<'a>), WireError> {
        let key = self.take_varint()?;
        let field =
            u32::try_from(key >> 3).map_err(|_| WireError::Protobuf("field number too large"))?;
        if field == 0 || field > MAX_FIELD_NUMBER {
            return Err(WireError::Protobuf("invalid field number"));
        }
        let value = match key & 7 {
            0 => WireValue::Varint(self.take_varint()?),
            1 => WireValue::Fixed64(u64::from_le_bytes(self.take_fixed()?)),
            2 => {
                let len = self.take_varint()?;
                let len = usize::try_from(len)
                    .map_err(|_| WireError::Protobuf("length past end of message"))?;
                WireValue::LengthDelimited(self.take_bytes(len, "length past end of message")?)
            }
            5 => WireValue::Fixed32(u32::from_le_bytes(self.take_fixed()?)),
            3 | 4 => return Err(WireError::Protobuf("groups are not supported")),
            _ => return Err(WireError::Protobuf("unknown wire type")),
        };
        Ok((field, value))
    }
}

impl<'a> Iterator for FieldReader<'a> {
    type Item = Result<(u32, WireValue<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let field = self.next_field();
        self.failed = field.is_err();
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint_bytes(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, value);
        out
    }

    #[test]
    fn varint_known_encodings() {
        assert_eq!(varint_bytes(0), [0x00]);
        assert_eq!(varint_bytes(1), [0x01]);
        assert_eq!(varint_bytes(127), [0x7f]);
        assert_eq!(varint_bytes(128), [0x80, 0x01]);
        assert_eq!(varint_bytes(300), [0xac, 0x02]);
        assert_eq!(
            varint_bytes(u64::MAX),
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
    }

    #[test]
    fn varint_round_trips_at_every_width() {
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 1] {
                let bytes = varint_bytes(value);
                assert_eq!(read_varint(&bytes), Ok((value, bytes.len())));
            }
        }
    }

    #[test]
    fn varint_rejects_truncation_overflow_and_overlength() {
        assert!(read_varint(&[]).is_err());
        assert!(read_varint(&[0x80]).is_err());
        assert!(read_varint(&[0xff; 9]).is_err());
        // Tenth byte may only carry bit 63.
        let mut overflow = vec![0xff; 9];
        overflow.push(0x02);
        assert!(read_varint(&overflow).is_err());
        assert!(read_varint(&[0xff; 11]).is_err());
        let mut eleven = vec![0x80; 10];
        eleven.push(0x00);
        assert!(read_varint(&eleven).is_err());
    }

    #[test]
    fn non_minimal_varint_is_accepted_like_protobuf() {
        assert_eq!(read_varint(&[0x81, 0x80, 0x00]), Ok((1, 3)));
    }

    #[test]
    fn negative_int32_takes_ten_bytes() {
        let mut out = Vec::new();
        write_int32_field(&mut out, 5, -1);
        assert_eq!(
            out,
            [0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        let (value, _) = read_varint(&out[1..]).unwrap();
        assert_eq!(varint_as_i32(value), -1);
    }

    #[test]
    fn reader_yields_every_wire_type() {
        let message = [
            0x08, 0x96, 0x01, // field 1 varint 150
            0x11, 1, 2, 3, 4, 5, 6, 7, 8, // field 2 fixed64
            0x1a, 0x03, b'a', b'b', b'c', // field 3 bytes "abc"
            0x25, 9, 8, 7, 6, // field 4 fixed32
        ];
        let fields: Vec<_> = FieldReader::new(&message)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            fields,
            [
                (1, WireValue::Varint(150)),
                (2, WireValue::Fixed64(0x0807_0605_0403_0201)),
                (3, WireValue::LengthDelimited(b"abc")),
                (4, WireValue::Fixed32(0x0607_0809)),
            ]
        );
    }

    #[test]
    fn reader_reports_malformed_input_once() {
        let cases: [(&[u8], &str); 8] = [
            (&[0x0a, 0x05, b'a'], "length past end of message"),
            (&[0x08], "truncated varint"),
            (&[0x08, 0x80], "truncated varint"),
            (&[0x11, 1, 2, 3], "truncated fixed-width field"),
            (&[0x0b], "groups are not supported"),
            (&[0x0e], "unknown wire type"),
            (&[0x00, 0x00], "invalid field number"),
            (&[0x80], "truncated varint"),
        ];
        for (bytes, why) in cases {
            let mut reader = FieldReader::new(bytes);
            assert_eq!(
                reader.next(),
                Some(Err(WireError::Protobuf(why))),
                "{bytes:?}"
            );
            assert_eq!(reader.next(), None);
        }
    }

    #[test]
    fn huge_length_does_not_panic() {
        let mut message = vec![0x0a];
        write_varint(&mut message, u64::MAX);
        assert!(FieldReader::new(&message).next().unwrap().is_err());
    }
}
