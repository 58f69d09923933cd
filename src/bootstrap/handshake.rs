//! The lines ssh (or a local server) prints while a session starts:
//! `MOSH IP` from the fake proxy, `MOSH SSH_CONNECTION` from the remote
//! printer, `MOSH CONNECT` from the server, the install script's lines,
//! and everything else, which goes to the user. `Handshake` collects them
//! and says, once the output ends, what to connect to or why not.

use crate::wire::ServerOffer;

/// The most a single line may hold; longer output is passed on in pieces
/// of this size (no line we look for comes close).
pub(crate) const MAX_LINE: usize = 16 * 1024;

/// What one line of output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `MOSH IP <address>`.
    Ip(String),
    /// `MOSH SSH_CONNECTION <client ip> <client port> <server ip> <server port>`:
    /// the server's address.
    SshConnection(String),
    /// `MOSH CONNECT <port> <key>`.
    Connect {
        /// The server's UDP port.
        port: u16,
        /// The 22-character session key.
        key: String,
    },
    /// A `MOSH` line of a known kind that does not parse.
    Malformed(String),
    /// A line from the install script (after its `MOSH-RS INSTALL ` prefix).
    Install(String),
    /// `MOSH-RS FEATURES <word>...`: what a mosh-rs server can do beyond
    /// stock mosh, printed after `MOSH CONNECT` (where upstream's wrapper
    /// has stopped reading).
    Features(Vec<String>),
    /// Anything else: shown to the user.
    Other,
}

const INSTALL_PREFIX: &str = "MOSH-RS INSTALL ";
/// The start of the line a mosh-rs server prints after `MOSH CONNECT`.
pub(crate) const FEATURES_PREFIX: &str = "MOSH-RS FEATURES ";

/// Classifies one line (without its `\n`; a trailing `\r` from the remote
/// pty is allowed).
pub fn classify(raw: &[u8]) -> Line {
    let Ok(line) = std::str::from_utf8(raw) else {
        return Line::Other;
    };
    if let Some(rest) = line.strip_prefix("MOSH IP ") {
        return parse_ip(rest).map_or_else(|| malformed("MOSH IP", line), Line::Ip);
    }
    if line.starts_with("MOSH SSH_CONNECTION ") {
        return parse_ssh_connection(line).map_or_else(
            || malformed("MOSH SSH_CONNECTION", line),
            Line::SshConnection,
        );
    }
    if let Some(rest) = line.strip_prefix("MOSH CONNECT ") {
        return parse_connect(rest).unwrap_or_else(|| malformed_connect(rest));
    }
    if let Some(rest) = line.strip_prefix(INSTALL_PREFIX) {
        return Line::Install(rest.trim_end().to_string());
    }
    if let Some(rest) = line.strip_prefix(FEATURES_PREFIX) {
        return Line::Features(rest.split_ascii_whitespace().map(str::to_string).collect());
    }
    Line::Other
}

fn malformed(kind: &str, line: &str) -> Line {
    Line::Malformed(format!("Bad {kind} string: {}", line.trim_end()))
}

/// A bad `MOSH CONNECT` line, shown without what follows the port: it
/// may be the session key (with one character too many, say), and the
/// message lands on the user's terminal and in scrollback.
fn malformed_connect(rest: &str) -> Line {
    let (port, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let port_shown = port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    let shown = if port_shown { port } else { "" };
    let hidden = if port_shown { tail } else { rest };
    let hidden = hidden.trim_end().chars().count();
    Line::Malformed(format!(
        "Bad MOSH CONNECT string: MOSH CONNECT {shown} \
         ({hidden} more characters not shown: they may hold the session key)"
    ))
}

/// One run of non-blank characters, then only blanks.
fn parse_ip(rest: &str) -> Option<String> {
    let end = rest
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let (address, tail) = rest.split_at(end);
    let only_blanks = tail.chars().all(|c| c.is_ascii_whitespace());
    (!address.is_empty() && only_blanks).then(|| address.to_string())
}

/// Exactly six words; the fifth is the server's address.
fn parse_ssh_connection(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    (words.len() == 6).then(|| words[4].to_string())
}

/// `<digits> <22 key characters>`, then only blanks.
fn parse_connect(rest: &str) -> Option<Line> {
    let (port_text, tail) = rest.split_once(' ')?;
    if port_text.is_empty() || !port_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = tail.get(..22)?;
    let key_ok = key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+');
    let rest_blank = tail.get(22..)?.chars().all(|c| c.is_ascii_whitespace());
    let port = port_text.parse::<u16>().ok().filter(|&p| p != 0)?;
    (key_ok && rest_blank).then(|| Line::Connect {
        port,
        key: key.to_string(),
    })
}

/// Where to connect, once the server has said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The server's address (numeric).
    pub ip: String,
    /// The server's UDP port.
    pub port: u16,
    /// The session key.
    pub key: String,
    /// What a mosh-rs server offers beyond stock mosh (nothing from a
    /// stock server).
    pub offer: ServerOffer,
}

/// Why no session could start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// ssh itself failed (status 255) and has said why: exit with its status.
    Ssh(i32),
    /// A message for the user and the exit status.
    Message(String, i32),
}

/// What the caller does with a line after `Handshake::take`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Show the line to the user.
    Show,
    /// Nothing to show; keep reading.
    Quiet,
    /// The server has started: stop reading.
    Connected,
    /// Stop at once with this failure.
    Abort(Failure),
}

/// The state of a starting session.
#[derive(Debug, Clone, Default)]
pub struct Handshake {
    ip: Option<String>,
    ssh_ip: Option<String>,
    connect: Option<(u16, String)>,
    port_range_requested: bool,
    server_refused_range: bool,
    features: Vec<String>,
}

impl Handshake {
    /// A handshake; `port_range_requested` when `--port` named a range
    /// (an old server then explains its failure with "Bad UDP port").
    pub fn new(port_range_requested: bool) -> Handshake {
        Handshake {
            port_range_requested,
            ..Handshake::default()
        }
    }

    /// A handshake whose server address is already known (`--local`,
    /// `--experimental-remote-ip=local`).
    pub(crate) fn with_ip(port_range_requested: bool, ip: String) -> Handshake {
        Handshake {
            ip: Some(ip),
            ..Handshake::new(port_range_requested)
        }
    }

    /// Takes one line of output.
    pub fn take(&mut self, raw: &[u8], line: &Line) -> Step {
        match line {
            Line::Ip(_) if self.ip.is_some() => Step::Abort(Failure::Message(
                "error: detected attempt to redefine MOSH IP.".to_string(),
                1,
            )),
            Line::Ip(ip) => {
                self.ip = Some(ip.clone());
                Step::Quiet
            }
            Line::SshConnection(ip) => {
                self.ssh_ip = Some(ip.clone());
                Step::Quiet
            }
            Line::Connect { port, key } => {
                self.connect = Some((*port, key.clone()));
                Step::Connected
            }
            Line::Malformed(why) => Step::Abort(Failure::Message(why.clone(), 1)),
            Line::Install(_) => Step::Quiet,
            Line::Features(words) => {
                self.features.clone_from(words);
                Step::Quiet
            }
            Line::Other => {
                if self.port_range_requested && contains(raw, b"Bad UDP port") {
                    self.server_refused_range = true;
                }
                Step::Show
            }
        }
    }

    /// The outcome once the output has ended (or `MOSH CONNECT` came) and
    /// the starter exited with `status` (`None`: killed by a signal).
    /// `warn` receives notes for the user.
    pub fn finish(
        self,
        status: Option<i32>,
        user_host: &str,
        warn: &mut dyn FnMut(String),
    ) -> Result<Endpoint, Failure> {
        let Some((port, key)) = self.connect else {
            return Err(self.missing_connect(status));
        };
        let ip = match (self.ip, self.ssh_ip) {
            (Some(ip), _) => ip,
            (None, Some(ssh_ip)) => {
                warn(format!(
                    "Using remote IP address {ssh_ip} from $SSH_CONNECTION for hostname {user_host}"
                ));
                ssh_ip
            }
            (None, None) => {
                return Err(Failure::Message(
                    "Did not find remote IP address (is SSH ProxyCommand disabled?).".to_string(),
                    1,
                ))
            }
        };
        let offer = ServerOffer::from_words(&self.features.join(" "));
        Ok(Endpoint {
            ip,
            port,
            key,
            offer,
        })
    }

    fn missing_connect(&self, status: Option<i32>) -> Failure {
        if status == Some(SSH_FAILURE) {
            return Failure::Ssh(SSH_FAILURE);
        }
        if self.server_refused_range {
            return Failure::Message(
                "Server does not support UDP port range option.".to_string(),
                1,
            );
        }
        Failure::Message(NO_SERVER_MESSAGE.to_string(), 1)
    }
}

/// ssh's own exit status for its failures (connection, authentication).
pub(crate) const SSH_FAILURE: i32 = 255;

/// Upstream's words when the server never announced itself.
pub(crate) const NO_SERVER_MESSAGE: &str =
    "Did not find mosh server startup message. (Have you installed mosh on your server?)";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn mosh_lines_are_recognised_with_pty_line_ends() {
        assert_eq!(classify(b"MOSH IP 10.1.2.3"), Line::Ip("10.1.2.3".into()));
        assert_eq!(classify(b"MOSH IP ::1 \r"), Line::Ip("::1".into()));
        assert_eq!(
            classify(b"MOSH SSH_CONNECTION 10.0.0.9 50022 10.0.0.1 22\r"),
            Line::SshConnection("10.0.0.1".into())
        );
        assert_eq!(
            classify(format!("MOSH CONNECT 60001 {KEY}\r").as_bytes()),
            Line::Connect {
                port: 60001,
                key: KEY.into()
            }
        );
        assert_eq!(
            classify(b"MOSH-RS INSTALL HAVE 0 \r"),
            Line::Install("HAVE 0".into())
        );
    }

    #[test]
    fn malformed_mosh_lines_are_errors_not_output() {
        let bad = [
            "MOSH IP ".to_string(),
            "MOSH IP a b".to_string(),
            "MOSH SSH_CONNECTION 1 2 3".to_string(),
            format!("MOSH CONNECT x {KEY}"),
            format!("MOSH CONNECT 70000 {KEY}"),
            format!("MOSH CONNECT 0 {KEY}"),
            format!("MOSH CONNECT 60001  {KEY}"),
            "MOSH CONNECT 60001 short".to_string(),
            format!("MOSH CONNECT 60001 {KEY}x"),
            "MOSH CONNECT 60001 AAAAAAAAAAAAAAAAAAAAA-".to_string(),
        ];
        for line in bad {
            assert!(
                matches!(classify(line.as_bytes()), Line::Malformed(_)),
                "{line}"
            );
        }
    }

    #[test]
    fn a_malformed_connect_line_never_shows_the_key() {
        let near_misses = [
            format!("MOSH CONNECT 60001 {KEY}x"),
            format!("MOSH CONNECT 60001  {KEY}"),
            format!("MOSH CONNECT 70000 {KEY}"),
            format!("MOSH CONNECT {KEY} 60001"),
            format!("MOSH CONNECT 60001 {}", &KEY[..21]),
        ];
        for line in near_misses {
            let Line::Malformed(message) = classify(line.as_bytes()) else {
                panic!("{line} was accepted");
            };
            assert!(message.starts_with("Bad MOSH CONNECT string"), "{message}");
            assert!(!message.contains(&KEY[..16]), "the key is shown: {message}");
        }
        let Line::Malformed(message) = classify(format!("MOSH CONNECT 60001 {KEY}x").as_bytes())
        else {
            unreachable!()
        };
        assert!(
            message.contains("60001") && message.contains("23 more"),
            "{message}"
        );
    }

    #[test]
    fn other_lines_are_shown() {
        for line in [
            &b"Welcome to host"[..],
            b"",
            b"\r",
            b"MOSH",
            b"mosh-server: command not found",
            b"\xff\xfe",
        ] {
            assert_eq!(classify(line), Line::Other);
        }
    }

    fn feed(handshake: &mut Handshake, lines: &[String]) -> Vec<Step> {
        lines
            .iter()
            .map(|l| handshake.take(l.as_bytes(), &classify(l.as_bytes())))
            .collect()
    }

    fn no_warnings(_: String) {}

    #[test]
    fn a_full_handshake_gives_the_endpoint() {
        let mut h = Handshake::new(false);
        let steps = feed(
            &mut h,
            &[
                "MOSH IP 127.0.0.1".into(),
                "banner".into(),
                format!("MOSH CONNECT 60004 {KEY}"),
            ],
        );
        assert_eq!(steps, [Step::Quiet, Step::Show, Step::Connected]);
        let end = h.finish(Some(0), "host", &mut no_warnings).unwrap();
        assert_eq!(
            end,
            Endpoint {
                ip: "127.0.0.1".into(),
                port: 60004,
                key: KEY.into(),
                offer: ServerOffer::default(),
            }
        );
    }

    #[test]
    fn a_mosh_rs_server_says_what_it_offers_after_connect() {
        let mut h = Handshake::new(false);
        let steps = feed(
            &mut h,
            &[
                "MOSH IP 127.0.0.1".into(),
                format!("MOSH CONNECT 60004 {KEY}"),
                "MOSH-RS FEATURES later-thing scrollback".into(),
            ],
        );
        assert_eq!(steps, [Step::Quiet, Step::Connected, Step::Quiet]);
        let end = h.finish(Some(0), "host", &mut no_warnings).unwrap();
        assert!(end.offer.scrollback && !end.offer.discipline);
        let mut stock = Handshake::new(false);
        feed(
            &mut stock,
            &[
                "MOSH IP 127.0.0.1".into(),
                format!("MOSH CONNECT 60004 {KEY}"),
            ],
        );
        assert_eq!(
            stock
                .finish(Some(0), "host", &mut no_warnings)
                .unwrap()
                .offer,
            ServerOffer::default()
        );
    }

    #[test]
    fn the_ssh_connection_address_is_a_fallback_with_a_warning() {
        let mut h = Handshake::new(false);
        feed(
            &mut h,
            &[
                "MOSH SSH_CONNECTION 10.0.0.9 5 10.0.0.1 22".into(),
                format!("MOSH CONNECT 60004 {KEY}"),
            ],
        );
        let mut warnings = Vec::new();
        let end = h
            .finish(Some(0), "me@host", &mut |w| warnings.push(w))
            .unwrap();
        assert_eq!(end.ip, "10.0.0.1");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("me@host"));
    }

    #[test]
    fn a_second_ip_line_aborts() {
        let mut h = Handshake::with_ip(false, "127.0.0.1".into());
        let steps = feed(&mut h, &["MOSH IP 10.0.0.1".into()]);
        assert!(matches!(steps[0], Step::Abort(_)));
    }

    #[test]
    fn failures_name_their_cause() {
        let mut h = Handshake::new(false);
        feed(&mut h, &["MOSH IP 127.0.0.1".into()]);
        assert_eq!(
            h.clone().finish(Some(255), "h", &mut no_warnings),
            Err(Failure::Ssh(255))
        );
        assert_eq!(
            h.finish(Some(127), "h", &mut no_warnings),
            Err(Failure::Message(NO_SERVER_MESSAGE.into(), 1))
        );
        let mut h = Handshake::new(true);
        feed(&mut h, &["mosh-server: Bad UDP port (60000:60010)".into()]);
        let err = h.finish(Some(1), "h", &mut no_warnings).unwrap_err();
        assert!(matches!(err, Failure::Message(m, 1) if m.contains("port range")));
        let mut h = Handshake::new(false);
        feed(&mut h, &[format!("MOSH CONNECT 60004 {KEY}")]);
        let err = h.finish(Some(0), "h", &mut no_warnings).unwrap_err();
        assert!(matches!(err, Failure::Message(m, 1) if m.contains("remote IP")));
    }
}
