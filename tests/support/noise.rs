//! Seeded pseudo-random printable text for tests: lines that zlib cannot
//! shrink much, so an instruction carrying them needs many fragments, and
//! that are unlikely to appear on a screen by accident.

#![allow(dead_code)]

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `count` lines of `width` characters from `[A-Za-z0-9]`, the same for
/// the same `seed`.
pub fn lines(seed: u64, count: usize, width: usize) -> Vec<String> {
    let mut state = seed;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..count)
        .map(|_| {
            (0..width)
                .map(|_| char::from(ALPHABET[(next() % ALPHABET.len() as u64) as usize]))
                .collect()
        })
        .collect()
}
