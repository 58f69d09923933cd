//! The client's UDP sockets. The client sends from the newest one; when
//! nothing has made a round trip for a while the transport asks for a new
//! one (a new source port, in case a NAT forgot the old mapping), and the
//! old ones keep receiving until they are a minute out of use, at most
//! [`MAX_OPEN_SOCKETS`] at a time.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token};

use crate::sys::socket::bind_udp;
use crate::transport::MAX_OPEN_SOCKETS;

/// One socket and the token it is polled under.
#[derive(Debug)]
struct Entry {
    socket: UdpSocket,
    token: Token,
}

/// The open sockets, oldest first; never empty.
#[derive(Debug)]
pub struct ClientSockets {
    entries: VecDeque<Entry>,
    /// Any address of the server's family, port 0: where new sockets bind.
    bind_to: SocketAddr,
    next_token: usize,
}

impl ClientSockets {
    /// Opens the first socket for talking to `server`, registering it
    /// (and later ones) under tokens from `first_token` on.
    pub fn open(server: SocketAddr, registry: &Registry, first_token: usize) -> io::Result<Self> {
        let bind_to = match server {
            SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        };
        let mut sockets = ClientSockets {
            entries: VecDeque::new(),
            bind_to,
            next_token: first_token,
        };
        sockets.add(registry)?;
        Ok(sockets)
    }

    fn add(&mut self, registry: &Registry) -> io::Result<()> {
        let mut socket = UdpSocket::from_std(bind_udp(self.bind_to)?);
        let token = Token(self.next_token);
        self.next_token += 1;
        registry.register(&mut socket, token, Interest::READABLE)?;
        self.entries.push_back(Entry { socket, token });
        Ok(())
    }

    /// Opens a new socket to send from; closes the oldest beyond the limit.
    pub fn hop(&mut self, registry: &Registry) -> io::Result<()> {
        self.add(registry)?;
        while self.entries.len() > MAX_OPEN_SOCKETS {
            self.close_oldest(registry);
        }
        Ok(())
    }

    /// Closes every socket but the newest.
    pub(crate) fn keep_only_newest(&mut self, registry: &Registry) {
        while self.entries.len() > 1 {
            self.close_oldest(registry);
        }
    }

    fn close_oldest(&mut self, registry: &Registry) {
        if let Some(mut entry) = self.entries.pop_front() {
            let _ = registry.deregister(&mut entry.socket);
        }
    }

    #[cfg(test)]
    /// How many sockets are open.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `token` belongs to one of the sockets.
    pub(crate) fn owns(&self, token: Token) -> bool {
        self.entries.iter().any(|e| e.token == token)
    }

    /// Sends one datagram from the newest socket.
    pub fn send_to(&self, datagram: &[u8], to: SocketAddr) -> io::Result<usize> {
        match self.entries.back() {
            Some(entry) => entry.socket.send_to(datagram, to),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// The local address of the newest socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.entries.back() {
            Some(entry) => entry.socket.local_addr(),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// Receives up to `budget` datagrams from all sockets, newest first,
    /// handing each to `deliver`; returns how many arrived.
    pub fn receive(
        &self,
        buf: &mut [u8],
        budget: usize,
        mut deliver: impl FnMut(&[u8], SocketAddr),
    ) -> usize {
        let mut count = 0;
        for entry in self.entries.iter().rev() {
            while count < budget {
                match entry.socket.recv_from(buf) {
                    Ok((n, from)) => {
                        count += 1;
                        deliver(buf.get(..n).unwrap_or_default(), from);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // WouldBlock, or an ICMP error reported on the socket.
                    Err(_) => break,
                }
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::Poll;

    #[test]
    fn hopping_opens_new_ports_and_keeps_a_bounded_set() {
        let poll = Poll::new().unwrap();
        let server: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let mut sockets = ClientSockets::open(server, poll.registry(), 10).unwrap();
        let first = sockets.local_addr().unwrap();
        sockets.hop(poll.registry()).unwrap();
        assert_ne!(sockets.local_addr().unwrap().port(), first.port());
        assert!(sockets.owns(Token(10)) && sockets.owns(Token(11)));
        for _ in 0..20 {
            sockets.hop(poll.registry()).unwrap();
        }
        assert_eq!(sockets.len(), MAX_OPEN_SOCKETS);
        assert!(!sockets.owns(Token(10)));
        sockets.keep_only_newest(poll.registry());
        assert_eq!(sockets.len(), 1);
        assert!(sockets.owns(Token(31)));
    }

    #[test]
    fn old_sockets_still_receive() {
        let poll = Poll::new().unwrap();
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let server = peer.local_addr().unwrap();
        let mut sockets = ClientSockets::open(server, poll.registry(), 0).unwrap();
        let old_port = sockets.local_addr().unwrap().port();
        sockets.hop(poll.registry()).unwrap();
        peer.send_to(b"late", ("127.0.0.1", old_port)).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut got = Vec::new();
        while got.is_empty() && std::time::Instant::now() < deadline {
            let mut buf = [0u8; 64];
            sockets.receive(&mut buf, 8, |d, _| got.push(d.to_vec()));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(got, vec![b"late".to_vec()]);
    }
}
