//! Incremental UTF-8 decoding for the terminal parser. Input arrives in
//! arbitrary pieces, so a sequence may be split across calls. Invalid
//! input becomes U+FFFD, one per maximal invalid subpart (the Unicode
//! recommendation, also what `String::from_utf8_lossy` does).

/// What one byte did to the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// More bytes are needed.
    Pending,
    /// A complete character.
    Char(char),
    /// The sequence so far was invalid: emit U+FFFD. When `reprocess` is
    /// true the byte did not belong to the broken sequence and must be
    /// fed again.
    Invalid { reprocess: bool },
}

/// Decoder state between bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Utf8Decoder {
    code_point: u32,
    remaining: u8,
    /// Allowed range of the next continuation byte (tighter after some
    /// lead bytes, to reject overlongs, surrogates and values past U+10FFFF).
    low: u8,
    high: u8,
}

impl Utf8Decoder {
    /// Whether a sequence is partly decoded.
    pub(crate) fn in_sequence(&self) -> bool {
        self.remaining != 0
    }

    /// Feeds one byte.
    pub fn push(&mut self, byte: u8) -> Step {
        if self.remaining == 0 {
            return self.start(byte);
        }
        if byte < self.low || byte > self.high {
            self.remaining = 0;
            return Step::Invalid { reprocess: true };
        }
        self.code_point = (self.code_point << 6) | u32::from(byte & 0x3F);
        self.remaining -= 1;
        self.low = 0x80;
        self.high = 0xBF;
        if self.remaining > 0 {
            return Step::Pending;
        }
        match char::from_u32(self.code_point) {
            Some(c) => Step::Char(c),
            None => Step::Invalid { reprocess: false },
        }
    }

    fn start(&mut self, byte: u8) -> Step {
        let (remaining, bits, low, high) = match byte {
            0x00..=0x7F => return Step::Char(char::from(byte)),
            0xC2..=0xDF => (1, byte & 0x1F, 0x80, 0xBF),
            0xE0 => (2, byte & 0x0F, 0xA0, 0xBF),
            0xED => (2, byte & 0x0F, 0x80, 0x9F),
            0xE1..=0xEF => (2, byte & 0x0F, 0x80, 0xBF),
            0xF0 => (3, byte & 0x07, 0x90, 0xBF),
            0xF4 => (3, byte & 0x07, 0x80, 0x8F),
            0xF1..=0xF3 => (3, byte & 0x07, 0x80, 0xBF),
            _ => return Step::Invalid { reprocess: false },
        };
        self.code_point = u32::from(bits);
        self.remaining = remaining;
        self.low = low;
        self.high = high;
        Step::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> String {
        let mut d = Utf8Decoder::default();
        let mut out = String::new();
        let mut i = 0;
        while i < bytes.len() {
            match d.push(bytes[i]) {
                Step::Pending => {}
                Step::Char(c) => out.push(c),
                Step::Invalid { reprocess } => {
                    out.push('\u{FFFD}');
                    if reprocess {
                        continue;
                    }
                }
            }
            i += 1;
        }
        if d.in_sequence() {
            out.push('\u{FFFD}');
        }
        out
    }

    #[test]
    fn valid_text_decodes() {
        let text = "aé中😀\u{10FFFF}";
        assert_eq!(decode(text.as_bytes()), text);
    }

    #[test]
    fn invalid_input_matches_the_standard_library_replacement() {
        let cases: &[&[u8]] = &[
            b"\xff\xfe",
            b"\xc0\xaf",
            b"\xe2\x82",
            b"\xe2\x82x",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xf0\x9f\x98",
            b"a\x80b\xbf",
            b"\xe0\x80\xaf",
            b"\xf8\x88\x80\x80\x80",
        ];
        for &case in cases {
            assert_eq!(decode(case), String::from_utf8_lossy(case), "{case:x?}");
        }
    }

    #[test]
    fn random_bytes_match_the_standard_library() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..2000 {
            let mut bytes = Vec::new();
            for _ in 0..16 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let b = (state >> 56) as u8;
                // Bias towards bytes that matter for UTF-8.
                bytes.push(if b & 1 == 0 { b | 0x80 } else { b });
            }
            assert_eq!(
                decode(&bytes),
                String::from_utf8_lossy(&bytes),
                "{bytes:x?}"
            );
        }
    }
}
