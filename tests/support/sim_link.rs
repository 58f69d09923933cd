//! A simulated network for sans-IO transport tests: datagrams in flight
//! with a delivery time, a seeded RNG deciding loss, delay, jitter,
//! reordering and duplication, and nothing real (no sockets, no clock).
//! Time is whatever the test says it is.

#![allow(dead_code)]

use super::rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;

/// How one direction of the link behaves.
#[derive(Clone, Debug, Default)]
pub struct PathQuality {
    /// Fixed one-way delay (ms).
    pub delay: u64,
    /// Extra delay, uniform in `0..=jitter` (ms); reorders datagrams.
    pub jitter: u64,
    /// Loss probability.
    pub loss: f64,
    /// Probability that a datagram is delivered twice.
    pub duplicate: f64,
    /// Probability that a datagram is held back an extra `0..=hold` ms.
    pub reorder: f64,
    pub hold: u64,
}

/// A datagram on its way.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InFlight {
    pub deliver_at: u64,
    /// Send order, to keep delivery deterministic on ties.
    pub serial: u64,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

/// Datagrams in flight between any addresses, delivered in time order.
#[derive(Debug, Default)]
pub struct SimLink {
    queue: BinaryHeap<Reverse<InFlight>>,
    serial: u64,
    pub sent: u64,
    pub lost: u64,
}

impl SimLink {
    pub fn new() -> SimLink {
        SimLink::default()
    }

    /// Sends a datagram at `now` over a path of the given quality.
    pub fn send(
        &mut self,
        rng: &mut Rng,
        path: &PathQuality,
        now: u64,
        from: SocketAddr,
        to: SocketAddr,
        bytes: Vec<u8>,
    ) {
        self.sent += 1;
        if rng.chance(path.loss) {
            self.lost += 1;
            return;
        }
        let copies = if rng.chance(path.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            let mut delay = path.delay + rng.below(path.jitter + 1);
            if rng.chance(path.reorder) {
                delay += rng.below(path.hold + 1);
            }
            self.inject(now + delay, from, to, bytes.clone());
        }
    }

    /// Puts a datagram on the wire to arrive exactly at `deliver_at`.
    pub fn inject(&mut self, deliver_at: u64, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        self.serial += 1;
        self.queue.push(Reverse(InFlight {
            deliver_at,
            serial: self.serial,
            from,
            to,
            bytes,
        }));
    }

    /// When the next datagram arrives, if any is in flight.
    pub fn next_delivery(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(d)| d.deliver_at)
    }

    /// The next datagram due at or before `now`.
    pub fn pop_due(&mut self, now: u64) -> Option<InFlight> {
        if self.next_delivery()? <= now {
            self.queue.pop().map(|Reverse(d)| d)
        } else {
            None
        }
    }

    /// Drops everything in flight (a blackout swallowing the queue).
    pub fn clear(&mut self) {
        self.lost += self.queue.len() as u64;
        self.queue.clear();
    }

    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }
}
