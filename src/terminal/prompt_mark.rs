//! Shell integration marks (OSC 133): where a prompt starts (`A`), where
//! the command line starts (`B`), where its output starts (`C`) and
//! where a command finished (`D;status`). A mark belongs to the cell the
//! cursor was on when the program wrote it, so it is kept in that cell's
//! row and moves with it; the renderer writes it again at that place.
//! Also the current directory (OSC 7), whose text is kept as written.

/// Most characters of a mark's text (after `133;`) or a directory URL
/// kept; longer ones are ignored.
pub const MAX_MARK_CHARS: usize = 2048;
/// Most marks kept in one row; a further one replaces the oldest.
pub const MAX_MARKS_PER_ROW: usize = 8;

/// One OSC 133 mark at a column of its row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptMark {
    /// The column the cursor was at.
    pub col: u16,
    /// The text after `133;` (`A`, `D;0`, `A;aid=7`...).
    pub text: Box<str>,
}

/// The text of an OSC 133 or OSC 7 payload worth keeping: not too long,
/// no control characters (it is written back inside an OSC).
pub fn acceptable(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= MAX_MARK_CHARS
        && !text.chars().any(char::is_control)
}

/// Whether `text` is an OSC 133 mark this terminal keeps: one of the
/// four kinds, with or without parameters.
pub fn is_prompt_mark(text: &str) -> bool {
    let kind = text.split(';').next().unwrap_or_default();
    matches!(kind, "A" | "B" | "C" | "D") && acceptable(text)
}

/// Appends the OSC that sets mark `text`.
pub fn push_prompt_mark(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"\x1b]133;");
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\x1b\\");
}

/// Appends the OSC that sets the current directory to `url`.
pub fn push_working_directory(out: &mut Vec<u8>, url: &str) {
    out.extend_from_slice(b"\x1b]7;");
    out.extend_from_slice(url.as_bytes());
    out.extend_from_slice(b"\x1b\\");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_kinds_without_control_characters_are_kept() {
        for kept in ["A", "B", "C", "D;0", "A;aid=12;cl=m", "D"] {
            assert!(is_prompt_mark(kept), "{kept}");
        }
        for dropped in ["", "E", "Aa", "P;k=i", "A;\x07", "D;\x1b[31m"] {
            assert!(!is_prompt_mark(dropped), "{dropped:?}");
        }
        assert!(!acceptable(&"x".repeat(MAX_MARK_CHARS + 1)));
    }
}
