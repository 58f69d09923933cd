//! The session's event loop: the UDP socket, the pty master, signals and
//! the transport's timers in one mio loop.
//!
//! NOT BUILT YET: this waits for the transport (`src/transport/`) and the
//! terminal emulator (`src/terminal/`) to land. Until then the session
//! ends at once and says so.

use std::net::UdpSocket;

use super::timeouts::Timeouts;
use crate::sys::pty::WindowSize;
use crate::sys::spawn::PtyChild;
use crate::wire::SessionKey;

/// Everything the event loop starts from.
#[derive(Debug)]
pub struct SessionSetup {
    /// The bound server socket (non-blocking).
    pub socket: UdpSocket,
    /// The session key printed in `MOSH CONNECT`.
    pub key: SessionKey,
    /// The program on its pty, held until the client first speaks.
    pub child: PtyChild,
    /// The pty's initial size.
    pub size: WindowSize,
    /// Idle limits.
    pub timeouts: Timeouts,
    /// `-v` count: log events on stderr.
    pub verbose: u32,
}

/// Runs the session until it ends; returns the exit status.
pub fn serve(setup: SessionSetup) -> i32 {
    eprintln!("mosh-server: the session loop is not built yet (issue 4).");
    let _ = crate::sys::process::kill_process_group(setup.child.pid, libc::SIGHUP);
    1
}
