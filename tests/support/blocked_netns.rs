//! Sessions where UDP cannot pass, for the ssh carrier's tests: the test
//! binary re-runs one of its own `#[ignore]`d tests under `unshare -n`
//! (a private network namespace, so the machine's own firewall is never
//! touched), and there nftables drop root's UDP to mosh's ports
//! (60000–61000). sshd, a temporary unprivileged user (whose loopback
//! traffic, the server's and the relay's, passes) and a server whose
//! detached pids are killed on drop make the remote end; the client is
//! `mosh` (our wrapper, as root) in tmux, given `--transport` and
//! `--ssh` by the test.
//!
//! Also here: the client's processes found through /proc (the wrapper
//! that became the client, and its ssh children, the carrier), so a test
//! can stop or kill exactly those pids.

#![allow(dead_code)]

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::peers::LoggedServer;
use super::server;
use super::shell::sh_quote;
use super::skip;
use super::sshd::{Sshd, TempUser};
use super::tmux::Tmux;

/// Set in the inner run, inside the namespace.
const INSIDE: &str = "MOSH_RS_INSIDE_BLOCKED_NETNS";
const TABLE: &str = "mosh_rs_test";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Whether this is the inner run (inside the namespace).
pub fn inside() -> bool {
    std::env::var_os(INSIDE).is_some()
}

/// Runs the inner test `path` (its full path in this binary, e.g.
/// `carrier_ssh::inner_transport_ssh`) in a new network namespace;
/// fails with its output unless it passed. Skips loudly without root,
/// unshare, nftables, ip, sshd or tmux.
pub fn run_inner(path: &str) {
    if skip::missing(&[
        "/usr/bin/unshare",
        "/usr/sbin/nft",
        "/usr/sbin/ip",
        "/usr/sbin/sshd",
        "/usr/sbin/useradd",
    ]) || skip::missing_tmux()
    {
        return;
    }
    if mosh_rs::sys::process::current_uid() != 0 {
        skip::skip("network namespaces and nftables need root");
        return;
    }
    let this_test = std::env::current_exe().expect("test binary");
    let started = Instant::now();
    let out = Command::new("unshare")
        .arg("-n")
        .arg("--")
        .arg(this_test)
        .arg(path)
        .args(["--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("unshare runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "inner test {path} failed:\n{text}"
    );
    // The inner run's own report (figures it printed) for the outer log.
    for line in text.lines().filter(|l| l.starts_with("measured: ")) {
        eprintln!("{line}");
    }
    eprintln!("{path}: {:?} in the namespace", started.elapsed());
}

fn run(step: &[&str]) {
    let status = Command::new(step[0]).args(&step[1..]).status().unwrap();
    assert!(status.success(), "{step:?}");
}

/// Inside the namespace: the loopback interface up.
pub fn loopback_up() {
    run(&["ip", "link", "set", "lo", "up"]);
}

/// Inside the namespace: loopback up, and root's UDP to mosh's ports
/// dropped (checked).
pub fn block_udp() {
    loopback_up();
    filter_roots_output(TABLE, &["udp", "dport", "60000-61000", "drop"]);
    assert!(!udp_reaches(60500), "UDP to mosh's ports must be blocked");
    assert!(udp_reaches(40500), "other UDP still passes");
}

/// Inside the namespace: lets UDP pass again (the table goes; checked).
pub fn unblock_udp() {
    run(&["nft", "delete", "table", "inet", TABLE]);
    assert!(udp_reaches(60501), "UDP to mosh's ports passes again");
}

/// Inside the namespace: drops root's TCP to `port` (so only another
/// user's process, such as sshd forwarding for a logged-in user, can
/// reach it).
pub fn block_roots_tcp_to(port: u16) {
    let port = port.to_string();
    filter_roots_output("mosh_rs_tcp", &["tcp", "dport", &port, "reject"]);
}

/// Inside the namespace: a table `table` whose output chain applies
/// `rule` (nft words) to root's packets.
fn filter_roots_output(table: &str, rule: &[&str]) {
    run(&["nft", "add", "table", "inet", table]);
    let chain = "{ type filter hook output priority 0; }";
    run(&["nft", "add", "chain", "inet", table, "out", chain]);
    let mut words = vec![
        "nft", "add", "rule", "inet", table, "out", "meta", "skuid", "0",
    ];
    words.extend_from_slice(rule);
    run(&words);
}

/// Whether a datagram to 127.0.0.1:`port` arrives.
pub fn udp_reaches(port: u16) -> bool {
    let Ok(receiver) = UdpSocket::bind(("127.0.0.1", port)) else {
        return false;
    };
    receiver
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let _ = sender.send_to(b"probe", ("127.0.0.1", port));
    let mut buf = [0u8; 16];
    receiver.recv_from(&mut buf).is_ok()
}

/// The remote end: a temporary user logging in through sshd and a
/// server command for `--server=`. Dropped in field order: the user's
/// processes are killed first.
pub struct Remote {
    /// The remote account (its processes killed when dropped).
    pub user: TempUser,
    /// The server whose detached pids are killed when dropped.
    pub server: LoggedServer,
    /// sshd on 127.0.0.1.
    pub sshd: Sshd,
}

impl Remote {
    /// sshd, a user it lets in with the test key, and our server with
    /// `MOSH_SERVER_NETWORK_TMOUT=network_timeout`.
    pub fn start(network_timeout: u32) -> Remote {
        Remote::start_with(network_timeout, "")
    }

    /// The same with `extra` lines in sshd's configuration.
    pub fn start_with(network_timeout: u32, extra: &str) -> Remote {
        let sshd = Sshd::start_with(extra).expect("sshd");
        let user = TempUser::create("/bin/sh").expect("a temporary user");
        sshd.authorize_home(&user.home, user.uid)
            .expect("authorized key");
        let server = LoggedServer::with_network_timeout(&server::our_server(), network_timeout);
        Remote { user, server, sshd }
    }

    /// `mosh --transport=MODE --server=… --ssh=SSH user@127.0.0.1 --
    /// REMOTE…` with our wrapper (no `--transport` for an empty MODE:
    /// the default).
    pub fn mosh_words(&self, mode: &str, ssh: &str, remote: &[String]) -> Vec<String> {
        let mut words = vec![server::our_links().join("mosh").display().to_string()];
        if !mode.is_empty() {
            words.push(format!("--transport={mode}"));
        }
        words.extend([
            format!("--server={}", self.server.command()),
            format!("--ssh={ssh}"),
            format!("{}@127.0.0.1", self.user.name),
        ]);
        words.extend(remote.iter().cloned());
        words
    }
}

/// What the session's shell shows as its prompt.
pub const PROMPT: &str = "ready$ ";

/// `-- /bin/sh -c '…'`: prints the server's pid, runs `setup` (shell
/// code, may be empty), then an interactive bash with [`PROMPT`].
pub fn remote_shell(setup: &str) -> Vec<String> {
    ["--", "/bin/sh", "-c", &remote_script(setup)]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The script of [`remote_shell`], for `sh -c`.
pub fn remote_script(setup: &str) -> String {
    format!("echo SERVER-PID=$PPID; {setup} PS1='{PROMPT}' exec bash --norc --noprofile -i")
}

/// Runs `seq` in the shell at the prompt until the screen is full of it
/// for a while, sends Ctrl-C and returns how long the prompt took to
/// show at the bottom again.
pub fn ctrl_c_in_a_flood(t: &Tmux, timeout: Duration) -> Result<Duration, String> {
    t.type_text("seq 1 100000000");
    t.send_keys(&["Enter"]);
    let numbers = |screen: &str| {
        screen
            .lines()
            .filter(|l| l.trim().parse::<u64>().is_ok_and(|n| n > 1000))
            .count()
    };
    t.wait_for(timeout, |screen| numbers(screen) > 20)
        .map_err(|screen| format!("no flood:\n{screen}"))?;
    // Long enough for every queue on the way to fill.
    std::thread::sleep(Duration::from_secs(3));
    t.send_keys(&["C-c"]);
    let sent = Instant::now();
    let prompt = PROMPT.trim_end();
    t.wait_for(timeout, |screen| {
        screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.starts_with(prompt))
    })
    .map_err(|screen| format!("the flood did not stop:\n{screen}"))?;
    Ok(sent.elapsed())
}

/// A `mosh` wrapper session in an 80x24 tmux, with `MOSH_LOG` in a
/// temporary file.
pub struct WrapperSession {
    /// The user's terminal.
    pub tmux: Tmux,
    log: PathBuf,
    /// The server's pid (the remote shell's parent), once known.
    pub server_pid: Option<i32>,
}

impl WrapperSession {
    /// Runs `words` (ending in [`remote_shell`]) with `env` added and
    /// waits (up to `timeout`) for the prompt; panics with the screen
    /// when it does not come.
    pub fn start(words: &[String], env: &[(&str, &str)], timeout: Duration) -> WrapperSession {
        WrapperSession::start_with_history(words, env, timeout, 100)
    }

    /// [`start`](WrapperSession::start) in a pane that keeps
    /// `history_limit` lines of scrollback.
    pub fn start_with_history(
        words: &[String],
        env: &[(&str, &str)],
        timeout: Duration,
        history_limit: u32,
    ) -> WrapperSession {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let log = std::env::temp_dir().join(format!(
            "mosh-rs-carrier-log-{}-{n}.log",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&log);
        let log_text = log.display().to_string();
        let mut env: Vec<(&str, &str)> = env.to_vec();
        env.push(("MOSH_LOG", &log_text));
        let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(words));
        let tmux = Tmux::start_with_history(80, 24, &command, &env, history_limit).expect("tmux");
        let mut session = WrapperSession {
            tmux,
            log,
            server_pid: None,
        };
        let screen = session
            .tmux
            .wait_for(timeout, |s| {
                s.contains("SERVER-PID=") && s.lines().any(|l| l.starts_with(PROMPT.trim_end()))
            })
            .unwrap_or_else(|screen| panic!("no session:\n{screen}\nlog:\n{}", session.log()));
        session.server_pid = screen
            .lines()
            .find_map(|l| l.trim().strip_prefix("SERVER-PID=")?.parse().ok());
        session
    }

    /// The client's `MOSH_LOG` so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The client: the wrapper process in the pane (it becomes the
    /// client), found among the pane's children.
    pub fn client_pid(&self) -> Option<i32> {
        let pane = self.tmux.pane_pid()?;
        children(pane)
            .into_iter()
            .find(|&pid| comm(pid).as_deref() == Some("mosh"))
    }

    /// The client's ssh children (the carrier's ssh, while one runs).
    pub fn carrier_ssh_pids(&self) -> Vec<i32> {
        let Some(client) = self.client_pid() else {
            return Vec::new();
        };
        children(client)
            .into_iter()
            .filter(|&pid| comm(pid).as_deref() == Some("ssh"))
            .collect()
    }

    /// Waits for exactly one carrier ssh; its pid.
    pub fn wait_for_carrier_ssh(&self, timeout: Duration) -> i32 {
        let deadline = Instant::now() + timeout;
        loop {
            if let [pid] = self.carrier_ssh_pids()[..] {
                return pid;
            }
            assert!(
                Instant::now() < deadline,
                "no (single) carrier ssh under the client: {:?}\nlog:\n{}",
                self.carrier_ssh_pids(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `pattern` appears in the client's log `times` times
    /// (lines containing it); panics with the log on timeout.
    pub fn wait_for_log(&self, pattern: &str, times: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log();
            if log.lines().filter(|l| l.contains(pattern)).count() >= times {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "{pattern:?} not logged {times} times:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `echo WORD-$((6*7))` and Enter, and waits for `WORD-42`
    /// on the screen; the screen.
    pub fn echo_round_trip(&self, word: &str, timeout: Duration) -> String {
        self.tmux.type_text(&format!("echo {word}-$((6*7))"));
        self.tmux.send_keys(&["Enter"]);
        let answer = format!("\n{word}-42");
        self.tmux
            .wait_for(timeout, |s| s.contains(&answer))
            .unwrap_or_else(|screen| {
                panic!(
                    "typing {word} did not reach the shell:\n{screen}\nlog:\n{}",
                    self.log()
                )
            })
    }
}

impl Drop for WrapperSession {
    fn drop(&mut self) {
        if let Some(pid) = self.server_pid.filter(|&p| p > 1) {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Pids whose parent is `parent` (from /proc/PID/stat).
pub fn children(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| parent_of(pid) == Some(parent))
        .collect()
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// A process's command name (`/proc/PID/comm`).
pub fn comm(pid: i32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim_end().to_string())
}

/// Whether `pid` still exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}
