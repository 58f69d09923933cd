//! `mosh --fake-proxy -- HOST PORT`: the ProxyCommand ssh runs so that the
//! bootstrap learns which address ssh really reached. It resolves HOST
//! for `--family`, connects over TCP, reports `MOSH IP <address>` on
//! stderr (ssh passes that on to the bootstrap; also to a file, see
//! [`ADDRESS_FILE_VARIABLE`]), then relays stdin to the
//! socket and the socket to stdout, closing each direction on its own
//! when its source ends.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;

use super::options::ProxyTarget;
use super::resolve::{numeric_host, resolve};
use crate::sys::signals::{self, Signal};

/// Names a file that also gets the `MOSH IP` line: ssh sends a
/// ProxyCommand's standard error to /dev/null when its connection is to
/// persist as a ControlMaster (which the bootstrap asks for when the
/// session may need the ssh carrier).
pub(crate) const ADDRESS_FILE_VARIABLE: &str = "MOSH_RS_PROXY_ADDRESS_FILE";

/// Runs the proxy; returns the exit status.
pub fn run(program: &str, target: &ProxyTarget) -> i32 {
    // ssh may hang up the terminal before it closes our stdin.
    let _ = signals::ignore(Signal::Hangup);
    let addrs = match resolve(&target.host, target.port, target.family) {
        Ok(addrs) => addrs,
        Err(why) => {
            eprintln!("{program}: {why}");
            return 1;
        }
    };
    let (stream, addr) = match connect_first(&addrs) {
        Ok(connected) => connected,
        Err((last, err)) => {
            eprintln!(
                "{program}: Could not connect to {}, last tried {}: {err}",
                target.host,
                numeric_host(&last)
            );
            return 1;
        }
    };
    let report = format!("MOSH IP {}", numeric_host(&addr));
    eprintln!("{report}");
    if let Some(path) = std::env::var_os(ADDRESS_FILE_VARIABLE) {
        // Best effort: the bootstrap says so if the address is missing.
        let _ = std::fs::write(path, format!("{report}\n"));
    }
    match relay(stream) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("{program}: proxy relay failed: {err}");
            1
        }
    }
}

/// Connects to the first address that answers; on failure, the last
/// address tried and its error.
fn connect_first(addrs: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), (SocketAddr, io::Error)> {
    let mut last = None;
    for &addr in addrs {
        match TcpStream::connect(addr) {
            Ok(stream) => return Ok((stream, addr)),
            Err(err) => last = Some((addr, err)),
        }
    }
    // `resolve` never returns an empty list; this is only a fallback.
    Err(last.unwrap_or_else(|| {
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        (
            unspecified,
            io::Error::from(io::ErrorKind::AddrNotAvailable),
        )
    }))
}

/// Copies both directions until both have ended. The socket-to-stdout
/// half runs on a helper thread; when it ends, stdout is closed so ssh
/// sees end-of-file even while our stdin stays open.
fn relay(stream: TcpStream) -> io::Result<()> {
    let downstream = stream.try_clone()?;
    let stdout = File::from(io::stdout().as_fd().try_clone_to_owned()?);
    let helper = std::thread::spawn(move || -> io::Result<()> {
        let result = copy(&downstream, stdout);
        let _ = downstream.shutdown(Shutdown::Read);
        crate::sys::fd::point_at_null(io::stdout().as_fd())?;
        result
    });
    let stdin = File::from(io::stdin().as_fd().try_clone_to_owned()?);
    let upstream_result = copy(stdin, &stream);
    let _ = stream.shutdown(Shutdown::Write);
    let downstream_result = helper
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("relay thread failed")));
    upstream_result.and(downstream_result)
}

/// Copies until end-of-file; a broken destination also ends the copy.
fn copy(mut from: impl Read, mut to: impl Write) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        if let Err(e) = to.write_all(chunk).and_then(|()| to.flush()) {
            return match e.kind() {
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => Ok(()),
                _ => Err(e),
            };
        }
    }
}
