//! The server's idle timeouts from `MOSH_SERVER_NETWORK_TMOUT` and
//! `MOSH_SERVER_SIGNAL_TMOUT` (whole seconds), read with upstream's rules
//! and warnings. `MOSH_SERVER_NETWORK_TIMEOUT` and
//! `MOSH_SERVER_SIGNAL_TIMEOUT` are accepted too; upstream's names win
//! when both are set.

use std::io::Write;

use super::cli::parse_c_long;
use crate::locale::Environment;

/// Idle limits in milliseconds; 0 means "no limit".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// Exit after this long without hearing from the client.
    pub network_ms: u64,
    /// SIGUSR1 ends the server only if the client has been silent this long.
    pub signal_ms: u64,
}

impl Timeouts {
    /// Reads both variables, warning on `log` about values it ignores.
    pub(crate) fn from_environment(env: &Environment, log: &mut dyn Write) -> Timeouts {
        Timeouts {
            network_ms: seconds_either(
                env,
                ["MOSH_SERVER_NETWORK_TMOUT", "MOSH_SERVER_NETWORK_TIMEOUT"],
                log,
            )
            .saturating_mul(1000),
            signal_ms: seconds_either(
                env,
                ["MOSH_SERVER_SIGNAL_TMOUT", "MOSH_SERVER_SIGNAL_TIMEOUT"],
                log,
            )
            .saturating_mul(1000),
        }
    }
}

/// The first of `names` that is set (and not empty).
fn seconds_either(env: &Environment, names: [&str; 2], log: &mut dyn Write) -> u64 {
    let set = names
        .into_iter()
        .find(|name| env.get_str(name).is_some_and(|t| !t.is_empty()));
    set.map_or(0, |name| seconds(env, name, log))
}

fn seconds(env: &Environment, name: &str, log: &mut dyn Write) -> u64 {
    let Some(text) = env.get_str(name).filter(|t| !t.is_empty()) else {
        return 0;
    };
    match parse_c_long(&text) {
        None => {
            let _ = writeln!(log, "{name} not a valid integer, ignoring");
            0
        }
        Some(n) if n < 0 => {
            let _ = writeln!(log, "{name} is negative, ignoring");
            0
        }
        Some(n) => n as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(net: &str, sig: &str) -> (Timeouts, String) {
        let env = Environment::from_pairs([
            ("MOSH_SERVER_NETWORK_TMOUT", net),
            ("MOSH_SERVER_SIGNAL_TMOUT", sig),
        ]);
        let mut log = Vec::new();
        let t = Timeouts::from_environment(&env, &mut log);
        (t, String::from_utf8(log).unwrap())
    }

    #[test]
    fn values_are_seconds_and_bad_ones_are_ignored_with_a_warning() {
        assert_eq!(
            read("5", "").0,
            Timeouts {
                network_ms: 5000,
                signal_ms: 0
            }
        );
        let (t, log) = read("5x", "-3");
        assert_eq!(t, Timeouts::default());
        assert!(log.contains("MOSH_SERVER_NETWORK_TMOUT not a valid integer, ignoring"));
        assert!(log.contains("MOSH_SERVER_SIGNAL_TMOUT is negative, ignoring"));
        assert_eq!(
            Timeouts::from_environment(&Environment::default(), &mut Vec::new()),
            Timeouts::default()
        );
    }

    #[test]
    fn the_timeout_spellings_are_aliases_and_upstreams_wins() {
        let env = Environment::from_pairs([
            ("MOSH_SERVER_NETWORK_TIMEOUT", "7"),
            ("MOSH_SERVER_SIGNAL_TIMEOUT", "9"),
        ]);
        let t = Timeouts::from_environment(&env, &mut Vec::new());
        assert_eq!((t.network_ms, t.signal_ms), (7000, 9000));
        let env = Environment::from_pairs([
            ("MOSH_SERVER_NETWORK_TMOUT", "3"),
            ("MOSH_SERVER_NETWORK_TIMEOUT", "7"),
        ]);
        let t = Timeouts::from_environment(&env, &mut Vec::new());
        assert_eq!(t.network_ms, 3000);
    }
}
