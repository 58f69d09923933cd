//! One line that left the top of the primary screen (scrollback), as the
//! terminal bytes that draw it. The server keeps these for the session's
//! history and sends them to a mosh-rs client, which writes them into the
//! user's own terminal above the visible screen.

/// A line of history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    /// Bytes that draw the line starting at column 0, with the default
    /// rendition and no hyperlink open, and that leave both so at the end:
    /// printable text, SGR and OSC 8 sequences only (never CR, LF or any
    /// other control), trailing default blanks left out.
    pub text: Box<[u8]>,
    /// The line runs on into the next one (a soft wrap): `text` fills the
    /// whole width, so the terminal wraps when the next line's first
    /// character is printed, and copying joins the two.
    pub wrapped: bool,
}

impl HistoryLine {
    /// A line of plain text (no wrap).
    pub fn plain(text: &str) -> HistoryLine {
        HistoryLine {
            text: text.as_bytes().into(),
            wrapped: false,
        }
    }
}
