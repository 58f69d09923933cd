//! The client's event loop: typed input, the UDP sockets, signals and the
//! timers of the transport and the overlays in one mio loop, drawing the
//! composed frame to the terminal after every turn.
//!
//! Each turn: draw what changed; wait for input, a datagram, a signal or
//! a timer; take every datagram waiting; take what was typed (escape-key
//! commands, predictions, then the user stream); handle signals (resize,
//! suspend and resume, quit); update the connection notices; send what
//! the transport says is due; and stop once a shutdown is complete.
//! `local_input` handles the keyboard and the signals, `diagnostics` the
//! figures the status view and `MOSH_LOG` show.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::capabilities::Capabilities;
use super::escape::EscapeHandler;
use super::keyboard_probe::probe as probe_keyboard_protocol;
use super::overlays::{keep_application_cursor_keys, Overlays};
use super::settings::ClientEnvironment;
use super::sockets::ClientSockets;
use super::tty::LocalTerminal;
use crate::diag::{ConnectionStats, DiagLog, Event};
use crate::event_loop::{chaff_seed, log_frames, send_due, Clock};
use crate::statesync::{CompleteTerminal, UserStream};
use crate::sys::signals::{Signal, SignalPipe, SignalSet};
use crate::terminal::{render, Framebuffer, RenderCaps};
use crate::transport::{Millis, Transport, TransportError, TransportEvent};
use crate::wire::{PeerFeatures, SessionKey, WireError, RECEIVE_BUFFER_LEN};

mod carrier_events;
mod carrier_link;
mod carrier_loss;
mod clipboard;
mod diagnostics;
mod drawing;
mod local_input;
mod scrollback;

use super::carrier_plan::CarrierPlan;
use carrier_link::{CarrierLink, CARRIER_ERRORS, CARRIER_INPUT, CARRIER_OUTPUT};
use clipboard::ClipboardWriter;
use scrollback::ScrollbackView;

const STDIN: Token = Token(0);
const SIGNALS: Token = Token(1);
/// Sockets get tokens from here on.
const FIRST_SOCKET_TOKEN: usize = 16;

/// Bytes taken from the keyboard per read.
const INPUT_CHUNK: usize = 16 * 1024;
/// Datagrams taken per turn before other work gets a look in.
const DATAGRAM_BUDGET: usize = 256;
/// Before the first reply, look at the connection at least this often (ms).
const CONNECTING_CHECK_MS: u64 = 250;
/// Give up on a server that never answers after this long (ms).
const CONNECT_TIMEOUT_MS: u64 = 15_000;
/// The longest single wait (ms), however idle.
const MAX_WAIT_MS: u64 = 60_000;

const CTRL_L: u8 = 0x0c;

/// Shown while suspended, on the restored terminal.
const SUSPENDED_LINE: &[u8] = b"\n\x1b[37;44m[mosh is suspended.]\x1b[m\n";

/// Everything a session starts from.
#[derive(Debug)]
pub(crate) struct SessionSetup {
    /// Where the server listens.
    pub server: SocketAddr,
    /// The session key.
    pub key: SessionKey,
    /// The environment's settings.
    pub settings: ClientEnvironment,
    /// The local terminal's capabilities.
    pub caps: Capabilities,
    /// `-v` count.
    pub verbose: u32,
    /// The `MOSH_LOG` file (or a disabled log).
    pub diag: DiagLog,
    /// `MOSH_CLIENT_NETWORK_TIMEOUT` (ms): give up after this long
    /// without hearing from the server.
    pub network_timeout_ms: Option<u64>,
    /// How to carry the session over ssh, when the bootstrap allows it.
    pub carrier: Option<CarrierPlan>,
    /// What to announce to a mosh-rs server (nothing to a stock one):
    /// scrollback when it offers it and the user wants it, the line
    /// discipline when it offers it.
    pub features: PeerFeatures,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Both ends agreed to stop (a quit, or the server's program exited).
    Clean,
    /// The client stopped without the server's agreement.
    Unclean,
    /// The server never answered.
    NeverConnected,
    /// Nothing was heard from the server for the network timeout (s).
    NetworkTimeout(u64),
    /// `--transport=ssh`, and the remote's server is stock mosh's, which
    /// cannot relay.
    CarrierNeedsMoshRs,
}

/// Runs the session on the current terminal until it ends.
pub fn run(setup: SessionSetup) -> io::Result<Ending> {
    let mut client = Client::new(setup)?;
    let result = client.run();
    let ending = client.finish();
    result.map(|()| ending)
}

/// What woke the loop.
#[derive(Default)]
struct Wakeup {
    network: bool,
    keyboard: bool,
    signals: SignalSet,
    /// The ssh carrier can take more.
    carrier_writable: bool,
}

struct Client {
    poll: Poll,
    sockets: ClientSockets,
    signals: SignalPipe,
    terminal: Option<LocalTerminal>,
    transport: Transport<UserStream, CompleteTerminal>,
    overlays: Overlays,
    escape: EscapeHandler,
    escape_help: Option<String>,
    /// The escape key as the help names it (`Ctrl-^`), if there is one.
    escape_key_name: Option<String>,
    connecting_notice: String,
    clock: Clock,
    /// What the terminal shows now.
    shown: Framebuffer,
    repaint: bool,
    /// Native scrollback: history waiting to go into the user's terminal.
    scrollback: Option<ScrollbackView>,
    render_caps: RenderCaps,
    /// Clipboard copies written to the user's terminal.
    clipboard: ClipboardWriter,
    keyboard_pending: bool,
    network_pending: bool,
    output_broken: bool,
    receive_buffer: Vec<u8>,
    clean_shutdown: bool,
    server: SocketAddr,
    prediction_mode: &'static str,
    diag: DiagLog,
    stats: ConnectionStats,
    network_timeout_ms: Option<u64>,
    timed_out: bool,
    /// Prediction progress already logged: confirmed epoch, discards.
    logged_epochs: (u64, u64),
    /// The ssh carrier, when the session may use one.
    carrier: Option<CarrierLink>,
    /// When the client started waiting for the server (ms): the start, or
    /// the opening of the carrier.
    connect_started: u64,
    /// The only way to the server is the carrier, and the remote cannot
    /// relay: the session ends.
    carrier_impossible: bool,
    /// What the user typed while the client asked the terminal about the
    /// keyboard protocol: taken as typed when the loop starts.
    typed_early: Vec<u8>,
}

impl Client {
    fn new(setup: SessionSetup) -> io::Result<Client> {
        let clock = Clock::start();
        let poll = Poll::new()?;
        let caps = if setup.features.scrollback {
            let height = crate::sys::pty::window_size(io::stdin().as_fd())
                .map_or(24, |size| usize::from(size.rows.max(1)));
            setup.caps.clone().with_primary_screen(height)
        } else {
            setup.caps.clone()
        };
        let mut terminal = LocalTerminal::enter(&caps)?;
        let mut features = setup.features;
        let mut typed_early = Vec::new();
        if features.keys {
            // Announced only when the user's terminal can take the flags.
            let (supported, typed) = probe_keyboard_protocol(&mut terminal)?;
            features.keys = supported;
            typed_early = typed;
            if supported {
                terminal.use_keyboard_protocol()?;
            }
        }
        let size = terminal.size()?;
        let (cols, rows) = (usize::from(size.cols), usize::from(size.rows));

        // Start from a cleared screen.
        let mut shown = Framebuffer::new(cols, rows);
        keep_application_cursor_keys(&mut shown);
        let render_caps = RenderCaps {
            ech: setup.caps.has_ech,
            bce: setup.caps.has_bce,
            title: setup.caps.has_title,
            keep_scrollback_clean: setup.features.scrollback,
            marks: setup.features.marks,
            mouse_pixels: setup.features.mouse_pixels,
            keyboard_protocol: features.keys,
            extras: setup.caps.extras,
            // Written once per copy by `clipboard`, not with each repaint.
            max_clipboard: None,
        };
        terminal.write(&render(None, &shown, &render_caps))?;

        poll.registry().register(
            &mut SourceFd(&terminal.input_fd()),
            STDIN,
            Interest::READABLE,
        )?;
        let mut signals = SignalPipe::install(&[
            Signal::WindowChange,
            Signal::Terminate,
            Signal::Interrupt,
            Signal::Hangup,
            Signal::Pipe,
            Signal::Continue,
            Signal::TerminalStop,
            Signal::User1,
        ])?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        let sockets = ClientSockets::open(setup.server, poll.registry(), FIRST_SOCKET_TOKEN)?;

        let now = clock.now().as_u64();
        let mut transport = Transport::new_client(
            &setup.key,
            setup.server,
            UserStream::new(),
            CompleteTerminal::new(cols, rows),
            Millis(now),
            chaff_seed(),
        );
        // Keystrokes go out at once.
        transport.set_send_delay(1);
        transport.set_frame_records(setup.diag.wants_frames());
        let mut diag = setup.diag;
        diag.record(&Event::Started {
            local: sockets.local_addr().ok(),
            peer: Some(setup.server),
            verbose: setup.verbose,
        });
        if features.any() {
            // First in the stream, so the server knows before it sends.
            transport.current_state_mut().push_features(features);
        }
        transport
            .current_state_mut()
            .push_resize(i32::from(size.cols), i32::from(size.rows));

        let escape_help = setup.settings.escape_key.as_ref().map(|k| k.help_line());
        let escape_key_name = setup.settings.escape_key.as_ref().map(|k| k.name());
        Ok(Client {
            poll,
            sockets,
            signals,
            terminal: Some(terminal),
            transport,
            overlays: Overlays::new(&setup.settings, now),
            escape: EscapeHandler::new(setup.settings.escape_key.clone()),
            escape_help,
            escape_key_name,
            connecting_notice: format!(
                "Nothing received from server on UDP port {}.",
                setup.server.port()
            ),
            clock,
            shown,
            repaint: false,
            scrollback: setup
                .features
                .scrollback
                .then(|| ScrollbackView::new(usize::from(size.rows))),
            render_caps,
            clipboard: ClipboardWriter::default(),
            keyboard_pending: false,
            network_pending: false,
            output_broken: false,
            receive_buffer: vec![0; RECEIVE_BUFFER_LEN],
            clean_shutdown: false,
            server: setup.server,
            prediction_mode: setup.settings.prediction.name(),
            diag,
            stats: ConnectionStats::default(),
            network_timeout_ms: setup.network_timeout_ms,
            timed_out: false,
            logged_epochs: (0, 0),
            carrier: setup.carrier.map(|plan| CarrierLink::new(plan, now)),
            connect_started: now,
            carrier_impossible: false,
            typed_early,
        })
    }

    fn terminal(&mut self) -> io::Result<&mut LocalTerminal> {
        self.terminal
            .as_mut()
            .ok_or_else(|| io::Error::other("the terminal was already restored"))
    }

    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(32);
        let early = std::mem::take(&mut self.typed_early);
        if !early.is_empty() {
            self.take_typed(&early, self.clock.now().as_u64())?;
        }
        loop {
            let now = self.clock.now().as_u64();
            self.draw(now);
            let wait = self.wait_time(now);
            if let Err(e) = self
                .poll
                .poll(&mut events, Some(Duration::from_millis(wait)))
            {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            let wakeup = self.collect(&events);
            let now = self.clock.now().as_u64();
            if wakeup.carrier_writable {
                self.flush_carrier(now);
            }
            if wakeup.network || self.network_pending {
                self.receive(now);
            }
            if (wakeup.keyboard || self.keyboard_pending) && !self.read_keyboard(now)? {
                self.start_shutdown("Exiting...", now);
            }
            self.handle_signals(wakeup.signals, now)?;
            self.update_connecting_notice(now);
            self.tick_carrier(now);
            self.transmit(now);
            self.handle_transport_events(now)?;
            log_frames(&mut self.transport, &mut self.diag);
            if self.network_timed_out(now) || self.carrier_impossible {
                return Ok(());
            }
            if self.transport.old_sockets_expired(Millis(now)) {
                self.sockets.keep_only_newest(self.poll.registry());
            }
            if self.finished(now) {
                return Ok(());
            }
        }
    }

    fn collect(&mut self, events: &Events) -> Wakeup {
        let mut wakeup = Wakeup::default();
        for event in events.iter() {
            match event.token() {
                STDIN => wakeup.keyboard = true,
                SIGNALS => wakeup.signals = self.signals.take(),
                CARRIER_OUTPUT | CARRIER_ERRORS => wakeup.network = true,
                CARRIER_INPUT => wakeup.carrier_writable = true,
                token if self.sockets.owns(token) => wakeup.network = true,
                _ => {}
            }
        }
        wakeup
    }

    fn wait_time(&mut self, now: u64) -> u64 {
        if self.keyboard_pending || self.network_pending {
            return 0;
        }
        let mut wait = self
            .transport
            .poll_timeout(Millis(now))
            .since(Millis(now))
            .min(MAX_WAIT_MS);
        if let Some(overlay) = self.overlays.wait_time(now) {
            wait = wait.min(overlay);
        }
        if self.still_connecting() {
            wait = wait.min(CONNECTING_CHECK_MS);
        }
        if let Some(at) = self.carrier.as_ref().and_then(CarrierLink::deadline) {
            wait = wait.min(at.saturating_sub(now));
        }
        if let Some(at) = self.scrollback.as_ref().and_then(ScrollbackView::deadline) {
            wait = wait.min(at.saturating_sub(now));
        }
        if let Some(limit) = self.network_timeout_ms {
            let deadline = self.last_heard().saturating_add(limit);
            wait = wait.min(deadline.saturating_sub(now));
        }
        wait
    }

    /// When the server was last heard (the start, if never).
    fn last_heard(&self) -> u64 {
        self.transport
            .last_heard()
            .unwrap_or(self.transport.latest_remote_state().timestamp)
            .as_u64()
    }

    /// `MOSH_CLIENT_NETWORK_TIMEOUT`: whether the server has been silent
    /// too long (then the session ends at once).
    fn network_timed_out(&mut self, now: u64) -> bool {
        let Some(limit) = self.network_timeout_ms else {
            return false;
        };
        if now.saturating_sub(self.last_heard()) < limit {
            return false;
        }
        self.timed_out = true;
        self.diag.record(&Event::NetworkTimeout {
            seconds: limit / 1000,
        });
        true
    }

    fn still_connecting(&self) -> bool {
        self.transport.remote_state_num() == 0
    }

    // ----- the network -----

    fn receive(&mut self, now: u64) {
        let buf = &mut self.receive_buffer;
        let transport = &mut self.transport;
        let stats = &mut self.stats;
        let diag = &mut self.diag;
        let history = &mut self.scrollback;
        let mut version_error = None;
        let count = self
            .sockets
            .receive(buf, DATAGRAM_BUDGET, |datagram, from| {
                match transport.handle_datagram(datagram, from, Millis(now)) {
                    Ok(()) => {
                        stats.received(datagram.len(), transport.peer_datagrams_sent());
                        collect_history(history, transport, now);
                    }
                    Err(TransportError::ProtocolVersion(v)) => {
                        stats.dropped();
                        version_error = Some(v);
                    }
                    Err(why) => {
                        stats.dropped();
                        let total = stats.dropped;
                        if total <= 10 || total % 1000 == 0 {
                            diag.record(&Event::Dropped { total, why: &why });
                        }
                    }
                }
            });
        self.network_pending = count >= DATAGRAM_BUDGET;
        if let Some(link) = self.carrier.as_mut() {
            let server = self.server;
            let news = link.receive(now, self.poll.registry(), |datagram| {
                match transport.handle_datagram(datagram, server, Millis(now)) {
                    Ok(()) => {
                        stats.received(datagram.len(), transport.peer_datagrams_sent());
                        collect_history(history, transport, now);
                    }
                    Err(TransportError::ProtocolVersion(v)) => {
                        stats.dropped();
                        version_error = Some(v);
                    }
                    Err(_) => stats.dropped(),
                }
            });
            if let Some(news) = news {
                self.carrier_news(news, now);
            }
        }
        if let Some(version) = version_error {
            let message = format!("mosh protocol version mismatch (the server speaks {version})");
            self.overlays.notifications.set_network_error(&message, now);
        }
        self.share_transport_news();
    }

    /// Tells the overlays what the transport learned.
    fn share_transport_news(&mut self) {
        let t = &self.transport;
        let notifications = &mut self.overlays.notifications;
        notifications.server_heard(t.latest_remote_state().timestamp.as_u64());
        notifications.server_acked(t.sent_state_acked_timestamp().as_u64());
        let predictions = &mut self.overlays.predictions;
        predictions.set_frame_acked(t.sent_state_acked());
        predictions.set_send_interval(t.send_interval());
        predictions.set_echo_acked(t.remote_state().echo_ack());
        predictions.set_line_discipline(t.remote_state().line_discipline());
    }

    fn transmit(&mut self, now: u64) {
        let mut send_error = None;
        let mut carrier_news = None;
        let sockets = &self.sockets;
        let stats = &mut self.stats;
        let registry = self.poll.registry();
        let mut carrier = self.carrier.as_mut().filter(|link| link.is_active());
        send_due(
            &mut self.transport,
            Millis(now),
            |datagram, to| match carrier.as_mut() {
                Some(link) => {
                    if let Some(news) = link.send(datagram, now, registry) {
                        carrier_news = Some(news);
                    }
                    Ok(datagram.len())
                }
                None => sockets.send_to(datagram, to),
            },
            |len| stats.sent(len),
            |failure| {
                // A full socket buffer loses the datagram; SSP resends.
                if failure.error.kind() != io::ErrorKind::WouldBlock {
                    send_error = Some(format!("sendto: {}", os_error_text(&failure.error)));
                }
            },
        );
        let notifications = &mut self.overlays.notifications;
        match send_error {
            Some(error) => notifications.set_network_error(&error, now),
            None => notifications.clear_network_error(now),
        }
        if let Some(news) = carrier_news {
            self.carrier_news(news, now);
        }
    }

    fn handle_transport_events(&mut self, now: u64) -> io::Result<()> {
        while let Some(event) = self.transport.poll_event() {
            match event {
                TransportEvent::PortHopWanted => {
                    if let Err(e) = self.sockets.hop(self.poll.registry()) {
                        let message = format!("socket: {}", os_error_text(&e));
                        self.overlays.notifications.set_network_error(&message, now);
                    }
                    let local = self.sockets.local_addr().ok();
                    self.diag.record(&Event::PortHop { local });
                }
                TransportEvent::SendFailed(WireError::EncryptionLimit) => {
                    return Err(io::Error::other(WireError::EncryptionLimit.to_string()));
                }
                TransportEvent::SendFailed(e) => {
                    self.overlays
                        .notifications
                        .set_network_error(&e.to_string(), now);
                }
                TransportEvent::RemoteAttached(_) | TransportEvent::RemoteDetached => {}
            }
        }
        Ok(())
    }

    fn update_connecting_notice(&mut self, now: u64) {
        let connecting = self.still_connecting();
        if connecting && !self.transport.shutdown_in_progress() {
            let waited = now.saturating_sub(self.connect_started);
            if waited > CONNECT_TIMEOUT_MS {
                self.start_shutdown("Timed out waiting for server...", now);
            } else if waited > CONNECTING_CHECK_MS {
                self.overlays
                    .notifications
                    .set_message(&self.connecting_notice, false, true, now);
            }
        } else if !connecting && self.overlays.notifications.message() == self.connecting_notice {
            self.overlays
                .notifications
                .set_message("", false, true, now);
        }
    }

    // ----- ending -----

    fn start_shutdown(&mut self, message: &'static str, now: u64) {
        if self.transport.shutdown_in_progress() {
            return;
        }
        self.diag.record(&Event::Exiting(message));
        self.overlays
            .notifications
            .set_message(message, true, true, now);
        self.transport.start_shutdown(Millis(now));
    }

    fn finished(&mut self, now: u64) -> bool {
        let t = &self.transport;
        if t.shutdown_in_progress() && t.shutdown_acknowledged() {
            self.clean_shutdown = true;
            return true;
        }
        if t.shutdown_in_progress() && t.shutdown_ack_timed_out(Millis(now)) {
            return true;
        }
        if t.counterparty_shutdown_ack_sent() {
            self.clean_shutdown = true;
            return true;
        }
        false
    }

    /// Draws the server's screen without the client's layers and gives
    /// the terminal back; says how the session ended.
    fn finish(&mut self) -> Ending {
        let now = self.clock.now().as_u64();
        let notifications = &mut self.overlays.notifications;
        notifications.set_message("", false, true, now);
        notifications.server_heard(now);
        notifications.server_acked(now);
        self.overlays.predictions.reset();
        self.overlays.set_title_prefix("");
        self.draw(now);
        self.leave_the_frame_behind();
        if let Some(terminal) = self.terminal.take() {
            let _ = terminal.leave();
        }
        if let Some(link) = self.carrier.as_mut() {
            link.close();
        }
        if self.carrier_impossible {
            Ending::CarrierNeedsMoshRs
        } else if self.timed_out {
            Ending::NetworkTimeout(self.network_timeout_ms.unwrap_or(0) / 1000)
        } else if self.still_connecting() {
            Ending::NeverConnected
        } else if self.clean_shutdown {
            Ending::Clean
        } else {
            Ending::Unclean
        }
    }
}

/// An OS error as `strerror` words it, without Rust's "(os error N)".
fn os_error_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// After a datagram: the history its state brought, when the session has
/// native scrollback.
fn collect_history(
    view: &mut Option<ScrollbackView>,
    transport: &Transport<UserStream, CompleteTerminal>,
    now: u64,
) {
    if let Some(view) = view.as_mut() {
        view.collect(transport.remote_state(), now);
    }
}
