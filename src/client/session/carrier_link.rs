//! When and how the client carries its datagrams over ssh instead of UDP.
//! With `--transport=ssh` a carrier is opened at once; with `auto` only if
//! nothing has been heard from the server over UDP for
//! [`AUTO_SWITCH_MS`]. A carrier that ends (ssh killed, the network gone)
//! or stays silent for [`CARRIER_SILENCE_MS`] is opened again with growing
//! pauses; in `auto` UDP is tried first each time, so a network that lets
//! UDP through gets UDP back. A remote with stock mosh's server cannot
//! relay, so the carrier is given up there; when ssh wants a password,
//! the user may log in again in the terminal (`login_argv`).

use std::ffi::OsString;
use std::io;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use super::carrier_loss::{classify, CarrierLoss};
use crate::client::carrier_plan::{CarrierPlan, TransportMode};
use crate::client::ssh_carrier::SshCarrier;

/// In `auto`, how long UDP may stay silent before the carrier is tried (ms).
pub(crate) const AUTO_SWITCH_MS: u64 = 4_000;
/// A carrier that brings nothing for this long is taken for dead (ms): the
/// server sends at least every few seconds, and ssh on a network that has
/// gone may not notice by itself for much longer.
const CARRIER_SILENCE_MS: u64 = 20_000;
/// The first pause before opening a carrier again (ms); it doubles up to
/// [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 30_000;

/// The carrier's descriptors are polled under these tokens.
pub(super) const CARRIER_OUTPUT: Token = Token(2);
pub(super) const CARRIER_ERRORS: Token = Token(3);
pub(super) const CARRIER_INPUT: Token = Token(4);

/// What the loop should tell the user.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum CarrierNews {
    /// A carrier was opened: the first time, or again after a loss.
    Opened { first: bool, mode: TransportMode },
    /// The carrier ended, and why as far as ssh said.
    Lost(CarrierLoss),
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
    /// When the open carrier last brought a datagram (or was opened).
    carrier_heard_at: u64,
    /// Whether the open carrier has brought anything yet.
    carrier_heard: bool,
    /// ssh asked for a password that batch mode cannot give.
    wants_login: bool,
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
            carrier_heard_at: now,
            carrier_heard: false,
            wants_login: false,
        }
    }

    /// Whether datagrams go over the carrier.
    pub(super) fn is_active(&self) -> bool {
        self.active
    }

    /// The plan this link follows.
    pub(super) fn plan(&self) -> &CarrierPlan {
        &self.plan
    }

    /// The next time [`CarrierLink::tick`] has work (ms).
    pub(super) fn deadline(&self) -> Option<u64> {
        match &self.carrier {
            Some(_) => Some(self.carrier_heard_at.saturating_add(CARRIER_SILENCE_MS)),
            None => self.next_open,
        }
    }

    /// Opens a carrier when it is due: at once in `ssh` mode, in `auto`
    /// only when the server was not heard over UDP for a while; ends one
    /// that has been silent too long. `last_heard` is when an authentic
    /// datagram last arrived.
    pub(super) fn tick(
        &mut self,
        now: u64,
        last_heard: Option<u64>,
        registry: &Registry,
    ) -> Option<CarrierNews> {
        if self.carrier.is_some() {
            let silent = now.saturating_sub(self.carrier_heard_at) >= CARRIER_SILENCE_MS;
            return silent.then(|| self.lose(now, registry, Some(silence_reason())));
        }
        let due = self.next_open.is_some_and(|at| now >= at);
        if !due {
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
        match self.open(now, registry) {
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

    fn open(&mut self, now: u64, registry: &Registry) -> io::Result<()> {
        let carrier = SshCarrier::spawn(&self.plan.carrier_argv())?;
        let [output, errors] = carrier.readable_fds();
        registry.register(&mut SourceFd(&output), CARRIER_OUTPUT, Interest::READABLE)?;
        registry.register(&mut SourceFd(&errors), CARRIER_ERRORS, Interest::READABLE)?;
        registry.register(
            &mut SourceFd(&carrier.writable_fd()),
            CARRIER_INPUT,
            Interest::WRITABLE,
        )?;
        self.carrier = Some(carrier);
        self.carrier_heard_at = now;
        self.carrier_heard = false;
        Ok(())
    }

    fn schedule_retry(&mut self, now: u64) {
        self.next_open = Some(now.saturating_add(self.backoff));
        self.backoff = self.backoff.saturating_mul(2).min(MAX_BACKOFF_MS);
    }

    /// Ends the carrier: stops polling it, drops it (ssh is killed), and
    /// plans the next one: in `auto` UDP gets its chance first. `reason`
    /// replaces ssh's last words when the client itself ended it.
    fn lose(&mut self, now: u64, registry: &Registry, reason: Option<String>) -> CarrierNews {
        let mut last_words = None;
        if let Some(carrier) = self.carrier.take() {
            let [output, errors] = carrier.readable_fds();
            let _ = registry.deregister(&mut SourceFd(&output));
            let _ = registry.deregister(&mut SourceFd(&errors));
            let _ = registry.deregister(&mut SourceFd(&carrier.writable_fd()));
            last_words = carrier.last_words();
        }
        let loss = classify(reason.or(last_words), self.carrier_heard);
        match (&loss, self.plan.mode) {
            (CarrierLoss::StockServer, _) => {
                self.active = false;
                self.next_open = None;
            }
            (_, TransportMode::Auto) => {
                self.active = false;
                self.next_open = Some(now.saturating_add(AUTO_SWITCH_MS.max(self.backoff)));
                self.backoff = self.backoff.saturating_mul(2).min(MAX_BACKOFF_MS);
            }
            (_, TransportMode::Ssh) => self.schedule_retry(now),
        }
        self.wants_login = matches!(loss, CarrierLoss::NeedsLogin(_));
        CarrierNews::Lost(loss)
    }

    /// A datagram arrived over the carrier: the path works, so a later
    /// loss starts again from the shortest pause.
    fn heard(&mut self, now: u64) {
        self.backoff = FIRST_BACKOFF_MS;
        self.carrier_heard_at = now;
        self.carrier_heard = true;
        self.wants_login = false;
    }

    /// The command that logs the user in again, when ssh asked for a
    /// password and there is a ControlPath to leave a master on.
    pub(super) fn login_argv(&self) -> Option<Vec<OsString>> {
        if self.wants_login && self.carrier.is_none() {
            self.plan.login_argv()
        } else {
            None
        }
    }

    /// After a login in the terminal: the next carrier opens at once.
    pub(super) fn logged_in(&mut self, now: u64) {
        self.wants_login = false;
        self.backoff = FIRST_BACKOFF_MS;
        self.next_open = Some(now);
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
            self.heard(now);
        }
        match alive {
            Ok(true) => None,
            Ok(false) | Err(_) => Some(self.lose(now, registry, None)),
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
            Err(_) => Some(self.lose(now, registry, None)),
        }
    }

    /// Writes what waits for ssh (its input became writable).
    pub(super) fn flush(&mut self, now: u64, registry: &Registry) -> Option<CarrierNews> {
        let carrier = self.carrier.as_mut()?;
        match carrier.flush() {
            Ok(()) => None,
            Err(_) => Some(self.lose(now, registry, None)),
        }
    }

    /// Ends the carrier and the session's own master, at the end.
    pub(super) fn close(&mut self) {
        self.carrier = None;
        self.plan.stop_master();
    }
}

fn silence_reason() -> String {
    format!("nothing came over it for {} s", CARRIER_SILENCE_MS / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::Poll;

    use crate::client::carrier_plan::MasterUse;

    /// A plan whose carrier runs `command` in place of ssh (`sh -c`
    /// takes the options and destination after it as its own arguments).
    fn plan(mode: TransportMode, command: &[&str]) -> CarrierPlan {
        CarrierPlan {
            mode,
            ssh: command.iter().map(OsString::from).collect(),
            destination: OsString::from("host"),
            relay: OsString::from("relay"),
            master: MasterUse::None,
        }
    }

    #[test]
    fn ssh_mode_opens_at_once_and_auto_waits_for_silence() {
        let poll = Poll::new().unwrap();
        let mut ssh = CarrierLink::new(plan(TransportMode::Ssh, &["sh", "-c", "exec cat"]), 100);
        assert_eq!(
            ssh.tick(100, None, poll.registry()),
            Some(CarrierNews::Opened {
                first: true,
                mode: TransportMode::Ssh
            })
        );
        assert!(ssh.is_active());

        let mut auto = CarrierLink::new(plan(TransportMode::Auto, &["sh", "-c", "exec cat"]), 0);
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
        let news = wait_for_end(&mut auto, 5_000, &poll);
        assert_eq!(
            news,
            Some(CarrierNews::Lost(CarrierLoss::Other(Some(
                "Connection closed by remote host".into()
            ))))
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

    /// Receives until the carrier ends; its news.
    fn wait_for_end(link: &mut CarrierLink, now: u64, poll: &Poll) -> Option<CarrierNews> {
        for _ in 0..500 {
            let news = link.receive(now, poll.registry(), |_| {});
            if news.is_some() {
                return news;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        None
    }

    #[test]
    fn a_stock_server_on_the_remote_ends_the_carrier_for_good() {
        let poll = Poll::new().unwrap();
        let script = "echo 'Usage: mosh-server new [-s] [-v] [-i LOCALADDR]' >&2; exit 1";
        let mut ssh = CarrierLink::new(plan(TransportMode::Ssh, &["sh", "-c", script]), 0);
        assert!(ssh.tick(0, None, poll.registry()).is_some());
        let news = wait_for_end(&mut ssh, 100, &poll);
        assert_eq!(news, Some(CarrierNews::Lost(CarrierLoss::StockServer)));
        assert!(!ssh.is_active());
        assert_eq!(ssh.deadline(), None, "no carrier is tried again");
    }

    #[test]
    fn a_password_prompt_offers_a_login_that_reopens_at_once() {
        let poll = Poll::new().unwrap();
        let script = "echo 'me@host: Permission denied (publickey,password).' >&2; exit 255";
        let mut with_master = plan(TransportMode::Ssh, &["sh", "-c", script]);
        with_master.master = MasterUse::Configured;
        let mut ssh = CarrierLink::new(with_master, 0);
        assert!(ssh.tick(0, None, poll.registry()).is_some());
        assert!(matches!(
            wait_for_end(&mut ssh, 100, &poll),
            Some(CarrierNews::Lost(CarrierLoss::NeedsLogin(_)))
        ));
        let login = ssh.login_argv().expect("a login is offered");
        assert_eq!(login.last(), Some(&OsString::from("host")));
        ssh.logged_in(200);
        assert_eq!(ssh.deadline(), Some(200));
        assert_eq!(ssh.login_argv(), None);
    }

    #[test]
    fn a_silent_carrier_is_ended_and_reopened() {
        let poll = Poll::new().unwrap();
        let mut ssh = CarrierLink::new(plan(TransportMode::Ssh, &["sh", "-c", "exec cat"]), 0);
        assert!(ssh.tick(0, None, poll.registry()).is_some());
        assert_eq!(ssh.deadline(), Some(CARRIER_SILENCE_MS));
        assert_eq!(
            ssh.tick(CARRIER_SILENCE_MS - 1, None, poll.registry()),
            None
        );
        let news = ssh.tick(CARRIER_SILENCE_MS, None, poll.registry());
        assert_eq!(
            news,
            Some(CarrierNews::Lost(CarrierLoss::Other(
                Some(silence_reason())
            )))
        );
        assert!(ssh.deadline().is_some(), "another carrier is planned");
    }
}
