//! Deterministic network simulation of a whole SSP session: a client and
//! a server `Transport` with toy states (an append-only input log one way,
//! a screen replaced wholesale the other), over a simulated link driven
//! by a seeded RNG and a simulated clock. No sockets, no sleeping: a
//! ten-minute outage costs milliseconds.
//!
//! Each seed picks a round-trip time (20–1000 ms) with jitter, reordering,
//! duplication and injected garbage (random bytes, bit flips, replays from
//! a stranger's address, reflections), and optionally a client address
//! change and a ten-minute blackout. The user types and the screen changes
//! throughout the impaired phase; then the link recovers (no more loss,
//! garbage or blackout; delay, jitter, reordering and duplication stay)
//! and both sides go quiet. For every seed:
//! - within [`CONVERGENCE_BOUND_MS`] of recovery, the server has every
//!   keystroke exactly once and in order, and the client shows the
//!   server's newest screen;
//! - within [`ACK_SETTLE_MS`] after that, each side has had the states it
//!   sent acknowledged;
//! - a shutdown started then completes cleanly on both ends;
//! - throughout: no datagram exceeds the IPv4 MTU, the held state lists
//!   stay bounded, the server never adopts a stranger's address, and no
//!   end asks to be woken "now" again right after it was served (no busy
//!   loop); nothing panics.
//!
//! Seeds per scenario: `MOSH_SIM_SEEDS` (default 300 in release builds,
//! 15 in debug builds; a quarter of that for the costlier blackout runs).

use crate::support::rng::Rng;
use crate::support::{sim_link, sim_states};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use mosh_rs::transport::{
    Millis, SyncState, Transport, TransportEvent, MAX_OPEN_SOCKETS, MAX_SENT_STATES,
    SOFT_STATE_LIMIT,
};
use mosh_rs::wire::mtu::IPV4_DATAGRAM_MTU;
use mosh_rs::wire::{SessionKey, MAX_INSTRUCTION_BYTES};
use sim_link::{PathQuality, SimLink};
use sim_states::{InputLog, Screen};

type Client = Transport<InputLog, Screen>;
type Server = Transport<Screen, InputLog>;

/// Once the link has recovered and both sides are quiet, the receiver
/// holds the sender's newest state within this long (ms). Worst case,
/// with a 1000 ms RTT (plus up to 250 ms jitter and 300 ms reorder hold,
/// so about 1.1 s one way) after a long outage:
/// the client's next heartbeat (≤ 3 s, it has not heard the server for
/// over 10 s so it only sends on the heartbeat clock) reaches the server
/// (1.1 s), which re-attaches and answers at once (1.1 s); the client,
/// now hearing the server, resends actively, but its first diff may name
/// a state the server never got, so it falls back to the acknowledged
/// state after RTO + 100 ms (≤ 1.1 s) and that arrives (1.1 s). Both
/// sides' frames wait up to one frame interval (0.25 s) and the server's
/// reply may itself need the same fallback (1.1 s + 1.1 s). Sum ≈ 10.2 s;
/// the bound adds a 20% margin.
const CONVERGENCE_BOUND_MS: u64 = 12_000;
/// After convergence, every state sent by then is acknowledged within
/// this long. The peer acknowledges on its next send, at the latest its
/// 3 s heartbeat (~1.1 s to arrive). But the newest state may be a
/// heartbeat that overtook the state it builds on and was dropped
/// (reordering); then only the sender's next heartbeat (3 s, ~1.1 s)
/// supersedes it, and the peer acks that one on its own heartbeat: about
/// 2 × 3 s + 2 × 1.1 s = 8.2 s.
const ACK_SETTLE_MS: u64 = 9_000;
/// A shutdown on a recovered link completes within this long.
const SHUTDOWN_BOUND_MS: u64 = 5_000;
/// A ten-minute outage.
const BLACKOUT_MS: u64 = 600_000;
/// How long the user types and the screen changes, besides any outage.
const ACTIVE_MS: u64 = 12_000;
/// How long into an outage the user keeps typing.
const USER_GIVES_UP_MS: u64 = 5_000;
/// Cells of the toy screen (a full repaint spans several fragments).
const SCREEN_CELLS: usize = 1500;

const SERVER_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)), 60001);
const CLIENT_HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const CLIENT_ROAMED: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
const STRANGER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 66)), 6666);
const FIRST_CLIENT_PORT: u16 = 40000;

/// One simulated session's conditions.
#[derive(Clone, Debug)]
struct Scenario {
    seed: u64,
    impaired: PathQuality,
    clean: PathQuality,
    garbage: f64,
    blackout: Option<(u64, u64)>,
    roam_at: Option<u64>,
    recover_at: u64,
}

impl Scenario {
    fn new(seed: u64, loss: f64, blackout: bool, roam: bool) -> Scenario {
        let mut rng = Rng::new(seed ^ 0x5eed);
        let rtt = rng.between(20, 1000);
        let clean = PathQuality {
            delay: rtt / 2,
            jitter: rng.below(rtt / 4 + 1),
            loss: 0.0,
            duplicate: 0.03,
            reorder: 0.05,
            hold: 300,
        };
        let impaired = PathQuality {
            loss,
            ..clean.clone()
        };
        let blackout = blackout.then(|| {
            let start = rng.between(2_000, ACTIVE_MS - 5_000);
            (start, start + BLACKOUT_MS)
        });
        let recover_at = ACTIVE_MS + if blackout.is_some() { BLACKOUT_MS } else { 0 };
        let roam_at = roam.then(|| rng.between(1_000, recover_at - 1_000));
        Scenario {
            seed,
            impaired,
            clean,
            garbage: 0.03,
            blackout,
            roam_at,
            recover_at,
        }
    }

    fn blacked_out(&self, at: u64) -> bool {
        self.blackout
            .is_some_and(|(from, to)| (from..to).contains(&at))
    }
}

/// What a run measured.
#[derive(Debug, Default)]
struct Outcome {
    converged_after: u64,
    port_hops: usize,
    detaches: usize,
    datagrams: u64,
}

/// The client's sockets: ports it can receive on, newest last.
struct ClientSockets {
    ip: IpAddr,
    open: Vec<(u16, u64)>,
    next_port: u16,
}

impl ClientSockets {
    fn newest(&self) -> SocketAddr {
        let (port, _) = self.open.last().expect("a socket is always open");
        SocketAddr::new(self.ip, *port)
    }

    fn receives_at(&self, addr: SocketAddr) -> bool {
        addr.ip() == self.ip && self.open.iter().any(|(port, _)| *port == addr.port())
    }

    fn hop(&mut self, now: u64) {
        self.open.push((self.next_port, now));
        self.next_port += 1;
    }

    fn prune(&mut self, client: &Client, now: u64) {
        if client.old_sockets_expired(Millis(now)) && self.open.len() > 1 {
            self.open.drain(..self.open.len() - 1);
        }
        if self.open.len() > MAX_OPEN_SOCKETS {
            self.open.drain(..self.open.len() - MAX_OPEN_SOCKETS);
        }
    }
}

/// Both ends, the link, and what the user did.
struct Session {
    scenario: Scenario,
    rng: Rng,
    link: SimLink,
    client: Client,
    server: Server,
    sockets: ClientSockets,
    /// Everything the user typed, in order.
    typed: Vec<u8>,
    /// What the server has read of it, via `take_remote_diff`.
    server_input: InputLog,
    server_input_num: u64,
    /// Authentic datagrams already delivered to the server, for replays.
    delivered_to_server: Vec<Vec<u8>>,
    next_keystroke: u64,
    next_output: u64,
    outcome: Outcome,
}

impl Session {
    fn new(scenario: Scenario) -> Session {
        let mut rng = Rng::new(scenario.seed);
        let mut key = [0u8; 16];
        key.copy_from_slice(&rng.bytes(16));
        let key = SessionKey::from_bytes(key);
        let seed = scenario.seed;
        Session {
            rng,
            link: SimLink::new(),
            client: Client::new_client(
                &key,
                SERVER_ADDR,
                InputLog::default(),
                Screen::new(SCREEN_CELLS),
                Millis(0),
                seed.wrapping_mul(3),
            ),
            server: Server::new_server(
                &key,
                Screen::new(SCREEN_CELLS),
                InputLog::default(),
                Millis(0),
                seed.wrapping_mul(5),
            ),
            sockets: ClientSockets {
                ip: CLIENT_HOME,
                open: vec![(FIRST_CLIENT_PORT, 0)],
                next_port: FIRST_CLIENT_PORT + 1,
            },
            typed: Vec::new(),
            server_input: InputLog::default(),
            server_input_num: 0,
            delivered_to_server: Vec::new(),
            next_keystroke: 50,
            next_output: 80,
            outcome: Outcome::default(),
            scenario,
        }
    }

    fn impaired(&self, now: u64) -> bool {
        now < self.scenario.recover_at
    }

    fn deliver_due(&mut self, now: u64) {
        while let Some(d) = self.link.pop_due(now) {
            if self.impaired(now) && self.scenario.blacked_out(d.deliver_at) {
                continue;
            }
            if d.to == SERVER_ADDR {
                let genuine = self
                    .server
                    .handle_datagram(&d.bytes, d.from, Millis(now))
                    .is_ok();
                if genuine && d.from != STRANGER && self.delivered_to_server.len() < 64 {
                    self.delivered_to_server.push(d.bytes);
                }
            } else if self.sockets.receives_at(d.to) {
                let _ = self
                    .client
                    .handle_datagram(&d.bytes, SERVER_ADDR, Millis(now));
            }
        }
        if self.server.remote_state_num() != self.server_input_num {
            self.server_input_num = self.server.remote_state_num();
            let diff = self.server.take_remote_diff();
            if !diff.is_empty() {
                self.server_input.apply_diff(&diff).expect("input diff");
            }
        }
    }

    fn do_user_and_program_work(&mut self, now: u64) {
        if !self.impaired(now) {
            return;
        }
        if now >= self.next_keystroke && self.user_at_keyboard(now) {
            let len = if self.rng.chance(0.01) {
                1500
            } else {
                self.rng.between(1, 3) as usize
            };
            let keys = self.rng.bytes(len);
            self.client.current_state_mut().push(&keys);
            self.typed.extend_from_slice(&keys);
            self.next_keystroke = now + self.rng.between(1, 400);
        }
        if now >= self.next_output {
            let mut screen = self.server.current_state().clone();
            let changes = if self.rng.chance(0.03) {
                SCREEN_CELLS
            } else {
                self.rng.between(1, 20) as usize
            };
            for _ in 0..changes {
                let cell = self.rng.below(SCREEN_CELLS as u64) as usize;
                screen.cells[cell] = self.rng.next_u64() as u8;
            }
            self.server.set_current_state(screen);
            self.next_output = now + self.rng.between(1, 300);
        }
        if self.scenario.roam_at.is_some_and(|at| now >= at) {
            self.sockets.ip = CLIENT_ROAMED;
        }
    }

    /// The user types through the first seconds of an outage, then
    /// waits for it to end.
    fn user_at_keyboard(&self, now: u64) -> bool {
        match self.scenario.blackout {
            Some((from, to)) => now < from + USER_GIVES_UP_MS || now >= to,
            None => true,
        }
    }

    fn transmit(&mut self, now: u64) {
        let path = if self.impaired(now) {
            self.scenario.impaired.clone()
        } else {
            self.scenario.clean.clone()
        };
        while let Some((to, bytes)) = self.client.poll_transmit(Millis(now)) {
            assert_eq!(to, SERVER_ADDR);
            let from = self.sockets.newest();
            self.send(&path, now, from, to, bytes);
        }
        while let Some((to, bytes)) = self.server.poll_transmit(Millis(now)) {
            self.send(&path, now, SERVER_ADDR, to, bytes);
        }
        for (name, wake) in [
            ("client", self.client.poll_timeout(Millis(now))),
            ("server", self.server.poll_timeout(Millis(now))),
        ] {
            assert!(
                wake > Millis(now),
                "{name} wants to be woken at once again (busy loop)"
            );
        }
    }

    fn send(
        &mut self,
        path: &PathQuality,
        now: u64,
        from: SocketAddr,
        to: SocketAddr,
        bytes: Vec<u8>,
    ) {
        assert!(
            bytes.len() <= IPV4_DATAGRAM_MTU,
            "datagram of {} bytes",
            bytes.len()
        );
        self.outcome.datagrams += 1;
        if self.impaired(now) {
            if self.scenario.blacked_out(now) {
                return;
            }
            if self.rng.chance(self.scenario.garbage) {
                self.inject_garbage(now, from, to, &bytes);
            }
        }
        self.link.send(&mut self.rng, path, now, from, to, bytes);
    }

    /// Hostile or broken traffic next to a genuine datagram.
    fn inject_garbage(&mut self, now: u64, from: SocketAddr, to: SocketAddr, genuine: &[u8]) {
        let at = now + self.rng.below(500);
        match self.rng.below(4) {
            0 => {
                let len = self.rng.below(1300) as usize;
                let junk = self.rng.bytes(len);
                self.link.inject(at, STRANGER, to, junk);
            }
            1 => {
                let mut flipped = genuine.to_vec();
                let bit = self.rng.below(flipped.len() as u64 * 8) as usize;
                flipped[bit / 8] ^= 1 << (bit % 8);
                self.link.inject(at, STRANGER, to, flipped);
            }
            2 => {
                if !self.delivered_to_server.is_empty() {
                    let pick = self.rng.below(self.delivered_to_server.len() as u64) as usize;
                    let replay = self.delivered_to_server[pick].clone();
                    self.link.inject(at, STRANGER, SERVER_ADDR, replay);
                }
            }
            _ => self.link.inject(at, STRANGER, from, genuine.to_vec()),
        }
    }

    fn handle_events(&mut self, now: u64) {
        while let Some(event) = self.client.poll_event() {
            match event {
                TransportEvent::PortHopWanted => {
                    self.outcome.port_hops += 1;
                    self.sockets.hop(now);
                }
                other => panic!("unexpected client event {other:?}"),
            }
        }
        self.sockets.prune(&self.client, now);
        while let Some(event) = self.server.poll_event() {
            match event {
                TransportEvent::RemoteAttached(addr) => assert_ne!(addr, STRANGER),
                TransportEvent::RemoteDetached => self.outcome.detaches += 1,
                other => panic!("unexpected server event {other:?}"),
            }
        }
    }

    fn check_bounds(&self) {
        for (name, sent, received, reassembly) in [
            (
                "client",
                self.client.sent_states_held(),
                self.client.received_states_held(),
                self.client.reassembly_bytes_held(),
            ),
            (
                "server",
                self.server.sent_states_held(),
                self.server.received_states_held(),
                self.server.reassembly_bytes_held(),
            ),
        ] {
            assert!(sent <= MAX_SENT_STATES, "{name} holds {sent} sent states");
            assert!(
                received <= SOFT_STATE_LIMIT + 1,
                "{name} holds {received} received states"
            );
            assert!(
                reassembly <= MAX_INSTRUCTION_BYTES,
                "{name} reassembles {reassembly} bytes"
            );
        }
        assert_ne!(self.server.remote_addr(), Some(STRANGER));
    }

    fn converged(&self) -> bool {
        self.server_input.bytes == self.typed
            && self.client.remote_state() == self.server.current_state()
    }

    fn next_wakeup(&mut self, now: u64, deadline: u64) -> u64 {
        let mut next = deadline
            .min(self.client.poll_timeout(Millis(now)).as_u64())
            .min(self.server.poll_timeout(Millis(now)).as_u64());
        if let Some(at) = self.link.next_delivery() {
            next = next.min(at);
        }
        if self.impaired(now) {
            if self.user_at_keyboard(now) {
                next = next.min(self.next_keystroke);
            } else if let Some((_, back)) = self.scenario.blackout {
                next = next.min(back);
            }
            next = next.min(self.next_output).min(self.scenario.recover_at);
            if let Some(at) = self.scenario.roam_at.filter(|&at| at > now) {
                next = next.min(at);
            }
        }
        next.max(now + 1)
    }

    /// Advances the simulation until `done` holds or `deadline` passes;
    /// returns the time `done` first held.
    fn run_until(
        &mut self,
        mut now: u64,
        deadline: u64,
        done: impl Fn(&Session) -> bool,
    ) -> Option<u64> {
        loop {
            self.deliver_due(now);
            self.do_user_and_program_work(now);
            self.transmit(now);
            self.handle_events(now);
            self.check_bounds();
            if !self.impaired(now) && done(self) {
                return Some(now);
            }
            if now >= deadline {
                return None;
            }
            now = self.next_wakeup(now, deadline);
        }
    }
}

fn run(scenario: Scenario) -> Outcome {
    let mut session = Session::new(scenario.clone());
    let recover = scenario.recover_at;
    let converged_at = session
        .run_until(0, recover + CONVERGENCE_BOUND_MS, Session::converged)
        .unwrap_or_else(|| {
            panic!(
                "not converged {CONVERGENCE_BOUND_MS} ms after recovery: server read {} of {} \
                 typed bytes, screens equal: {}",
                session.server_input.bytes.len(),
                session.typed.len(),
                session.client.remote_state() == session.server.current_state()
            )
        });
    session.outcome.converged_after = converged_at - recover;

    let client_last = session.client.sent_state_last();
    let server_last = session.server.sent_state_last();
    session
        .run_until(converged_at, converged_at + ACK_SETTLE_MS, |s| {
            s.client.sent_state_acked() >= client_last && s.server.sent_state_acked() >= server_last
        })
        .unwrap_or_else(|| {
            panic!(
                "acks did not advance: client {} of {client_last}, server {} of {server_last}",
                session.client.sent_state_acked(),
                session.server.sent_state_acked()
            )
        });

    let newest_client_addr = session.sockets.newest();
    assert_eq!(session.server.remote_addr(), Some(newest_client_addr));

    let now = converged_at + ACK_SETTLE_MS;
    session.client.start_shutdown(Millis(now));
    session
        .run_until(now, now + SHUTDOWN_BOUND_MS, |s| {
            s.client.shutdown_acknowledged() && s.server.counterparty_shutdown_ack_sent()
        })
        .unwrap_or_else(|| panic!("shutdown did not complete"));
    session.outcome
}

fn seeds_per_scenario() -> u64 {
    if let Some(n) = std::env::var("MOSH_SIM_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if cfg!(debug_assertions) {
        15
    } else {
        300
    }
}

/// Runs every seed of one scenario family and reports the worst case.
fn sweep(name: &str, first_seed: u64, count: u64, make: impl Fn(u64) -> Scenario) -> Vec<Outcome> {
    let outcomes: Vec<Outcome> = (first_seed..first_seed + count)
        .map(|seed| {
            let scenario = make(seed);
            let shown = format!("{scenario:?}");
            match std::panic::catch_unwind(|| run(scenario)) {
                Ok(outcome) => outcome,
                Err(_) => panic!("{name}: seed {seed} failed; scenario: {shown}"),
            }
        })
        .collect();
    let worst = outcomes
        .iter()
        .map(|o| o.converged_after)
        .max()
        .unwrap_or(0);
    let datagrams: u64 = outcomes.iter().map(|o| o.datagrams).sum();
    println!(
        "{name}: {count} seeds, {datagrams} datagrams, worst convergence {worst} ms after recovery"
    );
    outcomes
}

#[test]
fn lossless_link_with_jitter_reordering_and_duplicates() {
    sweep("lossless", 1_000_000, seeds_per_scenario(), |seed| {
        Scenario::new(seed, 0.0, false, seed % 3 == 0)
    });
}

#[test]
fn ten_percent_loss() {
    sweep("10% loss", 2_000_000, seeds_per_scenario(), |seed| {
        Scenario::new(seed, 0.1, false, seed % 3 == 0)
    });
}

#[test]
fn fifty_percent_loss() {
    sweep("50% loss", 3_000_000, seeds_per_scenario(), |seed| {
        Scenario::new(seed, 0.5, false, seed % 3 == 0)
    });
}

#[test]
fn client_address_change_mid_session() {
    let outcomes = sweep("roaming", 4_000_000, seeds_per_scenario(), |seed| {
        Scenario::new(seed, [0.0, 0.1, 0.5][seed as usize % 3], false, true)
    });
    assert!(!outcomes.is_empty());
}

#[test]
fn ten_minute_blackout_then_recovery() {
    let outcomes = sweep("blackout", 5_000_000, seeds_per_scenario() / 4, |seed| {
        Scenario::new(
            seed,
            [0.0, 0.1, 0.5][seed as usize % 3],
            true,
            seed % 2 == 0,
        )
    });
    for outcome in &outcomes {
        assert!(
            outcome.detaches >= 1,
            "server never let go of a silent client: {outcome:?}"
        );
        assert!(
            outcome.port_hops >= 1,
            "client never tried a new port: {outcome:?}"
        );
    }
}
