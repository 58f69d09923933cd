//! mosh's datagram format: session keys, nonces, AES-128-OCB3 sealing,
//! timestamps, zlib, fragments and the protobuf messages (PROTOCOL.md).
//!
//! Pure functions and small state machines over byte slices; nothing here
//! touches a socket or a clock.
//!
//! Sending, outermost last: an `Instruction` (whose `diff` is a user or
//! host message) → `Fragmenter::make_fragments` → each `Fragment::encode`
//! becomes the payload of a `Packet` (timestamps from `timing`) →
//! `Cipher::seal` with the next `Nonce` → one UDP datagram. Receiving runs
//! the same steps backwards through `Cipher::open`, `Packet::decode`,
//! `Fragment::decode` and `FragmentAssembly::add`.
//!
//! Bytes from the network are read here: indexing and truncating casts
//! are denied (outside tests), so every read is checked.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::cast_possible_truncation)
)]

mod base64;
pub(crate) mod clipboard_message;
pub(crate) mod compress;
pub(crate) mod crypto;
pub(crate) mod error;
pub mod fragment;
pub(crate) mod history_message;
pub(crate) mod host_message;
pub(crate) mod instruction;
pub(crate) mod key;
pub(crate) mod line_discipline;
pub mod mtu;
pub(crate) mod nonce;
pub(crate) mod packet;
pub(crate) mod peer_features;
pub mod protobuf;
mod resize_message;
pub(crate) mod timing;
pub(crate) mod user_message;

pub use clipboard_message::ClipboardChunk;
pub use compress::{compress, decompress, MAX_INSTRUCTION_BYTES};
pub use crypto::Cipher;
pub use error::WireError;
pub use fragment::{Fragment, FragmentAssembly, Fragmenter, HEADER_LEN, MAX_FRAGMENTS};
pub use history_message::{HistoryDelta, HistoryWireLine};
pub use host_message::{decode_host_message, encode_host_message, HostEvent};
pub use instruction::{Instruction, PROTOCOL_VERSION};
pub use key::SessionKey;
pub use line_discipline::LineDiscipline;
pub(crate) use mtu::FALLBACK_FRAGMENT_BUDGET;
pub use mtu::{default_fragment_budget, RECEIVE_BUFFER_LEN};
pub use nonce::{Direction, Nonce};
pub use packet::Packet;
pub use peer_features::{PeerFeatures, ServerOffer};
pub use timing::{timestamp16, RttEstimator, TimestampEcho, TIMESTAMP_NONE};
pub use user_message::{decode_user_message, encode_user_message, UserEvent};
