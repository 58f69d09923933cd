//! The session's event loop: the UDP socket, the pty master, signals and
//! the transport's timers in one mio loop.
//!
//! Each turn: wait until something is ready or a timer is due; take
//! signals; take every datagram waiting (dropping bad ones); hand new user
//! input to the program; read the program's output as fast as it comes
//! (into the host state, so only the newest screen matters); write
//! queued input to the pty without blocking; check the timeouts and the
//! shutdown handshake; then send whatever the transport says is due.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::UdpSocket;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use mio::net::UdpSocket as MioUdpSocket;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::control::{ControlEndpoint, ATTACHED_SILENCE_MS};
use super::timeouts::Timeouts;
use crate::diag::{DiagLog, Event, HeldState};
use crate::event_loop::{chaff_seed, log_frames, send_due, Clock};
use crate::statesync::{CompleteTerminal, HostState, UserStream};
use crate::sys::fd::set_nonblocking;
use crate::sys::process::{kill_process_group, try_wait};
use crate::sys::pty::{set_window_size, WindowSize};
use crate::sys::signals::{Signal, SignalPipe, SignalSet};
use crate::sys::spawn::PtyChild;
use crate::transport::{Millis, Transport, TransportEvent};
use crate::wire::{decode_user_message, SessionKey, UserEvent, WireError};

mod discipline_watch;
mod log;
mod output_batch;
mod program_output;
mod rekey;
mod synchronized_output;

use discipline_watch::DisciplineWatch;
use log::Log;
use program_output::ProgramOutput;

const SOCKET: Token = Token(0);
const PTY: Token = Token(1);
const SIGNALS: Token = Token(2);
/// The control socket's listener; its connections take the tokens after it.
const CONTROL: Token = Token(3);

/// Bytes read from the pty per turn before the network gets a look in.
const PTY_READ_BUDGET: usize = 1 << 20;
/// Time spent reading the pty per turn before the network gets a look in:
/// half the shortest frame interval, so frames keep their pace in a flood.
const PTY_READ_TIME_BUDGET: Duration = Duration::from_millis(10);
/// Size of one pty read.
const PTY_READ_CHUNK: usize = 64 * 1024;
/// Datagrams taken per turn before other work gets a look in.
const DATAGRAM_BUDGET: usize = 256;
/// Input queued for the program beyond which new user input waits in the
/// transport (the program is not reading).
const TO_PTY_LIMIT: usize = 256 * 1024;
/// The server quits if no client ever connects within this time (ms).
const NO_CLIENT_TIMEOUT_MS: u64 = 60_000;
/// The largest window accepted from a client, per dimension.
const MAX_WINDOW_DIMENSION: i32 = 1024;

/// Everything the event loop starts from.
#[derive(Debug)]
pub(crate) struct SessionSetup {
    /// The bound server socket (non-blocking).
    pub socket: UdpSocket,
    /// The session key printed in `MOSH CONNECT`.
    pub key: SessionKey,
    /// The program on its pty, held until the client first speaks.
    pub child: PtyChild,
    /// The pty's initial size.
    pub size: WindowSize,
    /// Idle limits.
    pub timeouts: Timeouts,
    /// `-v` count: log events on stderr.
    pub verbose: u32,
    /// The `MOSH_LOG` file (or a disabled log).
    pub diag: DiagLog,
    /// The session's entry in the registry, if it could be made.
    pub control: Option<ControlEndpoint>,
    /// Lines of scrollback kept for a mosh-rs client (0: none).
    pub scrollback_lines: u64,
}

/// Runs the session until it ends; returns the exit status.
pub(crate) fn serve(setup: SessionSetup) -> i32 {
    serve_with::<CompleteTerminal>(setup)
}

/// Runs the session with host state `S`.
pub(crate) fn serve_with<S: HostState>(setup: SessionSetup) -> i32 {
    match Session::<S>::new(setup) {
        Ok(mut session) => session.run(),
        Err(e) => {
            eprintln!("mosh-server: cannot start the event loop: {e}");
            1
        }
    }
}

/// Why the loop should stop, or go on.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Continue,
    Stop,
}

struct Session<S: HostState> {
    poll: Poll,
    socket: MioUdpSocket,
    pty: File,
    signals: SignalPipe,
    transport: Transport<S, UserStream>,
    child: PtyChild,
    clock: Clock,
    timeouts: Timeouts,
    log: Log,
    /// Bytes waiting to be written to the pty, from `to_pty_done` on.
    to_pty: Vec<u8>,
    to_pty_done: usize,
    pty_write_interest: bool,
    pty_more_to_read: bool,
    socket_more_to_read: bool,
    last_remote_num: u64,
    /// Reused for every pty read.
    read_buf: Vec<u8>,
    /// The current window size.
    size: WindowSize,
    control: Option<ControlEndpoint>,
    control_ready: bool,
    /// A transport replaced by an attach, finishing its shutdown with the
    /// old client.
    retired: Option<rekey::Retired<S>>,
    /// `kill` was asked for over the control socket.
    quit_requested: bool,
    /// When the current client was last heard (ms), kept across rekeys.
    last_heard: Option<Millis>,
    /// Lines of scrollback kept for a client that asks (0: none).
    scrollback_lines: u64,
    /// The pty's line discipline, for a client that uses it.
    discipline: DisciplineWatch,
    /// The program's output not yet given to the emulator.
    output: ProgramOutput,
}

impl<S: HostState> Session<S> {
    fn new(mut setup: SessionSetup) -> io::Result<Session<S>> {
        let clock = Clock::start();
        let poll = Poll::new()?;
        setup.socket.set_nonblocking(true)?;
        let mut socket = MioUdpSocket::from_std(setup.socket);
        poll.registry()
            .register(&mut socket, SOCKET, Interest::READABLE)?;
        set_nonblocking(setup.child.master.as_fd(), true)?;
        let pty = File::from(setup.child.master.try_clone()?);
        poll.registry()
            .register(&mut SourceFd(&pty.as_raw_fd()), PTY, Interest::READABLE)?;
        let mut signals = SignalPipe::install(&[
            Signal::Terminate,
            Signal::Interrupt,
            Signal::User1,
            Signal::User2,
        ])?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        if let Some(control) = &mut setup.control {
            control.register(poll.registry(), CONTROL)?;
        }
        let seed = chaff_seed();
        let mut local = S::blank(setup.size.cols, setup.size.rows);
        local.keep_history(setup.scrollback_lines);
        let mut transport =
            Transport::new_server(&setup.key, local, UserStream::new(), clock.now(), seed);
        transport.set_frame_records(setup.diag.wants_frames());
        let mut diag = setup.diag;
        diag.record(&Event::Started {
            local: socket.local_addr().ok(),
            peer: None,
            verbose: setup.verbose,
        });
        Ok(Session {
            poll,
            socket,
            pty,
            signals,
            transport,
            child: setup.child,
            clock,
            timeouts: setup.timeouts,
            log: Log::new(setup.verbose, diag),
            to_pty: Vec::new(),
            to_pty_done: 0,
            pty_write_interest: false,
            pty_more_to_read: false,
            socket_more_to_read: false,
            last_remote_num: 0,
            read_buf: vec![0u8; PTY_READ_CHUNK],
            size: setup.size,
            control: setup.control,
            control_ready: false,
            retired: None,
            quit_requested: false,
            last_heard: None,
            scrollback_lines: setup.scrollback_lines,
            discipline: DisciplineWatch::default(),
            output: ProgramOutput::default(),
        })
    }

    fn run(&mut self) -> i32 {
        let mut events = Events::with_capacity(16);
        loop {
            let now = self.clock.now();
            let timeout = Duration::from_millis(self.next_wakeup(now).since(now).min(86_400_000));
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                self.log.say(format_args!("poll: {e}"));
                self.log.exiting("cannot wait for events (poll failed)");
                break;
            }
            let mut signals = SignalSet::default();
            for event in events.iter() {
                match event.token() {
                    SOCKET => self.socket_more_to_read = true,
                    PTY => self.pty_more_to_read |= event.is_readable() || event.is_read_closed(),
                    token if self.control.as_ref().is_some_and(|c| c.owns(token)) => {
                        self.control_ready = true;
                    }
                    _ => signals = self.signals.take(),
                }
            }
            if self.turn(signals) == Next::Stop {
                break;
            }
        }
        self.finish();
        0
    }

    /// One turn of the loop after waking up.
    fn turn(&mut self, signals: SignalSet) -> Next {
        let now = self.clock.now();
        if self.control_ready {
            self.control_ready = false;
            self.handle_control_requests(now);
        }
        if self.socket_more_to_read {
            self.receive_datagrams(now);
        }
        self.apply_user_input(now);
        if self.pty_more_to_read && !self.transport.shutdown_in_progress() {
            self.read_pty(now);
        }
        self.release_held_output(now);
        self.write_pty(now);
        if self.user_input_waiting() {
            // The queue drained this turn: hand over what was held back.
            self.apply_user_input(now);
            self.write_pty(now);
        }
        if self.check_lifetime(signals, now) == Next::Stop {
            return Next::Stop;
        }
        if !self.transport.shutdown_in_progress() {
            self.transport
                .current_state_mut()
                .update_echo_ack(now.as_u64());
            self.watch_line_discipline();
        }
        self.send_retired(now);
        let next = self.send_datagrams(now);
        self.update_registry(now);
        next
    }

    /// Puts the pty's line discipline into the state, for a client that
    /// uses it (read just before sending, so a program that prints a
    /// prompt and then turns echo off is seen with echo off).
    fn watch_line_discipline(&mut self) {
        if !self.transport.current_state().wants_line_discipline() {
            return;
        }
        if let Some(discipline) = self.discipline.read(self.pty.as_fd()) {
            self.transport
                .current_state_mut()
                .set_line_discipline(discipline);
        }
    }

    /// Whether user input is held back in the transport although the
    /// queue to the program has room for it now.
    fn user_input_waiting(&self) -> bool {
        self.transport.remote_state_num() != self.last_remote_num
            && self.queued_for_pty() < TO_PTY_LIMIT
    }

    /// The absolute time the loop must wake up by.
    fn next_wakeup(&mut self, now: Millis) -> Millis {
        let busy = self.pty_more_to_read && !self.transport.shutdown_in_progress();
        if busy || self.socket_more_to_read || self.user_input_waiting() || self.control_ready {
            return now;
        }
        let mut wake = self.transport.poll_timeout(now);
        if let Some(due) = self.output.deadline() {
            wake = wake.min(due);
        }
        if let Some(due) = self.transport.current_state().echo_ack_deadline() {
            wake = wake.min(Millis(due));
        }
        if self.transport.remote_state_num() == 0 || self.transport.shutdown_in_progress() {
            wake = wake.min(now.saturating_add(5000));
        }
        if self.timeouts.network_ms > 0 {
            let heard = self.transport.latest_remote_state().timestamp;
            wake = wake.min(heard.saturating_add(self.timeouts.network_ms));
        }
        if let Some(retired) = &mut self.retired {
            wake = wake.min(retired.next_wakeup(now));
        }
        if let Some(deadline) = self.control.as_ref().and_then(|c| c.next_deadline()) {
            wake = wake.min(deadline.max(now));
        }
        if let Some(heard) = self.last_heard {
            let detached_at = heard.saturating_add(ATTACHED_SILENCE_MS);
            if detached_at > now {
                wake = wake.min(detached_at);
            }
        }
        wake
    }

    fn receive_datagrams(&mut self, now: Millis) {
        let mut buf = [0u8; 4096];
        for _ in 0..DATAGRAM_BUDGET {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let datagram = buf.get(..n).unwrap_or_default();
                    if let Err(why) = self.transport.handle_datagram(datagram, from, now) {
                        let for_old_client = self
                            .retired
                            .as_mut()
                            .is_some_and(|old| old.take_datagram(datagram, from, now));
                        if !for_old_client {
                            self.log.dropped(&why);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.socket_more_to_read = false;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // e.g. ECONNREFUSED from an ICMP error: nothing to read.
                    self.log.say(format_args!("recvfrom: {e}"));
                }
            }
        }
    }

    /// Hands new user input to the program, unless it is not keeping up.
    fn apply_user_input(&mut self, now: Millis) {
        let num = self.transport.remote_state_num();
        if num == self.last_remote_num || self.queued_for_pty() >= TO_PTY_LIMIT {
            return;
        }
        self.last_remote_num = num;
        let diff = self.transport.take_remote_diff();
        let events = match decode_user_message(&diff) {
            Ok(events) => events,
            Err(e) => {
                self.log
                    .say(format_args!("ignored undecodable user input: {e}"));
                Vec::new()
            }
        };
        for (i, event) in events.iter().enumerate() {
            match event {
                UserEvent::Keystroke(keys) => {
                    let mut to_host = std::mem::take(&mut self.to_pty);
                    self.transport
                        .current_state_mut()
                        .user_keys(keys, &mut to_host);
                    self.to_pty = to_host;
                }
                UserEvent::Resize { width, height } => {
                    let superseded = matches!(events.get(i + 1), Some(UserEvent::Resize { .. }));
                    if !superseded {
                        self.resize(*width, *height);
                    }
                }
                UserEvent::Features(features) => {
                    self.log
                        .say(format_args!("the client announced {features:?}"));
                    self.transport
                        .current_state_mut()
                        .set_peer_features(*features);
                }
            }
        }
        if !events.is_empty() {
            self.transport
                .current_state_mut()
                .register_input(num, now.as_u64());
        }
        if self.child.is_held() {
            self.child.release();
        }
    }

    fn resize(&mut self, width: i32, height: i32) {
        let size = WindowSize {
            cols: width.clamp(1, MAX_WINDOW_DIMENSION) as u16,
            rows: height.clamp(1, MAX_WINDOW_DIMENSION) as u16,
        };
        self.size = size;
        if let Err(e) = set_window_size(self.pty.as_fd(), size) {
            self.log.say(format_args!("cannot resize the pty: {e}"));
        }
        self.transport
            .current_state_mut()
            .resize(size.cols, size.rows);
    }

    fn queued_for_pty(&self) -> usize {
        self.to_pty.len() - self.to_pty_done
    }

    /// Reads what the program wrote, up to a budget of bytes and time per
    /// turn.
    fn read_pty(&mut self, now: Millis) {
        let mut buf = std::mem::take(&mut self.read_buf);
        let mut budget = PTY_READ_BUDGET;
        let started = Instant::now();
        let mut replies = Vec::new();
        loop {
            match self.pty.read(&mut buf) {
                Ok(0) => {
                    self.program_ended(now);
                    break;
                }
                Ok(n) => {
                    let bytes = buf.get(..n).unwrap_or_default();
                    let state = self.transport.current_state_mut();
                    self.output.pass(bytes, now, state, &mut replies);
                    budget = budget.saturating_sub(n);
                    if budget == 0 || started.elapsed() >= PTY_READ_TIME_BUDGET {
                        break; // more may be waiting: pty_more_to_read stays set
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.pty_more_to_read = false;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    // EIO: every copy of the pty slave is closed.
                    self.program_ended(now);
                    break;
                }
            }
        }
        self.read_buf = buf;
        self.to_pty.extend_from_slice(&replies);
        let dropped = self.transport.current_state().dropped_clipboard_copies();
        self.log.dropped_copies(dropped);
    }

    /// Lets out the program's output that has waited long enough.
    fn release_held_output(&mut self, now: Millis) {
        let mut replies = Vec::new();
        let state = self.transport.current_state_mut();
        self.output.release_due(now, state, &mut replies);
        self.to_pty.extend_from_slice(&replies);
    }

    fn program_ended(&mut self, now: Millis) {
        self.pty_more_to_read = false;
        let state = self.transport.current_state_mut();
        self.output.flush(now, state, &mut Vec::new());
        if !self.transport.shutdown_in_progress() {
            self.log
                .say(format_args!("the session's program has ended"));
            self.log.exiting("the session's program has ended");
            self.transport.start_shutdown(now);
        }
    }

    /// Writes queued input to the pty without blocking.
    fn write_pty(&mut self, now: Millis) {
        while self.queued_for_pty() > 0 {
            let pending = self.to_pty.get(self.to_pty_done..).unwrap_or_default();
            match self.pty.write(pending) {
                Ok(0) => break,
                Ok(n) => self.to_pty_done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.to_pty.clear();
                    self.to_pty_done = 0;
                    self.program_ended(now);
                    break;
                }
            }
        }
        if self.queued_for_pty() == 0 {
            self.to_pty.clear();
            self.to_pty_done = 0;
        }
        let want_write = self.queued_for_pty() > 0;
        if want_write != self.pty_write_interest {
            let interest = if want_write {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let raw = self.pty.as_raw_fd();
            if self
                .poll
                .registry()
                .reregister(&mut SourceFd(&raw), PTY, interest)
                .is_ok()
            {
                self.pty_write_interest = want_write;
            }
        }
    }

    /// Signals, idle timeouts and the shutdown handshake.
    fn check_lifetime(&mut self, signals: SignalSet, now: Millis) -> Next {
        if signals.contains(Signal::User2) {
            let held = HeldState::of(&self.transport);
            self.log.diag.record(&Event::Held(held));
        }
        let since_heard = now.since(self.transport.latest_remote_state().timestamp);
        let mut quit = signals.contains(Signal::Terminate)
            || signals.contains(Signal::Interrupt)
            || std::mem::take(&mut self.quit_requested);
        if self.timeouts.network_ms > 0 && since_heard >= self.timeouts.network_ms {
            self.log.say(format_args!(
                "Network idle for {} seconds.",
                since_heard / 1000
            ));
            quit = true;
        }
        if signals.contains(Signal::User1)
            && (self.timeouts.signal_ms == 0 || since_heard >= self.timeouts.signal_ms)
        {
            self.log.say(format_args!(
                "Network idle for {} seconds when SIGUSR1 received",
                since_heard / 1000
            ));
            quit = true;
        }
        if quit {
            if !self.transport.shutdown_in_progress() {
                let idle = self.timeouts.network_ms > 0 && since_heard >= self.timeouts.network_ms;
                self.log.exiting(if idle {
                    "network idle timeout (MOSH_SERVER_NETWORK_TMOUT)"
                } else if signals.contains(Signal::User1) {
                    "SIGUSR1 received"
                } else {
                    "signal received"
                });
            }
            if self.transport.has_remote_addr() && !self.transport.shutdown_in_progress() {
                self.transport.start_shutdown(now);
            } else {
                return Next::Stop;
            }
        }
        let shutdown_over = !self.transport.has_remote_addr()
            || self.transport.shutdown_acknowledged()
            || self.transport.shutdown_ack_timed_out(now);
        if self.transport.shutdown_in_progress() && shutdown_over {
            self.log.exiting("shutdown complete");
            return Next::Stop;
        }
        if self.transport.counterparty_shutdown_ack_sent() {
            self.log.exiting("the client shut the session down");
            return Next::Stop;
        }
        let never_had_client = self.last_heard.is_none();
        if never_had_client
            && self.transport.remote_state_num() == 0
            && since_heard >= NO_CLIENT_TIMEOUT_MS
        {
            self.log.say(format_args!(
                "No connection within {} seconds.",
                NO_CLIENT_TIMEOUT_MS / 1000
            ));
            self.log.exiting("no client connected within 60 seconds");
            return Next::Stop;
        }
        Next::Continue
    }

    fn send_datagrams(&mut self, now: Millis) -> Next {
        let socket = &self.socket;
        let log = &self.log;
        send_due(
            &mut self.transport,
            now,
            |datagram, to| socket.send_to(datagram, to),
            |_| {},
            |failure| log.say(format_args!("sendto {}: {}", failure.to, failure.error)),
        );
        while let Some(event) = self.transport.poll_event() {
            match event {
                TransportEvent::RemoteAttached(addr) => {
                    self.log
                        .say(format_args!("Server now attached to client at {addr}"));
                    self.log.diag.record(&Event::PeerAttached(addr));
                }
                TransportEvent::RemoteDetached => {
                    self.log
                        .say(format_args!("Server now detached from client."));
                    self.log.diag.record(&Event::PeerDetached);
                }
                TransportEvent::SendFailed(WireError::EncryptionLimit) => {
                    self.log.say(format_args!(
                        "the session key is worn out; ending the session"
                    ));
                    self.log.exiting("the session key is worn out");
                    return Next::Stop;
                }
                TransportEvent::SendFailed(e) => self.log.say(format_args!("could not send: {e}")),
                TransportEvent::PortHopWanted => {}
            }
        }
        log_frames(&mut self.transport, &mut self.log.diag);
        Next::Continue
    }

    /// Hangs up on the program and reaps it.
    fn finish(&mut self) {
        let _ = kill_process_group(self.child.pid, libc::SIGHUP);
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            match try_wait(self.child.pid) {
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                _ => break,
            }
        }
    }
}
