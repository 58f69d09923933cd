//! The `MOSH_LOG` file: created with mode 0600 (and tightened to 0600 if
//! it already existed), refused unless it is a regular file of ours with
//! no other name (a FIFO, symbolic or hard link or another user's file
//! planted in a shared directory neither stalls nor redirects it),
//! appended to one whole line at a time so a client
//! and a server can share it, each line timestamped and tagged with the
//! program and its pid. Only typed [`Event`]s can be written.
//!
//! Levels: with `MOSH_LOG` set, level 1 logs start-up, roaming, port
//! hops, prediction epochs, dropped datagrams, the connection figures and
//! the reason for exiting; each `-v` adds a level, and level 2 adds a
//! line for every datagram sent and received.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::event::{Event, Role};
use super::wall_clock::now_utc;
use crate::sys::process::current_uid;

/// The environment variable naming the log file.
pub(crate) const LOG_VARIABLE: &str = "MOSH_LOG";

/// Only the owner may read or write the log.
const LOG_MODE: u32 = 0o600;

/// The log, or nothing at all when `MOSH_LOG` is not set.
#[derive(Debug)]
pub(crate) struct DiagLog {
    file: Option<File>,
    level: u32,
    role: Role,
}

impl DiagLog {
    /// A log that writes nothing.
    pub(crate) fn disabled(role: Role) -> DiagLog {
        DiagLog {
            file: None,
            level: 0,
            role,
        }
    }

    /// Opens (creating, mode 0600) the file at `path` for appending, at
    /// `level` (1 or more). Never blocks: a FIFO is opened without
    /// waiting for a reader, and refused.
    pub fn open(path: &Path, level: u32, role: Role) -> io::Result<DiagLog> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(LOG_MODE)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
            .open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        if metadata.uid() != current_uid() {
            return Err(io::Error::other("the file belongs to another user"));
        }
        if metadata.nlink() != 1 {
            return Err(io::Error::other("the file has other names (hard links)"));
        }
        if metadata.permissions().mode() & 0o777 != LOG_MODE {
            file.set_permissions(Permissions::from_mode(LOG_MODE))?;
        }
        Ok(DiagLog {
            file: Some(file),
            level: level.max(1),
            role,
        })
    }

    /// The log `MOSH_LOG` names (looked up with `env`), at level 1 plus
    /// the `-v` count; disabled when it is unset or empty. An error says
    /// why the named file could not be opened.
    pub(crate) fn from_environment(
        role: Role,
        verbose: u32,
        env: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<DiagLog, String> {
        match env(LOG_VARIABLE).filter(|p| !p.is_empty()) {
            None => Ok(DiagLog::disabled(role)),
            Some(path) => {
                DiagLog::open(Path::new(&path), verbose.saturating_add(1), role).map_err(|e| {
                    format!(
                        "{}: cannot open {LOG_VARIABLE} file {}: {e}; not logging",
                        role.name(),
                        Path::new(&path).display()
                    )
                })
            }
        }
    }

    /// Whether events of `level` are written.
    pub fn wants(&self, level: u32) -> bool {
        self.file.is_some() && self.level >= level
    }

    /// Whether a line per datagram is wanted.
    pub(crate) fn wants_frames(&self) -> bool {
        self.wants(2)
    }

    /// Writes `event` if its level is on. Write errors are ignored: the
    /// session matters more than its log.
    pub fn record(&mut self, event: &Event<'_>) {
        if !self.wants(event.level()) {
            return;
        }
        let line = format!(
            "{} {}[{}] {event}\n",
            now_utc(),
            self.role.name(),
            // Asked each time: the server forks after opening the log.
            std::process::id()
        );
        if let Some(file) = self.file.as_mut() {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mosh-rs-diag-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn the_log_is_private_and_gets_whole_tagged_lines() {
        let path = temp_path("private");
        let _ = std::fs::remove_file(&path);
        let mut log = DiagLog::open(&path, 1, Role::Client).unwrap();
        log.record(&Event::Exiting("user request"));
        log.record(&Event::EpochConfirmed(4));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        let tag = format!(" mosh-client[{}] exiting: user request", std::process::id());
        assert!(lines[0].ends_with(&tag), "{text}");
        assert!(
            lines[0].starts_with("20") && lines[0].contains('T'),
            "{text}"
        );
    }

    #[test]
    fn an_existing_readable_file_is_made_private() {
        let path = temp_path("loose");
        std::fs::write(&path, b"old\n").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        let mut log = DiagLog::open(&path, 1, Role::Server).unwrap();
        log.record(&Event::PeerDetached);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("old\n"));
    }

    /// `DiagLog::open` on another thread; `None` if it is still blocked
    /// after two seconds.
    fn open_within_two_seconds(path: &Path) -> Option<io::Result<DiagLog>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        std::thread::spawn(move || tx.send(DiagLog::open(&path, 1, Role::Server)));
        rx.recv_timeout(std::time::Duration::from_secs(2)).ok()
    }

    #[test]
    fn a_planted_fifo_is_refused_without_waiting_for_a_reader() {
        let path = temp_path("fifo");
        let _ = std::fs::remove_file(&path);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let opened = open_within_two_seconds(&path).expect("opening a FIFO blocked");
        assert!(opened.is_err(), "a FIFO was accepted as the log");
        // Unblock the stuck opener of an unfixed build, then clean up.
        let _ = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_hard_link_to_another_file_is_refused() {
        let target = temp_path("link-target");
        let link = temp_path("link-planted");
        let _ = std::fs::remove_file(&link);
        std::fs::write(&target, b"precious\n").unwrap();
        std::fs::hard_link(&target, &link).unwrap();
        let opened = DiagLog::open(&link, 1, Role::Client);
        assert!(opened.is_err(), "logged into a file with another name");
        assert_eq!(std::fs::read(&target).unwrap(), b"precious\n");
    }

    #[test]
    fn another_users_file_is_refused() {
        if current_uid() != 0 {
            // Only root can give a file away; skip loudly elsewhere.
            eprintln!("SKIPPED: needs root to make a file of another user");
            return;
        }
        let path = temp_path("foreign");
        std::fs::write(&path, b"").unwrap();
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let opened = DiagLog::open(&path, 1, Role::Client);
        assert!(opened.is_err(), "logged into another user's file");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn levels_come_from_the_verbose_count() {
        let path = temp_path("levels");
        let env_path = path.clone();
        let env = move |name: &str| (name == LOG_VARIABLE).then(|| env_path.clone().into());
        let quiet = DiagLog::from_environment(Role::Client, 0, &env).unwrap();
        assert!(quiet.wants(1) && !quiet.wants_frames());
        let verbose = DiagLog::from_environment(Role::Client, 1, &env).unwrap();
        assert!(verbose.wants_frames());
        let unset = DiagLog::from_environment(Role::Client, 3, &|_| None).unwrap();
        assert!(!unset.wants(1));
        let bad =
            |name: &str| (name == LOG_VARIABLE).then(|| OsString::from("/nonexistent/dir/log"));
        assert!(DiagLog::from_environment(Role::Server, 0, &bad)
            .unwrap_err()
            .contains("/nonexistent/dir/log"));
    }
}
