//! Chaff: 0 to 16 filler bytes added to every instruction so that the
//! length of an encrypted datagram says less about what is inside.
//!
//! The bytes travel encrypted, so they need not be secret, only varied.
//! A small PRNG (splitmix64) seeded by the caller keeps the transport free
//! of system calls and makes simulations replayable from a seed.

/// The most chaff bytes one instruction carries.
pub(crate) const MAX_CHAFF_LEN: usize = 16;

/// A seeded source of chaff.
#[derive(Clone, Debug)]
pub(crate) struct ChaffSource {
    state: u64,
}

impl ChaffSource {
    /// A source whose output is fixed by `seed`. Event loops seed it from
    /// the system's random generator; tests use fixed seeds.
    pub fn new(seed: u64) -> Self {
        ChaffSource { state: seed }
    }

    /// The next chaff: a length uniform in `0..=16`, then that many bytes.
    pub(crate) fn next_chaff(&mut self) -> Vec<u8> {
        let word = self.next_u64();
        let len = usize::try_from(word % (MAX_CHAFF_LEN as u64 + 1)).unwrap_or(MAX_CHAFF_LEN);
        let mut bytes = Vec::with_capacity(len);
        while bytes.len() < len {
            let more = self.next_u64().to_le_bytes();
            let take = (len - bytes.len()).min(more.len());
            bytes.extend_from_slice(more.get(..take).unwrap_or(&[]));
        }
        bytes
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_cover_the_whole_range_and_never_exceed_the_cap() {
        let mut source = ChaffSource::new(7);
        let mut seen = [false; MAX_CHAFF_LEN + 1];
        for _ in 0..2000 {
            let chaff = source.next_chaff();
            assert!(chaff.len() <= MAX_CHAFF_LEN);
            seen[chaff.len()] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "some lengths never drawn: {seen:?}"
        );
    }

    #[test]
    fn same_seed_gives_same_chaff_and_different_seeds_differ() {
        let draw = |seed| {
            let mut s = ChaffSource::new(seed);
            (0..20).map(|_| s.next_chaff()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }
}
