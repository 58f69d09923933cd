//! What may be written to `MOSH_LOG`: typed events holding numbers,
//! addresses, our own error values and fixed texts — never a byte slice
//! from the network, the keyboard or the session key, so those cannot be
//! logged by mistake.

use std::fmt;
use std::net::SocketAddr;

use super::held::HeldState;
use super::status_line::StatusFigures;
use crate::transport::{FrameDirection, FrameRecord, TransportError};

/// Which program writes the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// `mosh-client`.
    Client,
    /// `mosh-server`.
    Server,
}

impl Role {
    /// The program's name, as log lines show it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "mosh-client",
            Role::Server => "mosh-server",
        }
    }
}

/// The transport's timing when a datagram went or came.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct LinkFigures {
    /// Smoothed round-trip time (ms).
    pub srtt: f64,
    /// Round-trip variation (ms).
    pub rttvar: f64,
    /// Retransmission timeout (ms).
    pub rto: u64,
    /// Time between frames (ms).
    pub interval: u64,
}

/// One thing worth a log line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event<'a> {
    /// The session started: our local address and the peer's, if known.
    Started {
        /// The local UDP address.
        local: Option<SocketAddr>,
        /// The peer's address.
        peer: Option<SocketAddr>,
        /// The `-v` count.
        verbose: u32,
    },
    /// A datagram sent or received (at the higher level only).
    Frame(FrameRecord, LinkFigures),
    /// Server: the client is now at this address (first contact or roaming).
    PeerAttached(SocketAddr),
    /// Server: the client went quiet; sending stops until it is heard.
    PeerDetached,
    /// Client: a new UDP socket, in case a NAT dropped the old mapping.
    PortHop {
        /// The new socket's local address.
        local: Option<SocketAddr>,
    },
    /// Client: a prediction epoch was confirmed by the server's screen.
    EpochConfirmed(u64),
    /// Client: this many epochs were discarded as wrong (in total).
    EpochsDiscarded(u64),
    /// A datagram was dropped; `total` so far, for this reason.
    Dropped {
        /// Datagrams dropped so far.
        total: u64,
        /// Why this one was.
        why: &'a TransportError,
    },
    /// Server: a clipboard copy (OSC 52) over the cap was dropped;
    /// `total` so far.
    ClipboardDropped(u64),
    /// The connection figures (client: status view, `SIGUSR1`).
    Status(&'a StatusFigures),
    /// Server: the held-state counts (`SIGUSR2`).
    Held(HeldState),
    /// Client: nothing heard from the server for this long.
    NetworkTimeout {
        /// The limit that was reached (s).
        seconds: u64,
    },
    /// The reason the program is ending.
    Exiting(&'static str),
    /// Client: news of the ssh carrier (opened, lost, failed).
    Carrier(&'a str),
}

impl Event<'_> {
    /// The lowest log level that shows this event: datagrams need a `-v`.
    pub fn level(&self) -> u32 {
        match self {
            Event::Frame(..) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started {
                local,
                peer,
                verbose,
            } => {
                write!(f, "started (verbosity {verbose})")?;
                if let Some(local) = local {
                    write!(f, ", local {local}")?;
                }
                if let Some(peer) = peer {
                    write!(f, ", peer {peer}")?;
                }
                Ok(())
            }
            Event::Frame(record, link) => write_frame(f, record, link),
            Event::PeerAttached(addr) => write!(f, "client attached at {addr}"),
            Event::PeerDetached => write!(f, "client detached (silent); not sending"),
            Event::PortHop { local } => match local {
                Some(local) => write!(f, "port hop: now sending from {local}"),
                None => write!(f, "port hop"),
            },
            Event::EpochConfirmed(epoch) => write!(f, "prediction epoch {epoch} confirmed"),
            Event::EpochsDiscarded(total) => {
                write!(f, "prediction epoch discarded ({total} so far)")
            }
            Event::Dropped { total, why } => {
                write!(f, "dropped a datagram ({why}); {total} dropped so far")
            }
            Event::ClipboardDropped(total) => write!(
                f,
                "dropped a clipboard copy (OSC 52) over 1 MiB; {total} dropped so far"
            ),
            Event::Status(figures) => write!(f, "status: {}", figures.log_text()),
            Event::Held(held) => write!(f, "figures: {held}"),
            Event::NetworkTimeout { seconds } => write!(
                f,
                "nothing heard from the server for {seconds} s \
                 (MOSH_CLIENT_NETWORK_TIMEOUT); exiting"
            ),
            Event::Exiting(reason) => write!(f, "exiting: {reason}"),
            Event::Carrier(news) => write!(f, "carrier: {news}"),
        }
    }
}

fn write_frame(f: &mut fmt::Formatter<'_>, r: &FrameRecord, link: &LinkFigures) -> fmt::Result {
    let way = match r.direction {
        FrameDirection::Sent => "sent",
        FrameDirection::Received => "recv",
    };
    write!(
        f,
        "{way} {} B frag {}#{}",
        r.datagram_len, r.fragment_id, r.fragment_num
    )?;
    if r.is_final {
        write!(f, " final")?;
    }
    if let Some(n) = r.numbers {
        write!(f, " state ")?;
        write_num(f, n.old_num)?;
        write!(f, "->")?;
        write_num(f, n.new_num)?;
        write!(f, " ack ")?;
        write_num(f, n.ack_num)?;
        write!(f, " throwaway ")?;
        write_num(f, n.throwaway_num)?;
        write!(f, " diff {} B", n.diff_len)?;
    }
    write!(
        f,
        " srtt {:.0} rttvar {:.0} rto {} interval {} ms",
        link.srtt, link.rttvar, link.rto, link.interval
    )
}

/// State numbers, with the shutdown number named.
fn write_num(f: &mut fmt::Formatter<'_>, num: u64) -> fmt::Result {
    if num == u64::MAX {
        write!(f, "shutdown")
    } else {
        write!(f, "{num}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::frame_record::FrameNumbers;

    #[test]
    fn a_frame_line_carries_the_numbers_and_timing() {
        let record = FrameRecord {
            direction: FrameDirection::Sent,
            datagram_len: 61,
            fragment_id: 9,
            fragment_num: 0,
            is_final: true,
            numbers: Some(FrameNumbers {
                old_num: 3,
                new_num: u64::MAX,
                ack_num: 7,
                throwaway_num: 2,
                diff_len: 12,
            }),
        };
        let link = LinkFigures {
            srtt: 201.4,
            rttvar: 12.0,
            rto: 250,
            interval: 100,
        };
        let line = Event::Frame(record, link).to_string();
        assert_eq!(
            line,
            "sent 61 B frag 9#0 final state 3->shutdown ack 7 throwaway 2 diff 12 B \
             srtt 201 rttvar 12 rto 250 interval 100 ms"
        );
        assert_eq!(Event::Frame(record, link).level(), 2);
        assert_eq!(Event::Exiting("bye").level(), 1);
    }
}
