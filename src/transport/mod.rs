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
mod frame_record;
mod receiver;
mod sender;
mod state;
#[cfg(test)]
mod test_state;
mod time;

pub use connection::{
    MAX_OLD_SOCKET_AGE, MAX_OPEN_SOCKETS, PORT_HOP_INTERVAL, SERVER_ASSOCIATION_TIMEOUT,
};
pub use endpoint::Transport;
pub use error::TransportError;
pub use event::TransportEvent;
pub use frame_record::{FrameDirection, FrameNumbers, FrameRecord};
pub use receiver::{HARD_STATE_LIMIT, QUENCH_INTERVAL, SOFT_STATE_LIMIT};
pub use sender::{
    ACK_DELAY, ACK_INTERVAL, ACTIVE_RETRY_TIMEOUT, DEFAULT_SEND_DELAY, MAX_SENT_STATES,
    SEND_INTERVAL_MAX, SEND_INTERVAL_MIN, SHUTDOWN_NUM,
};
pub use state::{NumberedState, SyncState};
pub use time::Millis;
