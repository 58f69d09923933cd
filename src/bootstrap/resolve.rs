//! Address families (`--family`) and turning a host name into the
//! ordered list of addresses to try, as upstream's wrapper does for the
//! fake proxy, `--experimental-remote-ip=local` and `--local`.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// Which address families to use, and in which order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4 only (`-4`).
    Inet,
    /// IPv6 only (`-6`).
    Inet6,
    /// Whatever the host has, but refuse hosts with both.
    Auto,
    /// Every address, in resolver order.
    All,
    /// Every address, IPv4 first (the default).
    PreferInet,
    /// Every address, IPv6 first.
    PreferInet6,
}

impl Family {
    /// Parses a `--family` value (any ASCII case).
    pub fn parse(text: &str) -> Option<Family> {
        match text.to_ascii_lowercase().as_str() {
            "inet" => Some(Family::Inet),
            "inet6" => Some(Family::Inet6),
            "auto" => Some(Family::Auto),
            "all" => Some(Family::All),
            "prefer-inet" => Some(Family::PreferInet),
            "prefer-inet6" => Some(Family::PreferInet6),
            _ => None,
        }
    }

    /// The `--family` spelling.
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Auto => "auto",
            Family::All => "all",
            Family::PreferInet => "prefer-inet",
            Family::PreferInet6 => "prefer-inet6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Resolves `host` and returns its addresses with `port`, filtered and
/// ordered for `family`. The error is a sentence for the user.
pub(crate) fn resolve(host: &str, port: u16, family: Family) -> Result<Vec<SocketAddr>, String> {
    let found: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("could not resolve {host}: {e}"))?
        .collect();
    let ordered = order_for_family(found, family)?;
    if ordered.is_empty() {
        return Err(format!("{host} has no {} address", family_noun(family)));
    }
    Ok(ordered)
}

fn family_noun(family: Family) -> &'static str {
    match family {
        Family::Inet => "IPv4",
        Family::Inet6 => "IPv6",
        _ => "usable",
    }
}

/// Filters and orders resolver results for `family`.
pub(crate) fn order_for_family(
    addrs: Vec<SocketAddr>,
    family: Family,
) -> Result<Vec<SocketAddr>, String> {
    let (v4, v6): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs.iter().partition(|a| a.is_ipv4());
    match family {
        Family::Inet => Ok(v4),
        Family::Inet6 => Ok(v6),
        Family::PreferInet => Ok(v4.into_iter().chain(v6).collect()),
        Family::PreferInet6 => Ok(v6.into_iter().chain(v4).collect()),
        Family::All => Ok(addrs),
        Family::Auto if !v4.is_empty() && !v6.is_empty() => Err(
            "host has both IPv4 and IPv6 addresses, use --family to specify behavior".to_string(),
        ),
        Family::Auto => Ok(addrs),
    }
}

/// The numeric form of an address as `getnameinfo(NI_NUMERICHOST)` gives
/// it: no brackets, and an IPv6 scope as `%N`.
pub(crate) fn numeric_host(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => format!("{}%{}", v6.ip(), v6.scope_id()),
        other => IpAddr::to_string(&other.ip()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn families_filter_and_order_addresses() {
        let mixed = addrs(&["[::1]:22", "127.0.0.1:22", "[::2]:22", "127.0.0.2:22"]);
        let hosts = |family| {
            order_for_family(mixed.clone(), family)
                .unwrap()
                .iter()
                .map(numeric_host)
                .collect::<Vec<_>>()
        };
        assert_eq!(hosts(Family::Inet), ["127.0.0.1", "127.0.0.2"]);
        assert_eq!(hosts(Family::Inet6), ["::1", "::2"]);
        assert_eq!(
            hosts(Family::PreferInet),
            ["127.0.0.1", "127.0.0.2", "::1", "::2"]
        );
        assert_eq!(
            hosts(Family::PreferInet6),
            ["::1", "::2", "127.0.0.1", "127.0.0.2"]
        );
        assert_eq!(hosts(Family::All), ["::1", "127.0.0.1", "::2", "127.0.0.2"]);
    }

    #[test]
    fn auto_refuses_hosts_with_both_families() {
        let mixed = addrs(&["[::1]:22", "127.0.0.1:22"]);
        let err = order_for_family(mixed, Family::Auto).unwrap_err();
        assert!(err.contains("use --family"), "{err}");
        let single = addrs(&["[::1]:22"]);
        assert_eq!(order_for_family(single.clone(), Family::Auto), Ok(single));
    }

    #[test]
    fn family_names_parse_in_any_case() {
        for family in [
            Family::Inet,
            Family::Inet6,
            Family::Auto,
            Family::All,
            Family::PreferInet,
            Family::PreferInet6,
        ] {
            assert_eq!(Family::parse(family.name()), Some(family));
            assert_eq!(Family::parse(&family.name().to_uppercase()), Some(family));
        }
        assert_eq!(Family::parse("inet4"), None);
    }

    #[test]
    fn numeric_names_resolve_without_a_resolver_and_respect_the_family() {
        let v4 = resolve("127.0.0.1", 22, Family::PreferInet6).unwrap();
        assert_eq!(v4, addrs(&["127.0.0.1:22"]));
        let err = resolve("127.0.0.1", 22, Family::Inet6).unwrap_err();
        assert!(err.contains("no IPv6 address"), "{err}");
    }

    #[test]
    fn scoped_ipv6_keeps_its_scope() {
        let scoped = SocketAddr::V6(std::net::SocketAddrV6::new(
            "fe80::1".parse().unwrap(),
            22,
            0,
            3,
        ));
        assert_eq!(numeric_host(&scoped), "fe80::1%3");
    }
}
