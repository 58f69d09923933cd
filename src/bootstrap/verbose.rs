//! `mosh --verbose`: each start-up step on stderr — the resolved address,
//! the exact command that starts the server, what the server says while
//! starting (the session key blanked out), and where the client will
//! connect. Silent unless asked for.

use std::ffi::OsString;
use std::io::Write;
use std::process::Command;

use super::handshake::{Endpoint, Line};
use super::shell_words;

/// The start-up narrator: prints only when `level > 0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Narrator<'a> {
    program: &'a str,
    level: u32,
}

impl<'a> Narrator<'a> {
    /// A narrator for `program`'s messages at `-v` count `level`.
    pub fn new(program: &'a str, level: u32) -> Narrator<'a> {
        Narrator { program, level }
    }

    /// Whether anything is printed.
    pub(crate) fn is_on(&self) -> bool {
        self.level > 0
    }

    fn say(&self, text: &str) {
        if self.is_on() {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}: [verbose] {text}", self.program);
            let _ = err.flush();
        }
    }

    /// The host name and the address it resolved to.
    pub fn resolved(&self, host: &str, ip: &str) {
        self.say(&format!("resolved {host} to {ip}"));
    }

    /// The host is reached through the user's ProxyJump or ProxyCommand.
    pub(crate) fn keeping_proxy(&self, host: &str) {
        self.say(&format!(
            "ssh reaches {host} through a proxy; the server will say its own address"
        ));
    }

    /// The command about to be started, exactly as it will run.
    pub fn starting(&self, command: &Command) {
        if self.is_on() {
            self.say(&format!("running: {}", command_line(command)));
        }
    }

    /// One line of the starter's output.
    pub(crate) fn server_line(&self, line: &[u8], kind: &Line) {
        if self.is_on() {
            self.say(&format!("server says: {}", shown_line(line, kind)));
        }
    }

    /// Where the client will connect.
    pub(crate) fn connecting(&self, endpoint: &Endpoint) {
        self.say(&format!(
            "server is at {}, UDP port {}; starting the client",
            endpoint.ip, endpoint.port
        ));
    }
}

/// The command line as a shell would need it typed (words quoted only
/// where they need it).
pub(crate) fn command_line(command: &Command) -> String {
    let mut words: Vec<OsString> = vec![command.get_program().to_owned()];
    words.extend(command.get_args().map(|a| a.to_owned()));
    let shown: Vec<String> = words
        .iter()
        .map(|word| {
            let text = word.to_string_lossy();
            if !text.is_empty() && text.bytes().all(is_plain) {
                text.into_owned()
            } else {
                shell_words::quote(&[word]).to_string_lossy().into_owned()
            }
        })
        .collect();
    shown.join(" ")
}

/// Bytes a shell word may hold without quoting.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b)
}

/// A start-up line fit to print: the session key is never shown.
pub(crate) fn shown_line(line: &[u8], kind: &Line) -> String {
    match kind {
        Line::Connect { port, .. } => format!("MOSH CONNECT {port} <session key not shown>"),
        _ => String::from_utf8_lossy(line).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::handshake::classify;

    #[test]
    fn the_session_key_is_never_shown() {
        let line = b"MOSH CONNECT 60001 4NeCCgvZFe2RnPgrcU1PQw";
        let shown = shown_line(line, &classify(line));
        assert!(!shown.contains("4NeCCgvZFe2RnPgrcU1PQw"), "{shown}");
        assert!(shown.contains("60001"));
        let other = b"mosh-server (mosh-rs) 1.4.0";
        assert_eq!(
            shown_line(other, &classify(other)),
            "mosh-server (mosh-rs) 1.4.0"
        );
    }

    #[test]
    fn command_lines_are_quoted_as_typed() {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg("mosh-server 'new'");
        assert_eq!(command_line(&c), r#"/bin/sh -c 'mosh-server '\''new'\'''"#);
    }
}
