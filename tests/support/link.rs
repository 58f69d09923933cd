//! A user-space link simulator for tests and benchmarks: a UDP relay that
//! sits between a mosh client and server on loopback and makes the path
//! between them slow, lossy, reordering, duplicating, bandwidth-limited,
//! or dead for a while, and can move its server-facing source address to
//! make the client appear to roam.
//!
//! The client is pointed at `relay.client_facing_addr()`; the relay sends
//! to the server from its own socket. Everything is seeded and bounded in
//! time: the relay thread stops when dropped or after `max_lifetime`.

#![allow(dead_code)]

use super::rng::Rng;
use std::collections::{BinaryHeap, VecDeque};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How one direction of the link misbehaves.
#[derive(Debug, Clone, Default)]
pub struct Impairment {
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra delay, uniformly random in `0..=jitter`.
    pub jitter: Duration,
    /// Independent loss probability, 0.0..=1.0.
    pub loss: f64,
    /// Bursty loss (Gilbert–Elliott): probability of entering the bad
    /// state per datagram, of leaving it, and the loss rate while in it.
    pub burst: Option<(f64, f64, f64)>,
    /// Probability a datagram is sent twice.
    pub duplicate: f64,
    /// Probability a datagram is held back by an extra `reorder_delay`.
    pub reorder: f64,
    /// The extra hold for reordered datagrams.
    pub reorder_delay: Duration,
    /// Bandwidth cap in bytes per second (0: unlimited) and the queue
    /// length in bytes beyond which datagrams are dropped.
    pub bandwidth: u64,
    pub queue_limit: usize,
}

impl Impairment {
    /// A link with just this one-way delay.
    pub fn delay_ms(ms: u64) -> Impairment {
        Impairment {
            delay: Duration::from_millis(ms),
            ..Impairment::default()
        }
    }
}

/// Something that happens at a point in the relay's life.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// Drop everything in both directions from `start` for `length`.
    Blackout { start: Duration, length: Duration },
    /// At `at`, send to the server from a new socket bound to `ip`
    /// (any port), so the server sees the client move.
    SwitchSource { at: Duration, ip: IpAddr },
    /// From `start`, send to the server from a new port every `every`.
    HopPorts { start: Duration, every: Duration },
}

/// Counters, for assertions and benchmark figures.
#[derive(Debug, Default)]
pub struct LinkStats {
    pub to_server_datagrams: AtomicU64,
    pub to_server_bytes: AtomicU64,
    pub to_client_datagrams: AtomicU64,
    pub to_client_bytes: AtomicU64,
    pub dropped: AtomicU64,
}

/// How many client-to-server datagrams the relay keeps copies of, for
/// tests that replay captured traffic.
const CAPTURE_LIMIT: usize = 64;

/// Client-to-server datagrams delivered, with when.
type Captured = VecDeque<(Instant, Vec<u8>)>;

/// Every datagram delivered, each direction in order, when
/// [`LinkConfig::record`] asks for it.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    pub to_server: Vec<Vec<u8>>,
    pub to_client: Vec<Vec<u8>>,
}

/// A recording stops growing here (a test session sends far fewer).
const RECORD_LIMIT: usize = 200_000;

/// The relay's settings.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Client to server.
    pub up: Impairment,
    /// Server to client.
    pub down: Impairment,
    /// Timed events.
    pub script: Vec<Scripted>,
    /// Seed for every random choice.
    pub seed: u64,
    /// The relay stops by itself after this long.
    pub max_lifetime: Duration,
    /// The address the client-facing socket binds to.
    pub listen_ip: IpAddr,
    /// Keep a copy of every datagram delivered (see [`Link::recording`]).
    pub record: bool,
}

impl Default for LinkConfig {
    fn default() -> LinkConfig {
        LinkConfig {
            up: Impairment::default(),
            down: Impairment::default(),
            script: Vec::new(),
            seed: 1,
            max_lifetime: Duration::from_secs(600),
            listen_ip: IpAddr::from([127, 0, 0, 1]),
            record: false,
        }
    }
}

/// A running relay; dropping it stops the thread.
pub struct Link {
    client_facing: SocketAddr,
    stop: Arc<AtomicBool>,
    blackout: Arc<AtomicBool>,
    source_ip: Arc<Mutex<Option<IpAddr>>>,
    stats: Arc<LinkStats>,
    captured: Arc<Mutex<Captured>>,
    recording: Arc<Mutex<Recording>>,
    thread: Option<JoinHandle<()>>,
}

impl Link {
    /// Starts a relay in front of `server`.
    pub fn start(server: SocketAddr, config: LinkConfig) -> std::io::Result<Link> {
        let front = UdpSocket::bind(SocketAddr::new(config.listen_ip, 0))?;
        front.set_nonblocking(true)?;
        let back = bind_like(server.ip())?;
        let client_facing = front.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let blackout = Arc::new(AtomicBool::new(false));
        let source_ip = Arc::new(Mutex::new(None));
        let stats = Arc::new(LinkStats::default());
        let captured = Arc::new(Mutex::new(VecDeque::new()));
        let recording = Arc::new(Mutex::new(Recording::default()));
        let mut worker = Worker {
            front,
            back,
            server,
            client: None,
            config: config.clone(),
            rng: Rng::new(config.seed),
            queue: BinaryHeap::new(),
            next_serial: 0,
            up_state: DirectionState::default(),
            down_state: DirectionState::default(),
            started: Instant::now(),
            stop: stop.clone(),
            blackout: blackout.clone(),
            source_ip: source_ip.clone(),
            stats: stats.clone(),
            captured: captured.clone(),
            recording: recording.clone(),
            hops_done: 0,
            switches_done: 0,
            scripted_dark: false,
        };
        let thread = std::thread::Builder::new()
            .name("link-relay".into())
            .spawn(move || worker.run())?;
        Ok(Link {
            client_facing,
            stop,
            blackout,
            source_ip,
            stats,
            captured,
            recording,
            thread: Some(thread),
        })
    }

    /// Where the client must send (the relay's client-facing address).
    pub fn client_facing_addr(&self) -> SocketAddr {
        self.client_facing
    }

    /// Turns a total outage on or off, now.
    pub fn set_blackout(&self, on: bool) {
        self.blackout.store(on, Ordering::SeqCst);
    }

    /// Moves the server-facing source to a new socket on `ip`, now.
    pub fn switch_source(&self, ip: IpAddr) {
        if let Ok(mut pending) = self.source_ip.lock() {
            *pending = Some(ip);
        }
    }

    /// Copies of the last client-to-server datagrams delivered at least
    /// `age` ago (oldest first), as an eavesdropper on the path would have
    /// them.
    pub fn captured_to_server(&self, age: Duration) -> Vec<Vec<u8>> {
        let now = Instant::now();
        self.captured
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(at, _)| now.duration_since(*at) >= age)
                    .map(|(_, datagram)| datagram.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every datagram delivered so far, if the link was set to record.
    pub fn recording(&self) -> Recording {
        self.recording.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Traffic counters so far.
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bind_like(ip: IpAddr) -> std::io::Result<UdpSocket> {
    let any = SocketAddr::new(ip, 0);
    let socket = UdpSocket::bind(any)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToServer,
    ToClient,
}

/// A datagram waiting for its delivery time (min-heap by time, then order).
#[derive(Debug, PartialEq, Eq)]
struct Pending {
    due: Instant,
    serial: u64,
    direction: Direction,
    bytes: Vec<u8>,
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.serial).cmp(&(self.due, self.serial))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Per-direction state: the burst-loss chain and the bandwidth queue.
#[derive(Debug, Default)]
struct DirectionState {
    in_bad_burst: bool,
    link_free_at: Option<Instant>,
}

struct Worker {
    front: UdpSocket,
    back: UdpSocket,
    server: SocketAddr,
    client: Option<SocketAddr>,
    config: LinkConfig,
    rng: Rng,
    queue: BinaryHeap<Pending>,
    next_serial: u64,
    up_state: DirectionState,
    down_state: DirectionState,
    started: Instant,
    stop: Arc<AtomicBool>,
    blackout: Arc<AtomicBool>,
    source_ip: Arc<Mutex<Option<IpAddr>>>,
    stats: Arc<LinkStats>,
    captured: Arc<Mutex<Captured>>,
    recording: Arc<Mutex<Recording>>,
    hops_done: u64,
    switches_done: usize,
    scripted_dark: bool,
}

impl Worker {
    fn run(&mut self) {
        let mut buf = vec![0u8; 65536];
        while !self.stop.load(Ordering::SeqCst) && self.started.elapsed() < self.config.max_lifetime
        {
            self.apply_script();
            let mut busy = false;
            while let Ok((len, from)) = self.front.recv_from(&mut buf) {
                self.client = Some(from);
                self.admit(Direction::ToServer, buf[..len].to_vec());
                busy = true;
            }
            while let Ok((len, from)) = self.back.recv_from(&mut buf) {
                if from == self.server {
                    self.admit(Direction::ToClient, buf[..len].to_vec());
                    busy = true;
                }
            }
            busy |= self.deliver_due();
            if !busy {
                std::thread::sleep(Duration::from_micros(500));
            }
        }
    }

    fn apply_script(&mut self) {
        let elapsed = self.started.elapsed();
        let pending_switch = self.source_ip.lock().ok().and_then(|mut p| p.take());
        if let Some(ip) = pending_switch {
            self.rebind(ip);
        }
        let script = self.config.script.clone();
        let mut switches_seen = 0;
        let mut dark = self.blackout.load(Ordering::SeqCst);
        for event in &script {
            match *event {
                Scripted::Blackout { start, length } => {
                    dark |= elapsed >= start && elapsed < start + length;
                }
                Scripted::SwitchSource { at, ip } => {
                    switches_seen += 1;
                    if elapsed >= at && switches_seen > self.switches_done {
                        self.switches_done = switches_seen;
                        self.rebind(ip);
                    }
                }
                Scripted::HopPorts { start, every } => {
                    if elapsed >= start && !every.is_zero() {
                        let due = ((elapsed - start).as_millis() / every.as_millis().max(1)) as u64;
                        if due > self.hops_done {
                            self.hops_done = due;
                            self.rebind(self.server_side_ip());
                        }
                    }
                }
            }
        }
        self.scripted_dark = dark;
    }

    fn server_side_ip(&self) -> IpAddr {
        self.back
            .local_addr()
            .map(|a| a.ip())
            .unwrap_or(self.server.ip())
    }

    fn rebind(&mut self, ip: IpAddr) {
        if let Ok(socket) = bind_like(ip) {
            self.back = socket;
        }
    }

    fn admit(&mut self, direction: Direction, bytes: Vec<u8>) {
        if self.scripted_dark {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let impairment = match direction {
            Direction::ToServer => self.config.up.clone(),
            Direction::ToClient => self.config.down.clone(),
        };
        if self.lost(direction, &impairment) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let copies = if self.rng.maybe(impairment.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let Some(due) = self.due_time(direction, &impairment, bytes.len()) else {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            self.next_serial += 1;
            self.queue.push(Pending {
                due,
                serial: self.next_serial,
                direction,
                bytes: bytes.clone(),
            });
        }
    }

    fn lost(&mut self, direction: Direction, impairment: &Impairment) -> bool {
        let state = match direction {
            Direction::ToServer => &mut self.up_state,
            Direction::ToClient => &mut self.down_state,
        };
        if let Some((enter, leave, bad_loss)) = impairment.burst {
            let flip = if state.in_bad_burst { leave } else { enter };
            if self.rng.maybe(flip) {
                state.in_bad_burst = !state.in_bad_burst;
            }
            if state.in_bad_burst && self.rng.maybe(bad_loss) {
                return true;
            }
        }
        self.rng.maybe(impairment.loss)
    }

    /// When the datagram leaves the link, or `None` if the bandwidth
    /// queue is full.
    fn due_time(
        &mut self,
        direction: Direction,
        impairment: &Impairment,
        len: usize,
    ) -> Option<Instant> {
        let now = Instant::now();
        let mut leaves = now;
        if impairment.bandwidth > 0 {
            let state = match direction {
                Direction::ToServer => &mut self.up_state,
                Direction::ToClient => &mut self.down_state,
            };
            let free_at = state.link_free_at.filter(|t| *t > now).unwrap_or(now);
            let backlog = free_at.duration_since(now).as_secs_f64() * impairment.bandwidth as f64;
            if impairment.queue_limit > 0 && backlog as usize > impairment.queue_limit {
                return None;
            }
            leaves = free_at + Duration::from_secs_f64(len as f64 / impairment.bandwidth as f64);
            state.link_free_at = Some(leaves);
        }
        let jitter_ms = impairment.jitter.as_millis() as u64;
        let mut due = leaves + impairment.delay;
        if jitter_ms > 0 {
            due += Duration::from_millis(self.rng.below(jitter_ms + 1));
        }
        if self.rng.maybe(impairment.reorder) {
            due += impairment.reorder_delay;
        }
        Some(due)
    }

    fn capture(&self, datagram: &[u8]) {
        if let Ok(mut captured) = self.captured.lock() {
            if captured.len() == CAPTURE_LIMIT {
                captured.pop_front();
            }
            captured.push_back((Instant::now(), datagram.to_vec()));
        }
    }

    fn record(&self, direction: Direction, datagram: &[u8]) {
        if !self.config.record {
            return;
        }
        if let Ok(mut recording) = self.recording.lock() {
            let kept = match direction {
                Direction::ToServer => &mut recording.to_server,
                Direction::ToClient => &mut recording.to_client,
            };
            if kept.len() < RECORD_LIMIT {
                kept.push(datagram.to_vec());
            }
        }
    }

    fn deliver_due(&mut self) -> bool {
        let now = Instant::now();
        let mut delivered = false;
        while self.queue.peek().is_some_and(|p| p.due <= now) {
            let Some(datagram) = self.queue.pop() else {
                break;
            };
            delivered = true;
            match datagram.direction {
                Direction::ToServer => {
                    if self.back.send_to(&datagram.bytes, self.server).is_ok() {
                        self.capture(&datagram.bytes);
                        self.record(Direction::ToServer, &datagram.bytes);
                        self.stats
                            .to_server_datagrams
                            .fetch_add(1, Ordering::Relaxed);
                        self.stats
                            .to_server_bytes
                            .fetch_add(datagram.bytes.len() as u64, Ordering::Relaxed);
                    }
                }
                Direction::ToClient => {
                    let Some(client) = self.client else { continue };
                    if self.front.send_to(&datagram.bytes, client).is_ok() {
                        self.record(Direction::ToClient, &datagram.bytes);
                        self.stats
                            .to_client_datagrams
                            .fetch_add(1, Ordering::Relaxed);
                        self.stats
                            .to_client_bytes
                            .fetch_add(datagram.bytes.len() as u64, Ordering::Relaxed);
                    }
                }
            }
        }
        delivered
    }
}
