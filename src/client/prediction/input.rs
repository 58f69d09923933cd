//! What a typed byte means to the line being edited: a printable
//! character, backspace, a cursor move left or right, carriage return, or
//! something the prediction engine cannot foresee (other controls, escape
//! sequences). Typed bytes run through the same VT parser as program
//! output, so multi-byte UTF-8 and cursor-key sequences split across reads
//! decode the same way.

use crate::terminal::{Params, Parser, Perform};

/// The editing meaning of one decoded keystroke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keystroke {
    /// A graphic character.
    Print(char),
    /// DEL (what the Backspace key sends).
    Backspace,
    /// The right-arrow key.
    CursorRight,
    /// The left-arrow key.
    CursorLeft,
    /// Return.
    CarriageReturn,
    /// Any other control or sequence: its effect cannot be predicted.
    Unpredictable,
}

const DEL: u8 = 0x7f;
const ESC: u8 = 0x1b;

/// Turns typed bytes into [`Keystroke`]s, keeping partial sequences
/// between calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct InputDecoder {
    parser: Parser,
    last_byte: u8,
}

impl InputDecoder {
    /// Decodes one byte; appends the keystrokes it completes to `out`.
    pub fn feed(&mut self, byte: u8, out: &mut Vec<Keystroke>) {
        // Cursor keys in application mode arrive as SS3 (`ESC O C`); they
        // move the cursor exactly like their CSI form.
        let byte = if self.last_byte == ESC && byte == b'O' {
            b'['
        } else {
            byte
        };
        self.last_byte = byte;
        if byte == DEL && self.parser.is_ground() {
            out.push(Keystroke::Backspace);
            return;
        }
        self.parser.advance(&mut Collector(out), &[byte]);
    }
}

/// Receives the parser's actions as keystrokes.
struct Collector<'a>(&'a mut Vec<Keystroke>);

impl Perform for Collector<'_> {
    fn print(&mut self, c: char) {
        self.0.push(Keystroke::Print(c));
    }

    fn execute(&mut self, control: u32) {
        self.0.push(if control == u32::from(b'\r') {
            Keystroke::CarriageReturn
        } else {
            Keystroke::Unpredictable
        });
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], final_byte: u8) {
        let single_step = params.len() <= 1 && params.arg(0, 1) <= 1;
        let keystroke = match final_byte {
            b'C' if intermediates.is_empty() && single_step => Keystroke::CursorRight,
            b'D' if intermediates.is_empty() && single_step => Keystroke::CursorLeft,
            _ => Keystroke::Unpredictable,
        };
        self.0.push(keystroke);
    }

    fn esc_dispatch(&mut self, _intermediates: &[u8], _final_byte: u8) {
        self.0.push(Keystroke::Unpredictable);
    }

    fn osc_dispatch(&mut self, _payload: &[u8]) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<Keystroke> {
        let mut decoder = InputDecoder::default();
        let mut out = Vec::new();
        for &b in bytes {
            decoder.feed(b, &mut out);
        }
        out
    }

    #[test]
    fn text_backspace_return_and_arrows() {
        use Keystroke::*;
        assert_eq!(
            decode(b"a\x7f\r\x1b[C\x1b[D\x1bOC\x1bOD"),
            vec![
                Print('a'),
                Backspace,
                CarriageReturn,
                CursorRight,
                CursorLeft,
                CursorRight,
                CursorLeft
            ]
        );
    }

    #[test]
    fn utf8_split_across_bytes_is_one_character() {
        assert_eq!(
            decode("ü漢".as_bytes()),
            vec![Keystroke::Print('ü'), Keystroke::Print('漢')]
        );
    }

    #[test]
    fn other_keys_are_unpredictable() {
        use Keystroke::*;
        assert_eq!(decode(b"\x03"), vec![Unpredictable]);
        assert_eq!(decode(b"\x1b[A"), vec![Unpredictable]);
        assert_eq!(decode(b"\x1b[5C"), vec![Unpredictable]);
        assert_eq!(decode(b"\x1bx"), vec![Unpredictable]);
        assert_eq!(decode(b"\x08"), vec![Unpredictable]);
    }
}
