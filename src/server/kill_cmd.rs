//! `mosh-server kill ID|--detached [--older-than DURATION]`: ends
//! sessions cleanly over their control sockets (the program is hung up
//! on, a connected client is told the session is over).

use std::ffi::OsString;
use std::io::Write;
use std::time::{Duration, Instant};

use super::control::{ask, Request};
use super::registry::{live_sessions, registry_dir, unix_now, valid_id, Record};
use crate::sys::peer_cred::process_exists;

const USAGE: &str = "Usage: mosh-server kill ID... | --detached [--older-than DURATION]";
/// How long to wait for a session to go after asking.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Which sessions to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    /// These ids.
    Ids(Vec<String>),
    /// Every detached session idle at least this many seconds.
    Detached { idle_at_least: u64 },
}

/// Parses the words after `kill`.
pub fn parse(args: &[OsString]) -> Result<Selection, String> {
    let mut ids = Vec::new();
    let mut detached = false;
    let mut older_than = None;
    let mut words = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        if word == "--detached" {
            detached = true;
        } else if let Some(value) = word.strip_prefix("--older-than=") {
            older_than = Some(parse_duration(value)?);
        } else if word == "--older-than" {
            let value = words.next().ok_or("--older-than needs a duration")?;
            older_than = Some(parse_duration(&value)?);
        } else if valid_id(&word) {
            ids.push(word);
        } else {
            return Err(format!("unknown argument {word}"));
        }
    }
    match (detached, ids.is_empty()) {
        (true, true) => Ok(Selection::Detached {
            idle_at_least: older_than.unwrap_or(0),
        }),
        (false, false) if older_than.is_none() => Ok(Selection::Ids(ids)),
        (false, true) => Err("name a session id, or --detached".to_string()),
        _ => Err("ids and --detached/--older-than do not mix".to_string()),
    }
}

/// `90`, `90s`, `15m`, `2h`, `7d` as seconds.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("bad duration {text:?} (try 90s, 15m, 2h or 7d)");
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(scale).ok_or_else(bad)
}

/// The sessions a selection names, from those running.
pub fn chosen<'a>(selection: &Selection, sessions: &'a [Record], now: u64) -> Vec<&'a Record> {
    match selection {
        Selection::Ids(ids) => sessions.iter().filter(|r| ids.contains(&r.id)).collect(),
        Selection::Detached { idle_at_least } => sessions
            .iter()
            .filter(|r| !r.attached && r.idle_seconds(now) >= *idle_at_least)
            .collect(),
    }
}

/// Runs `kill` with the words after it; returns the exit status.
pub fn run(args: &[OsString], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let selection = match parse(args) {
        Ok(selection) => selection,
        Err(why) => {
            let _ = writeln!(err, "mosh-server kill: {why}\n{USAGE}");
            return 1;
        }
    };
    let Ok(dir) = registry_dir() else {
        let _ = writeln!(err, "mosh-server kill: cannot find the session registry");
        return 1;
    };
    let sessions = live_sessions(&dir);
    let targets = chosen(&selection, &sessions, unix_now());
    let mut status = 0;
    if let Selection::Ids(ids) = &selection {
        for id in ids
            .iter()
            .filter(|id| !targets.iter().any(|r| &&r.id == id))
        {
            let _ = writeln!(err, "mosh-server kill: no session {id} here");
            status = 1;
        }
    }
    for record in &targets {
        match ask(&dir, &record.id, Request::Kill) {
            Ok(reply) if reply == "ok" => {
                if wait_for_exit(record.pid) {
                    let _ = writeln!(out, "ended session {} (pid {})", record.id, record.pid);
                } else {
                    let _ = writeln!(
                        out,
                        "asked session {} (pid {}) to end; it is still finishing",
                        record.id, record.pid
                    );
                }
            }
            Ok(reply) => {
                let _ = writeln!(err, "mosh-server kill: session {}: {reply}", record.id);
                status = 1;
            }
            Err(e) => {
                let _ = writeln!(err, "mosh-server kill: session {}: {e}", record.id);
                status = 1;
            }
        }
    }
    if targets.is_empty() && matches!(selection, Selection::Detached { .. }) {
        let _ = writeln!(out, "no detached sessions to end");
    }
    status
}

fn wait_for_exit(pid: i32) -> bool {
    let deadline = Instant::now() + EXIT_WAIT;
    while Instant::now() < deadline {
        if !process_exists(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn selections_parse_and_bad_ones_say_why() {
        assert_eq!(
            parse(&os(&["ab12"])),
            Ok(Selection::Ids(vec!["ab12".into()]))
        );
        assert_eq!(
            parse(&os(&["--detached", "--older-than", "2h"])),
            Ok(Selection::Detached {
                idle_at_least: 7200
            })
        );
        assert_eq!(
            parse(&os(&["--older-than=90", "--detached"])),
            Ok(Selection::Detached { idle_at_least: 90 })
        );
        assert!(parse(&os(&[])).is_err());
        assert!(parse(&os(&["ab", "--detached"])).is_err());
        assert!(parse(&os(&["--older-than", "2x", "--detached"])).is_err());
        assert!(parse(&os(&["../x"])).is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn detached_selection_skips_attached_and_recent_sessions() {
        let r = |id: &str, heard: u64, attached: bool| Record {
            id: id.into(),
            pid: 1,
            command: String::new(),
            started: 0,
            port: 1,
            last_heard: heard,
            attached,
            history_lines: 0,
        };
        let all = [
            r("old", 100, false),
            r("new", 990, false),
            r("on", 100, true),
        ];
        let picked = chosen(&Selection::Detached { idle_at_least: 60 }, &all, 1000);
        assert_eq!(
            picked.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["old"]
        );
    }
}
