//! How big a fragment may be, so that the datagram carrying it never
//! exceeds what upstream mosh sends.
//!
//! Sizes, from the outside in:
//! - *datagram MTU*: the UDP payload (what `sendto` gets). Upstream uses
//!   1280 minus an IP+UDP header guess: 20 + 8 for IPv4, 40 + 16 (two
//!   extension headers) + 8 for IPv6; and 500 after `sendto` reports
//!   `EMSGSIZE`.
//! - the datagram is `nonce[8] || seal(timestamps[4] || fragment) || tag[16]`,
//!   so a fragment gets the datagram MTU minus 28.
//! - *fragment budget*: the whole encoded fragment, 10-byte header
//!   included. This is the `mtu` to pass to `Fragmenter::make_fragments`.

use super::crypto::SEAL_OVERHEAD;
use super::packet::TIMESTAMPS_LEN;

/// UDP payload limit for IPv4 peers: 1280 - 20 (IP) - 8 (UDP).
pub const IPV4_DATAGRAM_MTU: usize = 1280 - 20 - 8;
/// UDP payload limit for IPv6 peers: 1280 - 40 (IP) - 16 (two minimal
/// extension headers) - 8 (UDP).
pub(crate) const IPV6_DATAGRAM_MTU: usize = 1280 - 40 - 16 - 8;
/// UDP payload limit of last resort, used once `sendto` fails with
/// `EMSGSIZE` (upstream then keeps it for the rest of the session).
pub(crate) const FALLBACK_MTU: usize = 500;
/// Upstream receives into a buffer of this size and drops anything
/// larger, so no datagram we send may exceed it.
pub const RECEIVE_BUFFER_LEN: usize = 2048;

/// Bytes a datagram adds around a fragment: nonce, tag and timestamps.
pub(crate) const DATAGRAM_OVERHEAD: usize = SEAL_OVERHEAD + TIMESTAMPS_LEN;

/// Fragment budget (header included) for a datagram MTU.
pub(crate) fn fragment_budget(datagram_mtu: usize) -> usize {
    datagram_mtu.saturating_sub(DATAGRAM_OVERHEAD)
}

/// Fragment budget (header included) for the default MTU of the peer's
/// address family: 1224 for IPv4, 1188 for IPv6.
pub fn default_fragment_budget(ipv6: bool) -> usize {
    fragment_budget(if ipv6 {
        IPV6_DATAGRAM_MTU
    } else {
        IPV4_DATAGRAM_MTU
    })
}

/// Fragment budget (header included) after `EMSGSIZE`: 472.
pub(crate) const FALLBACK_FRAGMENT_BUDGET: usize = FALLBACK_MTU - DATAGRAM_OVERHEAD;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_match_upstream_arithmetic() {
        assert_eq!(default_fragment_budget(false), 1224);
        assert_eq!(default_fragment_budget(true), 1188);
        assert_eq!(FALLBACK_FRAGMENT_BUDGET, 472);
        assert_eq!(fragment_budget(10), 0);
    }

    #[test]
    fn a_full_fragment_fills_the_datagram_mtu_exactly() {
        for (ipv6, mtu) in [(false, IPV4_DATAGRAM_MTU), (true, IPV6_DATAGRAM_MTU)] {
            assert_eq!(default_fragment_budget(ipv6) + DATAGRAM_OVERHEAD, mtu);
            assert!(mtu <= RECEIVE_BUFFER_LEN);
        }
    }
}
