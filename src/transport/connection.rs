//! The datagram layer of one end of a session: sealing and opening
//! datagrams, sequence numbers, timestamps and RTT, the peer's address
//! (the server follows a roaming client), and the client's decision to
//! hop to a new source port.
//!
//! Sans-IO: the caller reads and writes the sockets and says what time it
//! is; this type only turns payloads into datagrams and back.

use std::collections::VecDeque;
use std::net::SocketAddr;

use super::error::TransportError;
use super::event::TransportEvent;
use super::time::Millis;
use crate::wire::{
    default_fragment_budget, timestamp16, Cipher, Direction, Nonce, Packet, RttEstimator,
    SessionKey, TimestampEcho, WireError, FALLBACK_FRAGMENT_BUDGET,
};

/// The server forgets a client not heard from for this long (ms).
pub(crate) const SERVER_ASSOCIATION_TIMEOUT: u64 = 40_000;
/// The client hops ports after this long without a round trip, and not
/// more often than this (ms).
pub(crate) const PORT_HOP_INTERVAL: u64 = 10_000;
/// Old client sockets are closed once the newest is this old (ms).
pub(crate) const MAX_OLD_SOCKET_AGE: u64 = 60_000;
/// The client keeps at most this many sockets open, newest included.
pub const MAX_OPEN_SOCKETS: usize = 10;
/// Events not yet taken by the caller beyond this are dropped (oldest
/// first); they are reports, the state they describe is still queryable.
const MAX_PENDING_EVENTS: usize = 64;

/// Which end of the session this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Learns the client's address from its datagrams.
    Server,
    /// Knows the server's address from the start; may hop ports.
    Client,
}

/// Datagram layer for one end of a session.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    cipher: Cipher,
    next_seq: u64,
    expected_seq: u64,
    /// The datagram last opened was older than the newest one before it.
    last_was_late: bool,
    echo: TimestampEcho,
    rtt: RttEstimator,
    remote_addr: Option<SocketAddr>,
    /// When the newest in-order authentic datagram arrived.
    last_heard: Option<Millis>,
    /// When the client last chose a source port (its start, or a hop).
    last_port_choice: Millis,
    /// When the newest state the peer acknowledged had been sent.
    last_roundtrip_success: Option<Millis>,
    mtu_fallback: bool,
    events: VecDeque<TransportEvent>,
}

impl Connection {
    /// The server end: no peer address until the first authentic datagram.
    pub fn new_server(key: &SessionKey, now: Millis) -> Self {
        Self::new(Role::Server, key, None, now)
    }

    /// The client end, talking to `server`.
    pub fn new_client(key: &SessionKey, server: SocketAddr, now: Millis) -> Self {
        Self::new(Role::Client, key, Some(server), now)
    }

    fn new(role: Role, key: &SessionKey, remote_addr: Option<SocketAddr>, now: Millis) -> Self {
        Connection {
            role,
            cipher: Cipher::new(key),
            next_seq: 0,
            expected_seq: 0,
            last_was_late: false,
            echo: TimestampEcho::new(),
            rtt: RttEstimator::new(),
            remote_addr,
            last_heard: None,
            last_port_choice: now,
            last_roundtrip_success: None,
            mtu_fallback: false,
            events: VecDeque::new(),
        }
    }

    fn outgoing_direction(&self) -> Direction {
        match self.role {
            Role::Server => Direction::ToClient,
            Role::Client => Direction::ToServer,
        }
    }

    /// Opens a datagram that arrived from `from` at `now` and returns its
    /// payload (one fragment). Only an authentic datagram newer than every
    /// earlier one updates timestamps, RTT and (on the server) the peer's
    /// address; an older one (reordered or replayed) is still returned,
    /// and `last_was_late` says so.
    pub fn receive(
        &mut self,
        datagram: &[u8],
        from: SocketAddr,
        now: Millis,
    ) -> Result<Vec<u8>, TransportError> {
        let (nonce, plaintext) = self.cipher.open(datagram)?;
        if nonce.direction == self.outgoing_direction() {
            return Err(TransportError::WrongDirection);
        }
        let packet = Packet::decode(&plaintext)?;
        self.last_was_late = nonce.seq < self.expected_seq;
        if self.last_was_late {
            return Ok(packet.payload);
        }
        self.expected_seq = nonce.seq.saturating_add(1);
        self.echo.received(packet.timestamp, now.as_u64());
        self.rtt.sample_echo(packet.timestamp_reply, now.as_u64());
        self.last_heard = Some(now);
        if self.role == Role::Server && self.remote_addr != Some(from) {
            self.remote_addr = Some(from);
            self.push_event(TransportEvent::RemoteAttached(from));
        }
        Ok(packet.payload)
    }

    /// Seals `payload` (one encoded fragment) into a datagram for the
    /// peer, stamped with `now`. `Ok(None)` when the peer's address is not
    /// known (a server before its client's first datagram, or after it
    /// forgot a silent one).
    pub(crate) fn make_datagram(
        &mut self,
        payload: &[u8],
        now: Millis,
    ) -> Result<Option<(SocketAddr, Vec<u8>)>, WireError> {
        let Some(destination) = self.remote_addr else {
            return Ok(None);
        };
        let packet = Packet {
            timestamp: timestamp16(now.as_u64()),
            timestamp_reply: self.echo.reply(now.as_u64()),
            payload: payload.to_vec(),
        };
        let nonce = Nonce {
            direction: self.outgoing_direction(),
            seq: self.next_seq,
        };
        let datagram = self.cipher.seal(nonce, &packet.encode())?;
        self.next_seq = self.next_seq.saturating_add(1);
        self.after_send(now);
        Ok(Some((destination, datagram)))
    }

    /// The server forgets a silent client; the client hops ports when
    /// nothing gets through. Upstream checks both right after a send.
    fn after_send(&mut self, now: Millis) {
        match self.role {
            Role::Server => {
                let silent_for = self.last_heard.map(|heard| now.since(heard));
                if silent_for.is_none_or(|silence| silence > SERVER_ASSOCIATION_TIMEOUT) {
                    self.remote_addr = None;
                    self.push_event(TransportEvent::RemoteDetached);
                }
            }
            Role::Client => {
                let port_is_old = now.since(self.last_port_choice) > PORT_HOP_INTERVAL;
                let no_roundtrip = self
                    .last_roundtrip_success
                    .is_none_or(|success| now.since(success) > PORT_HOP_INTERVAL);
                if port_is_old && no_roundtrip {
                    self.last_port_choice = now;
                    self.push_event(TransportEvent::PortHopWanted);
                }
            }
        }
    }

    /// Whether the client should close every socket but the newest: the
    /// newest has been in use for over 60 s.
    pub fn old_sockets_expired(&self, now: Millis) -> bool {
        now.since(self.last_port_choice) > MAX_OLD_SOCKET_AGE
    }

    /// Records when the newest state the peer acknowledged had been sent.
    pub(crate) fn set_last_roundtrip_success(&mut self, sent_at: Millis) {
        self.last_roundtrip_success = Some(sent_at);
    }

    /// The caller's `sendto` failed with `EMSGSIZE`: use the 500-byte
    /// datagram MTU from now on.
    pub fn datagram_too_big(&mut self) {
        self.mtu_fallback = true;
    }

    /// Bytes an encoded fragment may take (header included) so that its
    /// datagram fits the path: 1224 for IPv4 peers, 1188 for IPv6, 472
    /// after `EMSGSIZE`.
    pub(crate) fn fragment_budget(&self) -> usize {
        if self.mtu_fallback {
            FALLBACK_FRAGMENT_BUDGET
        } else {
            default_fragment_budget(self.remote_addr.is_some_and(|a| a.is_ipv6()))
        }
    }

    /// The peer's address, if known.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// One more than the highest datagram sequence number heard from the
    /// peer: how many datagrams it has sent, as far as we know.
    pub(crate) fn peer_datagrams_sent(&self) -> u64 {
        self.expected_seq
    }

    /// Whether the datagram `receive` last returned was older than the
    /// newest one received before it (reordered, or replayed).
    pub(crate) fn last_was_late(&self) -> bool {
        self.last_was_late
    }

    /// When the newest in-order authentic datagram arrived.
    pub fn last_heard(&self) -> Option<Millis> {
        self.last_heard
    }

    /// The round-trip estimator.
    pub fn rtt(&self) -> &RttEstimator {
        &self.rtt
    }

    /// Queues an event for the caller, dropping the oldest if too many
    /// are waiting.
    pub(crate) fn push_event(&mut self, event: TransportEvent) {
        if self.events.len() >= MAX_PENDING_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// The next event for the caller.
    pub fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mtu::FALLBACK_MTU;
    use crate::wire::mtu::{IPV4_DATAGRAM_MTU, IPV6_DATAGRAM_MTU};

    fn key() -> SessionKey {
        SessionKey::from_bytes([7; 16])
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn pair(now: u64) -> (Connection, Connection) {
        let server = Connection::new_server(&key(), Millis(now));
        let client = Connection::new_client(&key(), addr("127.0.0.1:60001"), Millis(now));
        (server, client)
    }

    fn send(from: &mut Connection, payload: &[u8], now: u64) -> Vec<u8> {
        from.make_datagram(payload, Millis(now)).unwrap().unwrap().1
    }

    #[test]
    fn the_server_learns_and_follows_the_clients_address() {
        let (mut server, mut client) = pair(0);
        assert!(server.make_datagram(b"x", Millis(0)).unwrap().is_none());
        let home = addr("127.0.0.2:4000");
        let d = send(&mut client, b"hello", 1);
        assert_eq!(server.receive(&d, home, Millis(2)).unwrap(), b"hello");
        assert_eq!(server.remote_addr(), Some(home));
        assert_eq!(
            server.poll_event(),
            Some(TransportEvent::RemoteAttached(home))
        );
        let (to, _) = server.make_datagram(b"hi", Millis(3)).unwrap().unwrap();
        assert_eq!(to, home);

        let roamed = addr("127.0.0.3:5000");
        let d = send(&mut client, b"moved", 4);
        server.receive(&d, roamed, Millis(5)).unwrap();
        assert_eq!(server.remote_addr(), Some(roamed));
        assert_eq!(
            server.poll_event(),
            Some(TransportEvent::RemoteAttached(roamed))
        );
        assert_eq!(server.poll_event(), None);
    }

    #[test]
    fn replayed_or_reordered_datagrams_deliver_but_do_not_move_the_peer() {
        let (mut server, mut client) = pair(0);
        let home = addr("127.0.0.2:4000");
        let old = send(&mut client, b"first", 1);
        let new = send(&mut client, b"second", 2);
        server.receive(&new, home, Millis(3)).unwrap();
        let attacker = addr("127.0.0.66:6666");
        assert_eq!(server.receive(&old, attacker, Millis(4)).unwrap(), b"first");
        assert_eq!(
            server.receive(&new, attacker, Millis(5)).unwrap(),
            b"second"
        );
        assert_eq!(server.remote_addr(), Some(home));
        assert_eq!(server.last_heard(), Some(Millis(3)));
    }

    #[test]
    fn reflections_wrong_keys_and_garbage_are_rejected() {
        let (mut server, mut client) = pair(0);
        let from = addr("127.0.0.2:4000");
        server
            .receive(&send(&mut client, b"a", 1), from, Millis(1))
            .unwrap();
        let own = send(&mut server, b"reflect me", 2);
        assert_eq!(
            server.receive(&own, from, Millis(3)),
            Err(TransportError::WrongDirection)
        );
        let mut stranger =
            Connection::new_client(&SessionKey::from_bytes([9; 16]), from, Millis(0));
        let forged = send(&mut stranger, b"let me in", 4);
        assert_eq!(
            server.receive(&forged, addr("127.0.0.9:1"), Millis(5)),
            Err(TransportError::Wire(WireError::Authentication))
        );
        assert!(server.receive(&[0u8; 10], from, Millis(6)).is_err());
        assert_eq!(server.remote_addr(), Some(from));
    }

    #[test]
    fn round_trip_time_excludes_the_peers_hold_time() {
        let (mut server, mut client) = pair(0);
        let from = addr("127.0.0.2:4000");
        server
            .receive(&send(&mut client, b"ping", 1000), from, Millis(1040))
            .unwrap();
        let reply = send(&mut server, b"pong", 1070);
        client
            .receive(&reply, addr("127.0.0.1:60001"), Millis(1110))
            .unwrap();
        assert_eq!(client.rtt().srtt(), 80.0);
        assert!(client.rtt().has_sample());
        assert!(!server.rtt().has_sample());
    }

    #[test]
    fn a_silent_client_is_forgotten_after_forty_seconds() {
        let (mut server, mut client) = pair(0);
        let from = addr("127.0.0.2:4000");
        server
            .receive(&send(&mut client, b"a", 0), from, Millis(0))
            .unwrap();
        server.poll_event();
        send(&mut server, b"beat", SERVER_ASSOCIATION_TIMEOUT);
        assert!(server.remote_addr().is_some());
        send(&mut server, b"beat", SERVER_ASSOCIATION_TIMEOUT + 1);
        assert_eq!(server.remote_addr(), None);
        assert_eq!(server.poll_event(), Some(TransportEvent::RemoteDetached));
        assert!(server
            .make_datagram(b"x", Millis(50_000))
            .unwrap()
            .is_none());
        server
            .receive(&send(&mut client, b"back", 60_000), from, Millis(60_000))
            .unwrap();
        assert_eq!(server.remote_addr(), Some(from));
    }

    #[test]
    fn the_client_hops_ports_when_nothing_round_trips_for_ten_seconds() {
        let (_, mut client) = pair(0);
        let mut hops = Vec::new();
        for now in (0..=35_000).step_by(500) {
            send(&mut client, b"x", now);
            while let Some(event) = client.poll_event() {
                assert_eq!(event, TransportEvent::PortHopWanted);
                hops.push(now);
            }
        }
        assert_eq!(hops, vec![10_500, 21_000, 31_500]);
        client.set_last_roundtrip_success(Millis(35_000));
        for now in (35_000..=44_000).step_by(500) {
            send(&mut client, b"x", now);
        }
        assert_eq!(client.poll_event(), None, "a recent round trip: no hop");
        assert!(!client.old_sockets_expired(Millis(31_500 + MAX_OLD_SOCKET_AGE)));
        assert!(client.old_sockets_expired(Millis(31_501 + MAX_OLD_SOCKET_AGE)));
    }

    #[test]
    fn datagrams_fit_the_mtu_of_the_peers_family_and_the_fallback() {
        let v6 = Connection::new_client(&key(), addr("[::1]:60001"), Millis(0));
        let (_, v4) = pair(0);
        for (mut conn, mtu) in [(v4, IPV4_DATAGRAM_MTU), (v6, IPV6_DATAGRAM_MTU)] {
            let payload = vec![0u8; conn.fragment_budget()];
            assert_eq!(send(&mut conn, &payload, 0).len(), mtu);
        }
        let (_, mut v4) = pair(0);
        v4.datagram_too_big();
        let payload = vec![0u8; v4.fragment_budget()];
        assert_eq!(send(&mut v4, &payload, 0).len(), FALLBACK_MTU);
    }
}
