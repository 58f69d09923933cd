//! The clipboard copies the server's screen holds, written to the user's
//! terminal (OSC 52) once each, when the copy changes: not again with
//! every repaint, which would hand the user's terminal (and its
//! clipboard) the same copy over and over. A query is never in the
//! screen (the emulator ignores it), so the user's terminal is never
//! asked for the user's clipboard.

use crate::terminal::clipboard::push_osc52;
use crate::terminal::{Clipboard, Framebuffer};

/// The copy last written to the user's terminal.
#[derive(Debug, Default)]
pub(super) struct ClipboardWriter {
    written: Clipboard,
}

impl ClipboardWriter {
    /// Appends the OSC 52 for `screen`'s copy to `out` if it is not the
    /// one last written.
    pub(super) fn write_new_copy(&mut self, screen: &Framebuffer, out: &mut Vec<u8>) {
        let copy = screen.clipboard_copy();
        if *copy != self.written {
            push_osc52(out, copy);
            self.written = copy.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::Emulator;

    #[test]
    fn each_copy_is_written_once_and_a_query_never() {
        let mut writer = ClipboardWriter::default();
        let mut screen = Emulator::new(10, 2);
        let mut out = Vec::new();
        writer.write_new_copy(screen.framebuffer(), &mut out);
        assert!(out.is_empty(), "an empty clipboard was written");
        screen.feed(b"\x1b]52;p;aGk=\x07");
        writer.write_new_copy(screen.framebuffer(), &mut out);
        assert_eq!(out, b"\x1b]52;p;aGk=\x07");
        out.clear();
        screen.feed(b"\x1b]52;p;aGk=\x07\x1b]52;p;?\x07\x1b]52;c;?\x07");
        writer.write_new_copy(screen.framebuffer(), &mut out);
        writer.write_new_copy(screen.framebuffer(), &mut out);
        assert!(out.is_empty(), "written again: {out:?}");
    }
}
