//! The connection figures as text: two short lines for the client's
//! status overlay (escape key, then `s`) and one line for `MOSH_LOG`
//! (`SIGUSR1`). Plain ASCII, so the overlay is easy to draw and read.

use std::net::SocketAddr;

use super::held::HeldState;
use super::stats::ConnectionStats;

/// Everything the status view shows, gathered by the client.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StatusFigures {
    /// Smoothed round-trip time (ms).
    pub srtt_ms: f64,
    /// Round-trip variation (ms).
    pub rttvar_ms: f64,
    /// Time between frames (ms).
    pub frame_interval_ms: u64,
    /// Where the server is.
    pub server: SocketAddr,
    /// How datagrams travel: `UDP`, or `ssh` over the carrier.
    pub transport: &'static str,
    /// Time since the server was last heard (ms); `None` if never.
    pub since_contact_ms: Option<u64>,
    /// Datagram counters.
    pub stats: ConnectionStats,
    /// The prediction display mode (`adaptive`, `always`, …).
    pub prediction_mode: &'static str,
    /// Whether predictions are being shown now.
    pub predictions_shown: bool,
    /// Predicted cells confirmed and contradicted so far.
    pub predictions_confirmed: u64,
    /// Predicted cells contradicted so far.
    pub predictions_wrong: u64,
    /// Protocol state held by the transport.
    pub held: HeldState,
}

impl StatusFigures {
    /// The two overlay lines.
    pub(crate) fn overlay_lines(&self) -> [String; 2] {
        let first = format!(
            "mosh status: RTT {:.0} ms (var {:.0}), frame {} ms, {} over {}, heard {}",
            self.srtt_ms,
            self.rttvar_ms,
            self.frame_interval_ms,
            self.server,
            self.transport,
            self.contact_text()
        );
        let s = &self.stats;
        let second = format!(
            "sent {} pkt/{}, recv {} pkt/{}, loss {}, predict {}{} {}",
            s.datagrams_sent,
            bytes_text(s.bytes_sent),
            s.datagrams_received,
            bytes_text(s.bytes_received),
            self.loss_text(),
            self.prediction_mode,
            if self.predictions_shown { "/on" } else { "" },
            self.confirmation_text()
        );
        [first, second]
    }

    /// The figures on one line, for the log.
    pub fn log_text(&self) -> String {
        let s = &self.stats;
        format!(
            "srtt {:.0} ms rttvar {:.0} ms frame interval {} ms server {} over {} last contact {} \
             sent {} datagrams {} bytes received {} datagrams {} bytes dropped {} \
             recent loss {} prediction {}{} {} {}",
            self.srtt_ms,
            self.rttvar_ms,
            self.frame_interval_ms,
            self.server,
            self.transport,
            self.contact_text(),
            s.datagrams_sent,
            s.bytes_sent,
            s.datagrams_received,
            s.bytes_received,
            s.dropped,
            self.loss_text(),
            self.prediction_mode,
            if self.predictions_shown {
                " (shown)"
            } else {
                ""
            },
            self.confirmation_text(),
            self.held
        )
    }

    fn contact_text(&self) -> String {
        match self.since_contact_ms {
            None => "never".to_string(),
            Some(ms) if ms < 10_000 => format!("{:.1} s ago", ms as f64 / 1000.0),
            Some(ms) => format!("{} s ago", ms / 1000),
        }
    }

    fn loss_text(&self) -> String {
        match self.stats.recent_loss {
            None => "-".to_string(),
            Some(loss) => format!("{:.0}%", loss * 100.0),
        }
    }

    fn confirmation_text(&self) -> String {
        let judged = self.predictions_confirmed + self.predictions_wrong;
        if judged == 0 {
            "(none judged)".to_string()
        } else {
            let rate = self.predictions_confirmed as f64 * 100.0 / judged as f64;
            format!("{rate:.0}% right")
        }
    }
}

/// `512 B`, `3.4 kB`, `12.0 MB`.
fn bytes_text(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1000.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> StatusFigures {
        let mut stats = ConnectionStats::default();
        stats.sent(1500);
        stats.received(300, 1);
        StatusFigures {
            srtt_ms: 203.4,
            rttvar_ms: 11.6,
            frame_interval_ms: 101,
            server: "127.0.0.1:60001".parse().unwrap(),
            transport: "ssh",
            since_contact_ms: Some(250),
            stats,
            prediction_mode: "adaptive",
            predictions_shown: true,
            predictions_confirmed: 9,
            predictions_wrong: 1,
            held: HeldState {
                sent_states: 2,
                received_states: 1,
                reassembly_bytes: 0,
            },
        }
    }

    #[test]
    fn the_overlay_says_each_figure_in_two_short_lines() {
        let [first, second] = figures().overlay_lines();
        assert_eq!(
            first,
            "mosh status: RTT 203 ms (var 12), frame 101 ms, 127.0.0.1:60001 over ssh, heard 0.2 s ago"
        );
        assert_eq!(
            second,
            "sent 1 pkt/1.5 kB, recv 1 pkt/300 B, loss -, predict adaptive/on 90% right"
        );
        assert!(first.len() <= 90 && second.len() <= 90);
    }

    #[test]
    fn the_log_line_names_every_figure() {
        let mut f = figures();
        f.since_contact_ms = None;
        let line = f.log_text();
        for part in [
            "srtt 203 ms",
            "rttvar 12 ms",
            "frame interval 101 ms",
            "server 127.0.0.1:60001 over ssh",
            "last contact never",
            "sent 1 datagrams 1500 bytes",
            "received 1 datagrams 300 bytes",
            "recent loss -",
            "prediction adaptive (shown) 90% right",
            "held sent states 2 received states 1 reassembly bytes 0",
        ] {
            assert!(line.contains(part), "{part:?} not in {line:?}");
        }
    }
}
