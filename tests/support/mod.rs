//! What the integration tests share, as one module: each test binary
//! (`tests/<area>/main.rs`) declares it with
//! `#[path = "../support/mod.rs"] mod support;` and uses the parts it
//! needs. Stock-binary paths (`paths`), one seeded RNG (`rng`), scratch
//! directories that remove themselves (`scratch`), hostile datagrams
//! (`hostile`), the byte streams the "screens match" tests share
//! (`screen_cases`), tmux (and a pane's whole history, `pane_history`), sshd, servers, sessions (also
//! where UDP is blocked, in a network namespace: `blocked_netns`), the relay with loss
//! and delay (and its TCP counterpart for ssh, `tcp_link`), the rules for skipping when a tool is missing, a pane's output recorded with the time
//! each piece arrived (`timed_recording`), and a reader of
//! recorded traffic that lists the protobuf fields used (`wire_tap`).

#![allow(dead_code)]

pub mod alone;
pub mod blocked_netns;
pub mod bootstrap_session;
pub mod cells;
pub mod hostile;
pub mod link;
pub mod noise;
pub mod pane_history;
pub mod paths;
pub mod peers;
pub mod relayed_session;
pub mod release;
pub mod rng;
pub mod scratch;
pub mod screen_cases;
pub mod server;
pub mod session;
pub mod shell;
pub mod sim_link;
pub mod sim_states;
pub mod skip;
pub mod sshd;
pub mod tcp_link;
pub mod timed_recording;
pub mod tmux;
pub mod toy_states;
pub mod udp_end;
pub mod wire_tap;
