//! A mosh session whose datagrams cross the link simulator: a server
//! started by hand (`mosh-server new -i 127.0.0.1 -- sh -c CMD`), the
//! relay of `link.rs` in front of its UDP port, and a client in tmux
//! pointed at the relay with `MOSH_KEY` in its environment. Any client
//! can be paired with any server, ours or upstream's, which is what the
//! fault suite needs.
//!
//! Needs `#[path]` includes of `link.rs`, `server.rs`, `session.rs` and
//! `tmux.rs` beside it as modules `link`, `server`, `session` and `tmux`.

#![allow(dead_code)]

use super::paths::{STOCK_CLIENT, STOCK_SERVER};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::link::{Link, LinkConfig};
use super::server::{self, DetachedServer};
use super::shell::shell_quote;
use super::tmux::Tmux;

/// Which client talks to which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Our client, our server.
    Ours,
    /// The stock client (Blink, Termux, distro packages) with our server.
    StockClientOurServer,
    /// Our client with the stock server (installed everywhere).
    OurClientStockServer,
    /// Upstream's own pair: the reference every other pairing must match.
    Stock,
}

impl Pairing {
    pub fn client(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::OurClientStockServer => {
                server::our_links().join("mosh-client")
            }
            Pairing::StockClientOurServer | Pairing::Stock => PathBuf::from(STOCK_CLIENT),
        }
    }

    pub fn server(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::StockClientOurServer => server::our_server(),
            Pairing::OurClientStockServer | Pairing::Stock => PathBuf::from(STOCK_SERVER),
        }
    }

    /// Whether the server is ours (for assertions on our own logs).
    pub fn our_server(self) -> bool {
        matches!(self, Pairing::Ours | Pairing::StockClientOurServer)
    }
}

/// A running relayed session; everything it started is killed by pid when
/// it is dropped (tmux, the relay thread, the detached server).
pub struct RelayedSession {
    pub tmux: Tmux,
    pub relay: Link,
    pub server: DetachedServer,
    pub pairing: Pairing,
}

impl RelayedSession {
    /// Starts `command` under `pairing` in an 80x24 terminal, the relay
    /// set up as `link`. `server_env` is added to the server's environment
    /// (it runs with `LANG=C.UTF-8` and `MOSH_SERVER_NETWORK_TMOUT=120`
    /// unless overridden), `client_env` to the client's.
    pub fn start(
        pairing: Pairing,
        link: LinkConfig,
        command: &str,
        server_env: &[(&str, &str)],
        client_env: &[(&str, &str)],
    ) -> RelayedSession {
        RelayedSession::start_wrapped(pairing, link, command, server_env, client_env, "")
    }

    /// As [`start`](RelayedSession::start), the client started by
    /// `wrapper` (a shell command's words that run the rest of the line,
    /// e.g. a terminal of the test's own between tmux and the client).
    pub fn start_wrapped(
        pairing: Pairing,
        link: LinkConfig,
        command: &str,
        server_env: &[(&str, &str)],
        client_env: &[(&str, &str)],
        wrapper: &str,
    ) -> RelayedSession {
        let mut env = vec![("LANG", "C.UTF-8"), ("MOSH_SERVER_NETWORK_TMOUT", "120")];
        env.extend_from_slice(server_env);
        let server = server::start_detached(
            &pairing.server(),
            &["new", "-i", "127.0.0.1", "--", "sh", "-c", command],
            &env,
        )
        .unwrap_or_else(|e| panic!("{pairing:?}: server does not start: {e}"));
        let relay = Link::start(([127, 0, 0, 1], server.port).into(), link).expect("relay starts");
        let exports: String = client_env
            .iter()
            .map(|(k, v)| format!("{k}={} ", shell_quote(v)))
            .collect();
        let client_command = format!(
            "{exports}MOSH_KEY={} exec {wrapper} {} 127.0.0.1 {}",
            server.key,
            shell_quote(&pairing.client().to_string_lossy()),
            relay.client_facing_addr().port()
        );
        // Room for the scrollback tests' history.
        let tmux =
            Tmux::start_with_history(80, 24, &client_command, &[], 50_000).expect("tmux starts");
        RelayedSession {
            tmux,
            relay,
            server,
            pairing,
        }
    }

    /// Waits for `needle` on the client's screen, or fails the test with
    /// the screen and what the server printed.
    pub fn expect_text(&self, needle: &str, timeout: Duration) -> String {
        self.expect(timeout, &format!("{needle:?} on screen"), |s| {
            s.contains(needle)
        })
    }

    /// Waits until `ready` accepts the client's screen, or fails the test.
    pub fn expect(&self, timeout: Duration, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.tmux.wait_for(timeout, ready).unwrap_or_else(|screen| {
            panic!(
                "{:?}: never saw {what}; screen:\n{screen}\nserver output: {}",
                self.pairing,
                String::from_utf8_lossy(&self.server.output.stderr)
            )
        })
    }

    /// The client's pid (tmux runs it by `exec`, so it is the pane's).
    pub fn client_pid(&self) -> i32 {
        self.tmux.pane_pid().expect("client pid")
    }

    /// Waits up to `timeout` for the server process to end; how long it
    /// took, or `None`.
    pub fn wait_server_gone(&self, timeout: Duration) -> Option<Duration> {
        let started = Instant::now();
        self.server.wait_gone(timeout).then(|| started.elapsed())
    }
}
