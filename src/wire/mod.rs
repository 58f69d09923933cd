//! mosh's datagram format: session keys, nonces, AES-128-OCB3 sealing,
//! timestamps, zlib, fragments and the protobuf messages (PROTOCOL.md).
//!
//! Pure functions and small state machines over byte slices; nothing here
//! touches a socket or a clock.
