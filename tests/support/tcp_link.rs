//! A TCP relay that makes a slow path for stream traffic (ssh, and the
//! ssh carrier over it): it listens on 127.0.0.1 (any port), connects
//! each client to a target (sshd), and delivers every byte each way a
//! fixed one-way delay after it arrived, in order, optionally behind a
//! bandwidth cap (a serializing bottleneck with an unbounded queue, as a
//! bufferbloated link). It counts the bytes it delivers each way and the
//! connections it accepted, can cut every open connection at once (both
//! ends see the stream end, as when a NAT forgets them), and can refuse
//! new connections (the listening socket is closed, so a connect is
//! refused) until allowed again.
//!
//! Each connection has four threads (a reader and a writer each way);
//! everything ends when the relay is dropped.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the relay treats its traffic.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpLinkConfig {
    /// Added to every byte in each direction (half the round trip).
    pub one_way: Duration,
    /// Bytes per second each way (0: unlimited).
    pub rate: u64,
}

impl TcpLinkConfig {
    /// Just a one-way delay of `ms` milliseconds.
    pub fn delay_ms(ms: u64) -> TcpLinkConfig {
        TcpLinkConfig {
            one_way: Duration::from_millis(ms),
            rate: 0,
        }
    }
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    refuse: AtomicBool,
    /// Whether the listening socket is open (the accept loop's view).
    listening: AtomicBool,
    accepted: AtomicU64,
    up_bytes: AtomicU64,
    down_bytes: AtomicU64,
    /// A handle on each stream opened, for [`TcpLink::cut`].
    open: Mutex<Vec<TcpStream>>,
}

/// A running relay; dropping it cuts every connection and stops it.
pub struct TcpLink {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl TcpLink {
    /// Starts a relay in front of `target`.
    pub fn start(target: SocketAddr, config: TcpLinkConfig) -> io::Result<TcpLink> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::default());
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("tcp-link".into())
            .spawn(move || accept_loop(listener, port, target, config, &worker))?;
        Ok(TcpLink {
            port,
            shared,
            thread: Some(thread),
        })
    }

    /// The port clients connect to (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Bytes delivered from clients to the target so far.
    pub fn up_bytes(&self) -> u64 {
        self.shared.up_bytes.load(Ordering::SeqCst)
    }

    /// Bytes delivered from the target to clients so far.
    pub fn down_bytes(&self) -> u64 {
        self.shared.down_bytes.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Ends every open connection now, at both ends; what was still
    /// delayed is lost.
    pub fn cut(&self) {
        let streams = std::mem::take(&mut *self.shared.open.lock().unwrap());
        for stream in streams {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Refuses new connections (`true`) or accepts them again (`false`).
    pub fn refuse(&self, refuse: bool) {
        self.shared.refuse.store(refuse, Ordering::SeqCst);
        // Wait until the accept loop has closed or reopened its socket.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.shared.listening.load(Ordering::SeqCst) == refuse {
            assert!(
                Instant::now() < deadline,
                "tcp-link: the listener did not follow"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for TcpLink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.cut();
    }
}

fn accept_loop(
    listener: TcpListener,
    port: u16,
    target: SocketAddr,
    config: TcpLinkConfig,
    shared: &Arc<Shared>,
) {
    let mut listener = Some(listener);
    while !shared.stop.load(Ordering::SeqCst) {
        if shared.refuse.load(Ordering::SeqCst) {
            listener = None;
        } else if listener.is_none() {
            listener = TcpListener::bind(("127.0.0.1", port))
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .ok();
        }
        shared.listening.store(listener.is_some(), Ordering::SeqCst);
        let accepted = listener.as_ref().map(TcpListener::accept);
        match accepted {
            Some(Ok((client, _))) => {
                if let Err(e) = connect(client, target, config, shared) {
                    eprintln!("tcp-link: {e}");
                }
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Joins `client` to a new connection to `target`.
fn connect(
    client: TcpStream,
    target: SocketAddr,
    config: TcpLinkConfig,
    shared: &Arc<Shared>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    let server = TcpStream::connect(target)?;
    for s in [&client, &server] {
        s.set_nodelay(true)?;
    }
    shared.accepted.fetch_add(1, Ordering::SeqCst);
    {
        let mut open = shared.open.lock().unwrap();
        open.push(client.try_clone()?);
        open.push(server.try_clone()?);
    }
    pump(
        client.try_clone()?,
        server.try_clone()?,
        config,
        shared,
        true,
    )?;
    pump(server, client, config, shared, false)?;
    Ok(())
}

/// Moves bytes from `from` to `to`, each `config.one_way` late.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    config: TcpLinkConfig,
    shared: &Arc<Shared>,
    up: bool,
) -> io::Result<()> {
    let (sender, receiver) = mpsc::channel::<Option<(Instant, Vec<u8>)>>();
    std::thread::Builder::new()
        .name("tcp-link-read".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let mut free_at = Instant::now();
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = sender.send(None);
                        return;
                    }
                    Ok(n) => {
                        let now = Instant::now();
                        let mut leaves = now;
                        if config.rate > 0 {
                            leaves = free_at.max(now)
                                + Duration::from_secs_f64(n as f64 / config.rate as f64);
                            free_at = leaves;
                        }
                        let bytes = buf.get(..n).unwrap_or_default().to_vec();
                        if sender.send(Some((leaves + config.one_way, bytes))).is_err() {
                            return;
                        }
                    }
                }
            }
        })?;
    let shared = Arc::clone(shared);
    std::thread::Builder::new()
        .name("tcp-link-write".into())
        .spawn(move || {
            for item in receiver {
                let Some((due, bytes)) = item else {
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                };
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if to.write_all(&bytes).is_err() {
                    return;
                }
                let counter = if up {
                    &shared.up_bytes
                } else {
                    &shared.down_bytes
                };
                counter.fetch_add(bytes.len() as u64, Ordering::SeqCst);
            }
        })?;
    Ok(())
}
