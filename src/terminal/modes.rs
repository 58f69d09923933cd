//! Terminal modes a viewer of the screen must know about: they change how
//! the screen looks (reverse video) or what the keyboard and mouse send
//! (cursor and keypad modes, mouse reporting and pixel positions,
//! bracketed paste, focus, the cursor's shape).

/// Which mouse events are reported to the application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MouseReporting {
    /// No reporting.
    #[default]
    Off,
    /// X10 compatibility: button presses (DECSET 9).
    X10,
    /// Presses and releases (DECSET 1000).
    Normal,
    /// Highlight tracking (DECSET 1001).
    Highlight,
    /// Presses, releases and motion with a button down (DECSET 1002).
    ButtonEvent,
    /// All motion (DECSET 1003).
    AnyEvent,
}

impl MouseReporting {
    /// The DECSET number that selects this mode (None for Off).
    pub(crate) fn decset(self) -> Option<u16> {
        match self {
            MouseReporting::Off => None,
            MouseReporting::X10 => Some(9),
            MouseReporting::Normal => Some(1000),
            MouseReporting::Highlight => Some(1001),
            MouseReporting::ButtonEvent => Some(1002),
            MouseReporting::AnyEvent => Some(1003),
        }
    }

    /// The mode a DECSET number selects, if it is a mouse mode.
    pub(crate) fn from_decset(mode: u16) -> Option<MouseReporting> {
        Some(match mode {
            9 => MouseReporting::X10,
            1000 => MouseReporting::Normal,
            1001 => MouseReporting::Highlight,
            1002 => MouseReporting::ButtonEvent,
            1003 => MouseReporting::AnyEvent,
            _ => return None,
        })
    }
}

/// How mouse reports are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MouseEncoding {
    /// The original X10 bytes.
    #[default]
    Default,
    /// UTF-8 coordinates (DECSET 1005).
    Utf8,
    /// SGR-style `CSI < ... M/m` (DECSET 1006).
    Sgr,
    /// urxvt-style decimal (DECSET 1015).
    Urxvt,
}

impl MouseEncoding {
    /// The DECSET number that selects this encoding (None for Default).
    pub(crate) fn decset(self) -> Option<u16> {
        match self {
            MouseEncoding::Default => None,
            MouseEncoding::Utf8 => Some(1005),
            MouseEncoding::Sgr => Some(1006),
            MouseEncoding::Urxvt => Some(1015),
        }
    }

    /// The encoding a DECSET number selects, if it is a mouse encoding.
    pub(crate) fn from_decset(mode: u16) -> Option<MouseEncoding> {
        Some(match mode {
            1005 => MouseEncoding::Utf8,
            1006 => MouseEncoding::Sgr,
            1015 => MouseEncoding::Urxvt,
            _ => return None,
        })
    }
}

/// The modes carried to viewers (and compared between framebuffers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Modes {
    /// DECSCNM (DECSET 5): the whole screen in reverse video.
    pub reverse_video: bool,
    /// DECCKM (DECSET 1): cursor keys send `ESC O A` instead of `ESC [ A`.
    pub application_cursor_keys: bool,
    /// DECKPAM (`ESC =`) / DECNKM (DECSET 66): the keypad sends
    /// application sequences.
    pub application_keypad: bool,
    /// DECSET 2004: pasted text is bracketed.
    pub bracketed_paste: bool,
    /// DECSET 1004: focus in/out is reported.
    pub focus_events: bool,
    /// DECSET 1007: the wheel sends cursor keys on the alternate screen.
    pub alternate_scroll: bool,
    /// Mouse reporting (DECSET 9, 1000..=1003).
    pub mouse_reporting: MouseReporting,
    /// Mouse encoding (DECSET 1005, 1006, 1015).
    pub mouse_encoding: MouseEncoding,
    /// DECSET 1016: SGR mouse reports give pixel positions. Kept apart
    /// from the encoding, and only for a viewer that asked for it (see
    /// `Emulator::keep_mouse_pixels`), so a stock viewer sees no change.
    pub mouse_pixels: bool,
    /// The keyboard protocol's flags in force on the shown screen (`CSI >
    /// flags u` and its kin), kept only for a viewer that passes them on
    /// (see `Emulator::keep_keyboard_protocol`); 0 otherwise.
    pub keyboard_flags: u8,
    /// DECSCUSR (`CSI n SP q`): the cursor's shape, 0 for the terminal's
    /// default, 1..=6 blinking or steady block, underline and bar.
    pub cursor_style: u8,
}

/// The highest DECSCUSR shape (a steady bar).
pub const MAX_CURSOR_STYLE: u8 = 6;
