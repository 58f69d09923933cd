//! The clipboard a program sets with OSC 52 (`ESC ] 52 ; Pc ; Pd BEL`):
//! which selections (`Pc`: `c`, `p`, `s`, `0`-`7`) and the base64 text
//! (`Pd`). A query (`Pd` = `?`) asks the terminal for the user's
//! clipboard: it is never kept, so no viewer ever passes it on to a
//! terminal that would answer with the user's own clipboard.

use std::sync::Arc;

/// Most base64 bytes of one copy: 1 MiB of text once decoded.
pub const MAX_CLIPBOARD_BASE64: usize = (1 << 20) / 3 * 4 + 4;

/// Most base64 bytes of a copy stock mosh takes whole: its parser keeps
/// at most 16 KiB of an OSC string, `52;c;` included, and cuts the rest.
pub const STOCK_MAX_CLIPBOARD_BASE64: usize = 16 * 1024 - "52;c;".len();

/// Most selection letters kept (`Pc` names each at most once).
const MAX_SELECTION_LETTERS: usize = 11;

/// One copy: the selections it goes to and its base64 text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clipboard {
    /// The selection letters as the program wrote them (only
    /// `cps01234567`); empty means the terminal's default (`s 0`).
    pub selection: Arc<str>,
    /// The base64 text, with anything outside the base64 alphabet left
    /// out.
    pub data: Arc<str>,
}

/// What an OSC 52 payload (after `52;`) asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum ClipboardRequest {
    /// Put this copy on the selections.
    Set(Clipboard),
    /// Tell the program what the clipboard holds: never answered.
    Query,
}

impl ClipboardRequest {
    /// Reads `Pc ; Pd`; `None` when there is no `;`.
    pub fn parse(rest: &str) -> Option<ClipboardRequest> {
        let (selection, data) = rest.split_once(';')?;
        if data == "?" {
            return Some(ClipboardRequest::Query);
        }
        Some(ClipboardRequest::Set(Clipboard {
            selection: Arc::from(clean_selection(selection)),
            data: Arc::from(clean_base64(data.as_bytes())),
        }))
    }
}

/// The selection letters of `text` that name a selection, at most
/// [`MAX_SELECTION_LETTERS`] of them.
pub fn clean_selection(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, 'c' | 'p' | 's' | '0'..='7'))
        .take(MAX_SELECTION_LETTERS)
        .collect()
}

/// The bytes of `data` in the base64 alphabet (with `=`), as text.
pub fn clean_base64(data: &[u8]) -> String {
    data.iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .map(char::from)
        .collect()
}

/// Appends `ESC ] 52 ; Pc ; Pd BEL` for `copy`.
pub fn push_osc52(out: &mut Vec<u8>, copy: &Clipboard) {
    out.extend_from_slice(b"\x1b]52;");
    out.extend_from_slice(copy.selection.as_bytes());
    out.push(b';');
    out.extend_from_slice(copy.data.as_bytes());
    out.push(0x07);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_keeps_its_selections_and_only_base64() {
        let Some(ClipboardRequest::Set(copy)) = ClipboardRequest::parse("pc7x9;aGk=\u{9b}!") else {
            panic!("not a copy");
        };
        assert_eq!(&*copy.selection, "pc7");
        assert_eq!(&*copy.data, "aGk=");
        let mut out = Vec::new();
        push_osc52(&mut out, &copy);
        assert_eq!(out, b"\x1b]52;pc7;aGk=\x07");
    }

    #[test]
    fn a_query_is_told_apart_and_a_missing_semicolon_is_nothing() {
        assert_eq!(
            ClipboardRequest::parse("c;?"),
            Some(ClipboardRequest::Query)
        );
        assert_eq!(
            ClipboardRequest::parse("s0;?"),
            Some(ClipboardRequest::Query)
        );
        assert_eq!(ClipboardRequest::parse("c"), None);
    }

    #[test]
    fn the_cap_holds_a_mebibyte_and_stock_s_limit_fits_its_parser() {
        let encoded_mib = (1usize << 20).div_ceil(3) * 4;
        assert!(MAX_CLIPBOARD_BASE64 >= encoded_mib);
        assert_eq!(STOCK_MAX_CLIPBOARD_BASE64 + "52;c;".len(), 16 * 1024);
    }
}
