//! A session's control socket: how `mosh-server attach`, `kill` and
//! friends talk to a running server.
//!
//! One request per connection, one line each way:
//! `attach` → `connect PORT KEY SCROLLBACK-LINES` (the key exists only in this reply and in
//! the server's memory), `kill` → `ok`; errors are `error TEXT`. Only the
//! session's own user may ask: the socket lives in a 0700 directory, is
//! itself 0600, and every connection's peer uid is checked.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::registry::{
    ensure_private_dir, registry_dir, remove_session_files, socket_path, unix_now, write_record,
    Record,
};
use crate::sys::peer_cred::peer_uid;
use crate::sys::process::{current_pid, current_uid};

/// The longest request or reply line accepted.
const MAX_LINE: u64 = 512;
/// How long either side waits for the other's line.
const LINE_TIMEOUT: Duration = Duration::from_secs(5);
/// A session counts as detached after this long without its client (ms).
pub(crate) const ATTACHED_SILENCE_MS: u64 = 10_000;
/// `last_heard` is rewritten at most this often while nothing else changes (s).
const HEARD_REWRITE_SECONDS: u64 = 30;

/// What a client of the control socket asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Rekey and take a new client.
    Attach,
    /// End the session cleanly.
    Kill,
}

impl Request {
    fn parse(line: &str) -> Option<Request> {
        match line.trim_end() {
            "attach" => Some(Request::Attach),
            "kill" => Some(Request::Kill),
            _ => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Request::Attach => "attach",
            Request::Kill => "kill",
        }
    }
}

/// A request waiting for the session's answer.
#[derive(Debug)]
pub(crate) struct PendingRequest {
    /// What was asked.
    pub request: Request,
    stream: UnixStream,
}

impl PendingRequest {
    /// Sends the answer line (best effort: the asker may be gone).
    pub fn answer(mut self, line: &str) {
        let _ = self.stream.write_all(format!("{line}\n").as_bytes());
    }
}

/// The session's registration: its record and control socket, removed
/// again when dropped.
#[derive(Debug)]
pub(crate) struct ControlEndpoint {
    dir: PathBuf,
    listener: UnixListener,
    record: Record,
    written: Record,
}

impl ControlEndpoint {
    /// Registers the session running `command` on UDP `port`.
    pub fn open(port: u16, command: String) -> io::Result<ControlEndpoint> {
        let dir = registry_dir()?;
        ensure_private_dir(&dir)?;
        let record = Record {
            id: super::registry::new_id(),
            pid: current_pid(),
            command,
            started: unix_now(),
            port,
            last_heard: 0,
            attached: false,
            history_lines: 0,
        };
        Self::open_in(dir, record)
    }

    fn open_in(dir: PathBuf, record: Record) -> io::Result<ControlEndpoint> {
        let path = socket_path(&dir, &record.id);
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        listener.set_nonblocking(true)?;
        write_record(&dir, &record)?;
        Ok(ControlEndpoint {
            dir,
            listener,
            written: record.clone(),
            record,
        })
    }

    #[cfg(test)]
    /// The session id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The listening socket, for the event loop to watch.
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.listener.as_raw_fd()
    }

    /// Takes every connection waiting; those from another user or with a
    /// bad request are answered with an error and closed.
    pub(crate) fn accept_requests(&mut self) -> Vec<PendingRequest> {
        let mut pending = Vec::new();
        for _ in 0..16 {
            let Ok((stream, _)) = self.listener.accept() else {
                break;
            };
            if let Some(request) = read_request(stream) {
                pending.push(request);
            }
        }
        pending
    }

    /// Records whether a client is attached, when one was last heard
    /// (seconds since the epoch) and how many history lines the session
    /// holds; rewrites the record when that matters (the count goes along
    /// when the rest is written).
    pub(crate) fn update(&mut self, attached: bool, last_heard: u64, history_lines: u64) {
        self.record.history_lines = history_lines;
        self.record.attached = attached;
        self.record.last_heard = self.record.last_heard.max(last_heard);
        let stale = self
            .record
            .last_heard
            .saturating_sub(self.written.last_heard)
            >= HEARD_REWRITE_SECONDS;
        let changed = self.record.attached != self.written.attached || stale;
        if changed && write_record(&self.dir, &self.record).is_ok() {
            self.written = self.record.clone();
        }
    }
}

impl Drop for ControlEndpoint {
    fn drop(&mut self) {
        if self.record.pid == current_pid() {
            remove_session_files(&self.dir, &self.record.id);
        }
    }
}

/// Reads one request line from a new connection after checking who sent it.
fn read_request(stream: UnixStream) -> Option<PendingRequest> {
    let mut stream = stream;
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(LINE_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(LINE_TIMEOUT)).ok()?;
    let same_user = peer_uid(stream.as_fd()).is_ok_and(|uid| uid == current_uid());
    if !same_user {
        let _ = stream.write_all(b"error this session belongs to another user\n");
        return None;
    }
    let line = read_line(&stream).ok()?;
    match Request::parse(&line) {
        Some(request) => Some(PendingRequest { request, stream }),
        None => {
            let _ = stream.write_all(b"error unknown request\n");
            None
        }
    }
}

fn read_line(stream: &UnixStream) -> io::Result<String> {
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE)).read_line(&mut line)?;
    Ok(line)
}

/// Sends `request` to the session `id` in `dir`; returns its reply line.
pub(crate) fn ask(dir: &Path, id: &str, request: Request) -> io::Result<String> {
    let mut stream = UnixStream::connect(socket_path(dir, id))?;
    stream.set_read_timeout(Some(LINE_TIMEOUT))?;
    stream.set_write_timeout(Some(LINE_TIMEOUT))?;
    stream.write_all(format!("{}\n", request.word()).as_bytes())?;
    let line = read_line(&stream)?;
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the session closed the connection without answering",
        ));
    }
    Ok(line.trim_end().to_string())
}

/// A session's answer to `attach`.
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectReply {
    pub port: u16,
    pub key: String,
    /// How many lines of scrollback the session keeps; `None` from a
    /// session started before it said so.
    pub scrollback_lines: Option<u64>,
}

/// A `connect PORT KEY [SCROLLBACK-LINES]` reply split up.
pub fn parse_connect(reply: &str) -> Option<ConnectReply> {
    let mut words = reply.split_ascii_whitespace();
    if words.next()? != "connect" {
        return None;
    }
    let port = words.next()?.parse().ok()?;
    let key = words.next()?.to_string();
    let scrollback_lines = match words.next() {
        Some(lines) => Some(lines.parse().ok()?),
        None => None,
    };
    words.next().is_none().then_some(ConnectReply {
        port,
        key,
        scrollback_lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::registry::{live_sessions, new_id, record_path};

    fn endpoint() -> ControlEndpoint {
        let dir = std::env::temp_dir().join(format!("mosh-rs-control-{}", new_id()));
        ensure_private_dir(&dir).unwrap();
        let record = Record {
            id: new_id(),
            pid: current_pid(),
            command: "sh".into(),
            started: unix_now(),
            port: 60001,
            last_heard: 0,
            attached: false,
            history_lines: 0,
        };
        ControlEndpoint::open_in(dir, record).unwrap()
    }

    #[test]
    fn a_request_is_read_and_answered() {
        let mut server = endpoint();
        let (dir, id) = (server.dir.clone(), server.id().to_string());
        let asker = std::thread::spawn(move || ask(&dir, &id, Request::Attach).unwrap());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let pending = loop {
            let mut got = server.accept_requests();
            if let Some(p) = got.pop() {
                break p;
            }
            assert!(std::time::Instant::now() < deadline, "no request arrived");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(pending.request, Request::Attach);
        pending.answer("connect 60001 AAAAAAAAAAAAAAAAAAAAAA");
        let reply = asker.join().unwrap();
        assert_eq!(
            parse_connect(&reply),
            Some(ConnectReply {
                port: 60001,
                key: "AAAAAAAAAAAAAAAAAAAAAA".to_string(),
                scrollback_lines: None,
            })
        );
        let text = std::fs::read_to_string(record_path(&server.dir, server.id())).unwrap();
        assert!(!text.contains("AAAAAAAAAAAAAAAAAAAAAA"));
    }

    #[test]
    fn the_record_follows_attachment_and_files_go_on_drop() {
        let mut server = endpoint();
        let dir = server.dir.clone();
        server.update(true, unix_now(), 0);
        assert!(live_sessions(&dir)[0].attached);
        server.update(false, unix_now(), 0);
        assert!(!live_sessions(&dir)[0].attached);
        let mode = std::fs::metadata(socket_path(&dir, server.id()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(server);
        assert!(live_sessions(&dir).is_empty());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn replies_other_than_connect_do_not_parse() {
        assert_eq!(parse_connect("error no"), None);
        assert_eq!(parse_connect("connect x KEY"), None);
        assert_eq!(parse_connect("connect 1 KEY extra"), None);
        assert_eq!(parse_connect("connect 1 KEY 5 extra"), None);
        let reply = parse_connect("connect 1 KEY 0").unwrap();
        assert_eq!(reply.scrollback_lines, Some(0));
    }
}
