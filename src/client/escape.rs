//! The escape key (Ctrl-^ unless `MOSH_ESCAPE_KEY` says otherwise): the
//! one key the client keeps for itself. After it, `.` quits, Ctrl-Z
//! suspends the client, the pass key (`^` for Ctrl-^) sends the escape key
//! itself, `s` toggles the connection status view, `l` logs in with ssh
//! when the ssh carrier asked for a password (and only then), and
//! anything else is sent along with it. A printable escape
//! key counts only at the start of a line, so it can still be typed.

use super::settings::EscapeKey;

const CTRL_Z: u8 = 0x1a;

/// What one typed byte asks the client to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyAction {
    /// Send these bytes (one or two) to the server.
    Send([u8; 2], usize),
    /// The escape key was pressed: show the command help.
    EscapeStarted,
    /// Escape then `.`: quit.
    Quit,
    /// Escape then Ctrl-Z: suspend the client.
    Suspend,
    /// Escape then `s`: show or hide the connection status view.
    ToggleStatus,
    /// Escape then `l`, while a login is offered: log in with ssh.
    Login,
}

impl KeyAction {
    fn send_one(byte: u8) -> KeyAction {
        KeyAction::Send([byte, 0], 1)
    }

    /// The bytes to send, if any.
    pub fn bytes(&self) -> &[u8] {
        match self {
            KeyAction::Send(bytes, len) => bytes.get(..*len).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Whether this action ends an escape sequence (so its help goes).
    pub(crate) fn ends_escape(&self) -> bool {
        !matches!(self, KeyAction::EscapeStarted)
    }
}

/// Follows typed bytes to spot the escape key and the command after it.
#[derive(Clone, Debug)]
pub(crate) struct EscapeHandler {
    key: Option<EscapeKey>,
    escape_pending: bool,
    /// The last byte typed ended a line (LF or CR).
    at_line_start: bool,
    /// `l` after the escape key logs in (the carrier needs a password).
    login_offered: bool,
}

impl EscapeHandler {
    /// A handler for `key` (`None`: no escape key at all).
    pub fn new(key: Option<EscapeKey>) -> EscapeHandler {
        EscapeHandler {
            key,
            escape_pending: false,
            at_line_start: false,
            login_offered: false,
        }
    }

    /// Offers (or stops offering) the login command.
    pub(crate) fn offer_login(&mut self, offered: bool) {
        self.login_offered = offered;
    }

    #[cfg(test)]
    /// Whether the escape key was pressed and its command is awaited.
    pub(crate) fn is_pending(&self) -> bool {
        self.escape_pending
    }

    /// Whether `byte` would start or complete an escape command now (a
    /// key the terminal reported in another form is then read as it).
    pub(crate) fn wants(&self, byte: u8) -> bool {
        self.key
            .as_ref()
            .is_some_and(|key| self.escape_pending || (byte == key.key && key.is_control()))
    }

    /// Decides what to do with one typed byte.
    pub fn process(&mut self, byte: u8) -> KeyAction {
        let Some(key) = self.key.clone() else {
            return KeyAction::send_one(byte);
        };
        if self.escape_pending {
            self.escape_pending = false;
            return match byte {
                b'.' => KeyAction::Quit,
                CTRL_Z => KeyAction::Suspend,
                b's' => KeyAction::ToggleStatus,
                b'l' if self.login_offered => KeyAction::Login,
                b if b == key.pass_key || b == key.pass_key_alt => KeyAction::send_one(key.key),
                b => KeyAction::Send([key.key, b], 2),
            };
        }
        if byte == key.key && (self.at_line_start || key.is_control()) {
            self.escape_pending = true;
            self.at_line_start = false;
            return KeyAction::EscapeStarted;
        }
        self.at_line_start = byte == b'\n' || byte == b'\r';
        KeyAction::send_one(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(handler: &mut EscapeHandler, bytes: &[u8]) -> (Vec<u8>, Vec<KeyAction>) {
        let mut sent = Vec::new();
        let mut actions = Vec::new();
        for &b in bytes {
            let action = handler.process(b);
            sent.extend_from_slice(action.bytes());
            if !matches!(action, KeyAction::Send(..)) {
                actions.push(action);
            }
        }
        (sent, actions)
    }

    #[test]
    fn ctrl_caret_commands() {
        let mut h = EscapeHandler::new(Some(EscapeKey::DEFAULT));
        assert_eq!(
            run(&mut h, b"ls\x1e."),
            (
                b"ls".to_vec(),
                vec![KeyAction::EscapeStarted, KeyAction::Quit]
            )
        );
        assert_eq!(
            run(&mut h, b"\x1e\x1a"),
            (vec![], vec![KeyAction::EscapeStarted, KeyAction::Suspend])
        );
        assert_eq!(run(&mut h, b"\x1e^").0, vec![0x1e]);
        assert_eq!(run(&mut h, b"\x1ex").0, vec![0x1e, b'x']);
        assert!(!h.is_pending());
        run(&mut h, b"\x1e");
        assert!(h.is_pending());
    }

    #[test]
    fn a_printable_escape_key_works_only_at_the_start_of_a_line() {
        let key = EscapeKey::from_env_value(Some("~")).unwrap();
        let mut h = EscapeHandler::new(Some(key));
        assert_eq!(run(&mut h, b"a~b").0, b"a~b".to_vec());
        let (sent, actions) = run(&mut h, b"\r~.");
        assert_eq!(sent, b"\r".to_vec());
        assert_eq!(actions, vec![KeyAction::EscapeStarted, KeyAction::Quit]);
        assert_eq!(run(&mut h, b"\n~~").0, b"\n~".to_vec());
    }

    #[test]
    fn escape_then_s_toggles_the_status_view_and_sends_nothing() {
        let mut h = EscapeHandler::new(Some(EscapeKey::DEFAULT));
        assert_eq!(
            run(&mut h, b"s\x1es"),
            (
                b"s".to_vec(),
                vec![KeyAction::EscapeStarted, KeyAction::ToggleStatus]
            )
        );
    }

    #[test]
    fn a_letter_pass_key_also_works_in_lower_case() {
        let ctrl_b = EscapeKey::from_env_value(Some("\x02")).unwrap();
        let mut h = EscapeHandler::new(Some(ctrl_b));
        assert_eq!(run(&mut h, b"\x02b\x02B").0, vec![2, 2]);
    }

    #[test]
    fn without_an_escape_key_everything_is_sent() {
        let mut h = EscapeHandler::new(None);
        assert_eq!(
            run(&mut h, b"\x1e.\x1e\x1a"),
            (b"\x1e.\x1e\x1a".to_vec(), vec![])
        );
    }

    #[test]
    fn l_logs_in_only_while_a_login_is_offered() {
        let mut handler = EscapeHandler::new(Some(EscapeKey::DEFAULT));
        let (sent, actions) = run(&mut handler, b"\x1el");
        assert_eq!(sent, b"\x1el");
        assert_eq!(actions, [KeyAction::EscapeStarted]);
        handler.offer_login(true);
        let (sent, actions) = run(&mut handler, b"\x1el");
        assert!(sent.is_empty());
        assert_eq!(actions, [KeyAction::EscapeStarted, KeyAction::Login]);
    }
}
