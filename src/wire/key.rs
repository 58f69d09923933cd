//! The 128-bit session key, and its printable form: 22 characters of
//! standard base64 with the `==` padding left off (what `MOSH CONNECT`
//! prints and `MOSH_KEY` carries).

use std::fmt;

use super::base64::{decode_unpadded, encode_unpadded};
use super::error::WireError;

/// Number of characters in a printable key.
pub(crate) const KEY_TEXT_LEN: usize = 22;

/// A session key. `Debug` never shows the key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey([u8; 16]);

impl SessionKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SessionKey, WireError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|_| WireError::KeyGeneration)?;
        Ok(SessionKey(bytes))
    }

    /// Wraps raw key bytes (tests, and keys that come from elsewhere).
    pub fn from_bytes(bytes: [u8; 16]) -> SessionKey {
        SessionKey(bytes)
    }

    /// Parses a printable key strictly: exactly 22 base64 characters that
    /// decode to 16 bytes and re-encode to the very same text (so the
    /// unused low bits of the last character must be zero).
    pub fn parse(text: &str) -> Result<SessionKey, WireError> {
        if text.len() != KEY_TEXT_LEN {
            return Err(WireError::KeyFormat("key must be 22 characters long"));
        }
        let decoded =
            decode_unpadded(text).ok_or(WireError::KeyFormat("key must be well-formed base64"))?;
        let bytes: [u8; 16] = decoded
            .try_into()
            .map_err(|_| WireError::KeyFormat("key must represent 16 bytes"))?;
        let key = SessionKey(bytes);
        if key.to_base64() != text {
            return Err(WireError::KeyFormat(
                "key is not a canonical encoding of 16 bytes",
            ));
        }
        Ok(key)
    }

    /// The printable form: 22 characters, no padding.
    pub fn to_base64(&self) -> String {
        encode_unpadded(&self.0)
    }

    /// The raw key bytes.
    pub fn bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_key_prints_as_22_characters() {
        let key = SessionKey::from_bytes(
            *b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
        );
        // base64 of 00..0f is "AAECAwQFBgcICQoLDA0ODw==".
        assert_eq!(key.to_base64(), "AAECAwQFBgcICQoLDA0ODw");
        assert_eq!(SessionKey::parse("AAECAwQFBgcICQoLDA0ODw"), Ok(key));
    }

    #[test]
    fn generated_keys_round_trip_and_differ() {
        let a = SessionKey::generate().unwrap();
        let b = SessionKey::generate().unwrap();
        assert_ne!(a, b);
        for key in [a, b] {
            let text = key.to_base64();
            assert_eq!(text.len(), 22);
            assert_eq!(SessionKey::parse(&text).unwrap(), key);
        }
    }

    #[test]
    fn all_ones_and_all_zeros_round_trip() {
        for byte in [0x00, 0xff] {
            let key = SessionKey::from_bytes([byte; 16]);
            assert_eq!(SessionKey::parse(&key.to_base64()).unwrap(), key);
        }
        assert_eq!(
            SessionKey::from_bytes([0xff; 16]).to_base64(),
            "/////////////////////w"
        );
    }

    #[test]
    fn rejects_wrong_lengths() {
        let good = "AAECAwQFBgcICQoLDA0ODw";
        assert!(SessionKey::parse(&good[..21]).is_err());
        assert!(SessionKey::parse(&format!("{good}A")).is_err());
        assert!(SessionKey::parse(&format!("{good}==")).is_err());
        assert!(SessionKey::parse("").is_err());
    }

    #[test]
    fn rejects_characters_outside_the_alphabet() {
        for bad in [
            "AAECAwQFBgcICQoLDA0OD=",
            "AAECAwQFBgcICQoLDA0O=w",
            "AAECAwQF-gcICQoLDA0ODw",
            "AAECAwQF_gcICQoLDA0ODw",
            "AAECAwQF gcICQoLDA0ODw",
            "AAECAwQFBgcICQoLDA0OD\n",
            "AAECAwQFBgcICQoLDA0ODé",
        ] {
            assert!(SessionKey::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn rejects_nonzero_unused_bits_in_last_character() {
        // 'w' = 0b110000: the low four bits are unused and zero. Each of
        // 'x'..'/' sets some of them, so the text is not canonical.
        let stem = "AAECAwQFBgcICQoLDA0OD";
        for last in ['x', 'y', 'z', '0', '9', '+', '/', 'B', 'P'] {
            let text = format!("{stem}{last}");
            assert!(SessionKey::parse(&text).is_err(), "{text} accepted");
        }
        // Characters with zero low bits decode to other valid keys.
        for last in ['A', 'Q', 'g', 'w'] {
            assert!(SessionKey::parse(&format!("{stem}{last}")).is_ok());
        }
    }

    #[test]
    fn debug_does_not_reveal_the_key() {
        let key = SessionKey::from_bytes([0xab; 16]);
        let shown = format!("{key:?}");
        assert!(!shown.contains("ab") && !shown.contains("171"), "{shown}");
        assert!(!shown.contains(&key.to_base64()));
    }
}
