//! Frames on the carrier's byte stream: a 2-byte big-endian length, then
//! that many bytes of one datagram. A zero length is a frame with no
//! datagram (ignored: a keepalive). A datagram over [`MAX_DATAGRAM`]
//! cannot be framed.

/// The largest datagram a frame carries.
pub const MAX_DATAGRAM: usize = u16::MAX as usize;

/// Bytes of the length prefix.
const HEADER: usize = 2;

/// Appends the frame for `datagram` to `out`; false (and nothing
/// appended) when it is too long to frame.
pub fn encode(datagram: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(len) = u16::try_from(datagram.len()) else {
        return false;
    };
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(datagram);
    true
}

/// Reassembles datagrams from a byte stream read in pieces of any size.
/// It never holds more than one frame's bytes.
#[derive(Debug, Default)]
pub struct FrameReader {
    pending: Vec<u8>,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> FrameReader {
        FrameReader::default()
    }

    /// Takes `bytes` from the stream and calls `deliver` with each
    /// datagram they complete, in order.
    pub fn feed(&mut self, mut bytes: &[u8], mut deliver: impl FnMut(&[u8])) {
        while !bytes.is_empty() {
            let wanted = self.wanted();
            let take = wanted.saturating_sub(self.pending.len()).min(bytes.len());
            let (now, rest) = bytes.split_at(take);
            self.pending.extend_from_slice(now);
            bytes = rest;
            if self.pending.len() == self.wanted() && self.pending.len() >= HEADER {
                if let Some(datagram) = self.pending.get(HEADER..) {
                    if !datagram.is_empty() {
                        deliver(datagram);
                    }
                }
                self.pending.clear();
            }
        }
    }

    /// How many bytes the frame being read has in all (the header alone
    /// until the length is known).
    fn wanted(&self) -> usize {
        match self.pending.get(..HEADER) {
            Some(&[high, low]) => HEADER + usize::from(u16::from_be_bytes([high, low])),
            _ => HEADER,
        }
    }

    /// Whether the stream stopped in the middle of a frame.
    pub fn is_mid_frame(&self) -> bool {
        !self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(datagrams: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for d in datagrams {
            assert!(encode(d, &mut out));
        }
        out
    }

    fn read_in_pieces(stream: &[u8], piece: usize) -> Vec<Vec<u8>> {
        let mut reader = FrameReader::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(piece) {
            reader.feed(chunk, |d| got.push(d.to_vec()));
        }
        assert!(!reader.is_mid_frame());
        got
    }

    #[test]
    fn datagrams_come_back_whole_however_the_stream_is_cut() {
        let big = vec![7u8; 3000];
        let sent: Vec<&[u8]> = vec![b"a", b"", b"hello", &big, b"z"];
        let stream = frames(&sent);
        let want: Vec<Vec<u8>> = sent
            .iter()
            .filter(|d| !d.is_empty())
            .map(|d| d.to_vec())
            .collect();
        for piece in [1, 2, 3, 7, 1000, stream.len()] {
            assert_eq!(read_in_pieces(&stream, piece), want, "pieces of {piece}");
        }
    }

    #[test]
    fn the_largest_datagram_is_framed_and_a_larger_one_refused() {
        let largest = vec![1u8; MAX_DATAGRAM];
        let stream = frames(&[&largest]);
        assert_eq!(read_in_pieces(&stream, 4096), vec![largest]);
        let mut out = Vec::new();
        assert!(!encode(&vec![0u8; MAX_DATAGRAM + 1], &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn a_cut_stream_is_seen_mid_frame() {
        let stream = frames(&[b"abcdef"]);
        let mut reader = FrameReader::new();
        reader.feed(&stream[..4], |_| panic!("incomplete"));
        assert!(reader.is_mid_frame());
    }
}
