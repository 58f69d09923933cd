//! A session's control socket: how `mosh-server attach`, `kill` and
//! friends talk to a running server.
//!
//! One request per connection, one line each way:
//! `attach` → `connect PORT KEY SCROLLBACK-LINES` (the key exists only in this reply and in
//! the server's memory), `kill` → `ok`; errors are `error TEXT`. Only the
//! session's own user may ask: the socket lives in a 0700 directory, is
//! itself 0600, and every connection's peer uid is checked.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::registry::{
    ensure_private_dir, registry_dir, remove_session_files, socket_path, unix_now, write_record,
    Record,
};
use crate::sys::peer_cred::peer_uid;
use crate::sys::process::{current_pid, current_uid};
use crate::transport::Millis;

/// The longest request or reply line accepted.
const MAX_LINE: usize = 512;
/// How long either side waits for the other's line.
const LINE_TIMEOUT: Duration = Duration::from_secs(5);
/// The same, in the session loop's milliseconds.
const LINE_TIMEOUT_MS: u64 = 5000;
/// Connections whose request is still being read, at most; more are
/// refused until one finishes or times out.
const MAX_WAITING: usize = 16;
/// Connections accepted per loop turn; the rest wait for the next turn.
const ACCEPTS_PER_TURN: usize = 64;
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
    /// Connections being read, by slot.
    waiting: Vec<Option<Waiting>>,
    /// The event loop's registry and the token of slot 0, once registered.
    watcher: Option<(Registry, Token)>,
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
            waiting: (0..MAX_WAITING).map(|_| None).collect(),
            watcher: None,
        })
    }

    #[cfg(test)]
    /// The session id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// Has the event loop watch the listening socket under `listener`
    /// and the connections being read under the `MAX_WAITING` tokens
    /// that follow it.
    pub(crate) fn register(&mut self, registry: &Registry, listener: Token) -> io::Result<()> {
        registry.register(
            &mut SourceFd(&self.listener.as_raw_fd()),
            listener,
            Interest::READABLE,
        )?;
        self.watcher = Some((registry.try_clone()?, listener));
        Ok(())
    }

    /// Whether `token` is the listener's or one of its connections'.
    pub(crate) fn owns(&self, token: Token) -> bool {
        self.watcher
            .as_ref()
            .is_some_and(|(_, listener)| (listener.0..=listener.0 + MAX_WAITING).contains(&token.0))
    }

    /// Takes the connections waiting and reads what their askers sent,
    /// never blocking: returns the complete requests. Connections from
    /// another user or with a bad request are answered with an error and
    /// closed; one silent past its deadline is closed. The second value
    /// says whether more connections may be waiting to be accepted.
    pub(crate) fn accept_requests(&mut self, now: Millis) -> (Vec<PendingRequest>, bool) {
        let more = self.accept_new(now);
        let mut pending = Vec::new();
        for slot in 0..MAX_WAITING {
            if let Some(request) = self.read_slot(slot, now) {
                pending.push(request);
            }
        }
        (pending, more)
    }

    /// When the loop must next look at the connections being read.
    pub(crate) fn next_deadline(&self) -> Option<Millis> {
        self.waiting.iter().flatten().map(|w| w.deadline).min()
    }

    /// Accepts up to `ACCEPTS_PER_TURN` connections into free slots;
    /// true if that many were taken (more may be queued).
    fn accept_new(&mut self, now: Millis) -> bool {
        for _ in 0..ACCEPTS_PER_TURN {
            let Ok((stream, _)) = self.listener.accept() else {
                return false;
            };
            let Some(slot) = self.waiting.iter().position(Option::is_none) else {
                refuse(stream, "error too many requests at once");
                continue;
            };
            let Some(waiting) = Waiting::start(stream, now) else {
                continue;
            };
            if let Some((registry, listener)) = &self.watcher {
                let token = Token(listener.0 + 1 + slot);
                let fd = waiting.stream.as_raw_fd();
                let watched = registry.register(&mut SourceFd(&fd), token, Interest::READABLE);
                if watched.is_err() {
                    continue;
                }
            }
            if let Some(free) = self.waiting.get_mut(slot) {
                *free = Some(waiting);
            }
        }
        true
    }

    /// Reads slot `slot`; its request once complete (the slot is then free).
    fn read_slot(&mut self, slot: usize, now: Millis) -> Option<PendingRequest> {
        let entry = self.waiting.get_mut(slot)?;
        let progress = entry.as_mut()?.read_available();
        let line = match progress {
            Progress::Pending if entry.as_ref()?.deadline > now => return None,
            Progress::Line(line) => Some(line),
            Progress::Pending | Progress::Failed => None,
        };
        let done = entry.take()?;
        if let Some((registry, _)) = &self.watcher {
            let _ = registry.deregister(&mut SourceFd(&done.stream.as_raw_fd()));
        }
        done.into_request(&line?)
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

/// A connection accepted whose request line has not arrived yet. It is
/// read without blocking whenever the loop turns, so a connection that
/// says nothing costs the session nothing but a slot until its deadline.
#[derive(Debug)]
struct Waiting {
    stream: UnixStream,
    line: Vec<u8>,
    deadline: Millis,
}

/// What reading a waiting connection came to.
enum Progress {
    /// The line (or all the peer sent before closing, or `MAX_LINE` bytes).
    Line(String),
    /// Nothing more to read yet.
    Pending,
    /// The connection failed.
    Failed,
}

impl Waiting {
    /// Checks who connected; another user gets an error and `None`.
    fn start(stream: UnixStream, now: Millis) -> Option<Waiting> {
        stream.set_nonblocking(true).ok()?;
        let same_user = peer_uid(stream.as_fd()).is_ok_and(|uid| uid == current_uid());
        if !same_user {
            refuse(stream, "error this session belongs to another user");
            return None;
        }
        Some(Waiting {
            stream,
            line: Vec::new(),
            deadline: now.saturating_add(LINE_TIMEOUT_MS),
        })
    }

    /// Reads what has arrived, never blocking.
    fn read_available(&mut self) -> Progress {
        let mut buf = [0u8; MAX_LINE];
        loop {
            let room = MAX_LINE.saturating_sub(self.line.len());
            if room == 0 || self.line.contains(&b'\n') {
                return Progress::Line(self.take_line());
            }
            match self.stream.read(buf.get_mut(..room).unwrap_or_default()) {
                Ok(0) => return Progress::Line(self.take_line()),
                Ok(n) => self
                    .line
                    .extend_from_slice(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Progress::Pending,
                Err(_) => return Progress::Failed,
            }
        }
    }

    fn take_line(&mut self) -> String {
        let end = self.line.iter().position(|&b| b == b'\n');
        let line = self.line.get(..end.unwrap_or(self.line.len()));
        String::from_utf8_lossy(line.unwrap_or_default()).into_owned()
    }

    /// The request, or `None` after telling the asker it made no sense.
    fn into_request(self, line: &str) -> Option<PendingRequest> {
        match Request::parse(line) {
            Some(request) => Some(PendingRequest {
                request,
                stream: self.stream,
            }),
            None => {
                refuse(self.stream, "error unknown request");
                None
            }
        }
    }
}

/// Sends an error line without waiting (the connection is new, so its
/// buffer has room) and closes the connection.
fn refuse(mut stream: UnixStream, line: &str) {
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(format!("{line}\n").as_bytes());
}

fn read_line(stream: &UnixStream) -> io::Result<String> {
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE as u64)).read_line(&mut line)?;
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
            let (mut got, _) = server.accept_requests(Millis(0));
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
    fn a_silent_connection_neither_blocks_the_loop_nor_later_requests() {
        let mut server = endpoint();
        let socket = socket_path(&server.dir, server.id());
        let silent = UnixStream::connect(&socket).unwrap();
        let started = std::time::Instant::now();
        let (got, _) = server.accept_requests(Millis(0));
        assert!(got.is_empty());
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "accepting a silent connection blocked for {:?}",
            started.elapsed()
        );
        assert_eq!(server.next_deadline(), Some(Millis(LINE_TIMEOUT_MS)));

        let mut asker = UnixStream::connect(&socket).unwrap();
        asker.write_all(b"kill\n").unwrap();
        let (mut got, _) = server.accept_requests(Millis(10));
        let pending = got.pop().expect("the second request was not read");
        assert_eq!(pending.request, Request::Kill);
        pending.answer("ok");
        assert_eq!(read_line(&asker).unwrap(), "ok\n");

        // Past its deadline the silent connection is closed.
        let (got, _) = server.accept_requests(Millis(LINE_TIMEOUT_MS + 1));
        assert!(got.is_empty());
        assert_eq!(server.next_deadline(), None);
        silent.set_read_timeout(Some(LINE_TIMEOUT)).unwrap();
        assert_eq!(read_line(&silent).unwrap(), "");
    }

    #[test]
    fn a_request_sent_in_pieces_is_read_when_complete() {
        let mut server = endpoint();
        let mut asker = UnixStream::connect(socket_path(&server.dir, server.id())).unwrap();
        asker.write_all(b"att").unwrap();
        assert!(server.accept_requests(Millis(0)).0.is_empty());
        asker.write_all(b"ach\n").unwrap();
        let (mut got, _) = server.accept_requests(Millis(1));
        assert_eq!(got.pop().map(|p| p.request), Some(Request::Attach));
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
