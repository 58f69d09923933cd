//! `mosh-server attach [ID]`: asks a running session to take a new
//! client and prints `MOSH CONNECT <port> <key>` exactly as `new` does.
//!
//! Words after the id that a wrapper appends (`new -c 256 -s -l …`) are
//! accepted and ignored, so `mosh --server='mosh-server attach' host`
//! works with the stock wrapper.

use std::ffi::OsString;
use std::io::Write;

use super::control::{ask, parse_connect, Request};
use super::registry::{
    live_sessions, pick_default, registry_dir, short_duration, unix_now, valid_id,
};
use super::scrollback_setting::{features_line, DEFAULT_SCROLLBACK_LINES};

/// The id asked for, if the first word after `attach` is one.
pub(crate) fn requested_id(args: &[OsString]) -> Option<String> {
    let word = args.first()?.to_str()?;
    (word != "new" && valid_id(word)).then(|| word.to_string())
}

/// Runs `attach` with the words after it; returns the exit status.
pub fn run(args: &[OsString], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let dir = match registry_dir() {
        Ok(dir) => dir,
        Err(e) => {
            let _ = writeln!(err, "mosh-server: cannot find the session registry: {e}");
            return 1;
        }
    };
    let sessions = live_sessions(&dir);
    let record = match requested_id(args) {
        Some(id) => match sessions.iter().find(|r| r.id == id) {
            Some(record) => record,
            None => {
                let _ = writeln!(
                    err,
                    "mosh-server: no session {id} here (see `mosh-server list`)"
                );
                return 1;
            }
        },
        None => match pick_default(&sessions) {
            Some(record) => {
                let idle = short_duration(record.idle_seconds(unix_now()));
                let _ = writeln!(
                    err,
                    "mosh-server: attaching to session {} ({}, idle {idle}; {} session(s) here)",
                    record.id,
                    record.command,
                    sessions.len()
                );
                record
            }
            None => {
                let _ = writeln!(err, "mosh-server: no mosh-rs session to attach to here");
                return 1;
            }
        },
    };
    let reply = match ask(&dir, &record.id, Request::Attach) {
        Ok(reply) => reply,
        Err(e) => {
            let _ = writeln!(
                err,
                "mosh-server: session {} did not answer: {e}",
                record.id
            );
            return 1;
        }
    };
    let Some(connect) = parse_connect(&reply) else {
        let why = reply.strip_prefix("error ").unwrap_or(&reply);
        let _ = writeln!(err, "mosh-server: session {} refused: {why}", record.id);
        return 1;
    };
    let _ = writeln!(out, "MOSH CONNECT {} {}", connect.port, connect.key);
    let lines = connect.scrollback_lines.unwrap_or(DEFAULT_SCROLLBACK_LINES);
    let _ = writeln!(out, "{}", features_line(lines));
    let _ = out.flush();
    let _ = writeln!(
        err,
        "\n{}\n[mosh-server attached to session {}, pid = {}]",
        crate::version::version_text("mosh-server").trim_end(),
        record.id,
        record.pid
    );
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn wrapper_words_after_attach_are_not_an_id() {
        assert_eq!(
            requested_id(&os(&["ab12cd34", "new", "-s"])),
            Some("ab12cd34".into())
        );
        assert_eq!(requested_id(&os(&["new", "-c", "256"])), None);
        assert_eq!(requested_id(&os(&["-s"])), None);
        assert_eq!(requested_id(&os(&["../etc"])), None);
        assert_eq!(requested_id(&[]), None);
    }
}
