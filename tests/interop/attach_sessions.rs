//! Resuming sessions from a new client (issue 9), through real peers: a
//! counter started with our `mosh` through sshd keeps counting after its
//! client is SIGKILLed and `mosh --attach` resumes it in a new terminal
//! (same program, typing works); the same with upstream's Perl wrapper
//! and client through `--server='mosh-server attach'`; the notice a plain
//! `mosh host` prints; `list`/`kill --detached`; another user refused;
//! the old key useless after a rekey.
//!
//! Every test uses its own registry (`XDG_RUNTIME_DIR`), so parallel tests
//! never see each other's sessions; servers are killed by pid at the end.

use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH};
use crate::support::{peers, server, skip, sshd, tmux};

use std::cell::RefCell;
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::support::shell::sh_quote;
use peers::RecordingClient;
use sshd::{Sshd, TempUser};
use tmux::Tmux;

use mosh_rs::statesync::{CompleteTerminal, UserStream};
use mosh_rs::transport::{Millis, Transport};
use mosh_rs::wire::{Cipher, SessionKey};

/// Prints the program's pid, counts in the background and echoes typing.
const COUNTER: &str = "echo PROGRAM-PID=$$; \
     (i=0; while :; do i=$((i+1)); echo tick $i; sleep 1; done) & exec cat";

static DIRS: AtomicU32 = AtomicU32::new(0);

/// One test's private session registry, and the servers seen in it
/// (killed by pid when dropped).
struct Registry {
    runtime_dir: PathBuf,
    seen_pids: RefCell<Vec<i32>>,
}

/// A session as `mosh-server list --json` shows it.
#[derive(Debug, Clone)]
struct Listed {
    id: String,
    pid: i32,
    attached: bool,
    last_heard: u64,
    history_lines: u64,
}

impl Registry {
    fn new() -> Registry {
        let n = DIRS.fetch_add(1, Ordering::SeqCst);
        let runtime_dir =
            std::env::temp_dir().join(format!("mosh-rs-attach-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&runtime_dir);
        std::fs::create_dir_all(&runtime_dir).expect("registry dir");
        std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        Registry {
            runtime_dir,
            seen_pids: RefCell::new(Vec::new()),
        }
    }

    /// Our server under this registry, as a `--server=` command (the
    /// remote shell runs it as typed).
    fn server_command(&self, subcommand: &str) -> String {
        format!(
            "env XDG_RUNTIME_DIR={} MOSH_SERVER_NETWORK_TMOUT=300 {} {subcommand}",
            self.runtime_dir.display(),
            server::our_server().display()
        )
        .trim_end()
        .to_string()
    }

    /// Runs `mosh-server ARGS` here with this registry.
    fn run_server(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(server::our_server());
        cmd.args(args)
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("MOSH_SERVER_NETWORK_TMOUT", "120")
            .env("LANG", "C.UTF-8");
        let out = server::run_with_deadline(cmd, Duration::from_secs(20)).expect("mosh-server");
        if let Some(pid) = server::parse_detached_pid(&String::from_utf8_lossy(&out.stderr)) {
            self.seen_pids.borrow_mut().push(pid);
        }
        out
    }

    fn list(&self) -> Vec<Listed> {
        let out = self.run_server(&["list", "--json"]);
        assert!(out.status.success(), "list failed: {out:?}");
        let sessions = parse_json_list(&String::from_utf8_lossy(&out.stdout));
        self.seen_pids
            .borrow_mut()
            .extend(sessions.iter().map(|s| s.pid));
        sessions
    }

    /// Polls the list until `ready` accepts it; panics with it on timeout.
    fn wait_for(&self, what: &str, ready: impl Fn(&[Listed]) -> bool) -> Vec<Listed> {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            let sessions = self.list();
            if ready(&sessions) {
                return sessions;
            }
            assert!(Instant::now() < deadline, "{what}: {sessions:?}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        for &pid in self.seen_pids.borrow().iter().filter(|&&p| p > 1) {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}

/// Reads `list --json` output (flat objects, no nesting).
fn parse_json_list(text: &str) -> Vec<Listed> {
    let field = |object: &str, name: &str| -> Option<String> {
        let start = object.find(&format!("\"{name}\":"))? + name.len() + 3;
        let rest = &object[start..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim_matches('"').to_string())
    };
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split("},{")
        .filter(|o| o.contains("\"id\""))
        .map(|o| Listed {
            id: field(o, "id").expect("id"),
            pid: field(o, "pid").and_then(|p| p.parse().ok()).expect("pid"),
            attached: field(o, "attached").as_deref() == Some("true"),
            last_heard: field(o, "last_heard")
                .and_then(|p| p.parse().ok())
                .expect("last_heard"),
            history_lines: field(o, "history_lines")
                .and_then(|p| p.parse().ok())
                .expect("history_lines"),
        })
        .collect()
}

fn one_detached_with_a_past_client(sessions: &[Listed]) -> bool {
    sessions.iter().any(|s| !s.attached && s.last_heard > 0)
}

/// The pid after `PROGRAM-PID=` on a screen.
fn program_pid(screen: &str) -> Option<i32> {
    let rest = screen.split("PROGRAM-PID=").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// The highest `tick N` on a screen.
fn last_tick(screen: &str) -> u64 {
    screen
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tick ")?.trim().parse().ok())
        .max()
        .unwrap_or(0)
}

/// Every descendant of `pid`, children first found.
fn descendants(pid: i32) -> Vec<i32> {
    let parent_of = |p: i32| -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        let after_name = stat.rsplit_once(')')?.1;
        after_name.split_whitespace().nth(1)?.parse().ok()
    };
    let all: Vec<i32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|&&p| parent_of(p) == Some(parent)));
        i += 1;
    }
    found.remove(0);
    found
}

/// SIGKILLs the client in a tmux pane (the pane's process and everything
/// under it), the way a crash or a closed laptop loses it.
fn kill_client(term: &Tmux) {
    let pane = term.pane_pid().expect("pane pid");
    let mut victims = descendants(pane);
    victims.push(pane);
    for pid in victims {
        let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
    }
    assert!(
        term.wait_for_dead(Duration::from_secs(10)),
        "client still running"
    );
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Resumes in a fresh terminal with `words` and checks the same counter
/// is still counting past `tick_before` and typing reaches the program.
/// Returns the terminal (closing it ends the session).
fn resume_and_check(words: &[String], program: i32, tick_before: u64) -> Tmux {
    let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(words));
    let term = Tmux::start(80, 24, &command, &[]).expect("tmux");
    let counting_on = |s: &str| last_tick(s) > tick_before + 1;
    if let Err(screen) = term.wait_for(Duration::from_secs(30), counting_on) {
        panic!("no resumed counter after tick {tick_before}:\n{screen}");
    }
    assert!(alive(program), "the program {program} is gone");
    term.type_text("typed-after-attach");
    term.send_keys(&["Enter"]);
    let echoed = |s: &str| s.matches("typed-after-attach").count() >= 2;
    if let Err(screen) = term.wait_for(Duration::from_secs(20), echoed) {
        panic!("typing did not reach the program:\n{screen}");
    }
    term
}

/// Our `mosh` through `sshd` with a registry's server: its first three
/// words.
struct OurMosh {
    wrapper: String,
    server: String,
    ssh: String,
}

impl OurMosh {
    fn new(sshd: &Sshd, registry: &Registry) -> OurMosh {
        OurMosh {
            wrapper: server::our_links().join("mosh").display().to_string(),
            server: format!("--server={}", registry.server_command("")),
            ssh: format!("--ssh={}", sshd.ssh_command()),
        }
    }
}

/// `start` (the wrapper and its options) to root on loopback, running
/// `script` with `sh -c`.
fn our_mosh_words(start: &[&str], script: &str) -> Vec<String> {
    let mut words: Vec<String> = start.iter().map(|w| w.to_string()).collect();
    words.extend(["root@127.0.0.1", "--", "sh", "-c", script].map(String::from));
    words
}

#[test]
fn our_mosh_resumes_a_session_after_its_client_is_killed() {
    if skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let registry = Registry::new();
    let OurMosh {
        wrapper,
        server,
        ssh,
    } = OurMosh::new(&sshd, &registry);
    let words = our_mosh_words(&[&wrapper, &server, &ssh], COUNTER);
    let first = Tmux::start(80, 24, &sh_quote(&words), &[]).expect("tmux");
    let screen = first
        .wait_for(Duration::from_secs(30), |s| last_tick(s) >= 2)
        .unwrap_or_else(|s| panic!("no session:\n{s}"));
    let program = program_pid(&screen).expect("program pid on screen");
    let server_pid = registry.list().first().expect("registered").pid;

    kill_client(&first);
    let tick_before = last_tick(&first.capture());
    let sessions = registry.wait_for("detached", one_detached_with_a_past_client);
    assert_eq!(sessions.len(), 1);

    // A plain `mosh host` tells of the detached session, with the command.
    let client = RecordingClient::new(256);
    let out = Command::new(&wrapper)
        .args([
            format!("--client={}", client.path().display()),
            server.clone(),
            ssh.clone(),
            "root@127.0.0.1".into(),
        ])
        .output()
        .expect("mosh");
    let shown = String::from_utf8_lossy(&out.stdout);
    let expected = format!("mosh --attach={} root@127.0.0.1", sessions[0].id);
    assert!(
        shown.contains(&expected) && shown.contains("1 detached"),
        "no notice in: {shown}"
    );
    // That start left a second, never-connected session; `--attach`
    // without an id still picks the one that had a client.
    registry.wait_for("second session", |s| s.len() == 2);

    let mut resume = vec![wrapper, "--attach".into(), server, ssh];
    resume.push("root@127.0.0.1".into());
    let _second = resume_and_check(&resume, program, tick_before);
    let now = registry.list();
    let resumed = now
        .iter()
        .find(|s| s.pid == server_pid)
        .unwrap_or_else(|| panic!("server {server_pid} not in {now:?}"));
    assert!(resumed.attached, "{now:?}");
}

/// Native scrollback (issue 17): `list` counts a detached session's
/// history lines, and `mosh --attach` in a new pane puts them into that
/// pane's own scrollback, in order and once.
#[test]
fn a_new_client_gets_the_sessions_scrollback() {
    if skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let registry = Registry::new();
    let OurMosh {
        wrapper,
        server,
        ssh,
    } = OurMosh::new(&sshd, &registry);
    let words = our_mosh_words(&[&wrapper, &server, &ssh], "seq 1 300; exec cat");
    let first = Tmux::start_with_history(80, 24, &sh_quote(&words), &[], 10_000).expect("tmux");
    first
        .wait_for(Duration::from_secs(30), |s| {
            s.lines().any(|l| l.trim() == "300")
        })
        .unwrap_or_else(|s| panic!("no session:\n{s}"));
    kill_client(&first);
    // The screen holds 278..=300 and the cursor's row: 1..=277 left it.
    let sessions = registry.wait_for("detached with history", |s| {
        s.iter().any(|s| !s.attached && s.history_lines == 277)
    });
    assert_eq!(sessions.len(), 1);

    let mut resume = vec![wrapper, "--attach".into(), server, ssh];
    resume.push("root@127.0.0.1".into());
    let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(&resume));
    let second = Tmux::start_with_history(80, 24, &command, &[], 10_000).expect("tmux");
    let numbers =
        |text: &str| -> Vec<u64> { text.lines().filter_map(|l| l.trim().parse().ok()).collect() };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut everything = String::new();
    while Instant::now() < deadline {
        everything = second.capture_flags(&["-J", "-S", "-"]);
        if numbers(&everything).len() >= 300 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let expected: Vec<u64> = (1..=300).collect();
    assert_eq!(
        numbers(&everything),
        expected,
        "the new pane:\n{everything}"
    );
}

#[test]
fn stock_wrapper_and_client_resume_through_server_attach() {
    if skip::missing(&[STOCK_CLIENT, STOCK_MOSH]) || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let registry = Registry::new();
    let ssh = format!("--ssh={}", sshd.ssh_command());
    let client = format!("--client={STOCK_CLIENT}");
    let mut words = vec![
        STOCK_MOSH.to_string(),
        client.clone(),
        format!("--server={}", registry.server_command("")),
        ssh.clone(),
    ];
    words.extend(["root@127.0.0.1", "--", "sh", "-c", COUNTER].map(String::from));
    let first = Tmux::start(80, 24, &sh_quote(&words), &[]).expect("tmux");
    let screen = first
        .wait_for(Duration::from_secs(30), |s| last_tick(s) >= 2)
        .unwrap_or_else(|s| panic!("no session:\n{s}"));
    let program = program_pid(&screen).expect("program pid on screen");
    registry.list();
    kill_client(&first);
    let tick_before = last_tick(&first.capture());
    registry.wait_for("detached", one_detached_with_a_past_client);

    let resume = vec![
        STOCK_MOSH.to_string(),
        client,
        format!("--server={}", registry.server_command("attach")),
        ssh,
        "root@127.0.0.1".into(),
    ];
    let _second = resume_and_check(&resume, program, tick_before);
}

#[test]
fn list_shows_sessions_and_kill_detached_ends_them() {
    let registry = Registry::new();
    let out = registry.run_server(&["new", "-i", "127.0.0.1", "--", "sh", "-c", "sleep 600"]);
    assert!(out.status.success(), "{out:?}");
    let sessions = registry.wait_for("registered", |s| s.len() == 1);
    let session = sessions[0].clone();
    assert!(!session.attached);

    let table = registry.run_server(&["list"]);
    let table = String::from_utf8_lossy(&table.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with(&session.id))
        .unwrap_or_else(|| panic!("no row for {}: {table}", session.id));
    assert!(
        row.contains("detached") && row.contains("sleep 600"),
        "{row}"
    );

    let spared = registry.run_server(&["kill", "--detached", "--older-than", "1h"]);
    assert!(spared.status.success());
    assert!(alive(session.pid), "a fresh session was killed");

    let killed = registry.run_server(&["kill", "--detached"]);
    let said = String::from_utf8_lossy(&killed.stdout);
    assert!(killed.status.success(), "{killed:?}");
    assert!(
        said.contains(&format!("ended session {}", session.id)),
        "{said}"
    );
    assert!(!alive(session.pid), "the session is still running");
    assert!(registry.list().is_empty());
    assert_eq!(
        std::fs::read_dir(registry.runtime_dir.join("mosh-rs"))
            .unwrap()
            .count(),
        0,
        "files left behind"
    );

    let none = registry.run_server(&["attach"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stdout).is_empty());
}

#[test]
fn another_user_cannot_attach() {
    if mosh_rs::sys::process::current_uid() != 0 {
        skip::skip("needs root to act as a second user");
        return;
    }
    let Some(other) = TempUser::create("/bin/sh") else {
        return;
    };
    let registry = Registry::new();
    let out = registry.run_server(&["new", "-i", "127.0.0.1", "--", "sh", "-c", "sleep 600"]);
    assert!(out.status.success(), "{out:?}");
    let session = registry.wait_for("registered", |s| s.len() == 1)[0].clone();
    let binary = server::our_binary();
    let attach_as_other = || {
        Command::new(&binary)
            .args(["server", "attach", &session.id])
            .env("XDG_RUNTIME_DIR", &registry.runtime_dir)
            .env("HOME", &other.home)
            .uid(other.uid)
            .output()
            .expect("attach as another user")
    };
    let refused = attach_as_other();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("MOSH CONNECT"));

    // Even with the directory and socket opened up, the session checks
    // who is asking.
    let dir = registry.runtime_dir.join("mosh-rs");
    let socket = dir.join(format!("{}.sock", session.id));
    for (path, mode) in [
        (&registry.runtime_dir, 0o711),
        (&dir, 0o711),
        (&socket, 0o777),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    if skip::missing(&["/usr/bin/python3"]) {
        return;
    }
    let script = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(10)\n\
                  s.connect(sys.argv[1])\ntry:\n    s.sendall(b'attach\\n')\nexcept OSError:\n    pass\n\
                  print(s.recv(200).decode(), end='')";
    let asked = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .arg(&socket)
        .uid(other.uid)
        .output()
        .expect("python3");
    let reply = String::from_utf8_lossy(&asked.stdout);
    assert!(
        reply.starts_with("error") && reply.contains("another user"),
        "reply to another user: {reply:?} {asked:?}"
    );
    assert!(!reply.contains("connect"));
    assert!(alive(session.pid));
}

/// A client end driven by hand: the library's transport on a UDP socket.
struct HandClient {
    transport: Transport<UserStream, CompleteTerminal>,
    socket: UdpSocket,
    start: Instant,
    received: Vec<Vec<u8>>,
}

impl HandClient {
    fn new(key: &SessionKey, port: u16) -> HandClient {
        let server: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(10)))
            .unwrap();
        let mut input = UserStream::new();
        input.push_resize(80, 24);
        let transport = Transport::new_client(
            key,
            server,
            input,
            CompleteTerminal::new(80, 24),
            Millis(0),
            7,
        );
        HandClient {
            transport,
            socket,
            start: Instant::now(),
            received: Vec::new(),
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn type_keys(&mut self, keys: &[u8]) {
        self.transport.current_state_mut().push_keys(keys);
    }

    /// Runs the client for `duration`.
    fn run_for(&mut self, duration: Duration) {
        let until = Instant::now() + duration;
        let mut buf = [0u8; 4096];
        while Instant::now() < until {
            let now = self.now();
            while let Some((to, datagram)) = self.transport.poll_transmit(Millis(now)) {
                let _ = self.socket.send_to(&datagram, to);
            }
            if let Ok((n, from)) = self.socket.recv_from(&mut buf) {
                self.received.push(buf[..n].to_vec());
                let _ = self
                    .transport
                    .handle_datagram(&buf[..n], from, Millis(self.now()));
            }
        }
    }

    fn screen(&self) -> String {
        self.transport.remote_state().framebuffer().text()
    }

    /// Runs until the screen contains `text`; false after `timeout`.
    fn run_until(&mut self, text: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            self.run_for(Duration::from_millis(50));
            if self.screen().contains(text) {
                return true;
            }
        }
        false
    }
}

#[test]
fn after_a_rekey_the_old_key_is_useless() {
    let registry = Registry::new();
    let script = "while read line; do echo \"got:$line\"; done";
    let out = registry.run_server(&["new", "-i", "127.0.0.1", "--", "sh", "-c", script]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (port, old_key) = server::parse_connect(&text).expect("MOSH CONNECT");
    let old_key = SessionKey::parse(&old_key).unwrap();
    let mut old = HandClient::new(&old_key, port);
    old.type_keys(b"before\r");
    assert!(
        old.run_until("got:before", Duration::from_secs(20)),
        "old client never worked:\n{}",
        old.screen()
    );

    let attach = registry.run_server(&["attach"]);
    let text = String::from_utf8_lossy(&attach.stdout).into_owned();
    let (new_port, new_key) = server::parse_connect(&text).expect("attach's MOSH CONNECT");
    assert_eq!(new_port, port);
    let new_key = SessionKey::parse(&new_key).unwrap();
    assert_ne!(new_key.bytes(), old_key.bytes());

    let mut new = HandClient::new(&new_key, port);
    assert!(
        new.run_until("got:before", Duration::from_secs(20)),
        "the new client did not get the screen:\n{}",
        new.screen()
    );
    old.type_keys(b"from-old-key\r");
    old.run_for(Duration::from_millis(500));
    new.type_keys(b"from-new-key\r");
    assert!(
        new.run_until("got:from-new-key", Duration::from_secs(20)),
        "typing on the new key failed:\n{}",
        new.screen()
    );
    old.run_for(Duration::from_millis(300));
    assert!(
        !new.screen().contains("got:from-old-key"),
        "the old key still reaches the program:\n{}",
        new.screen()
    );
    assert!(
        old.screen().contains("attached from another client"),
        "the old client was not told:\n{}",
        old.screen()
    );
    let old_cipher = Cipher::new(&old_key);
    let new_cipher = Cipher::new(&new_key);
    assert!(!new.received.is_empty());
    for datagram in &new.received {
        assert!(new_cipher.open(datagram).is_ok());
        assert!(
            old_cipher.open(datagram).is_err(),
            "the old key decrypts the new client's traffic"
        );
    }
}

#[test]
fn kill_tells_a_connected_client_the_session_is_over() {
    let registry = Registry::new();
    let script = "while read line; do echo \"got:$line\"; done";
    let out = registry.run_server(&["new", "-i", "127.0.0.1", "--", "sh", "-c", script]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (port, key) = server::parse_connect(&text).expect("MOSH CONNECT");
    let mut client = HandClient::new(&SessionKey::parse(&key).unwrap(), port);
    client.type_keys(b"hello\r");
    assert!(client.run_until("got:hello", Duration::from_secs(20)));
    let session = registry.wait_for("attached", |s| s.len() == 1 && s[0].attached)[0].clone();

    let runtime_dir = registry.runtime_dir.clone();
    let id = session.id.clone();
    let killer = std::thread::spawn(move || {
        let mut cmd = Command::new(server::our_server());
        cmd.args(["kill", &id]).env("XDG_RUNTIME_DIR", runtime_dir);
        server::run_with_deadline(cmd, Duration::from_secs(20)).expect("kill")
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    while !client.transport.counterparty_shutdown_ack_sent() {
        if Instant::now() >= deadline {
            let killed = killer.join().unwrap();
            panic!(
                "the client was not told; kill said {killed:?}; state {}",
                client.transport.remote_state_num()
            );
        }
        client.run_for(Duration::from_millis(50));
    }
    client.run_for(Duration::from_millis(200));
    let killed = killer.join().unwrap();
    let said = String::from_utf8_lossy(&killed.stdout);
    assert!(killed.status.success(), "{killed:?}");
    assert!(
        said.contains(&format!("ended session {}", session.id)),
        "{said}"
    );
    assert!(!alive(session.pid));
}

/// `attach` offers scrollback only when the session keeps history: a
/// session started with `-b 0` must not have a new client draw on the
/// primary screen for lines that will never come.
#[test]
fn attach_offers_scrollback_only_for_a_session_that_keeps_it() {
    let registry = Registry::new();
    for (lines, offered) in [("0", false), ("500", true)] {
        let new =
            registry.run_server(&["new", "-i", "127.0.0.1", "-b", lines, "--", "sleep", "600"]);
        let text = String::from_utf8_lossy(&new.stdout).into_owned();
        assert_eq!(
            text.contains("scrollback"),
            offered,
            "new -b {lines}: {text}"
        );
        let attach = registry.run_server(&["attach"]);
        let text = String::from_utf8_lossy(&attach.stdout).into_owned();
        assert!(text.contains("MOSH CONNECT"), "attach: {attach:?}");
        let features = text.lines().find(|l| l.starts_with("MOSH-RS FEATURES"));
        assert_eq!(
            features.is_some_and(|l| l.split_whitespace().any(|w| w == "scrollback")),
            offered,
            "attach to -b {lines}: {text}"
        );
        for session in registry.list() {
            let killed = registry.run_server(&["kill", &session.id]);
            assert!(killed.status.success(), "kill: {killed:?}");
        }
        registry.wait_for("the session gone", |s| s.is_empty());
    }
}

#[test]
fn a_silent_control_connection_does_not_freeze_the_session() {
    let registry = Registry::new();
    let script = "while read line; do echo \"got:$line\"; done";
    let out = registry.run_server(&["new", "-i", "127.0.0.1", "--", "sh", "-c", script]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (port, key) = server::parse_connect(&text).expect("MOSH CONNECT");
    let session = registry.wait_for("registered", |s| s.len() == 1)[0].clone();
    let client = server::our_links().join("mosh-client");
    let command = format!(
        "MOSH_KEY={key} exec {} 127.0.0.1 {port}",
        sh_quote(&[client.to_string_lossy().into_owned()])
    );
    let term = Tmux::start(80, 24, &command, &[]).expect("tmux");
    term.type_text("before");
    term.send_keys(&["Enter"]);
    term.wait_for_text("got:before", Duration::from_secs(20))
        .unwrap_or_else(|s| panic!("typing never worked:\n{s}"));

    // Same-user connections that never say anything, held open.
    let socket = registry
        .runtime_dir
        .join("mosh-rs")
        .join(format!("{}.sock", session.id));
    let silent: Vec<std::os::unix::net::UnixStream> = (0..3)
        .map(|_| std::os::unix::net::UnixStream::connect(&socket).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let typed = Instant::now();
    term.type_text("while-silent");
    term.send_keys(&["Enter"]);
    term.wait_for_text("got:while-silent", Duration::from_secs(2))
        .unwrap_or_else(|s| {
            panic!(
                "the session froze while control connections stayed silent ({:?}):\n{s}",
                typed.elapsed()
            )
        });
    // A real request is still answered while they are held.
    let listed = registry.run_server(&["kill", &session.id]);
    assert!(listed.status.success(), "kill while silent: {listed:?}");
    drop(silent);
}

/// Runs our `mosh-server ARGS` as if on machine `host`: its own host name
/// (a UTS namespace), `home` as `HOME` and no `XDG_RUNTIME_DIR`, as on a
/// cluster's login node; with `own_pids`, in its own pid namespace too,
/// where another machine's pids do not exist.
fn server_on_machine(host: &str, home: &Path, own_pids: bool, args: &[&str]) -> Output {
    let mut cmd = Command::new("/usr/bin/unshare");
    cmd.arg("--uts");
    if own_pids {
        cmd.args(["--pid", "--fork"]);
    }
    cmd.args(["/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", host])
        .arg(server::our_server())
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_RUNTIME_DIR")
        .env("MOSH_SERVER_NETWORK_TMOUT", "120")
        .env("LANG", "C.UTF-8");
    server::run_with_deadline(cmd, Duration::from_secs(20)).expect("mosh-server")
}

#[test]
fn a_server_on_another_machine_sharing_the_home_leaves_its_sessions_alone() {
    if mosh_rs::sys::process::current_uid() != 0 {
        skip::skip("needs root for namespaces that stand in for another machine");
        return;
    }
    if skip::missing(&["/usr/bin/unshare"]) {
        return;
    }
    let home = crate::support::scratch::Scratch::new("shared-home");
    let started = server_on_machine(
        "login-a",
        home.path(),
        false,
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", "sleep 600"],
    );
    let server_pid = server::parse_detached_pid(&String::from_utf8_lossy(&started.stderr))
        .unwrap_or_else(|| panic!("no server on login-a: {started:?}"));
    let _server = server::DetachedServer {
        port: 0,
        key: String::new(),
        pid: server_pid,
        output: started,
    };
    let list_on = |host: &str, own_pids: bool| {
        let out = server_on_machine(host, home.path(), own_pids, &["list", "--json"]);
        assert!(out.status.success(), "list on {host}: {out:?}");
        parse_json_list(&String::from_utf8_lossy(&out.stdout))
    };
    let on_a = list_on("login-a", false);
    assert_eq!(on_a.len(), 1, "{on_a:?}");

    let on_b = list_on("login-b", true);
    assert!(on_b.is_empty(), "login-b lists login-a's session: {on_b:?}");

    let still_on_a = list_on("login-a", false);
    assert_eq!(
        still_on_a.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&on_a[0].id],
        "login-b's server removed login-a's live session"
    );
}
