//! The kit the client's and the server's event loops share: the session
//! clock, the seed for the transport's chaff, the send path (with its
//! answer to "datagram too big") and the `MOSH_LOG` frame lines.
//!
//! This layer may do I/O (it reads the monotonic clock and the system's
//! random source, and writes datagrams through a caller's socket); it sits
//! above `transport` and `diag`, below `client` and `server`.

mod chaff_seed;
mod clock;
mod frames;
mod send;

pub(crate) use chaff_seed::chaff_seed;
pub(crate) use clock::Clock;
pub(crate) use frames::log_frames;
pub(crate) use send::send_due;
