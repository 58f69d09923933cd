//! The two synchronized states of a mosh session: the user's input stream
//! (client to server) and the host state (server to client: the complete
//! terminal, plus the echo ack).
//!
//! Indexing and truncating casts are denied here (outside tests): the
//! states are built from what the network sends.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::cast_possible_truncation)
)]

pub(crate) mod clipboard_feed;
pub(crate) mod complete_terminal;
pub(crate) mod echo_ack;
pub(crate) mod history_feed;
pub(crate) mod host_state;
pub(crate) mod host_stream;
pub(crate) mod user_stream;

pub use complete_terminal::CompleteTerminal;
pub use echo_ack::EchoAck;
pub use host_state::HostState;
pub use host_stream::HostStream;
pub use user_stream::UserStream;
