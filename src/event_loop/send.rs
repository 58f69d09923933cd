//! The send path: every datagram the transport has due goes to a socket;
//! a datagram the path refuses as too big (`EMSGSIZE`) makes the
//! transport fragment smaller from then on.

use std::io;
use std::net::SocketAddr;

use crate::transport::{Millis, SyncState, Transport};

/// A datagram the socket did not take (other than for being too big).
#[derive(Debug)]
pub(crate) struct SendFailure {
    /// Where it was going.
    pub to: SocketAddr,
    /// Why it was not sent.
    pub error: io::Error,
}

/// Sends everything the transport has due at `now` with `send_to`.
/// `sent` hears the length of each datagram sent, `failed` each failure
/// other than `EMSGSIZE` (a full socket buffer too: SSP resends).
pub(crate) fn send_due<L: SyncState, R: SyncState>(
    transport: &mut Transport<L, R>,
    now: Millis,
    mut send_to: impl FnMut(&[u8], SocketAddr) -> io::Result<usize>,
    mut sent: impl FnMut(usize),
    mut failed: impl FnMut(SendFailure),
) {
    while let Some((to, datagram)) = transport.poll_transmit(now) {
        match send_to(&datagram, to) {
            Ok(_) => sent(datagram.len()),
            Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => transport.datagram_too_big(),
            Err(error) => failed(SendFailure { to, error }),
        }
    }
}
