//! Diagnostics shared by the client and the server: the `MOSH_LOG` file
//! (`log_file`, with typed `event`s so that no key or keystroke can be
//! written to it), UTC timestamps (`wall_clock`), the client's connection
//! figures (`stats`) and their one-line summary for the status view and
//! `SIGUSR1` (`status_line`), the held-state counts both ends log
//! (`held`), and `MOSH_CLIENT_NETWORK_TIMEOUT` (`network_timeout`).

pub mod event;
pub mod held;
pub mod log_file;
pub mod network_timeout;
pub mod stats;
pub mod status_line;
pub mod wall_clock;

pub use event::{Event, LinkFigures, Role};
pub use held::HeldState;
pub use log_file::{DiagLog, LOG_VARIABLE};
pub use network_timeout::client_network_timeout;
pub use stats::ConnectionStats;
pub use status_line::StatusFigures;
