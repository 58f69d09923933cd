//! A tmux session as a real terminal for tests: start a command in a
//! private tmux server of a given size, type into it, read its screen by
//! polling `capture-pane` against a deadline, resize it, and kill the
//! tmux server by pid when dropped.

#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// What [`Tmux::with_exit_report`] prints before the exit status.
pub const EXIT_STATUS_PREFIX: &str = "PANE-EXIT-STATUS=";

/// A private tmux server running one session with one pane.
pub struct Tmux {
    dir: PathBuf,
    socket: PathBuf,
    server_pid: Option<i32>,
}

impl Tmux {
    /// Starts `command` (run by `sh -c`) in a `cols`x`rows` session, with
    /// `env` added to tmux's environment. The pane stays after the command
    /// exits so its last screen can still be read.
    pub fn start(cols: u16, rows: u16, command: &str, env: &[(&str, &str)]) -> io::Result<Tmux> {
        Tmux::start_with_history(cols, rows, command, env, 100)
    }

    /// [`start`](Tmux::start) with a pane that keeps `history_limit`
    /// lines of scrollback (`start` keeps 100).
    pub fn start_with_history(
        cols: u16,
        rows: u16,
        command: &str,
        env: &[(&str, &str)],
        history_limit: u32,
    ) -> io::Result<Tmux> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mosh-rs-tmux-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("tmux.conf");
        std::fs::write(
            &conf,
            format!(
                "set -g remain-on-exit on\nset -g status off\nset -g history-limit {history_limit}\n\
                 set -g escape-time 0\nset -g default-terminal screen\n"
            ),
        )?;
        let socket = dir.join("sock");
        let mut tmux = Tmux {
            dir,
            socket,
            server_pid: None,
        };
        let mut cmd = Command::new("tmux");
        cmd.arg("-f").arg(&conf).arg("-S").arg(&tmux.socket);
        cmd.args([
            "new-session",
            "-d",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            command,
        ]);
        cmd.env("LANG", "C.UTF-8").env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "tmux new-session failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        tmux.server_pid = tmux.query("#{pid}").and_then(|s| s.trim().parse().ok());
        Ok(tmux)
    }

    fn run(&self, args: &[&str]) -> io::Result<Output> {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
    }

    /// Expands a tmux format (`#{cursor_x}`, `#{keypad_flag}`...) for the pane.
    pub fn query(&self, format: &str) -> Option<String> {
        let out = self
            .run(&["display-message", "-p", "-t", "0", format])
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A tmux format (`#{cursor_x}`) evaluated for the pane, without its
    /// newline.
    pub fn display(&self, format: &str) -> Option<String> {
        self.query(format)
            .map(|s| s.trim_end_matches('\n').to_string())
    }

    /// `capture-pane -p` with `flags` added (`-e`, `-N`, `-J`).
    pub fn capture_flags(&self, flags: &[&str]) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "0"];
        args.extend_from_slice(flags);
        self.run(&args)
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Appends every byte the pane's program writes from now on to `file`
    /// (tmux's `pipe-pane`), so a test can replay what a terminal was
    /// shown between two captures.
    pub fn record_output(&self, file: &Path) {
        let command = format!(
            "cat >> {}",
            super::shell::shell_quote(&file.to_string_lossy())
        );
        let _ = self.run(&["pipe-pane", "-o", "-t", "0", &command]);
    }

    /// The socket path (for running other tmux commands).
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends keys in tmux's key syntax (`"C-c"`, `"Enter"`, `"ls"`).
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        let _ = self.run(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        let _ = self.run(&["send-keys", "-t", "0", "-l", text]);
    }

    /// The pane's text with wrapped rows joined into one line each
    /// (`capture-pane -J`), with colours and attributes.
    pub fn capture_joined(&self) -> String {
        self.run(&["capture-pane", "-p", "-e", "-J", "-t", "0"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Pastes `text` as the user's terminal would: bracketed when the
    /// program in the pane asked for bracketed paste.
    pub fn paste(&self, text: &str) {
        let _ = self.run(&["set-buffer", "-b", "mosh-rs-test", text]);
        let _ = self.run(&["paste-buffer", "-p", "-d", "-b", "mosh-rs-test", "-t", "0"]);
    }

    /// The pane's text, one line per row (trailing blanks trimmed by tmux).
    pub fn capture(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// The pane with colour and attribute escapes (`capture-pane -e`).
    pub fn capture_with_attributes(&self) -> String {
        self.run(&["capture-pane", "-p", "-e", "-t", "0"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Polls the screen until `ready` accepts it or `timeout` passes;
    /// returns the last screen either way (`Err` on timeout).
    pub fn wait_for(
        &self,
        timeout: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.capture();
            if ready(&screen) {
                return Ok(screen);
            }
            if Instant::now() >= deadline {
                return Err(screen);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for `needle` to appear on the screen.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<String, String> {
        self.wait_for(timeout, |s| s.contains(needle))
    }

    /// Resizes the window (the program in the pane gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        let _ = self.run(&[
            "resize-window",
            "-t",
            "0",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
    }

    /// Whether the pane's program has exited.
    pub fn pane_dead(&self) -> bool {
        self.query("#{pane_dead}").is_some_and(|s| s.trim() == "1")
    }

    /// The exit status of the pane's program, once it has exited.
    pub fn pane_exit_status(&self) -> Option<i32> {
        if !self.pane_dead() {
            return None;
        }
        self.query("#{pane_dead_status}")
            .and_then(|s| s.trim().parse().ok())
    }

    /// Waits until the pane's program has exited (its pty closed); true
    /// if it did in time. tmux may not have reaped it yet, so its status
    /// can still be unknown: see `pane_exit_status`.
    pub fn wait_for_dead(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.pane_dead() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    /// `command` followed by a line with its exit status, for
    /// [`wait_for_reported_exit`](Tmux::wait_for_reported_exit): tmux 3.3
    /// sometimes never reaps a pane's process, and so never learns its
    /// status.
    pub fn with_exit_report(command: &str) -> String {
        format!("{command}; echo {EXIT_STATUS_PREFIX}$?")
    }

    /// Waits for the status line of a [`with_exit_report`] command.
    ///
    /// [`with_exit_report`]: Tmux::with_exit_report
    pub fn wait_for_reported_exit(&self, timeout: Duration) -> Result<i32, String> {
        let screen = self.wait_for(timeout, |s| s.contains(EXIT_STATUS_PREFIX))?;
        screen
            .lines()
            .find_map(|l| l.trim().strip_prefix(EXIT_STATUS_PREFIX)?.parse().ok())
            .ok_or(screen)
    }

    /// The pid of the pane's program.
    pub fn pane_pid(&self) -> Option<i32> {
        self.query("#{pane_pid}")
            .and_then(|s| s.trim().parse().ok())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if let Some(pid) = self.server_pid {
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && mosh_rs::sys::process::kill(pid, 0).is_ok() {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
