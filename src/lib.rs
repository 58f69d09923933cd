//! mosh-rs: the mobile shell as one static binary.
//!
//! The layers follow `DESIGN.md`: data flows down on send and up on
//! receive. `wire`, `transport`, `statesync` and `terminal` are sans-IO;
//! only `client`, `server` and `bootstrap` touch sockets, ttys and clocks,
//! and only `sys` contains `unsafe`.

pub mod bootstrap;
pub mod client;
pub mod diag;
pub mod event_loop;
pub mod locale;
pub mod modes;
pub mod server;
pub mod statesync;
pub mod sys;
pub mod terminal;
pub mod transport;
pub mod version;
pub mod wire;
