//! What the user's terminal can do, as far as the client cares: its colour
//! count (for `mosh-client -c`), whether it erases with the background
//! colour and has erase-characters, whether it takes window titles, which
//! extra renditions it shows (terminfo `Smulx`, `Setulc`, `Smol`), and
//! the strings that enter and leave the alternate screen and keypad mode.
//!
//! Read from terminfo when an entry exists, otherwise guessed from `$TERM`
//! and `$COLORTERM` the way a user of a modern terminal would expect.

use std::ffi::OsString;

use super::terminfo::{self, TermInfo};
use crate::terminal::{scrollback, ExtraCaps};

/// Terminal families known to accept the xterm title sequences (terminfo
/// has no reliable capability for this).
const TITLE_TERM_PREFIXES: &[&str] = &[
    "xterm",
    "rxvt",
    "kterm",
    "Eterm",
    "alacritty",
    "screen",
    "tmux",
    "foot",
    "kitty",
    "wezterm",
    "st-",
];

/// The local terminal's capabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Capabilities {
    /// Number of colours, `None` when the terminal declares none.
    pub colors: Option<i32>,
    /// Erase-characters (`ech`) is available.
    pub has_ech: bool,
    /// Erasing fills with the current background colour (`bce`).
    pub has_bce: bool,
    /// Window title and icon name can be set.
    pub has_title: bool,
    /// Styled underlines (`Smulx`), underline colours (`Setulc`) and
    /// overline (`Smol`); none when guessed.
    pub extras: ExtraCaps,
    /// Enter the alternate screen (`smcup`), unless disabled.
    pub enter_alternate: Option<Vec<u8>>,
    /// Leave the alternate screen (`rmcup`), unless disabled.
    pub leave_alternate: Option<Vec<u8>>,
    /// Enter keypad-transmit mode (`smkx`).
    pub enter_keypad: Option<Vec<u8>>,
    /// Leave keypad-transmit mode (`rmkx`).
    pub leave_keypad: Option<Vec<u8>>,
    /// Whether these came from a terminfo entry (false: a guess).
    pub from_terminfo: bool,
}

impl Capabilities {
    /// Detects the capabilities for the process environment.
    pub(crate) fn from_environment() -> Capabilities {
        Capabilities::detect(&|name| std::env::var_os(name))
    }

    /// Detects the capabilities for an environment given as a lookup.
    pub(crate) fn detect(env: &dyn Fn(&str) -> Option<OsString>) -> Capabilities {
        Capabilities::detect_terminal(env).with_term_init(env("MOSH_NO_TERM_INIT").is_none())
    }

    /// Detects what `TERM` can do, leaving `MOSH_NO_TERM_INIT` aside.
    pub(crate) fn detect_terminal(env: &dyn Fn(&str) -> Option<OsString>) -> Capabilities {
        let term = env("TERM")
            .and_then(|t| t.into_string().ok())
            .unwrap_or_default();
        let mut caps = match terminfo::load(&term, env) {
            Some(entry) => from_entry(&entry),
            None => guess(&term, env),
        };
        caps.has_title = TITLE_TERM_PREFIXES.iter().any(|p| term.starts_with(p));
        caps
    }

    /// These capabilities drawing on the primary screen (native
    /// scrollback), `height` rows: entering pushes what the user had on
    /// the screen into the scrollback instead of switching to the
    /// alternate screen, and leaving keeps the session's last screen
    /// (the client puts the cursor under it first, see
    /// `scrollback::leave_primary_under`).
    pub(crate) fn with_primary_screen(mut self, height: usize) -> Capabilities {
        self.enter_alternate = Some(scrollback::enter_primary(height));
        self.leave_alternate = Some(scrollback::release_primary());
        self
    }

    /// These capabilities, without the alternate screen unless the
    /// terminal is to be initialized.
    pub(crate) fn with_term_init(mut self, init_terminal: bool) -> Capabilities {
        if !init_terminal {
            self.enter_alternate = None;
            self.leave_alternate = None;
        }
        self
    }
}

fn from_entry(entry: &TermInfo) -> Capabilities {
    let owned = |name: &str| entry.string(name).map(<[u8]>::to_vec);
    Capabilities {
        colors: entry.number("colors"),
        has_ech: entry.string("ech").is_some(),
        has_bce: entry.flag("bce"),
        has_title: false,
        extras: ExtraCaps {
            underline_styles: entry.string("Smulx").is_some(),
            underline_color: entry.string("Setulc").is_some(),
            overline: entry.string("Smol").is_some(),
        },
        enter_alternate: owned("smcup"),
        leave_alternate: owned("rmcup"),
        enter_keypad: owned("smkx"),
        leave_keypad: owned("rmkx"),
        from_terminfo: true,
    }
}

/// A guess for a terminal with no terminfo entry here: anything that calls
/// itself xterm-compatible today speaks the xterm dialect.
fn guess(term: &str, env: &dyn Fn(&str) -> Option<OsString>) -> Capabilities {
    let colorterm = env("COLORTERM")
        .and_then(|c| c.into_string().ok())
        .unwrap_or_default();
    let xterm_like = TITLE_TERM_PREFIXES.iter().any(|p| term.starts_with(p));
    let colors = if term.contains("256color") || colorterm == "truecolor" || colorterm == "24bit" {
        Some(256)
    } else if xterm_like || term.starts_with("linux") || term.contains("color") {
        Some(8)
    } else {
        None
    };
    let xterm_string = |s: &[u8]| xterm_like.then(|| s.to_vec());
    Capabilities {
        colors,
        has_ech: xterm_like,
        has_bce: xterm_like && !term.starts_with("screen") && !term.starts_with("tmux"),
        has_title: false,
        extras: ExtraCaps::default(),
        enter_alternate: xterm_string(b"\x1b[?1049h"),
        leave_alternate: xterm_string(b"\x1b[?1049l"),
        enter_keypad: xterm_string(b"\x1b[?1h\x1b="),
        leave_keypad: xterm_string(b"\x1b[?1l\x1b>"),
        from_terminfo: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn xterm_256color_from_terminfo() {
        let caps = Capabilities::detect(&env_of(&[("TERM", "xterm-256color"), ("HOME", "/x")]));
        if !caps.from_terminfo {
            eprintln!("SKIPPED: no terminfo entry for xterm-256color here");
            return;
        }
        assert_eq!(caps.colors, Some(256));
        assert!(caps.has_ech && caps.has_bce && caps.has_title);
        assert!(caps.enter_alternate.is_some());
    }

    #[test]
    fn no_term_init_drops_the_alternate_screen() {
        let caps = Capabilities::detect(&env_of(&[
            ("TERM", "xterm-256color"),
            ("MOSH_NO_TERM_INIT", "1"),
        ]));
        assert_eq!(caps.enter_alternate, None);
        assert_eq!(caps.leave_alternate, None);
    }

    #[test]
    fn unknown_modern_terminal_is_guessed_from_its_name() {
        let caps = Capabilities::detect(&env_of(&[
            ("TERM", "xterm-nonexistent-256color"),
            ("TERMINFO", "/nonexistent"),
        ]));
        assert!(!caps.from_terminfo);
        assert_eq!(caps.colors, Some(256));
        assert!(caps.has_title && caps.has_ech);
    }

    #[test]
    fn dumb_terminal_has_nothing() {
        let caps = Capabilities::detect(&env_of(&[("TERM", "nonexistent-dumb")]));
        assert_eq!(caps.colors, None);
        assert!(!caps.has_title && !caps.has_ech);
        assert_eq!(caps.enter_alternate, None);
    }
}
