//! Things the transport tells its caller, who owns the sockets and the
//! log: take them with [`Transport::poll_event`](super::Transport::poll_event).

use std::net::SocketAddr;

use crate::wire::WireError;

/// Something the caller should act on or report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportEvent {
    /// Client only: nothing has made a round trip for 10 s and the
    /// current socket is 10 s old. Open a new UDP socket (a new source
    /// port, in case a NAT dropped the old mapping) and send from it from
    /// now on; keep reading the old sockets until
    /// [`old_sockets_expired`](super::Transport::old_sockets_expired)
    /// and keep at most [`MAX_OPEN_SOCKETS`](super::MAX_OPEN_SOCKETS).
    PortHopWanted,
    /// Server only: the client is now at this address (first contact, or
    /// it roamed). Upstream prints "Server now attached to client at
    /// HOST:PORT".
    RemoteAttached(SocketAddr),
    /// Server only: nothing authentic heard from the client for 40 s; the
    /// server stops sending until the client is heard again. Upstream
    /// prints "Server now detached from client."
    RemoteDetached,
    /// An instruction could not be sent: it is too large for any peer
    /// (`InstructionTooLarge`), or the key's encryption budget is spent
    /// (`EncryptionLimit`, which means the session must end).
    SendFailed(WireError),
}
