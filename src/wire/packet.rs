//! The plaintext inside a datagram: two 16-bit timestamps (for RTT
//! measurement) followed by the payload, which is one fragment.

use super::error::WireError;

/// Bytes of timestamps in front of the payload.
pub(crate) const TIMESTAMPS_LEN: usize = 4;

/// A decrypted datagram body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// The sender's clock, mod 65536 (see `timing::timestamp16`).
    pub timestamp: u16,
    /// An echo of the peer's timestamp, or 65535 for none.
    pub timestamp_reply: u16,
    pub payload: Vec<u8>,
}

impl Packet {
    /// `timestamp: u16 BE || timestamp_reply: u16 BE || payload`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(TIMESTAMPS_LEN + self.payload.len());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.timestamp_reply.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Splits a plaintext into timestamps and payload.
    pub fn decode(plaintext: &[u8]) -> Result<Packet, WireError> {
        match plaintext {
            [t0, t1, r0, r1, payload @ ..] => Ok(Packet {
                timestamp: u16::from_be_bytes([*t0, *t1]),
                timestamp_reply: u16::from_be_bytes([*r0, *r1]),
                payload: payload.to_vec(),
            }),
            _ => Err(WireError::TooShort),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_two_big_endian_timestamps_then_payload() {
        let packet = Packet {
            timestamp: 0x0102,
            timestamp_reply: 0xfffe,
            payload: b"abc".to_vec(),
        };
        assert_eq!(packet.encode(), [0x01, 0x02, 0xff, 0xfe, b'a', b'b', b'c']);
        assert_eq!(Packet::decode(&packet.encode()), Ok(packet));
    }

    #[test]
    fn empty_payload_is_fine_but_short_input_is_not() {
        let bare = Packet::decode(&[0, 1, 0, 2]).unwrap();
        assert_eq!(
            (bare.timestamp, bare.timestamp_reply, bare.payload.len()),
            (1, 2, 0)
        );
        for len in 0..4 {
            assert_eq!(
                Packet::decode(&[0; 3][..len.min(3)]),
                Err(WireError::TooShort)
            );
        }
    }
}
