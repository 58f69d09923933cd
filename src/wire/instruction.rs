//! `TransportBuffers.Instruction`: the SSP message that carries one state
//! diff plus acknowledgement numbers. This is what gets compressed and cut
//! into fragments.

use super::error::WireError;
use super::protobuf::{
    varint_as_u32, write_bytes_field, write_varint_field, FieldReader, WireValue,
};

/// The protocol version this implementation speaks (mosh 1.3 / 1.4).
pub const PROTOCOL_VERSION: u32 = 2;

const FIELD_PROTOCOL_VERSION: u32 = 1;
const FIELD_OLD_NUM: u32 = 2;
const FIELD_NEW_NUM: u32 = 3;
const FIELD_ACK_NUM: u32 = 4;
const FIELD_THROWAWAY_NUM: u32 = 5;
const FIELD_DIFF: u32 = 6;
const FIELD_CHAFF: u32 = 7;

/// One transport instruction. Absent fields decode as 0 / empty.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Instruction {
    pub protocol_version: u32,
    /// The state the diff applies to.
    pub old_num: u64,
    /// The state the diff produces; `u64::MAX` means "shutting down".
    pub new_num: u64,
    /// The newest state received from the peer.
    pub ack_num: u64,
    /// The peer may discard its states older than this.
    pub throwaway_num: u64,
    pub diff: Vec<u8>,
    /// 0..16 random bytes that hide the true length; ignored.
    pub chaff: Vec<u8>,
}

impl Instruction {
    /// Serializes all seven fields in field order, empty `diff` and
    /// `chaff` included, exactly as upstream's sender does.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.diff.len() + self.chaff.len() + 48);
        write_varint_field(
            &mut out,
            FIELD_PROTOCOL_VERSION,
            u64::from(self.protocol_version),
        );
        write_varint_field(&mut out, FIELD_OLD_NUM, self.old_num);
        write_varint_field(&mut out, FIELD_NEW_NUM, self.new_num);
        write_varint_field(&mut out, FIELD_ACK_NUM, self.ack_num);
        write_varint_field(&mut out, FIELD_THROWAWAY_NUM, self.throwaway_num);
        write_bytes_field(&mut out, FIELD_DIFF, &self.diff);
        write_bytes_field(&mut out, FIELD_CHAFF, &self.chaff);
        out
    }

    /// Parses a serialized instruction. Unknown fields, and known fields
    /// with an unexpected wire type, are skipped as protobuf does; a
    /// repeated field keeps its last value.
    pub fn decode(bytes: &[u8]) -> Result<Instruction, WireError> {
        let mut inst = Instruction::default();
        for field in FieldReader::new(bytes) {
            match field? {
                (FIELD_PROTOCOL_VERSION, WireValue::Varint(v)) => {
                    inst.protocol_version = varint_as_u32(v)
                }
                (FIELD_OLD_NUM, WireValue::Varint(v)) => inst.old_num = v,
                (FIELD_NEW_NUM, WireValue::Varint(v)) => inst.new_num = v,
                (FIELD_ACK_NUM, WireValue::Varint(v)) => inst.ack_num = v,
                (FIELD_THROWAWAY_NUM, WireValue::Varint(v)) => inst.throwaway_num = v,
                (FIELD_DIFF, WireValue::LengthDelimited(b)) => inst.diff = b.to_vec(),
                (FIELD_CHAFF, WireValue::LengthDelimited(b)) => inst.chaff = b.to_vec(),
                _ => {}
            }
        }
        Ok(inst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Instruction {
        Instruction {
            protocol_version: PROTOCOL_VERSION,
            old_num: 1,
            new_num: 300,
            ack_num: 0,
            throwaway_num: 1,
            diff: b"hi".to_vec(),
            chaff: vec![0xaa],
        }
    }

    #[test]
    fn encodes_to_hand_derived_bytes() {
        // key = field << 3 | wire type; 300 = 0xac 0x02 as a varint.
        let expected = [
            0x08, 0x02, // protocol_version = 2
            0x10, 0x01, // old_num = 1
            0x18, 0xac, 0x02, // new_num = 300
            0x20, 0x00, // ack_num = 0 (written even when zero)
            0x28, 0x01, // throwaway_num = 1
            0x32, 0x02, b'h', b'i', // diff = "hi"
            0x3a, 0x01, 0xaa, // chaff = [0xaa]
        ];
        assert_eq!(sample().encode(), expected);
        assert_eq!(Instruction::decode(&expected), Ok(sample()));
    }

    #[test]
    fn empty_diff_and_chaff_are_still_written() {
        let inst = Instruction {
            protocol_version: 2,
            ..Default::default()
        };
        assert_eq!(
            inst.encode(),
            [0x08, 0x02, 0x10, 0x00, 0x18, 0x00, 0x20, 0x00, 0x28, 0x00, 0x32, 0x00, 0x3a, 0x00]
        );
    }

    #[test]
    fn shutdown_number_round_trips() {
        let inst = Instruction {
            new_num: u64::MAX,
            ..sample()
        };
        assert_eq!(Instruction::decode(&inst.encode()), Ok(inst));
    }

    #[test]
    fn missing_fields_default_and_unknown_fields_are_skipped() {
        let bytes = [
            0x18, 0x05, // new_num = 5
            0x40, 0x07, // unknown field 8, varint
            0x4a, 0x01, b'x', // unknown field 9, bytes
            0x51, 0, 0, 0, 0, 0, 0, 0, 0, // unknown field 10, fixed64
            0x5d, 0, 0, 0, 0, // unknown field 11, fixed32
            0x12, 0x01, b'y', // old_num with the wrong wire type: skipped
        ];
        let inst = Instruction::decode(&bytes).unwrap();
        assert_eq!(
            inst,
            Instruction {
                new_num: 5,
                ..Default::default()
            }
        );
    }

    #[test]
    fn last_value_of_a_repeated_field_wins() {
        let inst = Instruction::decode(&[0x10, 0x01, 0x10, 0x02]).unwrap();
        assert_eq!(inst.old_num, 2);
    }

    #[test]
    fn protocol_version_keeps_the_low_32_bits() {
        let inst = Instruction::decode(&[0x08, 0x82, 0x80, 0x80, 0x80, 0x10]).unwrap();
        assert_eq!(inst.protocol_version, 2);
    }

    #[test]
    fn malformed_bytes_are_errors() {
        assert!(Instruction::decode(&[0x32, 0x05, b'a']).is_err());
        assert!(Instruction::decode(&[0x08]).is_err());
        assert!(Instruction::decode(&[0x0b]).is_err());
        assert_eq!(Instruction::decode(&[]), Ok(Instruction::default()));
    }
}
