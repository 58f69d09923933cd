//! Diagnostics shared by the client and the server: the `MOSH_LOG` file
//! (`log_file`, with typed `event`s so that no key or keystroke can be
//! written to it), UTC timestamps (`wall_clock`), the client's connection
//! figures (`stats`) and their one-line summary for the status view and
//! `SIGUSR1` (`status_line`), and `MOSH_CLIENT_NETWORK_TIMEOUT`
//! (`network_timeout`).

pub mod event;
pub mod log_file;
pub mod network_timeout;
pub mod stats;
pub mod status_line;
pub mod wall_clock;

pub use event::{Event, LinkFigures, Role};
pub use log_file::{DiagLog, LOG_VARIABLE};
pub use network_timeout::client_network_timeout;
pub use stats::ConnectionStats;
pub use status_line::StatusFigures;
