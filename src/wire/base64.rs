//! Standard base64 (RFC 4648 alphabet `A-Z a-z 0-9 + /`) without padding,
//! strict on decode. Used only for the printable session key.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bytes` as base64 and leaves off the trailing `=` padding.
pub(crate) fn encode_unpadded(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextets = [group >> 18, group >> 12, group >> 6, group];
        // n input bytes produce n + 1 significant characters.
        for sextet in sextets.iter().take(chunk.len() + 1) {
            let index = usize::try_from(sextet & 0x3f).unwrap_or(0);
            out.push(char::from(ALPHABET.get(index).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// Decodes unpadded base64. Returns `None` for a character outside the
/// alphabet (including `=`) or a length that no byte string encodes to.
/// Unused low bits of the last character are ignored here; callers that
/// need a canonical encoding re-encode and compare.
pub(crate) fn decode_unpadded(text: &str) -> Option<Vec<u8>> {
    let sextets: Vec<u8> = text.bytes().map(sextet_of).collect::<Option<_>>()?;
    if sextets.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for group in sextets.chunks(4) {
        let mut bits: u32 = 0;
        for (i, sextet) in group.iter().enumerate() {
            bits |= u32::from(*sextet) << (18 - 6 * i);
        }
        let [_, high, middle, low] = bits.to_be_bytes();
        let bytes = [high, middle, low];
        // k characters carry k - 1 whole bytes.
        out.extend_from_slice(bytes.get(..group.len() - 1)?);
    }
    Some(out)
}

fn sextet_of(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_test_vectors_without_padding() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, text) in cases {
            assert_eq!(encode_unpadded(raw), text);
            assert_eq!(decode_unpadded(text).as_deref(), Some(raw));
        }
    }

    #[test]
    fn every_byte_value_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..all.len() {
            let text = encode_unpadded(&all[..len]);
            assert_eq!(decode_unpadded(&text).as_deref(), Some(&all[..len]));
        }
    }

    #[test]
    fn rejects_foreign_characters_and_impossible_lengths() {
        assert_eq!(decode_unpadded("Zm9v="), None);
        assert_eq!(decode_unpadded("Zm-v"), None);
        assert_eq!(decode_unpadded("Zm9 "), None);
        assert_eq!(decode_unpadded("Zm9vY"), None);
    }
}
