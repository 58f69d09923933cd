//! Drives one sans-IO `Transport` over a real UDP socket on loopback, the
//! way the client and server event loops will: hand in every datagram
//! that arrives, send everything `poll_transmit` returns, sleep until
//! `poll_timeout` or the next datagram. Time is a monotonic clock in
//! milliseconds from an arbitrary origin.
//!
//! Two [`WireTap`]s also decode every datagram on their own, one for
//! each direction, so a test can see what went over the wire (how many
//! fragments an instruction took) and count what the peer sent even after
//! our end stopped answering (how often it repeated its shutdown).

#![allow(dead_code)]

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use mosh_rs::transport::{
    Millis, SyncState, Transport, TransportError, TransportEvent, SHUTDOWN_NUM,
};
use mosh_rs::wire::{Cipher, Fragment, FragmentAssembly, Packet, SessionKey, RECEIVE_BUFFER_LEN};

/// Decodes datagrams independently of the transport, to watch the peer.
pub struct WireTap {
    cipher: Cipher,
    assembly: FragmentAssembly,
    /// Authentic datagrams seen.
    pub datagrams: u64,
    /// Instructions seen whose `new_num` is the shutdown number.
    pub shutdown_instructions: u64,
    /// The most fragments seen for one instruction.
    pub max_fragments: usize,
}

impl WireTap {
    fn new(key: &SessionKey) -> WireTap {
        WireTap {
            cipher: Cipher::new(key),
            assembly: FragmentAssembly::new(),
            datagrams: 0,
            shutdown_instructions: 0,
            max_fragments: 0,
        }
    }

    fn observe(&mut self, datagram: &[u8]) {
        let Ok((_, plaintext)) = self.cipher.open(datagram) else {
            return;
        };
        self.datagrams += 1;
        let Ok(packet) = Packet::decode(&plaintext) else {
            return;
        };
        let Ok(fragment) = Fragment::decode(&packet.payload) else {
            return;
        };
        self.max_fragments = self.max_fragments.max(usize::from(fragment.num) + 1);
        if let Ok(Some(instruction)) = self.assembly.add(fragment) {
            if instruction.new_num == SHUTDOWN_NUM {
                self.shutdown_instructions += 1;
            }
        }
    }
}

/// A transport endpoint with its socket and clock.
pub struct UdpEnd<Local: SyncState, Remote: SyncState> {
    /// The endpoint under test.
    pub transport: Transport<Local, Remote>,
    socket: UdpSocket,
    origin: Instant,
    /// Why datagrams were dropped by the transport, in order.
    pub rejected: Vec<TransportError>,
    /// What the transport reported, in order.
    pub events: Vec<TransportEvent>,
    /// Datagrams sent.
    pub sent: u64,
    /// Everything that arrived, decoded on the side.
    pub tap: WireTap,
    /// Everything we sent, decoded on the side.
    pub sent_tap: WireTap,
}

impl<Local: SyncState, Remote: SyncState> UdpEnd<Local, Remote> {
    /// A client end on 127.0.0.1 (any port) talking to `server`.
    pub fn client(
        key: &SessionKey,
        server: SocketAddr,
        local: Local,
        remote: Remote,
    ) -> io::Result<Self> {
        let socket = loopback_socket()?;
        let origin = Instant::now();
        let transport = Transport::new_client(key, server, local, remote, Millis(clock(origin)), 7);
        Ok(Self::with(transport, socket, origin, key))
    }

    /// A server end on 127.0.0.1 (any port); see [`local_addr`](Self::local_addr).
    pub fn server(key: &SessionKey, local: Local, remote: Remote) -> io::Result<Self> {
        let socket = loopback_socket()?;
        let origin = Instant::now();
        let transport = Transport::new_server(key, local, remote, Millis(clock(origin)), 11);
        Ok(Self::with(transport, socket, origin, key))
    }

    fn with(
        transport: Transport<Local, Remote>,
        socket: UdpSocket,
        origin: Instant,
        key: &SessionKey,
    ) -> Self {
        UdpEnd {
            transport,
            socket,
            origin,
            rejected: Vec::new(),
            events: Vec::new(),
            sent: 0,
            tap: WireTap::new(key),
            sent_tap: WireTap::new(key),
        }
    }

    /// The address our socket is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.socket
            .local_addr()
            .expect("bound socket has an address")
    }

    /// The transport's clock: milliseconds since this end was made, plus
    /// an offset so that nothing depends on time starting at zero.
    pub fn now(&self) -> u64 {
        clock(self.origin)
    }

    /// Sends everything the transport has due now.
    pub fn flush(&mut self) {
        let now = self.now();
        while let Some((to, datagram)) = self.transport.poll_transmit(Millis(now)) {
            self.sent_tap.observe(&datagram);
            match self.socket.send_to(&datagram, to) {
                Ok(_) => self.sent += 1,
                Err(err) if err.raw_os_error() == Some(libc::EMSGSIZE) => {
                    self.transport.datagram_too_big();
                }
                // The protocol resends by itself.
                Err(_) => {}
            }
        }
        while let Some(event) = self.transport.poll_event() {
            self.events.push(event);
        }
    }

    /// One turn of the event loop: send what is due, wait (at most
    /// `max_wait`) for datagrams or the transport's next timer, hand in
    /// whatever arrived, and send again.
    pub fn turn(&mut self, max_wait: Duration) {
        self.flush();
        let now = self.now();
        let wake = self.transport.poll_timeout(Millis(now));
        let wait = Duration::from_millis(wake.since(Millis(now))).clamp(
            Duration::from_millis(1),
            max_wait.max(Duration::from_millis(1)),
        );
        for datagram in self.receive(wait) {
            let (bytes, from) = datagram;
            self.tap.observe(&bytes);
            if let Err(err) = self
                .transport
                .handle_datagram(&bytes, from, Millis(self.now()))
            {
                self.rejected.push(err);
            }
        }
        self.flush();
    }

    /// Turns the loop until `done` holds (true) or `timeout` passes
    /// (false). `done` is checked before every turn.
    pub fn run_until(
        &mut self,
        timeout: Duration,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            self.turn(Duration::from_millis(10));
        }
    }

    /// Our end has quit (as a real one exits after its last send): only
    /// the tap still reads what arrives, until `done` holds or `timeout`
    /// passes. Nothing is answered.
    pub fn listen_silently(&mut self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            for (bytes, _) in self.receive(Duration::from_millis(10)) {
                self.tap.observe(&bytes);
            }
            if done() {
                // Whatever was already on its way still counts.
                for (bytes, _) in self.receive(Duration::from_millis(1)) {
                    self.tap.observe(&bytes);
                }
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    /// Waits up to `wait` for a first datagram, then takes every one
    /// already queued.
    fn receive(&self, wait: Duration) -> Vec<(Vec<u8>, SocketAddr)> {
        let mut arrived = Vec::new();
        let mut buf = vec![0u8; RECEIVE_BUFFER_LEN];
        let _ = self.socket.set_nonblocking(false);
        let _ = self.socket.set_read_timeout(Some(wait));
        if let Ok((len, from)) = self.socket.recv_from(&mut buf) {
            arrived.push((buf[..len].to_vec(), from));
            let _ = self.socket.set_nonblocking(true);
            while let Ok((len, from)) = self.socket.recv_from(&mut buf) {
                arrived.push((buf[..len].to_vec(), from));
            }
        }
        arrived
    }
}

fn clock(origin: Instant) -> u64 {
    10_000 + origin.elapsed().as_millis() as u64
}

/// A UDP socket on 127.0.0.1 with mosh's socket options.
fn loopback_socket() -> io::Result<UdpSocket> {
    mosh_rs::sys::socket::bind_udp(SocketAddr::from(([127, 0, 0, 1], 0)))
}
