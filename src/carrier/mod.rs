//! The ssh carrier's byte format, for networks where UDP cannot pass: the
//! session's encrypted SSP datagrams, unchanged, framed on a byte stream
//! (the standard input and output of an ssh connection to the remote,
//! where `mosh-server relay` hands them to the session's UDP socket).
//!
//! Sans-IO like `wire`: [`framing`] turns datagrams into frames and a
//! byte stream back into datagrams; [`outbox`] holds frames waiting for a
//! slow stream, dropping superseded screen frames rather than letting
//! them pile up (SSP recovers from a lost datagram as it does on UDP).

pub mod framing;
pub mod outbox;
