//! When and how the client carries its datagrams over ssh instead of UDP.
//! With `--transport=ssh` a carrier is opened at once; with `auto` only if
//! nothing has been heard from the server over UDP for
//! [`AUTO_SWITCH_MS`]. A carrier that ends (ssh killed, the network gone)
//! is opened again with growing pauses; in `auto` UDP is tried first each
//! time, so a network that lets UDP through gets UDP back.

use std::ffi::OsString;
use std::io;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use crate::client::ssh_carrier::SshCarrier;

/// In `auto`, how long UDP may stay silent before the carrier is tried (ms).
pub(crate) const AUTO_SWITCH_MS: u64 = 4_000;
/// The first pause before opening a carrier again (ms); it doubles up to
/// [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 30_000;

/// The carrier's descriptors are polled under these tokens.
pub(super) const CARRIER_OUTPUT: Token = Token(2);
pub(super) const CARRIER_ERRORS: Token = Token(3);
pub(super) const CARRIER_INPUT: Token = Token(4);

/// Which paths a session may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportMode {
    /// UDP, and the carrier when UDP stays silent.
    Auto,
    /// The carrier only.
    Ssh,
}

/// How to reach the server over ssh: the mode and the command that runs
/// the remote relay (ssh, its options, the host, the relay command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CarrierPlan {
    pub mode: TransportMode,
    pub command: Vec<OsString>,
}

/// What the loop should tell the user.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum CarrierNews {
    /// A carrier was opened: the first time, or again after a loss.
    Opened { first: bool, mode: TransportMode },
    /// The carrier ended; the reason, when ssh gave one.
    Lost(Option<String>),
    /// The carrier could not be started.
    Failed(String),
}

/// The carrier's state within the session.
#[derive(Debug)]
pub(super) struct CarrierLink {
    plan: CarrierPlan,
    carrier: Option<SshCarrier>,
    /// Datagrams go over the carrier (else over UDP).
    active: bool,
    /// When to consider opening a carrier next (ms).
    next_open: Option<u64>,
    backoff: u64,
    opened_once: bool,
}

impl CarrierLink {
    pub(super) fn new(plan: CarrierPlan, now: u64) -> CarrierLink {
        let first = match plan.mode {
            TransportMode::Ssh => now,
            TransportMode::Auto => now.saturating_add(AUTO_SWITCH_MS),
        };
        CarrierLink {
            plan,
            carrier: None,
            active: false,
            next_open: Some(first),
            backoff: FIRST_BACKOFF_MS,
            opened_once: false,
        }
    }

    /// Whether datagrams go over the carrier.
    pub(super) fn is_active(&self) -> bool {
        self.active
    }

    /// The next time [`CarrierLink::tick`] has work (ms).
    pub(super) fn deadline(&self) -> Option<u64> {
        self.next_open
    }

    /// Opens a carrier when it is due: at once in `ssh` mode, in `auto`
    /// only when the server was not heard over UDP for a while.
    /// `last_heard` is when an authentic datagram last arrived.
    pub(super) fn tick(
        &mut self,
        now: u64,
        last_heard: Option<u64>,
        registry: &Registry,
    ) -> Option<CarrierNews> {
        let due = self.next_open.is_some_and(|at| now >= at);
        if !due || self.carrier.is_some() {
            return None;
        }
        if self.plan.mode == TransportMode::Auto {
            let silent_since = last_heard.unwrap_or(0);
            if now.saturating_sub(silent_since) < AUTO_SWITCH_MS && last_heard.is_some() {
                // UDP answers: check again later.
                self.next_open = Some(silent_since.saturating_add(AUTO_SWITCH_MS));
                return None;
            }
        }
        self.next_open = None;
        match self.open(registry) {
            Ok(()) => {
                self.active = true;
                let first = !self.opened_once;
                self.opened_once = true;
                let mode = self.plan.mode;
                Some(CarrierNews::Opened { first, mode })
            }
            Err(e) => {
                self.schedule_retry(now);
                Some(CarrierNews::Failed(e.to_string()))
            }
        }
    }

    fn open(&mut self, registry: &Registry) -> io::Result<()> {
        let carrier = SshCarrier::spawn(&self.plan.command)?;
        let [output, errors] = carrier.readable_fds();
        registry.register(&mut SourceFd(&output), CARRIER_OUTPUT, Interest::READABLE)?;
        registry.register(&mut SourceFd(&errors), CARRIER_ERRORS, Interest::READABLE)?;
        registry.register(
            &mut SourceFd(&carrier.writable_fd()),
            CARRIER_INPUT,
            Interest::WRITABLE,
        )?;
        self.carrier = Some(carrier);
        Ok(())
    }

    fn schedule_retry(&mut self, now: u64) {
        self.next_open = Some(now.saturating_add(self.backoff));
        self.backoff = self.backoff.saturating_mul(2).min(MAX_BACKOFF_MS);
    }

    /// Ends the carrier: stops polling it, drops it (ssh is killed), and
    /// plans the next one: in `auto` UDP gets its chance first.
    fn lose(&mut self, now: u64, registry: &Registry) -> CarrierNews {
        let reason = self.carrier.as_mut().and_then(SshCarrier::last_error_line);
        if let Some(carrier) = self.carrier.take() {
            let [output, errors] = carrier.readable_fds();
            let _ = registry.deregister(&mut SourceFd(&output));
            let _ = registry.deregister(&mut SourceFd(&errors));
            let _ = registry.deregister(&mut SourceFd(&carrier.writable_fd()));
        }
        if self.plan.mode == TransportMode::Auto {
            self.active = false;
            self.next_open = Some(now.saturating_add(AUTO_SWITCH_MS.max(self.backoff)));
            self.backoff = self.backoff.saturating_mul(2).min(MAX_BACKOFF_MS);
        } else {
            self.schedule_retry(now);
        }
        CarrierNews::Lost(reason)
    }

    /// A datagram arrived over the carrier: the path works, so a later
    /// loss starts again from the shortest pause.
    fn heard(&mut self) {
        self.backoff = FIRST_BACKOFF_MS;
    }

    /// Hands what the carrier brought to `deliver`; notices its end.
    pub(super) fn receive(
        &mut self,
        now: u64,
        registry: &Registry,
        mut deliver: impl FnMut(&[u8]),
    ) -> Option<CarrierNews> {
        let carrier = self.carrier.as_mut()?;
        let mut any = false;
        let alive = carrier.receive(|d| {
            any = true;
            deliver(d);
        });
        if any {
            self.heard();
        }
        match alive {
            Ok(true) => None,
            Ok(false) | Err(_) => Some(self.lose(now, registry)),
        }
    }

    /// Sends `datagram` over the carrier; a carrier that cannot take it
    /// any more is ended.
    pub(super) fn send(
        &mut self,
        datagram: &[u8],
        now: u64,
        registry: &Registry,
    ) -> Option<CarrierNews> {
        let carrier = self.carrier.as_mut()?;
        match carrier.send(datagram) {
            Ok(()) => None,
            Err(_) => Some(self.lose(now, registry)),
        }
    }

    /// Writes what waits for ssh (its input became writable).
    pub(super) fn flush(&mut self, now: u64, registry: &Registry) -> Option<CarrierNews> {
        let carrier = self.carrier.as_mut()?;
        match carrier.flush() {
            Ok(()) => None,
            Err(_) => Some(self.lose(now, registry)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::Poll;

    fn plan(mode: TransportMode, command: &[&str]) -> CarrierPlan {
        CarrierPlan {
            mode,
            command: command.iter().map(OsString::from).collect(),
        }
    }

    #[test]
    fn ssh_mode_opens_at_once_and_auto_waits_for_silence() {
        let poll = Poll::new().unwrap();
        let mut ssh = CarrierLink::new(plan(TransportMode::Ssh, &["cat"]), 100);
        assert_eq!(
            ssh.tick(100, None, poll.registry()),
            Some(CarrierNews::Opened {
                first: true,
                mode: TransportMode::Ssh
            })
        );
        assert!(ssh.is_active());

        let mut auto = CarrierLink::new(plan(TransportMode::Auto, &["cat"]), 0);
        assert_eq!(auto.tick(AUTO_SWITCH_MS - 1, None, poll.registry()), None);
        // The server answered over UDP recently: no carrier.
        assert_eq!(
            auto.tick(AUTO_SWITCH_MS, Some(3_000), poll.registry()),
            None
        );
        assert!(!auto.is_active());
        assert_eq!(auto.deadline(), Some(3_000 + AUTO_SWITCH_MS));
        // Silence: the carrier opens.
        let news = auto.tick(3_000 + AUTO_SWITCH_MS, Some(3_000), poll.registry());
        assert_eq!(
            news,
            Some(CarrierNews::Opened {
                first: true,
                mode: TransportMode::Auto
            })
        );
        assert!(auto.is_active());
    }

    #[test]
    fn a_lost_carrier_is_reopened_and_auto_tries_udp_first() {
        let poll = Poll::new().unwrap();
        let script = "echo 'Connection closed by remote host' >&2";
        let mut auto = CarrierLink::new(plan(TransportMode::Auto, &["sh", "-c", script]), 0);
        assert!(matches!(
            auto.tick(AUTO_SWITCH_MS, None, poll.registry()),
            Some(CarrierNews::Opened { .. })
        ));
        let mut news = None;
        for _ in 0..500 {
            news = auto.receive(5_000, poll.registry(), |_| {});
            if news.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(
            news,
            Some(CarrierNews::Lost(Some(
                "Connection closed by remote host".into()
            )))
        );
        assert!(!auto.is_active(), "UDP gets its chance first");
        let again = auto.deadline().unwrap();
        assert!(again >= 5_000 + AUTO_SWITCH_MS);
        assert!(matches!(
            auto.tick(again, None, poll.registry()),
            Some(CarrierNews::Opened { first: false, .. })
        ));
    }

    #[test]
    fn a_carrier_that_cannot_start_is_retried_with_growing_pauses() {
        let poll = Poll::new().unwrap();
        let mut ssh = CarrierLink::new(plan(TransportMode::Ssh, &["/nonexistent/ssh"]), 0);
        assert!(matches!(
            ssh.tick(0, None, poll.registry()),
            Some(CarrierNews::Failed(_))
        ));
        let first = ssh.deadline().unwrap();
        assert!(matches!(
            ssh.tick(first, None, poll.registry()),
            Some(CarrierNews::Failed(_))
        ));
        let second = ssh.deadline().unwrap();
        assert!(second - first > first, "{first} then {second}");
    }
}
