//! Seeded pseudo-random printable text for tests: lines that zlib cannot
//! shrink much, so an instruction carrying them needs many fragments, and
//! that are unlikely to appear on a screen by accident.

#![allow(dead_code)]

use super::rng::Rng;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `count` lines of `width` characters from `[A-Za-z0-9]`, the same for
/// the same `seed`.
pub fn lines(seed: u64, count: usize, width: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            (0..width)
                .map(|_| char::from(*rng.pick(ALPHABET)))
                .collect()
        })
        .collect()
}
