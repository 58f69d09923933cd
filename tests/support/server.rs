//! Helpers for tests that run a mosh server: our binary under the name
//! `mosh-server` (`$MOSH_RS_BIN` or the crate's binary), reading the
//! `MOSH CONNECT` and `[mosh-server detached, pid = N]` lines, and a
//! handle that kills the detached server by pid when dropped.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Our multi-call binary: `$MOSH_RS_BIN` if set, else the one cargo built.
pub fn our_binary() -> PathBuf {
    match std::env::var_os("MOSH_RS_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_mosh-rs")),
    }
}

/// A directory holding `mosh-server`, `mosh-client` and `mosh` links to
/// our binary; returns the directory.
pub fn our_links() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mosh-rs-links-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for name in ["mosh-server", "mosh-client", "mosh"] {
        // Link under a unique name, then rename over: safe when tests race.
        let unique = dir.join(format!("{name}.{:?}", std::thread::current().id()));
        let _ = std::fs::remove_file(&unique);
        std::os::unix::fs::symlink(our_binary(), &unique).expect("symlink");
        std::fs::rename(&unique, dir.join(name)).expect("rename link");
    }
    dir
}

/// Path of our binary under the name `mosh-server`.
pub fn our_server() -> PathBuf {
    our_links().join("mosh-server")
}

/// The port and key from a `MOSH CONNECT <port> <key>` line in `text`.
pub fn parse_connect(text: &str) -> Option<(u16, String)> {
    text.lines().find_map(|line| {
        let rest = line
            .trim_start_matches(['\r', '\n'])
            .strip_prefix("MOSH CONNECT ")?;
        let mut words = rest.split_whitespace();
        let port = words.next()?.parse().ok()?;
        let key = words.next()?.to_string();
        Some((port, key))
    })
}

/// The pid from a `[mosh-server detached, pid = N]` line in `text`.
pub fn parse_detached_pid(text: &str) -> Option<i32> {
    text.lines().find_map(|line| {
        line.trim()
            .strip_prefix("[mosh-server detached, pid = ")?
            .strip_suffix(']')?
            .parse()
            .ok()
    })
}

/// A detached server started by a test; killed by pid on drop.
#[derive(Debug)]
pub struct DetachedServer {
    /// UDP port from `MOSH CONNECT`.
    pub port: u16,
    /// Session key from `MOSH CONNECT`.
    pub key: String,
    /// Pid from the detached line.
    pub pid: i32,
    /// Everything the starting process wrote.
    pub output: Output,
}

impl DetachedServer {
    /// Whether the server process still exists.
    pub fn alive(&self) -> bool {
        mosh_rs::sys::process::kill(self.pid, 0).is_ok() && !is_zombie(self.pid)
    }

    /// Waits up to `timeout` for the server to exit; true if it did.
    pub fn wait_gone(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.alive() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        !self.alive()
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

impl Drop for DetachedServer {
    fn drop(&mut self) {
        if self.alive() {
            let _ = mosh_rs::sys::process::kill(self.pid, libc::SIGTERM);
            if !self.wait_gone(Duration::from_secs(3)) {
                let _ = mosh_rs::sys::process::kill(self.pid, libc::SIGKILL);
            }
        }
    }
}

/// Runs `program` (a mosh-server) with `args` and `env`, stdin from
/// /dev/null, and returns the detached server. The starting process must
/// exit (it detaches) within 20 s.
pub fn start_detached<S: AsRef<OsStr>>(
    program: &Path,
    args: &[S],
    env: &[(&str, &str)],
) -> io::Result<DetachedServer> {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(std::process::Stdio::null());
    cmd.env("MOSH_SERVER_NETWORK_TMOUT", "30");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = run_with_deadline(cmd, Duration::from_secs(20))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let pid = parse_detached_pid(&stderr);
    let connect = parse_connect(&stdout);
    match (connect, pid) {
        (Some((port, key)), Some(pid)) => Ok(DetachedServer {
            port,
            key,
            pid,
            output,
        }),
        _ => {
            if let Some(pid) = pid {
                let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
            }
            Err(io::Error::other(format!(
                "server did not start:\nstdout: {stdout}\nstderr: {stderr}"
            )))
        }
    }
}

/// Runs a command to completion, killing it (by pid) past `timeout`.
pub fn run_with_deadline(mut cmd: Command, timeout: Duration) -> io::Result<Output> {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn()?;
    let deadline = Instant::now() + timeout;
    loop {
        if child.try_wait()?.is_some() {
            return child.wait_with_output();
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "command did not finish in time",
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
