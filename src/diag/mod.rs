//! Diagnostics shared by the client and the server: the `MOSH_LOG` file
//! (`log_file`, with typed `event`s so that no key or keystroke can be
//! written to it), UTC timestamps (`wall_clock`), the client's connection
//! figures (`stats`) and their one-line summary for the status view and
//! `SIGUSR1` (`status_line`), the held-state counts both ends log
//! (`held`), and `MOSH_CLIENT_NETWORK_TIMEOUT` (`network_timeout`).

pub(crate) mod event;
pub(crate) mod held;
pub(crate) mod log_file;
pub(crate) mod network_timeout;
pub(crate) mod stats;
pub(crate) mod status_line;
pub(crate) mod wall_clock;

pub(crate) use event::{Event, LinkFigures, Role};
pub(crate) use held::HeldState;
pub(crate) use log_file::{DiagLog, LOG_VARIABLE};
pub(crate) use network_timeout::client_network_timeout;
pub(crate) use stats::ConnectionStats;
pub(crate) use status_line::StatusFigures;
