//! The per-datagram nonce: a direction bit and a 63-bit sequence number,
//! sent in clear as 8 big-endian bytes and widened to OCB's 12-byte nonce
//! by four leading zero bytes.

/// Which way a datagram travels. Bit 63 of the wire nonce: 1 = to client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToServer,
    ToClient,
}

impl Direction {
    /// The other direction (what the peer sends).
    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

const DIRECTION_BIT: u64 = 1 << 63;
/// The largest sequence number the 63 bits can hold.
pub(crate) const MAX_SEQ: u64 = DIRECTION_BIT - 1;

/// A datagram's nonce. `seq` counts datagrams per direction from 0; only
/// its low 63 bits go on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Nonce {
    pub direction: Direction,
    pub seq: u64,
}

impl Nonce {
    /// The 8 bytes sent in clear at the start of the datagram.
    pub fn to_wire(&self) -> [u8; 8] {
        let direction = match self.direction {
            Direction::ToServer => 0,
            Direction::ToClient => DIRECTION_BIT,
        };
        (direction | (self.seq & MAX_SEQ)).to_be_bytes()
    }

    /// Reads the 8 clear bytes at the start of a datagram.
    pub(crate) fn from_wire(bytes: [u8; 8]) -> Nonce {
        let value = u64::from_be_bytes(bytes);
        let direction = if value & DIRECTION_BIT != 0 {
            Direction::ToClient
        } else {
            Direction::ToServer
        };
        Nonce {
            direction,
            seq: value & MAX_SEQ,
        }
    }

    /// The 12-byte OCB nonce: four zero bytes, then the wire bytes.
    pub fn full(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[4..].copy_from_slice(&self.to_wire());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_is_the_top_bit() {
        let to_client = Nonce {
            direction: Direction::ToClient,
            seq: 1,
        };
        assert_eq!(to_client.to_wire(), [0x80, 0, 0, 0, 0, 0, 0, 1]);
        let to_server = Nonce {
            direction: Direction::ToServer,
            seq: 0x0102_0304_0506_0708,
        };
        assert_eq!(to_server.to_wire(), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn full_nonce_has_four_leading_zeros() {
        let nonce = Nonce {
            direction: Direction::ToClient,
            seq: 0x1234,
        };
        assert_eq!(nonce.full(), [0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0x12, 0x34]);
    }

    #[test]
    fn wire_round_trip_keeps_direction_and_seq() {
        for direction in [Direction::ToServer, Direction::ToClient] {
            for seq in [0, 1, 255, 1 << 40, MAX_SEQ] {
                let nonce = Nonce { direction, seq };
                assert_eq!(Nonce::from_wire(nonce.to_wire()), nonce);
            }
        }
    }

    #[test]
    fn seq_overflowing_63_bits_cannot_flip_direction() {
        let nonce = Nonce {
            direction: Direction::ToServer,
            seq: u64::MAX,
        };
        assert_eq!(
            Nonce::from_wire(nonce.to_wire()).direction,
            Direction::ToServer
        );
    }

    #[test]
    fn reverse_swaps() {
        assert_eq!(Direction::ToClient.reverse(), Direction::ToServer);
        assert_eq!(Direction::ToServer.reverse(), Direction::ToClient);
    }
}
