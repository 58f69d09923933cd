//! UDP port ranges (`-p PORT[:HIGHPORT]`) and binding the server's socket:
//! the requested address first, then any address, trying each port.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use super::cli::strtol_prefix;
use crate::sys::socket::bind_udp;

/// An inclusive range of UDP ports to try in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// First port tried.
    pub low: u16,
    /// Last port tried.
    pub high: u16,
}

/// Ports tried when none are requested.
pub(crate) const DEFAULT_PORTS: PortRange = PortRange {
    low: 60001,
    high: 60999,
};

/// Parses `PORT` or `LOW:HIGH` with upstream's rules and messages. A
/// single port may be 0 (any free port); a range may not start at 0.
pub(crate) fn parse_port_range(spec: &str) -> Result<PortRange, String> {
    let (low, rest) = match strtol_prefix(spec) {
        Some((v, rest)) if rest.is_empty() || rest.starts_with(':') => (v, rest),
        _ => return Err(format!("Invalid (low) port number ({spec})")),
    };
    if !(0..=65535).contains(&low) {
        return Err(format!(
            "(Low) port number {low} outside valid range [0..65535]"
        ));
    }
    let low = low as u16;
    let Some(high_spec) = rest.strip_prefix(':') else {
        return Ok(PortRange { low, high: low });
    };
    let high = match strtol_prefix(high_spec) {
        Some((v, "")) => v,
        _ => return Err(format!("Invalid high port number ({high_spec})")),
    };
    if !(0..=65535).contains(&high) {
        return Err(format!(
            "High port number {high} outside valid range [0..65535]"
        ));
    }
    let high = high as u16;
    if low > high {
        return Err(format!("Low port {low} greater than high port {high}"));
    }
    if low == 0 {
        return Err("Low port 0 incompatible with port ranges".to_string());
    }
    Ok(PortRange { low, high })
}

/// Binds the server socket: on `desired_ip` if given and possible, else
/// on any address, trying each port of `ports` in turn. Failures on the
/// desired address are reported on `log` and are not fatal.
pub(crate) fn bind_server_socket(
    desired_ip: Option<&str>,
    ports: PortRange,
    log: &mut dyn io::Write,
) -> io::Result<UdpSocket> {
    if let Some(text) = desired_ip {
        let attempt = parse_ip(text).and_then(|ip| bind_in_range(ip, ports, log));
        match attempt {
            Ok(socket) => return Ok(socket),
            Err(e) => {
                let _ = writeln!(log, "Error binding to IP {text}: {e}");
            }
        }
    }
    let any = bind_in_range(IpAddr::V6(Ipv6Addr::UNSPECIFIED), ports, &mut io::sink())
        .or_else(|_| bind_in_range(IpAddr::V4(Ipv4Addr::UNSPECIFIED), ports, log));
    any.map_err(|e| {
        let _ = writeln!(log, "Error binding to any interface: {e}");
        e
    })
}

fn parse_ip(text: &str) -> io::Result<IpAddr> {
    text.parse::<IpAddr>().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("Bad IP address ({text}): not a numeric IPv4 or IPv6 address"),
        )
    })
}

fn bind_in_range(ip: IpAddr, ports: PortRange, log: &mut dyn io::Write) -> io::Result<UdpSocket> {
    let mut last_error = io::Error::new(io::ErrorKind::AddrInUse, "no port to try");
    for port in ports.low..=ports.high {
        match bind_udp(SocketAddr::new(ip, port)) {
            Ok(socket) => return Ok(socket),
            Err(e) => last_error = e,
        }
    }
    let _ = writeln!(log, "Failed binding to {}", SocketAddr::new(ip, ports.high));
    Err(io::Error::new(
        last_error.kind(),
        format!("bind: {last_error}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs_follow_upstream() {
        assert_eq!(
            parse_port_range("60001"),
            Ok(PortRange {
                low: 60001,
                high: 60001
            })
        );
        assert_eq!(parse_port_range("0"), Ok(PortRange { low: 0, high: 0 }));
        assert_eq!(
            parse_port_range("10:20"),
            Ok(PortRange { low: 10, high: 20 })
        );
        assert_eq!(
            parse_port_range("abc").unwrap_err(),
            "Invalid (low) port number (abc)"
        );
        assert_eq!(
            parse_port_range("70000").unwrap_err(),
            "(Low) port number 70000 outside valid range [0..65535]"
        );
        assert_eq!(
            parse_port_range("1:abc").unwrap_err(),
            "Invalid high port number (abc)"
        );
        assert_eq!(
            parse_port_range("1:65536").unwrap_err(),
            "High port number 65536 outside valid range [0..65535]"
        );
        assert_eq!(
            parse_port_range("5:3").unwrap_err(),
            "Low port 5 greater than high port 3"
        );
        assert_eq!(
            parse_port_range("0:5").unwrap_err(),
            "Low port 0 incompatible with port ranges"
        );
        assert_eq!(
            parse_port_range("-1").unwrap_err(),
            "(Low) port number -1 outside valid range [0..65535]"
        );
    }

    #[test]
    fn binding_skips_ports_in_use_and_falls_back_to_any() {
        let blocker = UdpSocket::bind("127.0.0.1:0").unwrap();
        let taken = blocker.local_addr().unwrap().port();
        let Some(next) = taken.checked_add(1) else {
            return;
        };
        let mut log = Vec::new();
        let range = PortRange {
            low: taken,
            high: next,
        };
        match bind_server_socket(Some("127.0.0.1"), range, &mut log) {
            Ok(s) => assert_eq!(
                s.local_addr().unwrap(),
                SocketAddr::from(([127, 0, 0, 1], next))
            ),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::AddrInUse), // next port busy too
        }
        let mut log = Vec::new();
        let s =
            bind_server_socket(Some("not-an-ip"), PortRange { low: 0, high: 0 }, &mut log).unwrap();
        assert!(s.local_addr().unwrap().ip().is_unspecified());
        assert!(String::from_utf8(log)
            .unwrap()
            .starts_with("Error binding to IP not-an-ip: Bad IP address"));
    }

    #[test]
    fn a_busy_single_port_everywhere_is_fatal() {
        let blocker = bind_udp(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)))
            .or_else(|_| bind_udp(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))))
            .unwrap();
        let port = blocker.local_addr().unwrap().port();
        let mut log = Vec::new();
        let err = bind_server_socket(
            None,
            PortRange {
                low: port,
                high: port,
            },
            &mut log,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("bind: "));
        assert!(String::from_utf8(log)
            .unwrap()
            .contains("Error binding to any interface"));
    }
}
