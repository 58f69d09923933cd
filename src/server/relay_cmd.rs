//! `mosh-server relay -p PORT [-i ADDRESS]`: the remote end of the ssh carrier.
//! Run over ssh by the client when UDP cannot reach the server, it passes
//! the session's datagrams, framed on its standard input and output,
//! to and from the session's UDP socket on this machine. The session sees
//! its client roam to a local address; nothing inside it changes, and
//! nothing new listens on any port.
//!
//! The datagrams stay encrypted end to end: the relay never holds the key.
//! It ends when its input ends (the ssh connection closed) or its output
//! breaks.
//!
//! The port is given with `-p` so that the command line has three
//! arguments: a stock `mosh-server` then prints its usage and exits
//! instead of reading `relay PORT` as an address and port to start a
//! session on, and the client can tell the user that the carrier needs
//! mosh-rs on the remote.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};

use mio::net::UdpSocket as MioUdpSocket;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use crate::carrier::framing::FrameReader;
use crate::carrier::outbox::Outbox;
use crate::sys::fd::{is_tty, set_nonblocking};
use crate::sys::socket::bind_udp;
use crate::sys::termios::RawModeGuard;

const INPUT: Token = Token(0);
const OUTPUT: Token = Token(1);
const SOCKET: Token = Token(2);

/// Bytes of the session's screen updates allowed to wait for a slow
/// carrier before the oldest are dropped (a few full screens).
const OUTBOX_LIMIT: usize = 64 * 1024;

const USAGE: &str = "Usage: mosh-server relay -p PORT [-i ADDRESS]";

/// Runs the relay; returns the exit status.
pub fn run(args: &[OsString], err: &mut dyn Write) -> i32 {
    let target = match parse(args, std::env::var("SSH_CONNECTION").ok().as_deref()) {
        Ok(target) => target,
        Err(message) => {
            let _ = writeln!(err, "mosh-server relay: {message}\n{USAGE}");
            return 1;
        }
    };
    match relay(target) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "mosh-server relay: {e}");
            1
        }
    }
}

/// The session's address from the arguments: the port, and the address
/// given, else the local address of the ssh connection the relay runs
/// over (where `mosh-server new -s` binds), else the loopback address.
fn parse(args: &[OsString], ssh_connection: Option<&str>) -> Result<SocketAddr, String> {
    let words: Vec<&str> = args
        .iter()
        .map(|a| a.to_str().ok_or("arguments must be text"))
        .collect::<Result<_, _>>()?;
    let (port, address) = match words.as_slice() {
        ["-p", port] => (*port, None),
        ["-p", port, "-i", address] | ["-i", address, "-p", port] => (*port, Some(*address)),
        _ => return Err("expected -p PORT and at most -i ADDRESS".into()),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| format!("bad port {port:?}"))?;
    let ip = match address {
        Some(text) => text
            .parse::<IpAddr>()
            .map_err(|_| format!("bad address {text:?}"))?,
        None => ssh_local_address(ssh_connection).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    };
    Ok(SocketAddr::new(ip, port))
}

/// The server side's address in `SSH_CONNECTION` ("client port server port").
fn ssh_local_address(ssh_connection: Option<&str>) -> Option<IpAddr> {
    ssh_connection?.split_whitespace().nth(2)?.parse().ok()
}

/// The relay's state: the two ends and what waits for the output. The
/// standard streams are used as plain files: `io::Stdout` would hold
/// frames in its line buffer until some later frame held a newline byte.
struct Relay {
    input: File,
    output: File,
    socket: MioUdpSocket,
    reader: FrameReader,
    outbox: Outbox,
}

fn relay(session: SocketAddr) -> io::Result<()> {
    let local = match session {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0),
    };
    let socket: UdpSocket = bind_udp(local)?;
    socket.connect(session)?;
    let mut relay = Relay {
        input: File::from(io::stdin().as_fd().try_clone_to_owned()?),
        output: File::from(io::stdout().as_fd().try_clone_to_owned()?),
        socket: MioUdpSocket::from_std(socket),
        reader: FrameReader::new(),
        outbox: Outbox::new(OUTBOX_LIMIT),
    };
    // Over `ssh -t` the input is a terminal: frames must pass untouched.
    let _raw = if is_tty(relay.input.as_fd()) {
        Some(RawModeGuard::enter(relay.input.as_fd())?)
    } else {
        None
    };
    set_nonblocking(relay.input.as_fd(), true)?;
    set_nonblocking(relay.output.as_fd(), true)?;
    let mut poll = Poll::new()?;
    let registry = poll.registry();
    registry.register(
        &mut SourceFd(&relay.input.as_raw_fd()),
        INPUT,
        Interest::READABLE,
    )?;
    registry.register(
        &mut SourceFd(&relay.output.as_raw_fd()),
        OUTPUT,
        Interest::WRITABLE,
    )?;
    registry.register(&mut relay.socket, SOCKET, Interest::READABLE)?;
    let mut events = Events::with_capacity(8);
    loop {
        match poll.poll(&mut events, None) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => result?,
        }
        if !relay.forward_input()? {
            return Ok(());
        }
        relay.queue_session_datagrams()?;
        relay.write_output()?;
    }
}

impl Relay {
    /// Sends every datagram the input completes to the session; false at
    /// the end of the input.
    fn forward_input(&mut self) -> io::Result<bool> {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.input.read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    let socket = &self.socket;
                    self.reader
                        .feed(buf.get(..n).unwrap_or_default(), |datagram| {
                            // A datagram the socket cannot take now is lost, as
                            // on the network; the client sends it again.
                            let _ = socket.send(datagram);
                        });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Queues what the session sent.
    fn queue_session_datagrams(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 64 * 1024];
        loop {
            match self.socket.recv(&mut buf) {
                Ok(n) => {
                    self.outbox.push(buf.get(..n).unwrap_or_default(), true);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Nothing listens on the port (yet, or any more): the
                // session's absence shows to the client as silence.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes queued frames until the output would block.
    fn write_output(&mut self) -> io::Result<()> {
        self.outbox.write_to(&mut self.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_session_address_comes_from_the_arguments_or_the_ssh_connection() {
        let ssh = Some("192.0.2.1 51000 198.51.100.7 22");
        assert_eq!(
            parse(&args(&["-p", "60001"]), ssh),
            Ok("198.51.100.7:60001".parse().unwrap())
        );
        assert_eq!(
            parse(&args(&["-p", "60001", "-i", "::1"]), ssh),
            Ok("[::1]:60001".parse().unwrap())
        );
        assert_eq!(
            parse(&args(&["-p", "60002"]), None),
            Ok("127.0.0.1:60002".parse().unwrap())
        );
    }

    #[test]
    fn bad_arguments_are_named() {
        for (words, message) in [
            (&[][..], "expected -p PORT"),
            (&["60001"][..], "expected -p PORT"),
            (&["-p", "0"][..], "bad port"),
            (&["-p", "70000"][..], "bad port"),
            (&["-p", "60001", "-i", "nowhere"][..], "bad address"),
            (&["-p", "1", "2", "3"][..], "expected -p PORT"),
        ] {
            let err = parse(&args(words), None).unwrap_err();
            assert!(err.contains(message), "{words:?}: {err}");
        }
    }
}
