//! Why an incoming datagram was not used.
//!
//! None of these end a session by themselves: upstream mosh drops the
//! datagram and carries on (the client shows the message in its
//! notification bar, the server prints it). The caller decides.

use std::fmt;

use crate::wire::WireError;

/// Why [`Transport::handle_datagram`](super::Transport::handle_datagram)
/// dropped a datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The datagram did not decrypt or decode: wrong key, tampering,
    /// truncation, or a malformed fragment or instruction.
    Wire(WireError),
    /// The datagram claims to travel in our own sending direction: a
    /// reflection of something we sent.
    WrongDirection,
    /// The peer speaks another SSP protocol version.
    ProtocolVersion(u32),
    /// The instruction's diff did not apply to the state it names.
    BadDiff(WireError),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Wire(err) => write!(f, "{err}"),
            TransportError::WrongDirection => {
                write!(f, "dropped a datagram sent in our own direction")
            }
            TransportError::ProtocolVersion(version) => write!(
                f,
                "mosh protocol version mismatch (peer speaks {version}, we speak 2); \
                 upgrade the older side"
            ),
            TransportError::BadDiff(err) => {
                write!(f, "peer sent a state diff that did not apply: {err}")
            }
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransportError::Wire(err) | TransportError::BadDiff(err) => Some(err),
            TransportError::WrongDirection | TransportError::ProtocolVersion(_) => None,
        }
    }
}

impl From<WireError> for TransportError {
    fn from(err: WireError) -> Self {
        TransportError::Wire(err)
    }
}
