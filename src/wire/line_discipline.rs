//! The pty's line discipline, sent by a mosh-rs server to a mosh-rs
//! client that announced it can use it (extension 1702 of the host
//! `Instruction`): `LineDiscipline { bool echo = 1; bool canonical = 2;
//! string program = 3; }`. The client's predictions then know whether
//! the kernel echoes typing, whether input is hidden (a password prompt),
//! and which program reads the keys.

use super::error::WireError;
use super::protobuf::{write_bytes_field, write_varint_field, FieldReader, WireValue};

/// The extension number on a host `Instruction`.
pub(crate) const FIELD_DISCIPLINE: u32 = 1702;

const FIELD_ECHO: u32 = 1;
const FIELD_CANONICAL: u32 = 2;
const FIELD_PROGRAM: u32 = 3;

/// Longest program name kept (Linux's command names are at most 15 bytes).
pub const MAX_PROGRAM_NAME: usize = 64;

/// What the terminal's line discipline does with typing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineDiscipline {
    /// The kernel echoes typed characters (`ECHO`).
    pub echo: bool,
    /// Input is read a line at a time, edited by the kernel (`ICANON`).
    pub canonical: bool,
    /// The command name of the terminal's foreground process group
    /// (empty when unknown).
    pub program: String,
}

impl LineDiscipline {
    /// Typing is read a line at a time and not echoed: a password prompt
    /// (`read -s`, `getpass`, `sudo`, `ssh`).
    pub fn hides_input(&self) -> bool {
        self.canonical && !self.echo
    }

    /// The kernel itself echoes typing (a cooked-mode program).
    pub fn kernel_echoes(&self) -> bool {
        self.canonical && self.echo
    }
}

pub(crate) fn encode_discipline(discipline: &LineDiscipline) -> Vec<u8> {
    let mut out = Vec::new();
    write_varint_field(&mut out, FIELD_ECHO, u64::from(discipline.echo));
    write_varint_field(&mut out, FIELD_CANONICAL, u64::from(discipline.canonical));
    if !discipline.program.is_empty() {
        write_bytes_field(&mut out, FIELD_PROGRAM, discipline.program.as_bytes());
    }
    out
}

/// Parses the body of the extension; a name past [`MAX_PROGRAM_NAME`] is
/// cut there, unknown fields are skipped.
pub(crate) fn decode_discipline(body: &[u8]) -> Result<LineDiscipline, WireError> {
    let mut discipline = LineDiscipline::default();
    for field in FieldReader::new(body) {
        match field? {
            (FIELD_ECHO, WireValue::Varint(flag)) => discipline.echo = flag != 0,
            (FIELD_CANONICAL, WireValue::Varint(flag)) => discipline.canonical = flag != 0,
            (FIELD_PROGRAM, WireValue::LengthDelimited(name)) => {
                discipline.program = program_name(name);
            }
            _ => {}
        }
    }
    Ok(discipline)
}

/// `name` as text, invalid UTF-8 replaced, cut at a character boundary
/// to at most [`MAX_PROGRAM_NAME`] bytes: the replacement character takes
/// three bytes, so the name is cut again after replacing.
fn program_name(name: &[u8]) -> String {
    let kept = name.get(..MAX_PROGRAM_NAME).unwrap_or(name);
    let mut text = String::from_utf8_lossy(kept).into_owned();
    let mut end = text.len().min(MAX_PROGRAM_NAME);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disciplines_round_trip_and_skip_unknown_fields() {
        let sudo = LineDiscipline {
            echo: false,
            canonical: true,
            program: "sudo".into(),
        };
        assert_eq!(
            decode_discipline(&encode_discipline(&sudo)),
            Ok(sudo.clone())
        );
        assert!(sudo.hides_input() && !sudo.kernel_echoes());
        let mut later = encode_discipline(&sudo);
        write_varint_field(&mut later, 9, 1);
        assert_eq!(decode_discipline(&later), Ok(sudo));
        assert_eq!(decode_discipline(&[]), Ok(LineDiscipline::default()));
    }

    #[test]
    fn a_long_program_name_is_cut() {
        let mut body = Vec::new();
        write_bytes_field(&mut body, FIELD_PROGRAM, &[b'x'; 500]);
        let decoded = decode_discipline(&body).expect("decodes");
        assert_eq!(decoded.program.len(), MAX_PROGRAM_NAME);
    }
}
