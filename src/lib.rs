//! mosh-rs: the mobile shell as one static binary.
//!
//! Start with `ARCHITECTURE.md` at the top of the repository: the layers
//! and which way data flows through them, where each user-visible
//! behaviour lives, the test layout, and how to extend the protocol
//! without upsetting stock peers. In short: data flows down on send and up
//! on receive; `wire`, `transport`, `statesync` and `terminal` are
//! sans-IO; only `client`, `server`, `bootstrap` and the helpers below
//! them touch sockets, ttys and clocks; and only `sys` contains `unsafe`.

pub mod bootstrap;
pub mod carrier;
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
