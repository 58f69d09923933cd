//! The local terminal's side of the client loop: what was typed (escape
//! commands, predictions, then the user stream) and the signals that
//! resize, suspend, resume or end the session.

use std::io;

use super::{Client, CTRL_L, INPUT_CHUNK, SUSPENDED_LINE};
use crate::client::escape::KeyAction;
use crate::client::key_events::legacy_key_at;
use crate::client::prediction::PASTE_THRESHOLD;
use crate::diag::Event;
use crate::sys::signals::{Signal, SignalSet};
use crate::terminal::scrollback::enter_primary;

impl Client {
    /// Takes what was typed; false at end of input.
    pub(super) fn read_keyboard(&mut self, now: u64) -> io::Result<bool> {
        let mut buf = [0u8; INPUT_CHUNK];
        let n = match self.terminal()?.read(&mut buf) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                self.keyboard_pending = false;
                return Ok(true);
            }
            Err(_) => return Ok(false),
        };
        // A full buffer may have left more behind.
        self.keyboard_pending = n == buf.len();
        self.take_typed(buf.get(..n).unwrap_or_default(), now)?;
        Ok(true)
    }

    /// Acts on what was typed: escape commands, predictions, then the
    /// user stream.
    pub(super) fn take_typed(&mut self, typed: &[u8], now: u64) -> io::Result<()> {
        if self.transport.shutdown_in_progress() {
            return Ok(());
        }
        self.overlays
            .predictions
            .set_frame_sent(self.transport.sent_state_last());
        let paste = typed.len() > PASTE_THRESHOLD;
        if paste {
            self.overlays.predictions.reset();
        }
        let mut rest = typed;
        while let Some(&byte) = rest.first() {
            if let Some((len, key)) = legacy_key_at(rest) {
                if self.escape.wants(key) {
                    rest = rest.get(len..).unwrap_or_default();
                    if !self.handle_key(key, now)? {
                        break;
                    }
                    continue;
                }
            }
            rest = rest.get(1..).unwrap_or_default();
            if !paste {
                self.overlays
                    .predictions
                    .new_user_byte(byte, &self.shown, now);
            }
            if !self.handle_key(byte, now)? {
                break;
            }
        }
        Ok(())
    }

    /// Acts on one typed byte; false when the rest of the input is moot.
    fn handle_key(&mut self, byte: u8, now: u64) -> io::Result<bool> {
        let action = self.escape.process(byte);
        if action.ends_escape() && self.showing_escape_help() {
            self.overlays
                .notifications
                .set_message("", false, true, now);
        }
        match action {
            KeyAction::Quit => {
                self.start_shutdown("Exiting on user request...", now);
                return Ok(false);
            }
            KeyAction::Suspend => self.suspend()?,
            KeyAction::ToggleStatus => self.overlays.status.toggle(),
            KeyAction::Login => self.log_in_with_ssh(now)?,
            KeyAction::EscapeStarted => {
                if let Some(help) = &self.escape_help {
                    self.overlays
                        .notifications
                        .set_message(help, true, false, now);
                }
            }
            KeyAction::Send(..) => {
                if action.bytes() == [CTRL_L] {
                    self.repaint = true;
                }
                self.transport.current_state_mut().push_keys(action.bytes());
            }
        }
        Ok(true)
    }

    fn showing_escape_help(&self) -> bool {
        self.escape_help
            .as_deref()
            .is_some_and(|help| self.overlays.notifications.message() == help)
    }

    pub(super) fn handle_signals(&mut self, signals: SignalSet, now: u64) -> io::Result<()> {
        if signals.contains(Signal::WindowChange) {
            self.resize()?;
        }
        if signals.contains(Signal::TerminalStop) {
            self.suspend()?;
        }
        if signals.contains(Signal::Continue) {
            self.resume()?;
        }
        if signals.contains(Signal::User1) {
            let figures = self.status_figures(now);
            self.diag.record(&Event::Status(&figures));
        }
        let quit = [
            Signal::Terminate,
            Signal::Interrupt,
            Signal::Hangup,
            Signal::Pipe,
        ];
        if quit.iter().any(|&s| signals.contains(s)) {
            self.start_shutdown("Signal received, shutting down...", now);
        }
        Ok(())
    }

    fn resize(&mut self) -> io::Result<()> {
        let size = self.terminal()?.size()?;
        if let Some(view) = self.scrollback.as_mut() {
            let pushed_back = view.terminal_resized(usize::from(size.rows), &self.shown);
            if !pushed_back.is_empty() {
                self.repaint = true;
                if !self.output_broken && self.terminal()?.write(&pushed_back).is_err() {
                    self.output_broken = true;
                }
            }
        }
        if !self.transport.shutdown_in_progress() {
            self.transport
                .current_state_mut()
                .push_resize(i32::from(size.cols), i32::from(size.rows));
        }
        self.overlays.predictions.reset();
        Ok(())
    }

    /// Gives the terminal back and stops the process group until SIGCONT.
    pub(super) fn suspend(&mut self) -> io::Result<()> {
        self.leave_the_frame_behind();
        let terminal = self.terminal()?;
        terminal.suspend()?;
        terminal.write(SUSPENDED_LINE)?;
        let _ = crate::sys::process::kill(0, libc::SIGSTOP);
        self.resume()
    }

    /// Runs ssh in the terminal so the user can type a password, leaving
    /// a master that the next carrier goes through; the session is held
    /// meanwhile, as while suspended, and repainted after.
    fn log_in_with_ssh(&mut self, now: u64) -> io::Result<()> {
        let Some(argv) = self.carrier.as_ref().and_then(|link| link.login_argv()) else {
            return Ok(());
        };
        self.leave_the_frame_behind();
        let terminal = self.terminal()?;
        terminal.suspend()?;
        terminal.write(LOGIN_LINE)?;
        let status = run_in_terminal(&argv);
        // Ctrl-C at ssh's prompt reached this process too; it meant ssh.
        let _ = self.signals.take();
        self.resume()?;
        let text = match status {
            Ok(true) => {
                self.escape.offer_login(false);
                if let Some(link) = self.carrier.as_mut() {
                    link.logged_in(now);
                }
                "logged in with ssh; reconnecting".to_string()
            }
            Ok(false) => "ssh did not log in".to_string(),
            Err(e) => format!("cannot run ssh: {e}"),
        };
        self.diag.record(&Event::Carrier(&text));
        self.overlays
            .notifications
            .set_message(&format!("{text}."), false, false, now);
        Ok(())
    }

    /// Takes the terminal back after a suspend and repaints everything.
    fn resume(&mut self) -> io::Result<()> {
        let primary_screen = self.scrollback.is_some();
        let terminal = self.terminal()?;
        if primary_screen {
            // The window may have changed size while it was given away.
            let rows = usize::from(terminal.size()?.rows);
            terminal.set_enter(&enter_primary(rows));
        }
        terminal.resume()?;
        self.repaint = true;
        Ok(())
    }
}

/// Shown on the restored terminal before ssh asks for a password.
const LOGIN_LINE: &[u8] = b"\n\x1b[37;44m[mosh: logging in with ssh to reconnect]\x1b[m\n";

/// Runs `argv` on the terminal and waits; whether it succeeded.
fn run_in_terminal(argv: &[std::ffi::OsString]) -> io::Result<bool> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::other("no ssh command"))?;
    let status = std::process::Command::new(program).args(args).status()?;
    Ok(status.success())
}
