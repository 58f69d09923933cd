//! One end of an SSP session: our state going out, the peer's state
//! coming in, over the datagram layer. This is what the client and server
//! event loops drive.
//!
//! The loop, every time it wakes:
//! 1. hand in every datagram that arrived: [`Transport::handle_datagram`];
//! 2. read the peer's state ([`Transport::remote_state`] or
//!    [`Transport::take_remote_diff`]) and update ours
//!    ([`Transport::current_state_mut`] / [`Transport::set_current_state`]);
//! 3. send everything [`Transport::poll_transmit`] returns;
//! 4. act on [`Transport::poll_event`];
//! 5. sleep until [`Transport::poll_timeout`] or the next datagram.

use std::collections::VecDeque;
use std::net::SocketAddr;

use super::chaff::ChaffSource;
use super::connection::Connection;
use super::error::TransportError;
use super::event::TransportEvent;
use super::frame_record::{FrameDirection, FrameNumbers, FrameRecord, FrameRecords};
use super::receiver::{Incoming, Received, Receiver};
use super::sender::{LinkTiming, Sender};
use super::state::{NumberedState, SyncState};
use super::time::Millis;
use crate::wire::{
    Fragment, FragmentAssembly, Fragmenter, Instruction, SessionKey, WireError, PROTOCOL_VERSION,
};

/// One end of a mosh session, generic over the state we send (`Local`)
/// and the state we receive (`Remote`): the client sends the user input
/// stream and receives the terminal, the server the reverse.
#[derive(Debug)]
pub struct Transport<Local: SyncState, Remote: SyncState> {
    connection: Connection,
    sender: Sender<Local>,
    receiver: Receiver<Remote>,
    fragmenter: Fragmenter,
    assembly: FragmentAssembly,
    /// Datagrams of the instruction being sent, not yet taken.
    outbox: VecDeque<(SocketAddr, Vec<u8>)>,
    /// Datagram summaries for diagnostics (off unless asked for).
    frames: FrameRecords,
}

impl<Local: SyncState, Remote: SyncState> Transport<Local, Remote> {
    /// The server end, created at `now`. Both initial states are state
    /// number 0, which both ends hold from the start. `chaff_seed` should
    /// come from the system's random source; it only varies the
    /// chaff that hides datagram lengths, and fixing it makes runs replayable.
    pub fn new_server(
        key: &SessionKey,
        local_initial: Local,
        remote_initial: Remote,
        now: Millis,
        chaff_seed: u64,
    ) -> Self {
        let connection = Connection::new_server(key, now);
        Self::new(connection, local_initial, remote_initial, now, chaff_seed)
    }

    /// The client end, talking to the server at `server`.
    pub fn new_client(
        key: &SessionKey,
        server: SocketAddr,
        local_initial: Local,
        remote_initial: Remote,
        now: Millis,
        chaff_seed: u64,
    ) -> Self {
        let connection = Connection::new_client(key, server, now);
        Self::new(connection, local_initial, remote_initial, now, chaff_seed)
    }

    fn new(
        connection: Connection,
        local_initial: Local,
        remote_initial: Remote,
        now: Millis,
        chaff_seed: u64,
    ) -> Self {
        Transport {
            connection,
            sender: Sender::new(local_initial, now, ChaffSource::new(chaff_seed)),
            receiver: Receiver::new(remote_initial, now),
            fragmenter: Fragmenter::new(),
            assembly: FragmentAssembly::new(),
            outbox: VecDeque::new(),
            frames: FrameRecords::default(),
        }
    }

    // ----- datagrams in and out -----

    /// Takes one UDP datagram that arrived from `from` at `now`. Whatever
    /// the bytes, this never panics; an `Err` says why the datagram was
    /// dropped (worth showing the user, not worth ending the session).
    pub fn handle_datagram(
        &mut self,
        datagram: &[u8],
        from: SocketAddr,
        now: Millis,
    ) -> Result<(), TransportError> {
        let payload = self.connection.receive(datagram, from, now)?;
        let late = self.connection.last_was_late();
        let fragment = Fragment::decode(&payload)?;
        let mut record = FrameRecord {
            direction: FrameDirection::Received,
            datagram_len: datagram.len(),
            fragment_id: fragment.id,
            fragment_num: fragment.num,
            is_final: fragment.is_final,
            numbers: None,
        };
        let assembled = if late {
            self.assembly.add_late(fragment)?
        } else {
            self.assembly.add(fragment)?
        };
        match assembled {
            Some(instruction) => {
                record.numbers = Some(numbers_of(&instruction));
                self.frames.push(record);
                self.handle_instruction(instruction, now)
            }
            None => {
                self.frames.push(record);
                Ok(())
            }
        }
    }

    fn handle_instruction(&mut self, inst: Instruction, now: Millis) -> Result<(), TransportError> {
        if inst.protocol_version != PROTOCOL_VERSION {
            return Err(TransportError::ProtocolVersion(inst.protocol_version));
        }
        self.sender.process_ack(inst.ack_num);
        self.connection
            .set_last_roundtrip_success(self.sender.acked().timestamp);

        let incoming = Incoming {
            old_num: inst.old_num,
            new_num: inst.new_num,
            throwaway_num: inst.throwaway_num,
            diff: &inst.diff,
        };
        let received = self
            .receiver
            .receive(incoming, now)
            .map_err(TransportError::BadDiff)?;
        if received == Received::Newest {
            self.sender.set_ack_num(inst.new_num);
            self.sender.remote_heard(now);
            if !inst.diff.is_empty() {
                self.sender.set_data_ack();
            }
        }
        Ok(())
    }

    /// The next datagram to send at `now`, and where to. Call until it
    /// returns `None`. Sends whatever is due: new state, resends, acks,
    /// heartbeats. If `sendto` fails with `EMSGSIZE`, call
    /// [`datagram_too_big`](Self::datagram_too_big); other send errors
    /// are the caller's to report (the protocol resends by itself).
    pub fn poll_transmit(&mut self, now: Millis) -> Option<(SocketAddr, Vec<u8>)> {
        if self.outbox.is_empty() {
            self.tick(now);
        }
        self.outbox.pop_front()
    }

    fn tick(&mut self, now: Millis) {
        if self.connection.remote_addr().is_none() {
            return;
        }
        let timing = self.link_timing();
        if let Some(instruction) = self.sender.tick(now, timing) {
            if let Err(err) = self.send_instruction(&instruction, now) {
                self.connection.push_event(TransportEvent::SendFailed(err));
            }
        }
    }

    fn send_instruction(&mut self, inst: &Instruction, now: Millis) -> Result<(), WireError> {
        let budget = self.connection.fragment_budget();
        for fragment in self.fragmenter.try_make_fragments(inst, budget)? {
            if let Some(datagram) = self.connection.make_datagram(&fragment.encode(), now)? {
                if self.frames.is_enabled() {
                    self.frames.push(FrameRecord {
                        direction: FrameDirection::Sent,
                        datagram_len: datagram.1.len(),
                        fragment_id: fragment.id,
                        fragment_num: fragment.num,
                        is_final: fragment.is_final,
                        numbers: Some(numbers_of(inst)),
                    });
                }
                self.outbox.push_back(datagram);
            }
        }
        Ok(())
    }

    /// The time (on the same clock as `now`) by which the caller
    /// must call [`poll_transmit`](Self::poll_transmit) again if no
    /// datagram arrives first. `Millis::NEVER` means "nothing scheduled" (a
    /// server with no client). A value `<= now` means "right away".
    pub fn poll_timeout(&mut self, now: Millis) -> Millis {
        if !self.outbox.is_empty() {
            return now;
        }
        if self.connection.remote_addr().is_none() {
            return Millis::NEVER;
        }
        let timing = self.link_timing();
        self.sender.next_wakeup(now, timing)
    }

    /// The next thing the caller should know about, see [`TransportEvent`].
    pub fn poll_event(&mut self) -> Option<TransportEvent> {
        self.connection.poll_event()
    }

    fn link_timing(&self) -> LinkTiming {
        LinkTiming {
            srtt: self.connection.rtt().srtt(),
            rto: self.connection.rtt().rto(),
        }
    }

    // ----- our state -----

    /// The state we are sending.
    pub fn current_state(&self) -> &Local {
        self.sender.current_state()
    }

    /// The state we are sending, to change in place (the client appends
    /// keystrokes this way). The change goes out on the next
    /// [`poll_transmit`](Self::poll_transmit) that is due.
    pub fn current_state_mut(&mut self) -> &mut Local {
        self.sender.current_state_mut()
    }

    /// Replaces the state we are sending (the server hands over the
    /// terminal this way).
    pub fn set_current_state(&mut self, state: Local) {
        self.sender.set_current_state(state);
    }

    /// Sets how long a change waits before it is sent, so that changes
    /// arriving together go out together (ms; default 8, the client uses 1).
    pub fn set_send_delay(&mut self, delay_ms: u64) {
        self.sender.set_send_delay(delay_ms);
    }

    /// Number of the newest of our states the peer acknowledged.
    pub fn sent_state_acked(&self) -> u64 {
        self.sender.acked().num
    }

    /// When the newest of our states the peer acknowledged was (last) sent.
    pub(crate) fn sent_state_acked_timestamp(&self) -> Millis {
        self.sender.acked().timestamp
    }

    /// Number of the newest state we sent.
    pub fn sent_state_last(&self) -> u64 {
        self.sender.last_sent_num()
    }

    // ----- the peer's state -----

    /// The newest state received from the peer.
    pub fn remote_state(&self) -> &Remote {
        &self.receiver.latest().state
    }

    /// The newest state received, with its number and arrival time (the
    /// initial state counts as received when the transport was created).
    pub(crate) fn latest_remote_state(&self) -> &NumberedState<Remote> {
        self.receiver.latest()
    }

    /// Number of the newest state received; 0 until the peer sent one.
    pub fn remote_state_num(&self) -> u64 {
        self.receiver.latest().num
    }

    /// The diff from the remote state as of the previous call to the
    /// newest one, for callers that consume the peer's state as a stream
    /// of changes (the server applies user input this way). Also lets the
    /// received states forget what was already taken.
    pub fn take_remote_diff(&mut self) -> Vec<u8> {
        self.receiver.take_diff()
    }

    // ----- shutdown -----

    /// Starts the shutdown handshake: from now on our state goes out as
    /// number `u64::MAX` until the peer acknowledges it.
    pub fn start_shutdown(&mut self, now: Millis) {
        self.sender.start_shutdown(now);
    }

    /// Whether [`start_shutdown`](Self::start_shutdown) was called.
    pub fn shutdown_in_progress(&self) -> bool {
        self.sender.shutdown_in_progress()
    }

    /// Whether the peer acknowledged our shutdown: quit cleanly.
    pub fn shutdown_acknowledged(&self) -> bool {
        self.sender.shutdown_acknowledged()
    }

    /// Whether waiting for that acknowledgement has lasted 16 sends or
    /// 10 s: quit anyway.
    pub fn shutdown_ack_timed_out(&self, now: Millis) -> bool {
        self.sender.shutdown_ack_timed_out(now)
    }

    /// Whether the peer asked to shut down and we have sent it our
    /// acknowledgement: quit cleanly.
    pub fn counterparty_shutdown_ack_sent(&self) -> bool {
        self.sender.counterparty_shutdown_ack_sent()
    }

    // ----- the path -----

    /// Whether the peer's address is known (always on the client; on the
    /// server once the client is heard, until 40 s of silence).
    pub fn has_remote_addr(&self) -> bool {
        self.connection.remote_addr().is_some()
    }

    /// The peer's address, if known.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.connection.remote_addr()
    }

    /// When the newest in-order authentic datagram arrived.
    pub fn last_heard(&self) -> Option<Millis> {
        self.connection.last_heard()
    }

    /// Smoothed round-trip time (ms); 1000 before the first measurement.
    pub fn srtt(&self) -> f64 {
        self.connection.rtt().srtt()
    }

    /// Retransmission timeout (ms), 50..=1000.
    pub(crate) fn rto(&self) -> u64 {
        self.connection.rtt().rto()
    }

    /// Time between frames (ms): half the SRTT, 20..=250.
    pub(crate) fn send_interval(&self) -> u64 {
        self.link_timing().send_interval()
    }

    /// The caller's `sendto` failed with `EMSGSIZE`: make datagrams of at
    /// most 500 bytes from now on.
    pub fn datagram_too_big(&mut self) {
        self.connection.datagram_too_big();
    }

    /// Client: whether every socket but the newest should now be closed
    /// (the newest has been in use for 60 s).
    pub fn old_sockets_expired(&self, now: Millis) -> bool {
        self.connection.old_sockets_expired(now)
    }

    // ----- diagnostics -----

    /// How many of our sent states are kept (at most 32).
    pub fn sent_states_held(&self) -> usize {
        self.sender.states_held()
    }

    /// How many received states are kept (bounded, see
    /// [`HARD_STATE_LIMIT`](super::HARD_STATE_LIMIT)).
    pub fn received_states_held(&self) -> usize {
        self.receiver.states_held()
    }

    /// Bytes of a partly received instruction held for reassembly.
    pub fn reassembly_bytes_held(&self) -> usize {
        self.assembly.held_bytes()
    }

    /// Round-trip time variation (ms).
    pub(crate) fn rttvar(&self) -> f64 {
        self.connection.rtt().rttvar()
    }

    /// How many datagrams the peer has sent, as far as its sequence
    /// numbers tell (for loss estimates).
    pub(crate) fn peer_datagrams_sent(&self) -> u64 {
        self.connection.peer_datagrams_sent()
    }

    /// Starts (or stops) keeping a [`FrameRecord`] for each datagram sent
    /// and received, to take with
    /// [`poll_frame_record`](Self::poll_frame_record).
    pub(crate) fn set_frame_records(&mut self, on: bool) {
        self.frames.set_enabled(on);
    }

    /// The oldest datagram summary not yet taken.
    pub(crate) fn poll_frame_record(&mut self) -> Option<FrameRecord> {
        self.frames.pop()
    }
}

/// The numbers of an instruction, without its contents.
fn numbers_of(inst: &Instruction) -> FrameNumbers {
    FrameNumbers {
        old_num: inst.old_num,
        new_num: inst.new_num,
        ack_num: inst.ack_num,
        throwaway_num: inst.throwaway_num,
        diff_len: inst.diff.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::test_state::ByteLog;
    use crate::transport::SHUTDOWN_NUM;

    type End = Transport<ByteLog, ByteLog>;

    const CLIENT_ADDR: &str = "127.0.0.2:4000";
    const SERVER_ADDR: &str = "127.0.0.1:60001";

    fn key() -> SessionKey {
        SessionKey::from_bytes([3; 16])
    }

    fn pair() -> (End, End) {
        let server = End::new_server(&key(), ByteLog::default(), ByteLog::default(), Millis(0), 1);
        let client = End::new_client(
            &key(),
            SERVER_ADDR.parse().unwrap(),
            ByteLog::default(),
            ByteLog::default(),
            Millis(0),
            2,
        );
        (server, client)
    }

    /// Runs both ends over a loss-free link with a 1 ms delay, one
    /// millisecond at a time, until `until`.
    fn run(server: &mut End, client: &mut End, from: u64, until: u64) {
        let mut to_server: Vec<Vec<u8>> = Vec::new();
        let mut to_client: Vec<Vec<u8>> = Vec::new();
        for now in from..=until {
            for d in to_server.drain(..) {
                server
                    .handle_datagram(&d, CLIENT_ADDR.parse().unwrap(), Millis(now))
                    .unwrap();
            }
            for d in to_client.drain(..) {
                client
                    .handle_datagram(&d, SERVER_ADDR.parse().unwrap(), Millis(now))
                    .unwrap();
            }
            while let Some((_, d)) = client.poll_transmit(Millis(now)) {
                to_server.push(d);
            }
            while let Some((to, d)) = server.poll_transmit(Millis(now)) {
                assert_eq!(to, CLIENT_ADDR.parse().unwrap());
                to_client.push(d);
            }
        }
    }

    #[test]
    fn states_flow_both_ways_and_get_acknowledged() {
        let (mut server, mut client) = pair();
        assert_eq!(
            server.poll_timeout(Millis(0)),
            Millis::NEVER,
            "no client yet"
        );
        assert!(server.poll_transmit(Millis(0)).is_none());
        client.current_state_mut().push(b"echo hi\r");
        run(&mut server, &mut client, 0, 20);
        let typed_num = client.sent_state_last();
        run(&mut server, &mut client, 21, 200);
        let mut typed = ByteLog::default();
        typed.apply_diff(&server.take_remote_diff()).unwrap();
        assert_eq!(typed.bytes, b"echo hi\r");
        assert!(server.has_remote_addr());

        server.current_state_mut().push(b"hi\r\n$ ");
        run(&mut server, &mut client, 201, 220);
        let output_num = server.sent_state_last();
        run(&mut server, &mut client, 221, 400);
        assert_eq!(client.remote_state().bytes, b"hi\r\n$ ");
        assert!(client.sent_state_acked() >= typed_num);
        assert!(server.sent_state_acked() >= output_num);
        assert!(
            client.srtt() < 10.0,
            "measured on a 1 ms link: {}",
            client.srtt()
        );
        assert_eq!(
            client.send_interval(),
            crate::transport::sender::SEND_INTERVAL_MIN
        );
    }

    #[test]
    fn a_replayed_datagram_does_not_reset_a_large_update_in_progress() {
        let (mut server, mut client) = pair();
        let server_addr: SocketAddr = SERVER_ADDR.parse().unwrap();
        client.current_state_mut().push(b"a");
        run(&mut server, &mut client, 0, 100);
        // Someone captures one authentic datagram of a small update.
        server.current_state_mut().push(b"small");
        let (sent_at, captured) = (101..2000)
            .find_map(|now| server.poll_transmit(Millis(now)).map(|(_, d)| (now, d)))
            .expect("the small update was sent");
        client
            .handle_datagram(&captured, server_addr, Millis(sent_at))
            .unwrap();
        run(&mut server, &mut client, sent_at + 1, sent_at + 2000);

        let big: Vec<u8> = (0..5000u32)
            .flat_map(|i| i.wrapping_mul(2_654_435_761).to_be_bytes())
            .collect();
        server.current_state_mut().push(&big);
        let start = sent_at + 2001;
        let now = (start..start + 2000)
            .find(|&now| server.poll_timeout(Millis(now)) <= Millis(now))
            .expect("the big update is due");
        let pieces: Vec<Vec<u8>> =
            std::iter::from_fn(|| server.poll_transmit(Millis(now)).map(|(_, d)| d)).collect();
        let (last, head) = pieces.split_last().expect("fragments");
        assert!(head.len() >= 2, "{} fragments", pieces.len());
        for piece in head {
            client
                .handle_datagram(piece, server_addr, Millis(now))
                .unwrap();
            // The replay arrives between the pieces.
            let _ = client.handle_datagram(&captured, server_addr, Millis(now));
        }
        client
            .handle_datagram(last, server_addr, Millis(now))
            .unwrap();
        assert!(
            client.remote_state().bytes.ends_with(&big),
            "the large update was lost to the replay"
        );
    }

    #[test]
    fn a_key_lost_after_a_long_quiet_spell_is_resent_within_a_round_trip_not_a_heartbeat() {
        let (mut server, mut client) = pair();
        client.current_state_mut().push(b"a");
        run(&mut server, &mut client, 0, 100);
        // Twenty seconds in which only heartbeats go either way.
        run(&mut server, &mut client, 101, 20_100);
        client.current_state_mut().push(b"b");
        let mut first_tries = 0;
        let mut now = 20_101;
        while client.poll_transmit(Millis(now)).is_some() || now < 20_140 {
            // The datagrams carrying the key are lost.
            first_tries += 1;
            now += 1;
        }
        assert!(first_tries > 0);
        let resent_at = (now..now + 5_000)
            .find(|&t| client.poll_transmit(Millis(t)).is_some())
            .expect("never resent");
        assert!(
            resent_at - 20_101 < 1_000,
            "resent only after {} ms",
            resent_at - 20_101
        );
    }

    #[test]
    fn frame_records_describe_each_datagram_without_its_contents() {
        let (mut server, mut client) = pair();
        client.set_frame_records(true);
        server.set_frame_records(true);
        client.current_state_mut().push(b"typed");
        run(&mut server, &mut client, 0, 50);
        let sent: Vec<FrameRecord> = std::iter::from_fn(|| client.poll_frame_record()).collect();
        let heard: Vec<FrameRecord> = std::iter::from_fn(|| server.poll_frame_record())
            .filter(|r| r.direction == FrameDirection::Received)
            .collect();
        let first = sent
            .iter()
            .find(|r| r.direction == FrameDirection::Sent)
            .unwrap();
        let numbers = first.numbers.unwrap();
        assert_eq!((numbers.old_num, numbers.new_num), (0, 1));
        assert!(numbers.diff_len > 0);
        let same = heard
            .iter()
            .find(|r| r.fragment_id == first.fragment_id)
            .unwrap();
        assert_eq!(same.datagram_len, first.datagram_len);
        assert_eq!(same.numbers, first.numbers);
        assert!(sent.iter().any(|r| r.direction == FrameDirection::Received));
        assert!(server.peer_datagrams_sent() >= heard.len() as u64);
        client.set_frame_records(false);
        run(&mut server, &mut client, 51, 400);
        assert_eq!(client.poll_frame_record(), None, "nothing kept while off");
    }

    #[test]
    fn shutdown_handshake_completes_on_both_ends() {
        let (mut server, mut client) = pair();
        run(&mut server, &mut client, 0, 100);
        client.start_shutdown(Millis(101));
        run(&mut server, &mut client, 101, 300);
        assert_eq!(server.remote_state_num(), SHUTDOWN_NUM);
        assert!(server.counterparty_shutdown_ack_sent());
        assert!(client.shutdown_acknowledged());
        assert!(!client.shutdown_ack_timed_out(Millis(300)));
    }

    #[test]
    fn another_protocol_version_is_reported_and_ignored() {
        let (mut server, _) = pair();
        let mut raw = Connection::new_client(&key(), SERVER_ADDR.parse().unwrap(), Millis(0));
        let inst = Instruction {
            protocol_version: 3,
            new_num: 1,
            ..Instruction::default()
        };
        let fragments = Fragmenter::new().make_fragments(&inst, 1000);
        let (_, datagram) = raw
            .make_datagram(&fragments[0].encode(), Millis(0))
            .unwrap()
            .unwrap();
        let result = server.handle_datagram(&datagram, CLIENT_ADDR.parse().unwrap(), Millis(1));
        assert_eq!(result, Err(TransportError::ProtocolVersion(3)));
        assert_eq!(server.remote_state_num(), 0);
    }

    #[test]
    fn emsgsize_shrinks_every_later_datagram_to_500_bytes() {
        let (mut server, mut client) = pair();
        client.datagram_too_big();
        // Bytes that zlib cannot shrink much.
        let mut noise = crate::transport::chaff::ChaffSource::new(9);
        let mut bytes = Vec::new();
        while bytes.len() < 5000 {
            bytes.extend(noise.next_chaff());
        }
        client.current_state_mut().push(&bytes);
        let mut sizes = Vec::new();
        for now in 0..50 {
            while let Some((_, d)) = client.poll_transmit(Millis(now)) {
                sizes.push(d.len());
                server
                    .handle_datagram(&d, CLIENT_ADDR.parse().unwrap(), Millis(now))
                    .unwrap();
            }
        }
        assert!(sizes.len() > 1);
        assert!(
            sizes.iter().all(|&n| n <= crate::wire::mtu::FALLBACK_MTU),
            "{sizes:?}"
        );
        assert_eq!(server.remote_state().bytes, bytes);
    }
}
