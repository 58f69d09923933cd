//! SSP, the state synchronization protocol, as a sans-IO state machine:
//! the caller passes `now`, hands datagrams in, takes datagrams out and
//! asks when to wake it next.
//!
//! [`Transport`] is the whole of one end; it combines the datagram layer
//! (`connection.rs`), the sender and receiver of states (`sender.rs`,
//! `receiver.rs`) and the wire layer's fragments. States are anything
//! implementing [`SyncState`].
//!
//! Indexing and truncating casts are denied here (outside tests): the
//! transport acts on what the network sends.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::cast_possible_truncation)
)]

mod chaff;
mod connection;
mod endpoint;
mod error;
mod event;
pub(crate) mod frame_record;
mod receiver;
mod sender;
mod state;
#[cfg(test)]
mod test_state;
mod time;

pub use connection::MAX_OPEN_SOCKETS;
pub use endpoint::Transport;
pub use error::TransportError;
pub use event::TransportEvent;
pub(crate) use frame_record::{FrameDirection, FrameRecord};
pub use receiver::{HARD_STATE_LIMIT, SOFT_STATE_LIMIT};
pub(crate) use sender::ACK_INTERVAL;
pub use sender::{MAX_SENT_STATES, SHUTDOWN_NUM};
pub use state::SyncState;
pub use time::Millis;
