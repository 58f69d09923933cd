//! The server's idle timeouts from `MOSH_SERVER_NETWORK_TMOUT` and
//! `MOSH_SERVER_SIGNAL_TMOUT` (whole seconds), read with upstream's rules
//! and warnings.

use std::io::Write;

use super::cli::parse_c_long;
use super::environment::Environment;

/// Idle limits in milliseconds; 0 means "no limit".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Exit after this long without hearing from the client.
    pub network_ms: u64,
    /// SIGUSR1 ends the server only if the client has been silent this long.
    pub signal_ms: u64,
}

impl Timeouts {
    /// Reads both variables, warning on `log` about values it ignores.
    pub fn from_environment(env: &Environment, log: &mut dyn Write) -> Timeouts {
        Timeouts {
            network_ms: seconds(env, "MOSH_SERVER_NETWORK_TMOUT", log).saturating_mul(1000),
            signal_ms: seconds(env, "MOSH_SERVER_SIGNAL_TMOUT", log).saturating_mul(1000),
        }
    }
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
}
