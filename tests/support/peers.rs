//! Stand-in peers for bootstrap tests:
//!
//! - `RecordingClient`: a `--client` program that answers `-c` with a
//!   colour count and otherwise records its arguments, environment and
//!   command line (from /proc) and exits, so a test can check exactly
//!   what the bootstrap handed over.
//! - `LoggedServer`: a `--server` command that runs a real server with
//!   `MOSH_SERVER_NETWORK_TMOUT` low and its stderr in a log, so the test
//!   learns the detached server's pid and kills it by pid when dropped.

#![allow(dead_code)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_dir(kind: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("mosh-rs-{kind}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, body).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A client program that records what it was given.
pub struct RecordingClient {
    dir: PathBuf,
}

/// What the recording client saw.
#[derive(Debug)]
pub struct Recorded {
    /// Its arguments after argv[0].
    pub args: Vec<String>,
    /// Its environment.
    pub env: HashMap<String, String>,
    /// Its /proc command line, NUL bytes shown as spaces.
    pub cmdline: String,
}

impl RecordingClient {
    /// A new recording client answering `-c` with `colors`.
    pub fn new(colors: u32) -> RecordingClient {
        let dir = unique_dir("client");
        let d = dir.display();
        let script = format!(
            "#!/bin/sh\n\
             if [ \"$1\" = -c ]; then echo {colors}; exit 0; fi\n\
             for a in \"$@\"; do printf '%s\\n' \"$a\"; done > {d}/args.tmp\n\
             env > {d}/env.tmp\n\
             tr '\\0' ' ' < /proc/$$/cmdline > {d}/cmdline.tmp\n\
             mv {d}/env.tmp {d}/env; mv {d}/cmdline.tmp {d}/cmdline; mv {d}/args.tmp {d}/args\n"
        );
        write_script(&dir.join("client"), &script);
        RecordingClient { dir }
    }

    /// The program path for `--client=`.
    pub fn path(&self) -> PathBuf {
        self.dir.join("client")
    }

    /// What the client recorded, once it ran.
    pub fn recorded(&self) -> Option<Recorded> {
        let args = std::fs::read_to_string(self.dir.join("args")).ok()?;
        let env = std::fs::read_to_string(self.dir.join("env")).ok()?;
        let cmdline = std::fs::read_to_string(self.dir.join("cmdline")).ok()?;
        Some(Recorded {
            args: args.lines().map(str::to_string).collect(),
            env: env
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            cmdline,
        })
    }
}

impl Drop for RecordingClient {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server command whose detached servers are killed on drop.
pub struct LoggedServer {
    dir: PathBuf,
}

impl LoggedServer {
    /// Wraps `server` (a path); the wrapper is world-readable so other
    /// users' sessions can run it.
    pub fn new(server: &Path) -> LoggedServer {
        LoggedServer::with_network_timeout(server, 20)
    }

    /// The same with `MOSH_SERVER_NETWORK_TMOUT=seconds` (the server
    /// ends after that long without hearing from its client).
    pub fn with_network_timeout(server: &Path, seconds: u32) -> LoggedServer {
        let dir = unique_dir("server");
        let log = dir.join("server.log");
        std::fs::write(&log, "").expect("log");
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let script = format!(
            "#!/bin/sh\nMOSH_SERVER_NETWORK_TMOUT={seconds} exec {} \"$@\" 2>>{}\n",
            server.display(),
            log.display()
        );
        write_script(&dir.join("server"), &script);
        LoggedServer { dir }
    }

    /// The command for `--server=`.
    pub fn command(&self) -> String {
        self.dir.join("server").display().to_string()
    }

    /// The server's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Pids from `[mosh-server detached, pid = N]` lines.
    pub fn pids(&self) -> Vec<i32> {
        self.log()
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("[mosh-server detached, pid = ")?
                    .strip_suffix(']')?
                    .parse()
                    .ok()
            })
            .collect()
    }

    /// Waits until a server has detached; its pid.
    pub fn wait_for_pid(&self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(&pid) = self.pids().first() {
                return Some(pid);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        for pid in self.pids() {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
