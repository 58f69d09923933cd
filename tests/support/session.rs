//! A whole mosh session in tmux for tests: the stock `mosh` wrapper
//! (`--local`, no ssh) starting a given `mosh-server` and a given
//! `mosh-client` (the stock one unless told otherwise), with the server's stderr kept in a file so its
//! `[mosh-server detached, pid = N]` line gives the pid to kill on drop.
//!
//! Needs `#[path]` includes of `tmux.rs` and `server.rs` beside it as
//! modules `tmux` and `server`.

#![allow(dead_code)]

use super::paths::{STOCK_CLIENT, STOCK_MOSH};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::server::parse_detached_pid;
use super::shell::shell_quote;
use super::tmux::Tmux;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A mosh session running in tmux.
pub struct MoshSession {
    /// The terminal the client runs in.
    pub tmux: Tmux,
    dir: PathBuf,
    server_stderr: PathBuf,
    server_pid: Option<i32>,
}

impl MoshSession {
    /// Starts `mosh --local` with `server` as the mosh-server, running
    /// `command` (by `sh -c`; empty for the login shell) in a
    /// `cols`x`rows` tmux window. `env` is exported first (it can set,
    /// e.g., `MOSH_SERVER_NETWORK_TMOUT`, default 30 here).
    pub fn start(
        server: &Path,
        cols: u16,
        rows: u16,
        command: &str,
        env: &[(&str, &str)],
    ) -> io::Result<MoshSession> {
        MoshSession::start_with_client(Path::new(STOCK_CLIENT), server, cols, rows, command, env)
    }

    /// As `start`, with `client` as the mosh-client.
    pub fn start_with_client(
        client: &Path,
        server: &Path,
        cols: u16,
        rows: u16,
        command: &str,
        env: &[(&str, &str)],
    ) -> io::Result<MoshSession> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mosh-rs-session-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let server_stderr = dir.join("server.err");
        let wrapper = dir.join("server.sh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec 2>>{}\nexec {} \"$@\"\n",
                shell_quote(&server_stderr.to_string_lossy()),
                shell_quote(&server.to_string_lossy())
            ),
        )?;
        let mut script = String::from("export MOSH_SERVER_NETWORK_TMOUT=30\n");
        for (k, v) in env {
            script.push_str(&format!("export {k}={}\n", shell_quote(v)));
        }
        let tail = if command.is_empty() {
            String::new()
        } else {
            format!(" -- sh -c {}", shell_quote(command))
        };
        script.push_str(&format!(
            "exec {STOCK_MOSH} --client={} --server={} --local --bind-server=127.0.0.1 127.0.0.1{tail}\n",
            shell_quote(&client.to_string_lossy()),
            shell_quote(&format!("sh {}", wrapper.to_string_lossy()))
        ));
        let run = dir.join("run.sh");
        std::fs::write(&run, script)?;
        let tmux = Tmux::start(
            cols,
            rows,
            &format!("sh {}", shell_quote(&run.to_string_lossy())),
            &[],
        )?;
        Ok(MoshSession {
            tmux,
            dir,
            server_stderr,
            server_pid: None,
        })
    }

    /// What the server wrote on stderr so far.
    pub fn server_stderr(&self) -> String {
        std::fs::read_to_string(&self.server_stderr).unwrap_or_default()
    }

    /// The detached server's pid, waiting up to `timeout` for the line.
    pub fn server_pid(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while self.server_pid.is_none() && Instant::now() < deadline {
            self.server_pid = parse_detached_pid(&self.server_stderr());
            if self.server_pid.is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.server_pid
    }

    /// Whether the server process is still running.
    pub fn server_alive(&mut self) -> bool {
        match self.server_pid(Duration::from_secs(0)) {
            Some(pid) => process_alive(pid),
            None => false,
        }
    }

    /// Waits up to `timeout` for the server to exit; true if it did.
    pub fn wait_server_gone(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.server_alive() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        !self.server_alive()
    }
}

/// Whether `pid` exists and is not a zombie.
pub fn process_alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat
        .rsplit(')')
        .next()
        .map(str::trim_start)
        .and_then(|s| s.chars().next());
    matches!(state, Some(c) if c != 'Z' && c != 'X')
}

impl Drop for MoshSession {
    fn drop(&mut self) {
        if let Some(pid) = self.server_pid(Duration::from_secs(0)) {
            if process_alive(pid) {
                let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
                let deadline = Instant::now() + Duration::from_secs(3);
                while process_alive(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
