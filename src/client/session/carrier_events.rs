//! What the client does about its ssh carrier: opening one when due,
//! writing what waits for it, and telling the user (the bar) and the log
//! what happened to it, including what a lost carrier means for the
//! session.

use super::carrier_link::{CarrierLink, CarrierNews};
use super::carrier_loss::CarrierLoss;
use super::Client;
use crate::client::TransportMode;
use crate::diag::Event;
use crate::transport::Millis;

impl Client {
    /// Opens a carrier when one is due.
    pub(super) fn tick_carrier(&mut self, now: u64) {
        let last_heard = self.transport.last_heard().map(Millis::as_u64);
        let Some(link) = self.carrier.as_mut() else {
            return;
        };
        if let Some(news) = link.tick(now, last_heard, self.poll.registry()) {
            self.carrier_news(news, now);
        }
    }

    pub(super) fn flush_carrier(&mut self, now: u64) {
        let Some(link) = self.carrier.as_mut() else {
            return;
        };
        if let Some(news) = link.flush(now, self.poll.registry()) {
            self.carrier_news(news, now);
        }
    }

    /// Tells the user (the bar) and the log what happened to the carrier.
    pub(super) fn carrier_news(&mut self, news: CarrierNews, now: u64) {
        let text = match news {
            CarrierNews::Opened { first, mode } => {
                self.connect_started = now;
                self.connecting_notice = "Nothing received from server over ssh.".to_string();
                match (first, mode) {
                    (true, TransportMode::Auto) => {
                        "no reply over UDP; carrying the session over ssh".to_string()
                    }
                    (true, TransportMode::Ssh) => "carrying the session over ssh".to_string(),
                    (false, _) => "reconnecting over ssh".to_string(),
                }
            }
            CarrierNews::Lost(loss) => self.carrier_lost(loss),
            CarrierNews::Failed(why) => format!("cannot start ssh for the carrier: {why}"),
        };
        self.diag.record(&Event::Carrier(&text));
        if self.verbose_carrier_notices() {
            self.overlays
                .notifications
                .set_message(&format!("{text}."), false, false, now);
        }
    }

    /// What to say of a lost carrier, and what follows from it.
    fn carrier_lost(&mut self, loss: CarrierLoss) -> String {
        let login = self.carrier.as_ref().and_then(CarrierLink::login_argv);
        self.escape.offer_login(login.is_some());
        match loss {
            CarrierLoss::StockServer => {
                let only_path = self
                    .carrier
                    .as_ref()
                    .is_some_and(|link| link.plan().mode == TransportMode::Ssh);
                self.carrier_impossible = only_path;
                self.connecting_notice = format!(
                    "Nothing received from server on UDP port {}.",
                    self.server.port()
                );
                "the remote's mosh-server is stock mosh, which cannot carry the session over ssh"
                    .to_string()
            }
            CarrierLoss::NeedsLogin(line) => {
                self.diag
                    .record(&Event::Carrier(&format!("ssh said: {line}")));
                match (&login, &self.escape_key_name) {
                    (Some(_), Some(key)) => {
                        format!("ssh needs a password to reconnect; press {key} then l to log in")
                    }
                    _ => "ssh needs a password to reconnect".to_string(),
                }
            }
            CarrierLoss::Other(Some(reason)) => {
                format!("the ssh carrier ended ({reason}); reconnecting")
            }
            CarrierLoss::Other(None) => "the ssh carrier ended; reconnecting".to_string(),
        }
    }

    /// The bar shows carrier news only while the session is not ending.
    fn verbose_carrier_notices(&self) -> bool {
        !self.transport.shutdown_in_progress()
    }
}
