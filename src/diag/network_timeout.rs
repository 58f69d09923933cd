//! `MOSH_CLIENT_NETWORK_TIMEOUT` (or `MOSH_CLIENT_NETWORK_TMOUT`, named
//! like the server's variable): seconds without hearing from the server
//! after which the client gives up. Unset, empty, zero or not a number:
//! never, as upstream.

use std::ffi::OsString;

/// The variable's names, the first one preferred.
pub(crate) const TIMEOUT_VARIABLES: [&str; 2] =
    ["MOSH_CLIENT_NETWORK_TIMEOUT", "MOSH_CLIENT_NETWORK_TMOUT"];

/// The client's network timeout in milliseconds, if any.
pub(crate) fn client_network_timeout(env: &dyn Fn(&str) -> Option<OsString>) -> Option<u64> {
    let text = TIMEOUT_VARIABLES.iter().find_map(|name| env(name))?;
    let seconds: u64 = text.to_str()?.trim().parse().ok()?;
    (seconds > 0).then(|| seconds.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<OsString> {
        move |n: &str| (n == name).then(|| OsString::from(value))
    }

    #[test]
    fn seconds_from_either_name_and_never_otherwise() {
        assert_eq!(
            client_network_timeout(&with("MOSH_CLIENT_NETWORK_TIMEOUT", "3")),
            Some(3000)
        );
        assert_eq!(
            client_network_timeout(&with("MOSH_CLIENT_NETWORK_TMOUT", " 60 ")),
            Some(60_000)
        );
        for junk in ["", "0", "-5", "soon", "1.5"] {
            assert_eq!(
                client_network_timeout(&with("MOSH_CLIENT_NETWORK_TIMEOUT", junk)),
                None,
                "{junk:?}"
            );
        }
        assert_eq!(client_network_timeout(&|_| None), None);
    }
}
