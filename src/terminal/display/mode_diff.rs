//! The terminal modes that changed between two screens: cursor keys,
//! paste, focus, keypad, mouse reporting and encoding (pixel positions
//! only to a viewer that asked), the keyboard protocol's flags (only to a
//! viewer that asked), the cursor's shape.

use super::Painter;
use crate::terminal::modes::{Modes, MouseEncoding, MouseReporting};
use crate::terminal::sgr::push_num;

impl Painter<'_> {
    /// The modes that changed (all of them when `old` is unknown).
    pub(super) fn modes(&mut self, old: Option<&Modes>, new: &Modes) {
        let flag = |this: &mut Painter, mode: &[u8], was: Option<bool>, is: bool| {
            if was != Some(is) {
                this.push(b"\x1b[?");
                this.push(mode);
                this.push(if is { b"h" } else { b"l" });
            }
        };
        flag(
            self,
            b"1",
            old.map(|m| m.application_cursor_keys),
            new.application_cursor_keys,
        );
        flag(
            self,
            b"2004",
            old.map(|m| m.bracketed_paste),
            new.bracketed_paste,
        );
        flag(self, b"1004", old.map(|m| m.focus_events), new.focus_events);
        flag(
            self,
            b"1007",
            old.map(|m| m.alternate_scroll),
            new.alternate_scroll,
        );
        if old.map(|m| m.application_keypad) != Some(new.application_keypad) {
            self.push(if new.application_keypad {
                b"\x1b="
            } else {
                b"\x1b>"
            });
        }
        self.mouse_reporting(old.map(|m| m.mouse_reporting), new.mouse_reporting);
        self.mouse_encoding(old.map(|m| m.mouse_encoding), new.mouse_encoding);
        if self.caps.mouse_pixels {
            flag(self, b"1016", old.map(|m| m.mouse_pixels), new.mouse_pixels);
        }
        if self.caps.keyboard_protocol {
            self.keyboard_flags(old.map_or(0, |m| m.keyboard_flags), new.keyboard_flags);
        }
        // An unknown terminal has the default shape: the client's exit and
        // suspend put it back, and most frames go to peers that never saw
        // a shape at all.
        let old_style = old.map_or(0, |m| m.cursor_style);
        if old_style != new.cursor_style {
            self.push(b"\x1b[");
            push_num(&mut self.out, u16::from(new.cursor_style));
            self.push(b" q");
        }
    }

    fn decset(&mut self, mode: u16, on: bool) {
        self.push(b"\x1b[?");
        push_num(&mut self.out, mode);
        self.push(if on { b"h" } else { b"l" });
    }

    fn mouse_reporting(&mut self, old: Option<MouseReporting>, new: MouseReporting) {
        if old == Some(new) {
            return;
        }
        match old {
            Some(old) => {
                if let Some(mode) = old.decset() {
                    self.decset(mode, false);
                }
            }
            None => {
                for mode in [1003, 1002, 1001, 1000, 9] {
                    self.decset(mode, false);
                }
            }
        }
        if let Some(mode) = new.decset() {
            self.decset(mode, true);
        }
    }

    fn mouse_encoding(&mut self, old: Option<MouseEncoding>, new: MouseEncoding) {
        if old == Some(new) {
            return;
        }
        match old {
            Some(old) => {
                if let Some(mode) = old.decset() {
                    self.decset(mode, false);
                }
            }
            None => {
                for mode in [1015, 1006, 1005] {
                    self.decset(mode, false);
                }
            }
        }
        if let Some(mode) = new.decset() {
            self.decset(mode, true);
        }
    }

    /// The keyboard protocol's flags, set on the top of the receiver's
    /// stack (`CSI = flags ; 1 u`) when they changed. A terminal whose
    /// flags are unknown has 0: the client pushed an entry of 0 when it
    /// opened the user's terminal, and every other viewer starts at 0.
    fn keyboard_flags(&mut self, old: u8, new: u8) {
        if old != new {
            self.push(b"\x1b[=");
            push_num(&mut self.out, u16::from(new));
            self.push(b";1u");
        }
    }
}
