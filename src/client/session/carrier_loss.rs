//! What an ended carrier's last words on standard error say: that ssh
//! could not log in without a password (batch mode), that the remote's
//! `mosh-server` is stock mosh (which prints its usage for `relay`), or
//! something else worth showing as it is.

/// Why a carrier ended, as far as the client can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CarrierLoss {
    /// ssh needs the user to log in (a password, a one-time code, a host
    /// key to accept); batch mode refused to ask.
    NeedsLogin(String),
    /// The remote's `mosh-server` does not know `relay`.
    StockServer,
    /// Anything else: the line, when there was one.
    Other(Option<String>),
}

/// What ssh prints when batch mode stops it from asking the user.
const LOGIN_REFUSALS: [&str; 3] = [
    "Permission denied (",
    "Host key verification failed",
    "read_passphrase: can't open /dev/tty",
];

/// Classifies a carrier that ended with `last_line` on its standard
/// error; `heard` says whether any datagram came over it.
pub(super) fn classify(last_line: Option<String>, heard: bool) -> CarrierLoss {
    let Some(line) = last_line else {
        return CarrierLoss::Other(None);
    };
    if !heard && is_stock_usage(&line) {
        return CarrierLoss::StockServer;
    }
    if !heard && LOGIN_REFUSALS.iter().any(|r| line.contains(r)) {
        return CarrierLoss::NeedsLogin(line);
    }
    CarrierLoss::Other(Some(line))
}

/// Stock `mosh-server` answers three arguments it does not know with its
/// usage line, which names only `new`.
fn is_stock_usage(line: &str) -> bool {
    line.starts_with("Usage: ") && line.contains("mosh-server new") && !line.contains("relay")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn stock_mosh_servers_usage_means_a_stock_server() {
        let usage = "Usage: mosh-server new [-s] [-v] [-i LOCALADDR] [-p PORT[:PORT2]] \
                     [-c COLORS] [-l NAME=VALUE] [-- COMMAND...]";
        assert_eq!(classify(some(usage), false), CarrierLoss::StockServer);
        // Our own relay's usage is a different complaint.
        let ours = "Usage: mosh-server relay -p PORT [-i ADDRESS]";
        assert_eq!(classify(some(ours), false), CarrierLoss::Other(some(ours)));
    }

    #[test]
    fn batch_mode_refusals_ask_for_a_login() {
        for line in [
            "me@host: Permission denied (publickey,password).",
            "Host key verification failed.",
        ] {
            assert_eq!(
                classify(some(line), false),
                CarrierLoss::NeedsLogin(line.to_string())
            );
        }
    }

    #[test]
    fn a_carrier_that_worked_ended_for_another_reason() {
        let line = "Connection to host closed by remote host.";
        assert_eq!(classify(some(line), true), CarrierLoss::Other(some(line)));
        assert_eq!(classify(None, false), CarrierLoss::Other(None));
    }
}
