//! What a mosh-rs client can do beyond stock mosh, announced to a mosh-rs
//! server in the user stream (extension 1701 of the user `Instruction`:
//! `Features { bool scrollback = 1; }`). The client sends it only when its
//! bootstrap learned that the server is mosh-rs (the server says so after
//! `MOSH CONNECT`), so a stock server never sees it; the server sends
//! nothing new to a client that did not announce.

use super::error::WireError;
use super::protobuf::{write_varint_field, FieldReader, WireValue};

/// The extension number of the features on a user `Instruction`.
pub(crate) const FIELD_FEATURES: u32 = 1701;

const FIELD_SCROLLBACK: u32 = 1;

/// The client's features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerFeatures {
    /// The client puts history lines into the user's terminal.
    pub scrollback: bool,
}

/// The body of the extension.
pub(crate) fn encode_features(features: PeerFeatures) -> Vec<u8> {
    let mut out = Vec::new();
    if features.scrollback {
        write_varint_field(&mut out, FIELD_SCROLLBACK, 1);
    }
    out
}

/// Parses the body of the extension; unknown fields (later features) are
/// skipped.
pub(crate) fn decode_features(body: &[u8]) -> Result<PeerFeatures, WireError> {
    let mut features = PeerFeatures::default();
    for field in FieldReader::new(body) {
        if let (FIELD_SCROLLBACK, WireValue::Varint(flag)) = field? {
            features.scrollback = flag != 0;
        }
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_round_trip_and_skip_unknown_fields() {
        let on = PeerFeatures { scrollback: true };
        assert_eq!(decode_features(&encode_features(on)), Ok(on));
        assert_eq!(decode_features(&[]), Ok(PeerFeatures::default()));
        let mut later = encode_features(on);
        write_varint_field(&mut later, 9, 3);
        assert_eq!(decode_features(&later), Ok(on));
    }
}
