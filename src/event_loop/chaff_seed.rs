//! The seed for the chaff that hides datagram lengths.

/// A seed from the system's random source (any value works: the chaff only
/// varies datagram lengths, so a failed read leaves a fixed seed).
pub(crate) fn chaff_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    u64::from_ne_bytes(bytes)
}
