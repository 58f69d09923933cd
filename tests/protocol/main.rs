//! The protocol tests, one binary: datagrams against stock mosh and bad
//! input (`wire_*`), the sans-IO transport in a simulated network and
//! under hostile datagrams (`transport_*`), the lossy relay itself
//! (`link_relay`), the TCP delay relay (`tcp_link_relay`) and the inputs
//! the fuzz targets found (`fuzz_regressions`).

#[path = "../support/mod.rs"]
mod support;

mod fuzz_regressions;
mod link_relay;
mod tcp_link_relay;
mod transport_hostile;
mod transport_sim;
mod wire_bad_input;
mod wire_upstream_interop;
