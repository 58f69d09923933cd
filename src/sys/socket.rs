//! UDP sockets as mosh wants them: bound with options set before `bind`
//! (dual-stack on the IPv6 wildcard), ECN-capable, path-MTU discovery off
//! (the don't-fragment bit is never set; the options for that differ by
//! system).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::{check, context};

/// Creates a non-blocking UDP socket bound to `addr`. On the IPv6
/// wildcard address it also accepts IPv4 (dual-stack). The socket is
/// ECN-capable and has path-MTU discovery switched off.
pub fn bind_udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    let family = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let fd = open_udp_socket(family).map_err(|e| context(e, "socket"))?;
    tune(&fd, addr)?;
    bind(&fd, addr)?;
    Ok(UdpSocket::from(fd))
}

/// A new non-blocking, close-on-exec UDP socket of `family`.
#[cfg(not(target_os = "macos"))]
fn open_udp_socket(family: libc::c_int) -> io::Result<OwnedFd> {
    let kind = libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
    // SAFETY: socket takes plain integers and returns a new descriptor or -1.
    let raw = check(unsafe { libc::socket(family, kind, 0) })?;
    // SAFETY: `raw` is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// A new non-blocking, close-on-exec UDP socket of `family`. macOS has
/// no `SOCK_CLOEXEC`/`SOCK_NONBLOCK`: both are set after `socket` (see
/// `fd::pipe` for the close-on-exec window).
#[cfg(target_os = "macos")]
fn open_udp_socket(family: libc::c_int) -> io::Result<OwnedFd> {
    use std::os::fd::AsFd;
    // SAFETY: socket takes plain integers and returns a new descriptor or -1.
    let raw = check(unsafe { libc::socket(family, libc::SOCK_DGRAM, 0) })?;
    // SAFETY: `raw` is a fresh descriptor owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    super::fd::set_close_on_exec(fd.as_fd())?;
    super::fd::set_nonblocking(fd.as_fd(), true)?;
    Ok(fd)
}

fn tune(fd: &OwnedFd, addr: SocketAddr) -> io::Result<()> {
    match addr {
        SocketAddr::V4(_) => {
            fragment_ipv4_locally(fd)?;
            // ECN is best effort, as for upstream.
            let _ = set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, 0x02);
        }
        SocketAddr::V6(v6) => {
            if v6.ip().is_unspecified() {
                set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0)?;
                let _ = fragment_ipv4_locally(fd);
                let _ = set_int(fd, libc::IPPROTO_IP, libc::IP_TOS, 0x02);
            }
            fragment_ipv6_locally(fd)?;
            let _ = set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, 0x02);
        }
    }
    Ok(())
}

/// Path-MTU discovery off for IPv4: datagrams leave without the
/// don't-fragment bit, so a smaller link on the way fragments them.
#[cfg(target_os = "linux")]
fn fragment_ipv4_locally(fd: &OwnedFd) -> io::Result<()> {
    set_int(
        fd,
        libc::IPPROTO_IP,
        libc::IP_MTU_DISCOVER,
        libc::IP_PMTUDISC_DONT,
    )
}

/// Path-MTU discovery off for IPv6: the kernel fragments datagrams
/// larger than the path instead of refusing them.
#[cfg(target_os = "linux")]
fn fragment_ipv6_locally(fd: &OwnedFd) -> io::Result<()> {
    set_int(
        fd,
        libc::IPPROTO_IPV6,
        libc::IPV6_MTU_DISCOVER,
        libc::IPV6_PMTUDISC_DONT,
    )
}

/// FreeBSD: the don't-fragment bit off (`IP_DONTFRAG` 0, which is also
/// FreeBSD's default for UDP; said here so nothing else can change it).
#[cfg(target_os = "freebsd")]
fn fragment_ipv4_locally(fd: &OwnedFd) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_IP, libc::IP_DONTFRAG, 0)
}

/// FreeBSD: large IPv6 datagrams are fragmented (`IPV6_DONTFRAG` 0, the default).
#[cfg(target_os = "freebsd")]
fn fragment_ipv6_locally(fd: &OwnedFd) -> io::Result<()> {
    set_int(fd, libc::IPPROTO_IPV6, libc::IPV6_DONTFRAG, 0)
}

/// macOS: nothing to switch off. Its UDP sockets never set the
/// don't-fragment bit unless `IP_DONTFRAG` asks for it, and macOS
/// before 11 rejects that option, so it is left alone.
#[cfg(target_os = "macos")]
fn fragment_ipv4_locally(_fd: &OwnedFd) -> io::Result<()> {
    Ok(())
}

/// macOS: IPv6 datagrams larger than the path are fragmented by default.
#[cfg(target_os = "macos")]
fn fragment_ipv6_locally(_fd: &OwnedFd) -> io::Result<()> {
    Ok(())
}

fn set_int(
    fd: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: setsockopt reads one int that outlives the call.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map_err(|e| context(e, "setsockopt"))?;
    Ok(())
}

fn bind(fd: &OwnedFd, addr: SocketAddr) -> io::Result<()> {
    // SAFETY: sockaddr_storage is plain old data; all-zero is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                #[cfg(any(target_os = "macos", target_os = "freebsd"))]
                sin_len: std::mem::size_of::<libc::sockaddr_in>() as u8,
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                #[cfg(any(target_os = "macos", target_os = "freebsd"))]
                sin6_len: std::mem::size_of::<libc::sockaddr_in6>() as u8,
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    // SAFETY: `storage` holds a sockaddr of `len` bytes and outlives the call.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&storage as *const libc::sockaddr_storage).cast(),
            len as libc::socklen_t,
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn binds_v4_and_exchanges_a_datagram() {
        let server = bind_udp(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
        let port = server.local_addr().unwrap().port();
        assert_ne!(port, 0);
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.send_to(b"ping", ("127.0.0.1", port)).unwrap();
        server.set_nonblocking(false).unwrap();
        server
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from, client.local_addr().unwrap());
    }

    #[test]
    fn v6_wildcard_also_accepts_v4() {
        let Ok(server) = bind_udp(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))) else {
            eprintln!("SKIPPED: no IPv6 on this host");
            return;
        };
        let port = server.local_addr().unwrap().port();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.send_to(b"v4", ("127.0.0.1", port)).unwrap();
        server.set_nonblocking(false).unwrap();
        server
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        let (n, _) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"v4");
    }

    #[test]
    fn a_port_in_use_is_an_error() {
        let first = bind_udp(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
        let taken = first.local_addr().unwrap();
        assert!(bind_udp(taken).is_err());
    }
}
