//! A real OpenSSH server on loopback for tests, as TESTING.md describes:
//! a private directory with host and user keys, `authorized_keys` and an
//! `sshd_config`, a free port on 127.0.0.1, and `sshd -f CONFIG -E LOG`,
//! killed by the pid in its PidFile when dropped.
//!
//! Needs root (sshd changes user) and `/usr/sbin/sshd`; `Sshd::start`
//! returns `None` after a loud skip (see `skip.rs`) when either is missing.
//! A test file that includes this one must also include `support/skip.rs`
//! as `mod skip`.
//! Other users can log in too: `authorize_home` adds the test key to a
//! home directory's `.ssh/authorized_keys`.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::shell::shell_quote;
use super::skip;

const SSHD: &str = "/usr/sbin/sshd";
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A running sshd and the client key it accepts.
pub struct Sshd {
    dir: PathBuf,
    port: u16,
    pid: Option<i32>,
    /// Password logins are accepted.
    passwords: bool,
    /// Lines added to the configuration.
    extra: String,
}

impl Sshd {
    /// Starts sshd, or skips loudly (returning `None`) when it cannot run here.
    pub fn start() -> Option<Sshd> {
        Sshd::start_accepting(false)
    }

    /// As [`Sshd::start`], also accepting passwords (for tests of users
    /// who log in with one); see [`Sshd::password_ssh_command`].
    pub fn start_with_passwords() -> Option<Sshd> {
        Sshd::start_accepting(true)
    }

    /// As [`Sshd::start`], with `extra` lines (each ending in a newline)
    /// added to `sshd_config`, such as a second `Port`.
    pub fn start_with(extra: &str) -> Option<Sshd> {
        Sshd::start_accepting_with(false, extra)
    }

    fn start_accepting(passwords: bool) -> Option<Sshd> {
        Sshd::start_accepting_with(passwords, "")
    }

    fn start_accepting_with(passwords: bool, extra: &str) -> Option<Sshd> {
        if skip::missing(&[SSHD, "/usr/bin/ssh", "/usr/bin/ssh-keygen"]) {
            return None;
        }
        if mosh_rs::sys::process::current_uid() != 0 {
            skip::skip("sshd tests need root (sshd switches to the logged-in user)");
            return None;
        }
        match Sshd::try_start(passwords, extra) {
            Ok(sshd) => Some(sshd),
            Err(e) => panic!("could not start sshd: {e}"),
        }
    }

    fn try_start(passwords: bool, extra: &str) -> io::Result<Sshd> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mosh-rs-sshd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all("/run/sshd")?;
        keygen(&dir.join("host_key"))?;
        keygen(&dir.join("user_key"))?;
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys"))?;
        let mut last_error = None;
        for _attempt in 0..5 {
            let mut sshd = Sshd {
                dir: dir.clone(),
                port: free_port()?,
                pid: None,
                passwords,
                extra: extra.to_string(),
            };
            sshd.write_config()?;
            match sshd.launch() {
                Ok(()) => return Ok(sshd),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("sshd did not start")))
    }

    fn write_config(&self) -> io::Result<()> {
        let d = self.dir.display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys .ssh/authorized_keys\n\
             PidFile {d}/sshd.pid\nUsePAM no\nPermitRootLogin prohibit-password\n\
             StrictModes no\nPasswordAuthentication {passwords}\nKbdInteractiveAuthentication no\n\
             PrintMotd no\nPrintLastLog no\nAcceptEnv LANG LC_*\nLogLevel VERBOSE\n{extra}",
            port = self.port,
            extra = self.extra,
            passwords = if self.passwords { "yes" } else { "no" },
        );
        std::fs::write(self.dir.join("sshd_config"), config)
    }

    fn launch(&mut self) -> io::Result<()> {
        let _ = std::fs::remove_file(self.dir.join("sshd.pid"));
        let status = Command::new(SSHD)
            .arg("-f")
            .arg(self.dir.join("sshd_config"))
            .arg("-E")
            .arg(self.dir.join("sshd.log"))
            .status()?;
        if !status.success() {
            return Err(io::Error::other(format!(
                "sshd exited with {status}: {}",
                self.log()
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.pid.is_none() {
                self.pid = std::fs::read_to_string(self.dir.join("sshd.pid"))
                    .ok()
                    .and_then(|s| s.trim().parse().ok());
            }
            if self.pid.is_some() && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err(io::Error::other(format!(
            "sshd did not listen: {}",
            self.log()
        )))
    }

    /// The port sshd listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The private key sshd accepts.
    pub fn client_key(&self) -> PathBuf {
        self.dir.join("user_key")
    }

    /// The private directory (for tests' own files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// ssh's arguments for this server, without the destination.
    pub fn ssh_args(&self) -> Vec<String> {
        self.ssh_args_via(self.port)
    }

    /// ssh's arguments for this server reached at 127.0.0.1:`port`
    /// (another of its ports, or a relay in front of it), without the
    /// destination.
    pub fn ssh_args_via(&self, port: u16) -> Vec<String> {
        vec![
            "ssh".into(),
            "-p".into(),
            port.to_string(),
            "-i".into(),
            self.client_key().display().to_string(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-F".into(),
            "/dev/null".into(),
        ]
    }

    /// An `--ssh=COMMAND` string that logs in with a password only (no
    /// key, and prompts allowed), for a server from
    /// [`Sshd::start_with_passwords`].
    pub fn password_ssh_command(&self) -> String {
        format!(
            "ssh -p {} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
             -o PubkeyAuthentication=no -o LogLevel=ERROR -F /dev/null",
            self.port
        )
    }

    /// How many logins sshd has accepted with a password so far.
    pub fn password_logins(&self) -> usize {
        self.log().matches("Accepted password").count()
    }

    /// The same as one `--ssh=COMMAND` string (the key path quoted).
    pub fn ssh_command(&self) -> String {
        self.ssh_command_via(self.port)
    }

    /// [`Sshd::ssh_args_via`] as one `--ssh=COMMAND` string.
    pub fn ssh_command_via(&self, port: u16) -> String {
        self.ssh_args_via(port)
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs `ssh DESTINATION -- COMMAND` against this server and returns its output.
    pub fn run(&self, destination: &str, command: &str) -> io::Result<std::process::Output> {
        let args = self.ssh_args();
        Command::new(&args[0])
            .args(&args[1..])
            .arg(destination)
            .arg("--")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .output()
    }

    /// Lets the test key log in as the owner of `home` (adds it to
    /// `home/.ssh/authorized_keys`, owned by `uid`).
    pub fn authorize_home(&self, home: &Path, uid: u32) -> io::Result<()> {
        let ssh_dir = home.join(".ssh");
        std::fs::create_dir_all(&ssh_dir)?;
        let keys = ssh_dir.join("authorized_keys");
        std::fs::copy(self.dir.join("user_key.pub"), &keys)?;
        for path in [&ssh_dir, &keys] {
            std::os::unix::fs::chown(path, Some(uid), None)?;
        }
        Ok(())
    }

    /// sshd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        if let Some(pid) = self.pid.take() {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn keygen(path: &Path) -> io::Result<()> {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A temporary local account with a home directory (for tests that need
/// a fresh user); removed with its home when dropped, after its
/// remaining processes are killed by pid.
pub struct TempUser {
    /// The login name.
    pub name: String,
    /// The user id.
    pub uid: u32,
    /// The home directory.
    pub home: PathBuf,
}

impl TempUser {
    /// Creates `mrs<pid><n>` with shell `shell`; `None` (after a loud
    /// skip) when `useradd` is missing.
    pub fn create(shell: &str) -> Option<TempUser> {
        if skip::missing(&["/usr/sbin/useradd", "/usr/sbin/userdel"]) {
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("mrs{}x{n}", std::process::id());
        let home = PathBuf::from(format!("/tmp/{name}-home"));
        let status = Command::new("/usr/sbin/useradd")
            .args(["-m", "-d"])
            .arg(&home)
            .args(["-s", shell, "-p", "*", &name])
            .status()
            .expect("useradd runs");
        assert!(status.success(), "useradd {name} failed");
        let uid = id_of(&name);
        Some(TempUser { name, uid, home })
    }

    /// Sets the account's password (`chpasswd`).
    pub fn set_password(&self, password: &str) {
        use std::io::Write;
        let mut child = Command::new("/usr/sbin/chpasswd")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("chpasswd runs");
        let line = format!("{}:{password}\n", self.name);
        child
            .stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "chpasswd failed");
    }

    /// Pids of this user's processes.
    pub fn processes(&self) -> Vec<i32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| process_uid(*pid) == Some(self.uid))
            .collect()
    }
}

impl Drop for TempUser {
    fn drop(&mut self) {
        for pid in self.processes() {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.processes().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("/usr/sbin/userdel")
            .args(["-r", "-f", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn id_of(name: &str) -> u32 {
    let out = Command::new("id")
        .args(["-u", name])
        .output()
        .expect("id runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a numeric uid")
}

fn process_uid(pid: i32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Converts strings to the `OsString`s `Command` takes.
pub fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}
