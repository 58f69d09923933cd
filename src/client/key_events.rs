//! Keys that the user's terminal reports as `CSI code ; modifiers u`
//! (the keyboard protocol a program switched on through the session, or
//! xterm's `modifyOtherKeys` with `formatOtherKeys`), read back as the
//! control byte a terminal without it would have sent. The client needs
//! this for its own keys: with the protocol on, Ctrl-^ arrives as
//! `CSI 54;6u` or `CSI 94;5u`, never as the byte 0x1e, and the escape key
//! and its commands (Ctrl-Z; `.` too, when every key is reported) would
//! go unseen.

/// The modifier bits of the protocol (the number sent is 1 + these).
const SHIFT: u32 = 1;
const CTRL: u32 = 4;
/// Caps Lock and Num Lock: reported, but they change no control byte.
/// Any other bit (Alt, Super, ...) makes the key no control byte.
const LOCKS: u32 = 64 | 128;

/// The longest key report read here (`CSI` and three numbers with their
/// sub-fields, e.g. `ESC [ 54:94:54 ; 6:1 u`).
const MAX_REPORT: usize = 32;

/// When `bytes` start with a complete key report (pressed or repeated,
/// not released) of a control key (Ctrl, perhaps with Shift) or of a
/// printable character (no modifier but Shift): its length and the byte
/// a terminal without the protocol sends for it.
pub(crate) fn legacy_key_at(bytes: &[u8]) -> Option<(usize, u8)> {
    let body = bytes.strip_prefix(b"\x1b[")?;
    let end = body
        .iter()
        .take(MAX_REPORT)
        .position(|b| !(b.is_ascii_digit() || *b == b';' || *b == b':'))?;
    if body.get(end) != Some(&b'u') {
        return None;
    }
    let report = std::str::from_utf8(body.get(..end)?).ok()?;
    let mut fields = report.split(';');
    let mut key = fields.next()?.split(':');
    let code: u32 = key.next()?.parse().ok()?;
    let shifted: Option<u32> = key.next().and_then(|s| s.parse().ok());
    let mut modifiers = fields.next().unwrap_or("1").split(':');
    let bits = modifiers.next()?.parse::<u32>().ok()?.checked_sub(1)?;
    let event = modifiers.next().map_or(Ok(1), str::parse::<u32>).ok()?;
    if event == 3 || bits & !(CTRL | SHIFT | LOCKS) != 0 {
        return None;
    }
    let shifted = shifted.filter(|_| bits & SHIFT != 0);
    let byte = if bits & CTRL != 0 {
        control_byte(code, shifted)?
    } else {
        printable(shifted.unwrap_or(code))?
    };
    Some((2 + end + 1, byte))
}

/// `code` as a byte, when it is a printable ASCII character.
fn printable(code: u32) -> Option<u8> {
    u8::try_from(code)
        .ok()
        .filter(|c| (b' '..=b'~').contains(c))
}

/// The control byte of Ctrl with the key `code`, or with `shifted` (the
/// character Shift made of it, when the report says) if that has one.
fn control_byte(code: u32, shifted: Option<u32>) -> Option<u8> {
    let of = |c: u32| -> Option<u8> {
        let c = u8::try_from(c).ok()?;
        match c {
            b'@'..=b'_' => Some(c & 0x1f),
            b'a'..=b'z' => Some(c - b'a' + 1),
            b' ' | b'2' => Some(0),
            b'6' => Some(0x1e),
            b'/' | b'-' => Some(0x1f),
            _ => None,
        }
    };
    shifted.and_then(of).or_else(|| of(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_caret_in_each_form_a_terminal_sends() {
        // Shift+Ctrl+6 on a US layout, with and without the shifted key.
        assert_eq!(legacy_key_at(b"\x1b[54;6u"), Some((7, 0x1e)));
        assert_eq!(legacy_key_at(b"\x1b[54:94;6u"), Some((10, 0x1e)));
        // Ctrl+^ where ^ is a key of its own, and Ctrl+6.
        assert_eq!(legacy_key_at(b"\x1b[94;5u"), Some((7, 0x1e)));
        assert_eq!(legacy_key_at(b"\x1b[54;5urest"), Some((7, 0x1e)));
    }

    #[test]
    fn ctrl_letters_and_repeats_but_not_releases() {
        assert_eq!(legacy_key_at(b"\x1b[122;5u"), Some((8, 0x1a)));
        assert_eq!(legacy_key_at(b"\x1b[122;5:2u"), Some((10, 0x1a)));
        assert_eq!(legacy_key_at(b"\x1b[122;5:3u"), None);
        // Caps Lock on changes nothing.
        assert_eq!(legacy_key_at(b"\x1b[122;69u"), Some((9, 0x1a)));
    }

    #[test]
    fn printable_keys_when_every_key_is_reported() {
        assert_eq!(legacy_key_at(b"\x1b[46u"), Some((5, b'.')));
        assert_eq!(legacy_key_at(b"\x1b[97;1u"), Some((7, b'a')));
        assert_eq!(legacy_key_at(b"\x1b[54:94;2u"), Some((10, b'^')));
    }

    #[test]
    fn other_keys_are_not_read_back() {
        // Tab, Alt+a, Alt+Ctrl+a, an arrow, unfinished, too big, not first.
        assert_eq!(legacy_key_at(b"\x1b[9u"), None);
        assert_eq!(legacy_key_at(b"\x1b[97;3u"), None);
        assert_eq!(legacy_key_at(b"\x1b[97;7u"), None);
        assert_eq!(legacy_key_at(b"\x1b[1;5A"), None);
        assert_eq!(legacy_key_at(b"\x1b[54;6"), None);
        assert_eq!(legacy_key_at(b"\x1b[99999999999;5u"), None);
        assert_eq!(legacy_key_at(b"x\x1b[54;6u"), None);
    }
}
