//! The session's side of the control socket: answering `attach` with a
//! fresh key and transport, answering `kill`, and keeping the registry
//! record current.
//!
//! On attach the old transport is retired: nothing the old client types
//! reaches the program any more, its screen gets a banner saying the
//! session moved to another client, and a few seconds later it is told
//! the session is over (so it exits instead of waiting forever).

use super::{chaff_seed, Session};
use crate::server::control::{PendingRequest, Request, ATTACHED_SILENCE_MS};
use crate::server::registry::unix_now;
use crate::statesync::{HostState, UserStream};
use crate::transport::Millis;
use crate::transport::Transport;
use crate::wire::SessionKey;

/// How long the old client shows the "moved" banner before it is told
/// the session is over (ms).
const MOVED_NOTICE_MS: u64 = 5000;
/// The banner, drawn on the old client's top line.
const MOVED_BANNER: &[u8] = b"\x1b7\x1b[1;1H\x1b[0;7m mosh-rs: this session was attached from another client; it continues there. \x1b[0m\x1b[K\x1b8";

/// A transport replaced by an attach, still talking to the old client.
#[derive(Debug)]
pub(super) struct Retired<S: HostState> {
    transport: Transport<S, UserStream>,
    shutdown_at: Millis,
}

impl<S: HostState> Retired<S> {
    /// Hands a datagram to the old transport; true if it was the old client's.
    pub(super) fn take_datagram(
        &mut self,
        datagram: &[u8],
        from: std::net::SocketAddr,
        now: Millis,
    ) -> bool {
        self.transport.handle_datagram(datagram, from, now).is_ok()
    }

    /// When this needs the loop's attention next.
    pub(super) fn next_wakeup(&mut self, now: Millis) -> Millis {
        self.transport
            .poll_timeout(now)
            .min(self.shutdown_at.max(now))
    }
}

impl<S: HostState> Session<S> {
    /// Answers whatever arrived on the control socket.
    pub(super) fn handle_control_requests(&mut self, now: Millis) {
        let Some(control) = self.control.as_mut() else {
            return;
        };
        let (requests, more) = control.accept_requests(now);
        self.control_ready |= more;
        for pending in requests {
            match pending.request {
                Request::Attach => self.attach_new_client(pending, now),
                Request::Kill => {
                    self.log.say(format_args!(
                        "asked to end the session over its control socket"
                    ));
                    self.quit_requested = true;
                    pending.answer("ok");
                }
            }
        }
    }

    /// Starts a fresh transport under a new key for a new client; the
    /// screen, the pty and the program stay. The new client starts from a
    /// blank state, so its first update is a full repaint.
    fn attach_new_client(&mut self, pending: PendingRequest, now: Millis) {
        if self.transport.shutdown_in_progress() || self.quit_requested {
            pending.answer("error the session is ending");
            return;
        }
        let key = match SessionKey::generate() {
            Ok(key) => key,
            Err(e) => {
                pending.answer(&format!("error cannot make a key: {e}"));
                return;
            }
        };
        let port = self.socket.local_addr().map_or(0, |a| a.port());
        let mut screen = self.transport.current_state().clone();
        screen.forget_input();
        let blank = S::blank(self.size.cols, self.size.rows);
        let mut fresh = Transport::new_server(&key, blank, UserStream::new(), now, chaff_seed());
        fresh.set_current_state(screen);
        let mut old = std::mem::replace(&mut self.transport, fresh);
        self.last_remote_num = 0;
        if old.has_remote_addr() && !old.shutdown_in_progress() {
            let mut ignored_replies = Vec::new();
            old.current_state_mut()
                .host_output(MOVED_BANNER, &mut ignored_replies);
            self.retired = Some(Retired {
                transport: old,
                shutdown_at: now.saturating_add(MOVED_NOTICE_MS),
            });
        }
        self.log
            .say(format_args!("attached a new client under a new key"));
        pending.answer(&format!(
            "connect {port} {} {}",
            key.to_base64(),
            self.scrollback_lines
        ));
    }

    /// Keeps the old client up to date with its banner, then sends it
    /// the shutdown until that is acknowledged or times out.
    pub(super) fn send_retired(&mut self, now: Millis) {
        let Some(retired) = self.retired.as_mut() else {
            return;
        };
        let old = &mut retired.transport;
        if now >= retired.shutdown_at && !old.shutdown_in_progress() {
            old.start_shutdown(now);
        }
        while let Some((to, datagram)) = old.poll_transmit(now) {
            let _ = self.socket.send_to(&datagram, to);
        }
        while old.poll_event().is_some() {}
        let over = old.shutdown_acknowledged()
            || old.counterparty_shutdown_ack_sent()
            || (old.shutdown_in_progress() && old.shutdown_ack_timed_out(now))
            || !old.has_remote_addr();
        if over {
            self.retired = None;
        }
    }

    /// Tells the registry whether a client is attached and when it was
    /// last heard.
    pub(super) fn update_registry(&mut self, now: Millis) {
        if self.transport.remote_state_num() > 0 {
            let heard = self.transport.latest_remote_state().timestamp;
            self.last_heard = Some(self.last_heard.map_or(heard, |h| h.max(heard)));
        }
        let history = self.transport.current_state().history_lines();
        let Some(control) = self.control.as_mut() else {
            return;
        };
        let Some(heard) = self.last_heard else {
            control.update(false, 0, history);
            return;
        };
        let silence = now.since(heard);
        let attached = self.transport.remote_state_num() > 0 && silence < ATTACHED_SILENCE_MS;
        let heard_unix = unix_now().saturating_sub(silence / 1000);
        control.update(attached, heard_unix, history);
    }
}
