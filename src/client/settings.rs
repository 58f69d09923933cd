//! The client's command line (`mosh-client [-# 'ARGS'] [-v] HOST_IP PORT`,
//! `mosh-client -c`) and the environment variables that tune it, parsed
//! into plain values with upstream's rules and exit codes.

use std::ffi::OsString;
use std::fmt;

use super::prediction::PredictionDisplay;

/// What the command line asks the client to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print the version and exit 0.
    Version,
    /// Print the usage on stdout and exit 0.
    Help,
    /// Print the local terminal's colour count and exit 0.
    ColorCount,
    /// Connect to a server.
    Connect(ConnectArgs),
}

/// The arguments of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectArgs {
    /// The server's address as given (numeric IPv4 or IPv6).
    pub host: String,
    /// The server's UDP port.
    pub port: u16,
    /// How many times `-v` was given.
    pub verbose: u32,
}

/// A command-line mistake: the message goes on stderr with the usage, and
/// the client exits 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The usage text for a client started as `program`.
pub fn usage(program: &str) -> String {
    format!("Usage: {program} [-# 'ARGS'] [-v] HOST_IP PORT\n       {program} -c\n")
}

/// Parses the arguments after the program name (public for the fuzz
/// targets in `fuzz/`).
pub fn parse_args(args: Vec<OsString>) -> Result<Command, UsageError> {
    // Like upstream, --help and --version win wherever they appear.
    if args.iter().any(|a| a == "--help") {
        return Ok(Command::Help);
    }
    if args.iter().any(|a| a == "--version") {
        return Ok(Command::Version);
    }
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut verbose = 0;
    let mut positional: Vec<String> = Vec::new();
    while let Some(arg) = parser.next().map_err(|e| UsageError(e.to_string()))? {
        match arg {
            Short('#') => {
                // The wrapper's original command line, for `ps`; ignored.
                parser.value().map_err(|e| UsageError(e.to_string()))?;
            }
            Short('c') => return Ok(Command::ColorCount),
            Short('v') => verbose += 1,
            Value(v) => positional.push(
                v.into_string()
                    .map_err(|_| UsageError("arguments must be valid UTF-8".into()))?,
            ),
            other => return Err(UsageError(other.unexpected().to_string())),
        }
    }
    let [host, port] = <[String; 2]>::try_from(positional)
        .map_err(|_| UsageError("expected exactly two arguments: HOST_IP PORT".into()))?;
    let port = parse_port(&port)?;
    Ok(Command::Connect(ConnectArgs {
        host,
        port,
        verbose,
    }))
}

fn parse_port(text: &str) -> Result<u16, UsageError> {
    let bad = || UsageError(format!("Bad UDP port ({text})"));
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(port) => Ok(port),
    }
}

/// The escape key and what it takes to send it through literally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EscapeKey {
    /// The byte that starts an escape command.
    pub key: u8,
    /// Pressed after the escape key, sends the escape key itself.
    pub pass_key: u8,
    /// A second accepted pass key (the lower-case form of a letter).
    pub pass_key_alt: u8,
}

impl EscapeKey {
    /// Ctrl-^, passed through with `^`.
    pub(crate) const DEFAULT: EscapeKey = EscapeKey {
        key: 0x1e,
        pass_key: b'^',
        pass_key_alt: b'^',
    };

    /// Reads `MOSH_ESCAPE_KEY`: unset means Ctrl-^, empty disables the
    /// escape key (`None`), one ASCII character picks it; anything else, and
    /// the keys too easily pressed by accident (Ctrl-C, Ctrl-D, Ctrl-J,
    /// Ctrl-L, Ctrl-M), fall back to Ctrl-^.
    pub(crate) fn from_env_value(value: Option<&str>) -> Option<EscapeKey> {
        let Some(value) = value else {
            return Some(EscapeKey::DEFAULT);
        };
        if value.is_empty() {
            return None;
        }
        let &[key] = value.as_bytes() else {
            return Some(EscapeKey::DEFAULT);
        };
        if !(1..128).contains(&key) || matches!(key, 0x03 | 0x04 | 0x0a | 0x0c | 0x0d) {
            return Some(EscapeKey::DEFAULT);
        }
        let pass_key = if key < 32 { key + b'@' } else { key };
        Some(EscapeKey {
            key,
            pass_key,
            pass_key_alt: pass_key.to_ascii_lowercase(),
        })
    }

    /// Whether the escape key is a control character (then it acts at
    /// once; a printable one acts only at the start of a line).
    pub(crate) fn is_control(&self) -> bool {
        self.key < 32
    }

    /// How the escape key is named to the user, e.g. `Ctrl-^`.
    pub fn name(&self) -> String {
        if self.is_control() {
            format!("Ctrl-{}", char::from(self.pass_key))
        } else {
            format!("\"{}\"", char::from(self.key))
        }
    }

    /// The one-line help shown after the escape key and an unknown command.
    pub(crate) fn help_line(&self) -> String {
        format!(
            "Commands: Ctrl-Z suspends, \".\" quits, \"{}\" gives literal {}",
            char::from(self.pass_key),
            self.name()
        )
    }
}

/// Everything the environment says about how the client behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientEnvironment {
    /// When to show predictions.
    pub prediction: PredictionDisplay,
    /// Predict overwriting rather than inserting (`MOSH_PREDICTION_OVERWRITE=yes`).
    pub predict_overwrite: bool,
    /// The escape key, or `None` when disabled.
    pub escape_key: Option<EscapeKey>,
    /// Prefix window titles with `[mosh] ` (unless `MOSH_TITLE_NOPREFIX`).
    pub title_prefix: bool,
    /// Leave the terminal's alternate screen alone (`MOSH_NO_TERM_INIT`).
    pub no_term_init: bool,
}

impl ClientEnvironment {
    /// Reads the settings from an environment lookup.
    pub fn read(env: &dyn Fn(&str) -> Option<OsString>) -> Result<ClientEnvironment, String> {
        let prediction = match env("MOSH_PREDICTION_DISPLAY") {
            Some(value) => PredictionDisplay::parse(&value.to_string_lossy())?,
            None => PredictionDisplay::default(),
        };
        Ok(ClientEnvironment {
            prediction,
            ..ClientEnvironment::read_preferences(env)
        })
    }

    /// Reads every setting but the prediction mode (left at its default),
    /// which the bootstrap hands over itself.
    pub(crate) fn read_preferences(env: &dyn Fn(&str) -> Option<OsString>) -> ClientEnvironment {
        let text = |name: &str| env(name).map(|v| v.to_string_lossy().into_owned());
        ClientEnvironment {
            prediction: PredictionDisplay::default(),
            predict_overwrite: text("MOSH_PREDICTION_OVERWRITE").as_deref() == Some("yes"),
            escape_key: EscapeKey::from_env_value(text("MOSH_ESCAPE_KEY").as_deref()),
            title_prefix: env("MOSH_TITLE_NOPREFIX").is_none(),
            no_term_init: env("MOSH_NO_TERM_INIT").is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn connect_with_wrapper_arguments() {
        let cmd = parse_args(args(&["-#", "host -- ls |", "127.0.0.1", "60001"])).unwrap();
        assert_eq!(
            cmd,
            Command::Connect(ConnectArgs {
                host: "127.0.0.1".into(),
                port: 60001,
                verbose: 0
            })
        );
        let cmd = parse_args(args(&["-vv", "::1", "60002"])).unwrap();
        assert!(matches!(
            cmd,
            Command::Connect(ConnectArgs {
                verbose: 2,
                port: 60002,
                ..
            })
        ));
    }

    #[test]
    fn help_version_and_colours() {
        assert_eq!(parse_args(args(&["x", "--help"])), Ok(Command::Help));
        assert_eq!(parse_args(args(&["--version"])), Ok(Command::Version));
        assert_eq!(parse_args(args(&["-c"])), Ok(Command::ColorCount));
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        assert!(parse_args(args(&[])).is_err());
        assert!(parse_args(args(&["127.0.0.1"])).is_err());
        assert!(parse_args(args(&["a", "b", "c"])).is_err());
        assert!(parse_args(args(&["-x", "127.0.0.1", "1"])).is_err());
        let err = parse_args(args(&["127.0.0.1", "60x"])).unwrap_err();
        assert_eq!(err.0, "Bad UDP port (60x)");
        assert!(parse_args(args(&["127.0.0.1", "70000"])).is_err());
        assert!(parse_args(args(&["127.0.0.1", "0"])).is_err());
    }

    #[test]
    fn escape_key_rules() {
        assert_eq!(EscapeKey::from_env_value(None), Some(EscapeKey::DEFAULT));
        assert_eq!(EscapeKey::from_env_value(Some("")), None);
        assert_eq!(
            EscapeKey::from_env_value(Some("ab")),
            Some(EscapeKey::DEFAULT)
        );
        for refused in ["\x03", "\x04", "\n", "\x0c", "\r"] {
            assert_eq!(
                EscapeKey::from_env_value(Some(refused)),
                Some(EscapeKey::DEFAULT)
            );
        }
        let ctrl_b = EscapeKey::from_env_value(Some("\x02")).unwrap();
        assert_eq!((ctrl_b.pass_key, ctrl_b.pass_key_alt), (b'B', b'b'));
        assert_eq!(ctrl_b.name(), "Ctrl-B");
        let tilde = EscapeKey::from_env_value(Some("~")).unwrap();
        assert_eq!((tilde.key, tilde.pass_key), (b'~', b'~'));
        assert!(!tilde.is_control());
        assert_eq!(
            EscapeKey::DEFAULT.help_line(),
            "Commands: Ctrl-Z suspends, \".\" quits, \"^\" gives literal Ctrl-^"
        );
    }

    #[test]
    fn environment_settings() {
        let env = |name: &str| -> Option<OsString> {
            match name {
                "MOSH_PREDICTION_DISPLAY" => Some("always".into()),
                "MOSH_PREDICTION_OVERWRITE" => Some("yes".into()),
                "MOSH_TITLE_NOPREFIX" => Some("".into()),
                _ => None,
            }
        };
        let settings = ClientEnvironment::read(&env).unwrap();
        assert_eq!(settings.prediction, PredictionDisplay::Always);
        assert!(settings.predict_overwrite);
        assert!(!settings.title_prefix);
        assert!(!settings.no_term_init);
        assert_eq!(settings.escape_key, Some(EscapeKey::DEFAULT));

        let bad = |name: &str| -> Option<OsString> {
            (name == "MOSH_PREDICTION_DISPLAY").then(|| "sometimes".into())
        };
        assert!(ClientEnvironment::read(&bad)
            .unwrap_err()
            .contains("sometimes"));
    }
}
