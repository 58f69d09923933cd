//! How many lines of scrollback the server keeps for a mosh-rs client:
//! `-b LINES`, else `MOSH_SERVER_SCROLLBACK`, else 10,000; 0 turns it
//! off. A server that keeps any says so on the line after `MOSH CONNECT`
//! (`MOSH-RS FEATURES discipline scrollback marks pixels keys styles
//! clipboard`), which mosh-rs's `mosh`
//! reads and upstream's wrapper never does (it stops at `MOSH CONNECT`).

use std::io::Write;

use crate::locale::Environment;
use crate::wire::ServerOffer;

/// Lines kept when nothing says otherwise.
pub(crate) const DEFAULT_SCROLLBACK_LINES: u64 = 10_000;

/// The most lines anyone may ask for (about 100 MB of history at most).
pub(crate) const MAX_SCROLLBACK_LINES: u64 = 1_000_000;

/// The variable that sets the number of lines.
pub(crate) const SCROLLBACK_VARIABLE: &str = "MOSH_SERVER_SCROLLBACK";

/// The number of lines to keep: the option, else the variable (a bad
/// value is reported and ignored), else the default; at most
/// [`MAX_SCROLLBACK_LINES`].
pub(crate) fn scrollback_lines(option: Option<u64>, env: &Environment, log: &mut dyn Write) -> u64 {
    let from_variable = || {
        let text = env.get_str(SCROLLBACK_VARIABLE)?;
        match text.trim().parse::<u64>() {
            Ok(lines) => Some(lines),
            Err(_) => {
                let _ = writeln!(log, "{SCROLLBACK_VARIABLE} not a number of lines, ignoring");
                None
            }
        }
    };
    option
        .or_else(from_variable)
        .unwrap_or(DEFAULT_SCROLLBACK_LINES)
        .min(MAX_SCROLLBACK_LINES)
}

/// The line printed after `MOSH CONNECT`: what this server offers a
/// mosh-rs client (scrollback only when it keeps any).
pub(crate) fn features_line(lines: u64) -> String {
    let offer = ServerOffer {
        scrollback: lines > 0,
        discipline: true,
        marks: true,
        mouse_pixels: true,
        keys: true,
        styles: true,
        clipboard: true,
    };
    format!("MOSH-RS FEATURES {}", offer.words())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        Environment::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn the_option_wins_over_the_variable_and_the_default() {
        let mut log = Vec::new();
        let set = env(&[(SCROLLBACK_VARIABLE, "500")]);
        assert_eq!(scrollback_lines(Some(20), &set, &mut log), 20);
        assert_eq!(scrollback_lines(None, &set, &mut log), 500);
        assert_eq!(
            scrollback_lines(None, &env(&[]), &mut log),
            DEFAULT_SCROLLBACK_LINES
        );
        assert_eq!(
            scrollback_lines(Some(u64::MAX), &set, &mut log),
            MAX_SCROLLBACK_LINES
        );
        assert!(log.is_empty());
    }

    #[test]
    fn a_bad_variable_is_reported_and_ignored() {
        let mut log = Vec::new();
        let bad = env(&[(SCROLLBACK_VARIABLE, "lots")]);
        assert_eq!(
            scrollback_lines(None, &bad, &mut log),
            DEFAULT_SCROLLBACK_LINES
        );
        assert!(String::from_utf8_lossy(&log).contains("MOSH_SERVER_SCROLLBACK"));
    }

    #[test]
    fn only_a_server_that_keeps_lines_offers_scrollback() {
        assert_eq!(
            features_line(0),
            "MOSH-RS FEATURES discipline marks pixels keys styles clipboard"
        );
        assert_eq!(
            features_line(1),
            "MOSH-RS FEATURES discipline scrollback marks pixels keys styles clipboard"
        );
    }
}
