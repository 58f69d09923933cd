//! The ssh carrier for a user who logs in with a password (as on many
//! clusters): with `--transport=ssh`, the password is typed once, at the
//! start, and the carrier goes through the bootstrap's connection (kept
//! as a ControlMaster); a carrier killed later comes back through it
//! without a prompt. When no master is left and ssh needs the password
//! again, the bar says so, and the escape key followed by `l` runs ssh in
//! the terminal; after the login the same session carries on.
//!
//! sshd accepts passwords here; the remote login is a temporary user with
//! one, and ssh is told not to use keys. The client's master socket goes
//! into a scratch directory (`TMPDIR`), where the test finds it.

use crate::support::{peers, scratch, server, sshd, tmux};

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use peers::LoggedServer;
use scratch::Scratch;
use sshd::{Sshd, TempUser};
use tmux::Tmux;

const PASSWORD: &str = "carrier-Pw-42";

/// A `--transport=ssh` session in tmux for a password user.
struct PasswordSession {
    term: Tmux,
    sshd: Sshd,
    _user: TempUser,
    _server: LoggedServer,
    dir: Scratch,
    server_pid: i32,
}

impl PasswordSession {
    /// Starts the session and types the password once; `None` when the
    /// machine cannot run sshd.
    fn start() -> Option<PasswordSession> {
        let sshd = Sshd::start_with_passwords()?;
        let user = TempUser::create("/bin/sh")?;
        user.set_password(PASSWORD);
        let server = LoggedServer::new(&server::our_server());
        let dir = Scratch::new("carrier-login");
        let words = [
            server::our_links().join("mosh").display().to_string(),
            "--transport=ssh".to_string(),
            format!("--server={}", server.command()),
            format!("--ssh={}", sshd.password_ssh_command()),
            format!("{}@127.0.0.1", user.name),
            "--".to_string(),
            "/bin/sh".to_string(),
            "-c".to_string(),
            "echo SERVER-PID=$PPID; exec /bin/sh".to_string(),
        ];
        let command = format!(
            "{}; echo MOSH-EXIT=$?; sleep 60",
            crate::support::shell::sh_quote(&words)
        );
        let tmp = dir.path().display().to_string();
        let log = dir.join("client.log").display().to_string();
        let env = [
            ("TMPDIR", tmp.as_str()),
            ("XDG_RUNTIME_DIR", tmp.as_str()),
            ("MOSH_LOG", log.as_str()),
        ];
        let term = Tmux::start(100, 24, &command, &env).expect("tmux");
        type_password(&term, "");
        let screen = term
            .wait_for(Duration::from_secs(30), |s| {
                s.lines()
                    .skip_while(|l| !l.starts_with("SERVER-PID="))
                    .nth(1)
                    .is_some_and(|l| l.trim_start().starts_with('$'))
            })
            .unwrap_or_else(|s| panic!("no session after the password:\n{s}"));
        let server_pid = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("SERVER-PID=")?.parse().ok())
            .unwrap_or_else(|| panic!("no server pid:\n{screen}"));
        Some(PasswordSession {
            term,
            sshd,
            _user: user,
            _server: server,
            dir,
            server_pid,
        })
    }

    /// Types a command that prints `word` once and waits for it.
    fn check_typing(&self, word: &str) {
        self.term.type_text(&format!("echo {word}-$((6*7))"));
        self.term.send_keys(&["Enter"]);
        let answer = format!("{word}-42");
        if let Err(screen) = self.term.wait_for_text(&answer, Duration::from_secs(30)) {
            panic!("typing did not work:\n{screen}\nlog:\n{}", self.log());
        }
    }

    /// Checks that the shell still runs under the first server (the top
    /// row, where the pid was printed, may be under the bar).
    fn check_same_server(&self) {
        self.term.type_text("echo parent-$PPID");
        self.term.send_keys(&["Enter"]);
        let wanted = format!("parent-{}", self.server_pid);
        if let Err(screen) = self.term.wait_for_text(&wanted, Duration::from_secs(30)) {
            panic!(
                "not the same session (server {}):\n{screen}",
                self.server_pid
            );
        }
    }

    /// The session's own ControlMaster socket.
    fn master_socket(&self) -> PathBuf {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("master"))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no master socket in {}", self.dir.path().display()))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("client.log")).unwrap_or_default()
    }

    /// The client's carrier ssh (a descendant of the pane running ssh in
    /// batch mode).
    fn carrier_ssh_pid(&self) -> Option<i32> {
        let pane = self.term.pane_pid()?;
        descendants(pane).into_iter().find(|&pid| {
            let argv = cmdline(pid);
            argv.first().is_some_and(|a| a == "ssh") && argv.iter().any(|a| a == "BatchMode=yes")
        })
    }
}

/// Waits for ssh's password prompt below `after` (a line on the screen
/// before it; empty for anywhere) and answers it.
fn type_password(term: &Tmux, after: &str) {
    let prompted = |screen: &str| {
        screen
            .find(after)
            .is_some_and(|at| screen[at..].contains("password:"))
    };
    if let Err(screen) = term.wait_for(Duration::from_secs(30), prompted) {
        panic!("no password prompt:\n{screen}");
    }
    term.type_text(PASSWORD);
    term.send_keys(&["Enter"]);
}

fn cmdline(pid: i32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|&b| b == 0)
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn parent_of(pid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("PPid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Every process below `root`.
fn descendants(root: i32) -> Vec<i32> {
    let pids: Vec<i32> = std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.into_iter()
        .filter(|&pid| {
            let mut at = pid;
            for _ in 0..32 {
                match parent_of(at) {
                    Some(parent) if parent == root => return true,
                    Some(parent) if parent > 1 => at = parent,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// Waits until `condition` holds, up to `timeout`.
fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn a_password_is_typed_once_for_the_session_and_its_carriers() {
    let Some(session) = PasswordSession::start() else {
        return;
    };
    session.check_typing("first");
    assert_eq!(session.sshd.password_logins(), 1, "{}", session.sshd.log());

    // The carrier's ssh goes; the next one goes through the master.
    let carrier = session.carrier_ssh_pid().expect("a carrier ssh");
    mosh_rs::sys::process::kill(carrier, libc::SIGKILL).unwrap();
    session.term.type_text("echo gap-$((2*21))");
    session.term.send_keys(&["Enter"]);
    let screen = session
        .term
        .wait_for(Duration::from_secs(30), |s| s.contains("gap-42"))
        .unwrap_or_else(|s| panic!("no reconnect:\n{s}\n{}", session.log()));
    assert_eq!(screen.matches("gap-42").count(), 1, "{screen}");
    assert!(session.log().contains("reconnecting over ssh"));
    assert!(!screen.contains("password:"), "no second prompt:\n{screen}");
    assert_eq!(session.sshd.password_logins(), 1, "{}", session.sshd.log());
    session.check_same_server();
}

#[test]
fn a_reconnect_that_needs_a_password_offers_a_login_on_the_escape_key() {
    let Some(session) = PasswordSession::start() else {
        return;
    };
    session.check_typing("first");

    // The master goes (as when its network went); the carrier with it.
    let socket = session.master_socket();
    let stopped = Command::new("ssh")
        .arg("-o")
        .arg(format!("ControlPath={}", socket.display()))
        .args(["-O", "exit", "host"])
        .output()
        .expect("ssh -O exit");
    assert!(stopped.status.success(), "{stopped:?}");
    let offer = session
        .term
        .wait_for(Duration::from_secs(30), |s| {
            s.contains("ssh needs a password to reconnect")
        })
        .unwrap_or_else(|s| panic!("no offer to log in:\n{s}\n{}", session.log()));
    assert!(offer.contains("press Ctrl-^ then l"), "{offer}");

    session.term.send_keys(&["C-^"]);
    session.term.type_text("l");
    type_password(&session.term, "[mosh: logging in with ssh to reconnect]");
    assert!(
        eventually(Duration::from_secs(20), || session.sshd.password_logins()
            == 2),
        "{}",
        session.sshd.log()
    );
    session.check_typing("after");
    session.check_same_server();
    assert!(
        session.log().contains("logged in with ssh"),
        "{}",
        session.log()
    );
}
