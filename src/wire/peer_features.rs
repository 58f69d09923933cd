//! What mosh-rs peers can do beyond stock mosh. A mosh-rs server offers
//! it in words on a line after `MOSH CONNECT` ([`ServerOffer`]); a
//! mosh-rs client that heard the offer announces what it uses
//! ([`PeerFeatures`]) to the mosh-rs
//! server in the user stream (extension 1701 of the user `Instruction`:
//! `Features { bool scrollback = 1; bool discipline = 2; bool marks = 3;
//! bool mouse_pixels = 4; bool styles = 5; bool clipboard = 6;
//! bool keys = 7; }`). The client sends it only when its
//! bootstrap learned that the server is mosh-rs (the server says so after
//! `MOSH CONNECT`), so a stock server never sees it; the server sends
//! nothing new to a client that did not announce.

use super::error::WireError;
use super::protobuf::{write_varint_field, FieldReader, WireValue};

/// The extension number of the features on a user `Instruction`.
pub(crate) const FIELD_FEATURES: u32 = 1701;

const FIELD_SCROLLBACK: u32 = 1;
const FIELD_DISCIPLINE: u32 = 2;
const FIELD_MARKS: u32 = 3;
const FIELD_MOUSE_PIXELS: u32 = 4;
const FIELD_KEYS: u32 = 7;
const FIELD_STYLES: u32 = 5;
const FIELD_CLIPBOARD: u32 = 6;

/// The word for native scrollback (the server keeps history lines).
const SCROLLBACK_WORD: &str = "scrollback";
/// The word for the line discipline (the server sends the pty's).
const DISCIPLINE_WORD: &str = "discipline";
/// The word for shell integration marks (OSC 133) and the current
/// directory (OSC 7), forwarded to the user's terminal.
const MARKS_WORD: &str = "marks";
/// The word for mouse reports in pixels (DECSET 1016) passed on to the
/// user's terminal.
const PIXELS_WORD: &str = "pixels";
/// The word for the keyboard protocol (`CSI > flags u` and its kin)
/// passed on to the user's terminal.
const KEYS_WORD: &str = "keys";
/// The word for underline styles and colours and overline, sent in the
/// screen diff (SGR `4:n`, `58`, `53`).
const STYLES_WORD: &str = "styles";
/// The word for clipboard copies (OSC 52) carried whole beside the
/// screen, in pieces.
const CLIPBOARD_WORD: &str = "clipboard";

/// What a mosh-rs server offers, as the words after `MOSH-RS FEATURES`
/// (unknown words, from later versions, are ignored).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerOffer {
    /// The server keeps scrollback for a client that asks.
    pub scrollback: bool,
    /// The server sends the pty's line discipline to a client that asks.
    pub discipline: bool,
    /// The server sends prompt marks and the current directory to a
    /// client that asks.
    pub marks: bool,
    /// The server passes DECSET 1016 on to a client that asks.
    pub mouse_pixels: bool,
    /// The server keeps and answers the keyboard protocol for a client
    /// that asks.
    pub keys: bool,
    /// The server sends underline styles and colours and overline to a
    /// client that asks.
    pub styles: bool,
    /// The server sends clipboard copies beside the screen to a client
    /// that asks.
    pub clipboard: bool,
}

impl ServerOffer {
    /// Reads the offer's words.
    pub fn from_words(words: &str) -> ServerOffer {
        let has = |wanted: &str| words.split_ascii_whitespace().any(|w| w == wanted);
        ServerOffer {
            scrollback: has(SCROLLBACK_WORD),
            discipline: has(DISCIPLINE_WORD),
            marks: has(MARKS_WORD),
            mouse_pixels: has(PIXELS_WORD),
            keys: has(KEYS_WORD),
            styles: has(STYLES_WORD),
            clipboard: has(CLIPBOARD_WORD),
        }
    }

    /// The offer's words, space-separated.
    pub fn words(&self) -> String {
        let mut words = Vec::new();
        if self.discipline {
            words.push(DISCIPLINE_WORD);
        }
        if self.scrollback {
            words.push(SCROLLBACK_WORD);
        }
        if self.marks {
            words.push(MARKS_WORD);
        }
        if self.mouse_pixels {
            words.push(PIXELS_WORD);
        }
        if self.keys {
            words.push(KEYS_WORD);
        }
        if self.styles {
            words.push(STYLES_WORD);
        }
        if self.clipboard {
            words.push(CLIPBOARD_WORD);
        }
        words.join(" ")
    }

    /// What a client that heard this offer announces, `scrollback` being
    /// whether its user wants scrollback (`--no-scrollback` unset).
    pub fn taken(&self, scrollback: bool) -> PeerFeatures {
        PeerFeatures {
            scrollback: self.scrollback && scrollback,
            discipline: self.discipline,
            marks: self.marks,
            mouse_pixels: self.mouse_pixels,
            keys: self.keys,
            styles: self.styles,
            clipboard: self.clipboard,
        }
    }
}

/// The client's features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerFeatures {
    /// The client puts history lines into the user's terminal.
    pub scrollback: bool,
    /// The client's predictions use the pty's line discipline.
    pub discipline: bool,
    /// The client forwards prompt marks (OSC 133) and the current
    /// directory (OSC 7) to the user's terminal.
    pub marks: bool,
    /// The client passes DECSET 1016 (mouse reports in pixels) on to the
    /// user's terminal.
    pub mouse_pixels: bool,
    /// The client passes the keyboard protocol's flags on to the user's
    /// terminal, which has the protocol (the client asked it at start).
    pub keys: bool,
    /// The client reads underline styles and colours and overline in the
    /// screen diff (and draws what the user's terminal can show).
    pub styles: bool,
    /// The client assembles clipboard copies sent beside the screen and
    /// writes each to the user's terminal once.
    pub clipboard: bool,
}

/// The body of the extension.
pub(crate) fn encode_features(features: PeerFeatures) -> Vec<u8> {
    let mut out = Vec::new();
    if features.scrollback {
        write_varint_field(&mut out, FIELD_SCROLLBACK, 1);
    }
    if features.discipline {
        write_varint_field(&mut out, FIELD_DISCIPLINE, 1);
    }
    if features.marks {
        write_varint_field(&mut out, FIELD_MARKS, 1);
    }
    if features.mouse_pixels {
        write_varint_field(&mut out, FIELD_MOUSE_PIXELS, 1);
    }
    if features.keys {
        write_varint_field(&mut out, FIELD_KEYS, 1);
    }
    if features.styles {
        write_varint_field(&mut out, FIELD_STYLES, 1);
    }
    if features.clipboard {
        write_varint_field(&mut out, FIELD_CLIPBOARD, 1);
    }
    out
}

/// Parses the body of the extension; unknown fields (later features) are
/// skipped.
pub(crate) fn decode_features(body: &[u8]) -> Result<PeerFeatures, WireError> {
    let mut features = PeerFeatures::default();
    for field in FieldReader::new(body) {
        match field? {
            (FIELD_SCROLLBACK, WireValue::Varint(flag)) => features.scrollback = flag != 0,
            (FIELD_DISCIPLINE, WireValue::Varint(flag)) => features.discipline = flag != 0,
            (FIELD_MARKS, WireValue::Varint(flag)) => features.marks = flag != 0,
            (FIELD_MOUSE_PIXELS, WireValue::Varint(flag)) => features.mouse_pixels = flag != 0,
            (FIELD_KEYS, WireValue::Varint(flag)) => features.keys = flag != 0,
            (FIELD_STYLES, WireValue::Varint(flag)) => features.styles = flag != 0,
            (FIELD_CLIPBOARD, WireValue::Varint(flag)) => features.clipboard = flag != 0,
            _ => {}
        }
    }
    Ok(features)
}

impl PeerFeatures {
    /// Whether there is anything to announce.
    pub fn any(&self) -> bool {
        self.scrollback
            || self.discipline
            || self.marks
            || self.mouse_pixels
            || self.styles
            || self.clipboard
            || self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_read_their_words_and_ignore_later_ones() {
        let both = ServerOffer::from_words(
            "later-thing scrollback discipline marks pixels keys styles clipboard",
        );
        assert!(both.scrollback && both.discipline && both.marks && both.mouse_pixels);
        assert!(both.keys && both.styles && both.clipboard);
        assert_eq!(ServerOffer::from_words(&both.words()), both);
        assert_eq!(ServerOffer::from_words(""), ServerOffer::default());
        let taken = both.taken(false);
        assert!(!taken.scrollback && taken.discipline && taken.marks && taken.mouse_pixels);
        assert!(taken.keys);
        assert!(taken.styles);
        assert!(taken.clipboard);
    }

    #[test]
    fn features_round_trip_and_skip_unknown_fields() {
        let on = PeerFeatures {
            scrollback: true,
            discipline: true,
            marks: true,
            mouse_pixels: true,
            keys: true,
            styles: true,
            clipboard: true,
        };
        assert_eq!(decode_features(&encode_features(on)), Ok(on));
        let styles_only = PeerFeatures {
            styles: true,
            ..PeerFeatures::default()
        };
        assert_eq!(encode_features(styles_only), [5 << 3, 1]);
        assert_eq!(decode_features(&[]), Ok(PeerFeatures::default()));
        let mut later = encode_features(on);
        write_varint_field(&mut later, 9, 3);
        assert_eq!(decode_features(&later), Ok(on));
    }
}
