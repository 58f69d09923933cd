//! The per-user session registry: a private directory where each running
//! mosh-rs server keeps a small record (`ID.session`) and its control
//! socket (`ID.sock`), so a new client can find and resume it.
//!
//! The directory is `$XDG_RUNTIME_DIR/mosh-rs`, else
//! `~/.local/state/mosh-rs/HOST`, mode 0700 and owned by the user. The
//! home directory may be shared by several machines (NFS on a cluster's
//! login nodes), and a record's pid only means something on the machine
//! that wrote it, so each machine keeps to its own directory there.
//! Records never hold the session key. Records whose pid is gone are
//! removed by whoever lists the directory.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::sys::peer_cred::process_exists;
use crate::sys::process::{current_pid, current_uid};

/// Suffix of record files.
const RECORD_SUFFIX: &str = ".session";
/// Suffix of control sockets.
const SOCKET_SUFFIX: &str = ".sock";
/// Records larger than this are not ours and are skipped.
const MAX_RECORD_BYTES: u64 = 8 * 1024;
/// The longest command kept in a record (characters).
const MAX_COMMAND_CHARS: usize = 200;

/// One session as its record describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Short random id the user types (`attach ID`).
    pub id: String,
    /// The server process.
    pub pid: i32,
    /// The program the session runs, as one line.
    pub command: String,
    /// When the session started (seconds since the Unix epoch).
    pub started: u64,
    /// The server's UDP port.
    pub port: u16,
    /// When a client was last heard (seconds since the epoch; 0: never).
    pub last_heard: u64,
    /// Whether a client is attached now.
    pub attached: bool,
    /// Lines of scrollback the session holds (as of the last rewrite).
    pub history_lines: u64,
}

impl Record {
    /// The record as `key=value` lines.
    pub(crate) fn to_text(&self) -> String {
        format!(
            "id={}\npid={}\ncommand={}\nstarted={}\nport={}\nlast_heard={}\nattached={}\nhistory_lines={}\n",
            self.id,
            self.pid,
            self.command,
            self.started,
            self.port,
            self.last_heard,
            u8::from(self.attached),
            self.history_lines
        )
    }

    /// Parses `to_text`'s output; `None` if a field is missing or bad.
    pub fn parse(text: &str) -> Option<Record> {
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
        };
        let id = field("id")?;
        valid_id(id).then_some(())?;
        Some(Record {
            id: id.to_string(),
            pid: field("pid")?.parse().ok()?,
            command: field("command")?.to_string(),
            started: field("started")?.parse().ok()?,
            port: field("port")?.parse().ok()?,
            last_heard: field("last_heard")?.parse().ok()?,
            attached: field("attached")? == "1",
            // Records of older versions have none.
            history_lines: field("history_lines")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        })
    }

    /// Seconds since a client was last heard (or since the start, if never).
    pub(crate) fn idle_seconds(&self, now: u64) -> u64 {
        now.saturating_sub(self.last_heard.max(self.started))
    }
}

/// Whether `id` looks like one of our ids (so it is safe in a file name).
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The registry directory for this user (not created).
pub(crate) fn registry_dir() -> io::Result<PathBuf> {
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        let runtime = PathBuf::from(runtime);
        if runtime.is_absolute() && runtime.is_dir() {
            return Ok(runtime.join("mosh-rs"));
        }
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            crate::sys::passwd::current_user()
                .ok()
                .map(|u| PathBuf::from(u.home))
        })
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no home directory"))?;
    let host = crate::sys::host_name::host_name()?;
    Ok(home_registry_dir(&home, &host))
}

/// The registry directory under a home directory, for machine `host`:
/// one per machine, since the home may be shared.
fn home_registry_dir(home: &Path, host: &str) -> PathBuf {
    home.join(".local/state/mosh-rs").join(host_component(host))
}

/// `host` made safe as one path component: at most 64 characters, each
/// alphanumeric, `-`, `_` or `.`, others `_`; never empty, `.` or `..`.
fn host_component(host: &str) -> String {
    let safe: String = host
        .chars()
        .take(64)
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '_',
        })
        .collect();
    match safe.as_str() {
        "" | "." | ".." => format!("_{safe}"),
        _ => safe,
    }
}

/// Creates the registry directory if needed and checks that it is ours
/// and private (mode 0700).
pub(crate) fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() || meta.uid() != current_uid() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} is not a directory owned by you", dir.display()),
        ));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Path of a session's record.
pub(crate) fn record_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}{RECORD_SUFFIX}"))
}

/// Path of a session's control socket.
pub(crate) fn socket_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}{SOCKET_SUFFIX}"))
}

/// A fresh random id: 8 lowercase hex digits.
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = (current_pid() as u32).to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line describing a command: control characters become spaces and
/// it is cut to a readable length.
pub(crate) fn command_line(words: &[impl AsRef<std::ffi::OsStr>]) -> String {
    let joined = words
        .iter()
        .map(|w| w.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    joined
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_COMMAND_CHARS)
        .collect()
}

/// Writes a record atomically (temporary file, then rename), mode 0600.
pub(crate) fn write_record(dir: &Path, record: &Record) -> io::Result<()> {
    let temporary = dir.join(format!(".{}.tmp", record.id));
    {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode_private()
            .open(&temporary)?;
        file.write_all(record.to_text().as_bytes())?;
    }
    fs::rename(&temporary, record_path(dir, &record.id))
}

/// Removes a session's record and socket (missing files are fine).
pub(crate) fn remove_session_files(dir: &Path, id: &str) {
    let _ = fs::remove_file(record_path(dir, id));
    let _ = fs::remove_file(socket_path(dir, id));
}

/// Every live session in `dir`, oldest first. Records of dead servers
/// are removed on the way.
pub(crate) fn live_sessions(dir: &Path) -> Vec<Record> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut records = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(RECORD_SUFFIX)) else {
            continue;
        };
        if !valid_id(id) {
            continue;
        }
        let Some(record) = read_record(&entry.path()) else {
            continue;
        };
        if record.id != id || !process_exists(record.pid) {
            remove_session_files(dir, id);
            continue;
        }
        records.push(record);
    }
    records.sort_by(|a, b| a.started.cmp(&b.started).then(a.id.cmp(&b.id)));
    records
}

fn read_record(path: &Path) -> Option<Record> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_RECORD_BYTES || meta.uid() != current_uid() {
        return None;
    }
    Record::parse(&fs::read_to_string(path).ok()?)
}

/// `OpenOptions` with mode 0600.
trait PrivateMode {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateMode for fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}

/// Picks the session `attach` with no id means: the only detached one,
/// else the detached one heard from most recently (sessions that once had
/// a client first), else (all attached) the most recently active one. `None` when there are no sessions.
pub(crate) fn pick_default(records: &[Record]) -> Option<&Record> {
    let detached: Vec<&Record> = records.iter().filter(|r| !r.attached).collect();
    let pool: Vec<&Record> = if detached.is_empty() {
        records.iter().collect()
    } else {
        detached
    };
    // A session that never had a client is most likely a start that
    // failed to connect: one that had a client comes first.
    pool.into_iter()
        .max_by_key(|r| (r.last_heard > 0, r.last_heard.max(r.started), r.started))
}

/// A short human duration: `45s`, `12m`, `3h`, `2d`.
pub(crate) fn short_duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, pid: i32, started: u64, heard: u64, attached: bool) -> Record {
        Record {
            id: id.to_string(),
            pid,
            command: "bash -l".to_string(),
            started,
            port: 60001,
            last_heard: heard,
            attached,
            history_lines: 0,
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mosh-rs-registry-{name}-{}", new_id()));
        ensure_private_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn a_record_survives_text_and_rejects_bad_ids() {
        let r = record("ab12cd34", 42, 100, 150, true);
        assert_eq!(Record::parse(&r.to_text()), Some(r.clone()));
        let evil = r.to_text().replace("ab12cd34", "../x");
        assert_eq!(Record::parse(&evil), None);
        assert_eq!(Record::parse("id=abc\npid=nope\n"), None);
    }

    #[test]
    fn the_directory_is_private() {
        let dir = temp_dir("mode");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn dead_sessions_are_cleaned_up_and_live_ones_listed() {
        let dir = temp_dir("stale");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = child.id() as i32;
        child.wait().unwrap();
        write_record(&dir, &record("dead0001", dead_pid, 1, 0, false)).unwrap();
        fs::write(socket_path(&dir, "dead0001"), b"").unwrap();
        let me = record("live0001", current_pid(), 2, 0, false);
        write_record(&dir, &me).unwrap();
        assert_eq!(live_sessions(&dir), vec![me]);
        assert!(!record_path(&dir, "dead0001").exists());
        assert!(!socket_path(&dir, "dead0001").exists());
        let mode = fs::metadata(record_path(&dir, "live0001")).unwrap().mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_default_is_the_freshest_detached_session() {
        let a = record("a", 1, 10, 500, false);
        let b = record("b", 2, 20, 900, true);
        let c = record("c", 3, 30, 700, false);
        let all = [a.clone(), b.clone(), c];
        assert_eq!(pick_default(&all).map(|r| r.id.as_str()), Some("c"));
        assert_eq!(pick_default(&[a.clone(), b.clone()]).unwrap().id, "a");
        assert_eq!(pick_default(&[b]).unwrap().id, "b");
        assert_eq!(pick_default(&[]), None);
        let never_connected = record("n", 4, 2000, 0, false);
        assert_eq!(pick_default(&[a, never_connected]).unwrap().id, "a");
    }

    #[test]
    fn each_machine_sharing_a_home_keeps_its_own_registry() {
        let home = Path::new("/home/u");
        let a = home_registry_dir(home, "login1.cluster");
        let b = home_registry_dir(home, "login2.cluster");
        assert_ne!(a, b);
        assert_eq!(a, Path::new("/home/u/.local/state/mosh-rs/login1.cluster"));
        for hostile in ["", ".", "..", "a/../../b", "x\0y"] {
            let dir = home_registry_dir(home, hostile);
            assert_eq!(
                dir.parent(),
                Some(Path::new("/home/u/.local/state/mosh-rs"))
            );
            assert!(!dir.ends_with("..") && !dir.ends_with("."), "{dir:?}");
        }
    }

    #[test]
    fn commands_are_one_short_line() {
        assert_eq!(command_line(&["sh", "-c", "a\nb"]), "sh -c a b");
        assert_eq!(command_line(&["x".repeat(500)]).len(), MAX_COMMAND_CHARS);
        assert_eq!(short_duration(59), "59s");
        assert_eq!(short_duration(3599), "59m");
        assert_eq!(short_duration(7200), "2h");
        assert_eq!(short_duration(200_000), "2d");
    }
}
