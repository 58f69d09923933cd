//! `mosh-server list [--json]`: the user's running sessions, as a table
//! for people or JSON for scripts; and the one-line notice `new` prints
//! when detached sessions are waiting.

use std::ffi::OsString;
use std::io::Write;

use super::registry::{live_sessions, registry_dir, short_duration, unix_now, Record};

/// Placeholder the bootstrap replaces with the host the user typed.
pub(crate) const HOST_PLACEHOLDER: &str = "HOST";

/// Runs `list` with the words after it; returns the exit status.
pub fn run(args: &[OsString], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut json = false;
    for arg in args {
        match arg.to_str() {
            Some("--json") => json = true,
            _ => {
                let _ = writeln!(
                    err,
                    "mosh-server list: unknown argument {}\nUsage: mosh-server list [--json]",
                    arg.to_string_lossy()
                );
                return 1;
            }
        }
    }
    let sessions = match registry_dir() {
        Ok(dir) => live_sessions(&dir),
        Err(_) => Vec::new(),
    };
    let text = if json {
        to_json(&sessions)
    } else {
        to_table(&sessions, unix_now())
    };
    let _ = out.write_all(text.as_bytes());
    0
}

/// The human table, one session a line.
pub(crate) fn to_table(sessions: &[Record], now: u64) -> String {
    if sessions.is_empty() {
        return "no mosh-rs sessions\n".to_string();
    }
    let mut text = format!(
        "{:<10} {:>8} {:<9} {:>6} {:>8} {:>6} {:>8}  COMMAND\n",
        "ID", "PID", "STATE", "IDLE", "AGE", "PORT", "HISTORY"
    );
    for r in sessions {
        let state = if r.attached { "attached" } else { "detached" };
        text.push_str(&format!(
            "{:<10} {:>8} {:<9} {:>6} {:>8} {:>6} {:>8}  {}\n",
            r.id,
            r.pid,
            state,
            short_duration(r.idle_seconds(now)),
            short_duration(now.saturating_sub(r.started)),
            r.port,
            r.history_lines,
            r.command
        ));
    }
    text
}

/// A JSON array of session objects.
pub(crate) fn to_json(sessions: &[Record]) -> String {
    let items: Vec<String> = sessions
        .iter()
        .map(|r| {
            format!(
                "{{\"id\":{},\"pid\":{},\"command\":{},\"started\":{},\"port\":{},\"last_heard\":{},\"attached\":{},\"history_lines\":{}}}",
                json_string(&r.id),
                r.pid,
                json_string(&r.command),
                r.started,
                r.port,
                r.last_heard,
                r.attached,
                r.history_lines
            )
        })
        .collect();
    format!("[{}]\n", items.join(","))
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The notice for a user starting a new session while `sessions` exist:
/// `None` unless some are detached. `HOST` stands for the host name,
/// which only the client side knows.
pub(crate) fn detached_notice(sessions: &[Record], now: u64) -> Option<String> {
    let detached: Vec<&Record> = sessions.iter().filter(|r| !r.attached).collect();
    let newest = detached
        .iter()
        .max_by_key(|r| (r.last_heard > 0, r.last_heard.max(r.started), r.started))?;
    let idle = short_duration(newest.idle_seconds(now));
    let count = detached.len();
    let what = if count == 1 {
        "1 detached mosh-rs session".to_string()
    } else {
        format!("{count} detached mosh-rs sessions (see `mosh-server list`)")
    };
    Some(format!(
        "mosh-server: you have {what}; the newest, {} (`{}`, idle {idle}), resumes with: mosh --attach={} {HOST_PLACEHOLDER}",
        newest.id, newest.command, newest.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, heard: u64, attached: bool) -> Record {
        Record {
            id: id.to_string(),
            pid: 7,
            command: "sh -c \"x\"".to_string(),
            started: 1000,
            port: 60001,
            last_heard: heard,
            attached,
            history_lines: 1234,
        }
    }

    #[test]
    fn json_escapes_and_lists_every_field() {
        let json = to_json(&[record("ab", 1500, true)]);
        assert_eq!(
            json,
            "[{\"id\":\"ab\",\"pid\":7,\"command\":\"sh -c \\\"x\\\"\",\"started\":1000,\"port\":60001,\"last_heard\":1500,\"attached\":true,\"history_lines\":1234}]\n"
        );
        assert_eq!(to_json(&[]), "[]\n");
    }

    #[test]
    fn the_table_shows_state_and_idle_time() {
        let table = to_table(&[record("ab", 1500, false)], 1620);
        let row = table.lines().nth(1).unwrap();
        assert!(row.starts_with("ab "), "{row}");
        assert!(row.contains("detached") && row.contains(" 2m ") && row.contains("60001"));
    }

    #[test]
    fn the_notice_names_the_newest_detached_session_only_when_there_is_one() {
        assert_eq!(detached_notice(&[record("a", 1500, true)], 2000), None);
        let notice = detached_notice(
            &[
                record("a", 1100, false),
                record("b", 1900, false),
                record("c", 1950, true),
            ],
            2000,
        )
        .unwrap();
        assert!(notice.contains("2 detached"), "{notice}");
        assert!(notice.ends_with("mosh --attach=b HOST"), "{notice}");
        assert!(notice.contains("idle 1m"), "{notice}");
    }
}
