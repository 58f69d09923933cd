//! What every network bench run shares: the four pairings of our and
//! the stock programs, a session through the relay (tmux client, relay,
//! detached server), the relay's counts, the scripts the sessions run,
//! and small helpers.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::link::{Link, LinkConfig, LinkStats};
use crate::server::DetachedServer;
use crate::tmux::Tmux;

pub(crate) use crate::support::paths::{STOCK_CLIENT, STOCK_SERVER};

pub(crate) const PROMPT: &str = "ready$ ";

pub(crate) const COLS: u16 = 80;

pub(crate) const ROWS: u16 = 24;

pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) const TOP_SCRIPT: &str = include_str!("../scripts/top.sh");

pub(crate) const SOAK_SCRIPT: &str = include_str!("../scripts/soak.sh");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Ours,
    Stock,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Ours => "mosh-rs",
            Side::Stock => "stock",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Pairing {
    pub(crate) client: Side,
    pub(crate) server: Side,
    /// Our client told that our server offers scrollback (as our `mosh`
    /// tells it): the session draws on the primary screen and the
    /// server sends the lines that scroll off.
    pub(crate) scrollback: bool,
}

/// Every pairing; the last is the reference. Our pair runs twice: as
/// stock mosh's protocol, and with scrollback.
pub(crate) const PAIRINGS: [Pairing; 5] = [
    Pairing {
        client: Side::Ours,
        server: Side::Ours,
        scrollback: false,
    },
    Pairing {
        client: Side::Ours,
        server: Side::Ours,
        scrollback: true,
    },
    Pairing {
        client: Side::Stock,
        server: Side::Ours,
        scrollback: false,
    },
    Pairing {
        client: Side::Ours,
        server: Side::Stock,
        scrollback: false,
    },
    Pairing {
        client: Side::Stock,
        server: Side::Stock,
        scrollback: false,
    },
];

impl Pairing {
    pub(crate) fn name(self) -> String {
        format!(
            "{} client, {} server{}",
            self.client.name(),
            self.server.name(),
            if self.scrollback { ", scrollback" } else { "" }
        )
    }

    pub(crate) fn client_program(self, links: &Path) -> PathBuf {
        match self.client {
            Side::Ours => links.join("mosh-client"),
            Side::Stock => PathBuf::from(STOCK_CLIENT),
        }
    }

    pub(crate) fn server_program(self, links: &Path) -> PathBuf {
        match self.server {
            Side::Ours => links.join("mosh-server"),
            Side::Stock => PathBuf::from(STOCK_SERVER),
        }
    }
}

/// A client in tmux, the relay, the server; dropped in that order.
pub(crate) struct Session {
    pub(crate) tmux: Tmux,
    pub(crate) relay: Link,
    pub(crate) server: DetachedServer,
    pub(crate) client_log: Option<PathBuf>,
    pub(crate) server_log: Option<PathBuf>,
}

/// Starts `shell` (run by `sh -c`) under the pairing's server, a relay
/// with `link` in front of it and the pairing's client in tmux. With
/// `log_dir`, our programs log to files there.
pub(crate) fn start_session(
    pairing: Pairing,
    links: &Path,
    shell: &str,
    link: LinkConfig,
    log_dir: Option<&Path>,
) -> Result<Session, String> {
    let log_for = |side: Side, name: &str| {
        log_dir
            .filter(|_| side == Side::Ours)
            .map(|dir| dir.join(name))
    };
    let client_log = log_for(pairing.client, "client.log");
    let server_log = log_for(pairing.server, "server.log");
    let server_log_text = server_log
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let mut env = vec![("LANG", "C.UTF-8"), ("MOSH_SERVER_NETWORK_TMOUT", "120")];
    if let Some(path) = &server_log_text {
        env.push(("MOSH_LOG", path));
    }
    let server = crate::server::start_detached(
        &pairing.server_program(links),
        &["new", "-i", "127.0.0.1", "--", "sh", "-c", shell],
        &env,
    )
    .map_err(|e| e.to_string())?;
    let relay =
        Link::start(([127, 0, 0, 1], server.port).into(), link).map_err(|e| e.to_string())?;
    let log_prefix = client_log
        .as_ref()
        .map(|p| format!("MOSH_LOG={} ", quote(&p.to_string_lossy())))
        .unwrap_or_default();
    let features = if pairing.scrollback {
        "MOSH_SERVER_FEATURES=scrollback "
    } else {
        ""
    };
    let command = format!(
        "{log_prefix}{features}MOSH_KEY={} exec {} 127.0.0.1 {}",
        server.key,
        quote(&pairing.client_program(links).to_string_lossy()),
        relay.client_facing_addr().port()
    );
    let tmux = Tmux::start(COLS, ROWS, &command, &[]).map_err(|e| e.to_string())?;
    Ok(Session {
        tmux,
        relay,
        server,
        client_log,
        server_log,
    })
}

pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Datagrams and bytes the relay delivered each way.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub(crate) up_datagrams: u64,
    pub(crate) up_bytes: u64,
    pub(crate) down_datagrams: u64,
    pub(crate) down_bytes: u64,
}

impl Counts {
    pub(crate) fn of(stats: &LinkStats) -> Counts {
        Counts {
            up_datagrams: stats.to_server_datagrams.load(Ordering::Relaxed),
            up_bytes: stats.to_server_bytes.load(Ordering::Relaxed),
            down_datagrams: stats.to_client_datagrams.load(Ordering::Relaxed),
            down_bytes: stats.to_client_bytes.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn since(self, earlier: Counts) -> Counts {
        Counts {
            up_datagrams: self.up_datagrams - earlier.up_datagrams,
            up_bytes: self.up_bytes - earlier.up_bytes,
            down_datagrams: self.down_datagrams - earlier.down_datagrams,
            down_bytes: self.down_bytes - earlier.down_bytes,
        }
    }

    pub(crate) fn total_bytes(self) -> u64 {
        self.up_bytes + self.down_bytes
    }
}

pub(crate) fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        std::thread::sleep(when - now);
    }
}

pub(crate) fn seconds_from(variable: &str, default: u64) -> u64 {
    std::env::var(variable)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&s: &u64| s > 0)
        .unwrap_or(default)
}

/// The scripts the sessions run, written to a private directory.
pub(crate) struct Scripts {
    pub(crate) dir: PathBuf,
}

impl Scripts {
    pub(crate) fn write() -> std::io::Result<Scripts> {
        let dir = std::env::temp_dir().join(format!("mosh-rs-bench-net-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("top.sh"), TOP_SCRIPT)?;
        std::fs::write(dir.join("soak.sh"), SOAK_SCRIPT)?;
        Ok(Scripts { dir })
    }

    pub(crate) fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// A fresh directory for one session's logs.
    pub(crate) fn log_dir(&self, pairing: Pairing) -> std::io::Result<PathBuf> {
        let dir = self.dir.join(format!(
            "logs-{}-{}",
            pairing.client.name(),
            pairing.server.name()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }
}

impl Drop for Scripts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
