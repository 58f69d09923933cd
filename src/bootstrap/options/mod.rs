//! The `mosh` command line: every option of upstream's wrapper with the
//! same defaults, checks, messages and exit statuses, plus
//! `--install-server`. Parsing is pure: the caller prints what `Finish`
//! says and exits with its status.
//!
//! `table` lists the options (one `Opt` each) and collects
//! their values as given; `checks` turns those into a [`Request`] or the
//! message upstream gives; `usage` is the `--help` text.

mod checks;
mod table;
mod usage;

use std::ffi::OsString;

use super::getopt;
use super::resolve::Family;
use crate::client::prediction::PredictionDisplay;
use checks::check;
use table::{Opt, Raw};
pub use usage::usage;

/// Exit status of every usage or configuration error (Perl's `die`).
pub(crate) const USAGE_STATUS: i32 = 255;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Print these and exit with `status` (help, version, errors).
    Finish(Finish),
    /// Act as ssh's ProxyCommand (`--fake-proxy -- HOST PORT`).
    FakeProxy(ProxyTarget),
    /// Start a session.
    Connect(Box<Options>),
}

/// Text to print and the status to exit with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    /// Exit status.
    pub status: i32,
    /// Text for standard output.
    pub stdout: String,
    /// Text for standard error.
    pub stderr: String,
}

impl Finish {
    pub(super) fn error(stderr: String) -> Finish {
        Finish {
            status: USAGE_STATUS,
            stdout: String::new(),
            stderr,
        }
    }
}

/// Where the fake proxy connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    /// Host name or address, as ssh's `%h` gives it.
    pub host: String,
    /// TCP port, as ssh's `%p` gives it.
    pub port: u16,
    /// Address families to try.
    pub family: Family,
}

/// Which address the server replies from (`--bind-server`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindServer {
    /// The address ssh connected to (`-s`), or the host itself with `--local`.
    Ssh,
    /// Any address (no option).
    Any,
    /// This address (`-i IP`).
    Ip(OsString),
}

/// How the client learns the server's address
/// (`--experimental-remote-ip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteIp {
    /// The address the fake ProxyCommand connected to (the default).
    Proxy,
    /// Resolve the host name locally and ssh to that address.
    Local,
    /// The server side of `$SSH_CONNECTION` on the remote.
    Remote,
}

/// Which paths the session may take (`--transport`, `MOSH_TRANSPORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP only, as stock mosh.
    Udp,
    /// UDP, and the ssh carrier when UDP stays silent.
    Auto,
    /// The ssh carrier only.
    Ssh,
}

/// A checked `--port` request: the text as given (passed on to the
/// server) and its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRequest {
    /// `PORT` or `PORT:PORT2`, as typed.
    pub text: String,
    /// Lowest port.
    pub low: u16,
    /// Highest port, when a range was given.
    pub high: Option<u16>,
}

/// Everything a session needs from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--client`; `None` means the default.
    pub client: Option<OsString>,
    /// `--server` (a shell command on the remote); `None` means the default.
    pub server: Option<OsString>,
    /// Local echo mode.
    pub predict: PredictionDisplay,
    /// `-o`: predictions overwrite instead of inserting.
    pub predict_overwrite: bool,
    /// Address families.
    pub family: Family,
    /// `--port`.
    pub port: Option<PortRequest>,
    /// `--bind-server`.
    pub bind_server: BindServer,
    /// The ssh command, split into words.
    pub ssh: Vec<OsString>,
    /// Ask ssh for a remote pty (`-tt`).
    pub ssh_pty: bool,
    /// Let the client initialise the terminal.
    pub term_init: bool,
    /// `--no-scrollback` unset: with a mosh-rs server, lines leaving the
    /// top of the screen go into the user's terminal scrollback.
    pub scrollback: bool,
    /// Run the server here, without ssh.
    pub local: bool,
    /// How the server's address is found.
    pub remote_ip: RemoteIp,
    /// `remote_ip` is the default, not `--experimental-remote-ip`: a
    /// ProxyJump or ProxyCommand in the user's ssh configuration may
    /// change it (see `session.rs`).
    pub remote_ip_is_default: bool,
    /// Copy this binary to the remote first.
    pub install_server: bool,
    /// `--force`: let `install_server` replace a remote `mosh-server`
    /// that is not mosh-rs.
    pub force_install: bool,
    /// `[user@]host`.
    pub user_host: OsString,
    /// The remote command, if any.
    pub command: Vec<OsString>,
    /// The arguments as typed (shown in the client's `-#` argument).
    pub typed_args: Vec<OsString>,
    /// How many `--verbose`/`-v`: start-up steps on stderr, `-v` passed
    /// to the server and the client.
    pub verbose: u32,
    /// `--attach[=ID]`: resume a running session (`Some(None)`: let the
    /// server pick) instead of starting a new one.
    pub attach: Option<Option<String>>,
    /// `--transport`: UDP, the ssh carrier, or UDP with the carrier when
    /// UDP is blocked.
    pub transport: Transport,
}

/// Reads the command line. `program` is the name messages start with
/// (upstream prints its `$0`); `env` looks up environment variables.
pub fn parse(program: &str, args: &[OsString], env: &dyn Fn(&str) -> Option<OsString>) -> Request {
    let parsed = getopt::parse(&Opt::table(), args);
    if !parsed.errors.is_empty() {
        let mut text = parsed.errors.join("\n");
        text.push('\n');
        text.push_str(&usage(program));
        return Request::Finish(Finish::error(text));
    }
    let mut raw = Raw::default();
    for (index, setting) in parsed.options {
        if let Some(&opt) = Opt::ALL.get(index) {
            raw.apply(opt, setting);
        }
    }
    match check(program, raw, parsed.operands, args, env) {
        Ok(request) => request,
        Err(finish) => Request::Finish(finish),
    }
}

/// The session options of `mosh ARGS` (no environment), for other
/// modules' tests; panics when ARGS ask for anything else.
#[cfg(test)]
pub(crate) fn session_options(args: &[&str]) -> Options {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    match parse("mosh", &args, &|_| None) {
        Request::Connect(options) => *options,
        other => panic!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    fn parse_with(args: &[&str], env: &[(&str, &str)]) -> Request {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let env: Vec<(String, OsString)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        parse("mosh", &args, &lookup)
    }

    fn connect(args: &[&str]) -> Options {
        match parse_with(args, &[]) {
            Request::Connect(options) => *options,
            other => panic!("expected a session, got {other:?}"),
        }
    }

    #[test]
    fn verbose_is_counted_and_reaches_the_server_command() {
        assert_eq!(connect(&["host"]).verbose, 0);
        let o = connect(&["-v", "-v", "--verb", "host"]);
        assert_eq!(o.verbose, 3);
        let args = crate::bootstrap::remote_command::server_arguments(&o, 8, vec![], vec![]);
        let count = args.iter().filter(|a| *a == "-v").count();
        assert_eq!(count, 3, "{args:?}");
    }

    fn finish(args: &[&str]) -> Finish {
        match parse_with(args, &[]) {
            Request::Finish(f) => f,
            other => panic!("expected to finish, got {other:?}"),
        }
    }

    #[test]
    fn defaults_match_upstream() {
        let o = connect(&["host"]);
        assert_eq!(o.client, None);
        assert_eq!(o.server, None);
        assert_eq!(o.predict, PredictionDisplay::Adaptive);
        assert!(!o.predict_overwrite);
        assert_eq!(o.family, Family::PreferInet);
        assert_eq!(o.port, None);
        assert_eq!(o.bind_server, BindServer::Ssh);
        assert_eq!(o.ssh, vec![OsString::from("ssh")]);
        assert!(o.ssh_pty && o.term_init && !o.local && !o.install_server);
        assert_eq!(o.remote_ip, RemoteIp::Proxy);
        assert!(o.remote_ip_is_default);
        assert_eq!(o.user_host, "host");
        assert!(o.command.is_empty());
        assert_eq!(o.transport, Transport::Auto);
    }

    #[test]
    fn no_scrollback_is_taken_only_when_typed_in_full() {
        assert!(connect(&["host"]).scrollback);
        assert!(!connect(&["--no-scrollback", "host"]).scrollback);
        let args: Vec<OsString> = ["--no-scroll", "host"].iter().map(OsString::from).collect();
        assert!(!matches!(
            parse("mosh", &args, &|_| None),
            Request::Connect(_)
        ));
    }

    #[test]
    fn the_ssh_transport_leaves_ssh_its_own_proxies() {
        let o = connect(&["--transport=ssh", "node042"]);
        assert_eq!(o.remote_ip, RemoteIp::Remote);
        let o = connect(&[
            "--transport=ssh",
            "--experimental-remote-ip=proxy",
            "node042",
        ]);
        assert_eq!(o.remote_ip, RemoteIp::Proxy);
    }

    #[test]
    fn every_option_sets_what_it_says() {
        let o = connect(&[
            "--client=/c",
            "--server",
            "~/s -v",
            "-a",
            "-o",
            "-6",
            "-p",
            "60001:60010",
            "--bind-server=10.0.0.1",
            "--ssh=ssh -p 2222",
            "--no-ssh-pty",
            "--no-init",
            "--experimental-remote-ip=remote",
            "user@host",
            "--",
            "ls",
            "-l",
        ]);
        assert_eq!(o.client.as_deref(), Some(OsStr::new("/c")));
        assert_eq!(o.server.as_deref(), Some(OsStr::new("~/s -v")));
        assert_eq!(o.predict, PredictionDisplay::Always);
        assert!(o.predict_overwrite);
        assert_eq!(o.family, Family::Inet6);
        assert_eq!(
            o.port,
            Some(PortRequest {
                text: "60001:60010".into(),
                low: 60001,
                high: Some(60010)
            })
        );
        assert_eq!(o.bind_server, BindServer::Ip("10.0.0.1".into()));
        assert_eq!(o.ssh, ["ssh", "-p", "2222"].map(OsString::from).to_vec());
        assert!(!o.ssh_pty && !o.term_init);
        assert_eq!(o.remote_ip, RemoteIp::Remote);
        assert!(!o.remote_ip_is_default);
        assert_eq!(o.user_host, "user@host");
        assert_eq!(o.command, ["ls", "-l"].map(OsString::from).to_vec());
        assert_eq!(o.typed_args.len(), 17);
    }

    #[test]
    fn later_options_override_earlier_ones() {
        let o = connect(&["-n", "--predict=experimental", "-4", "--family=ALL", "h"]);
        assert_eq!(o.predict, PredictionDisplay::Experimental);
        assert_eq!(o.family, Family::All);
        assert_eq!(
            connect(&["--bind-server=ANY", "h"]).bind_server,
            BindServer::Any
        );
        assert_eq!(
            connect(&["--bind-server=SSH", "h"]).bind_server,
            BindServer::Ssh
        );
    }

    #[test]
    fn prediction_mode_falls_back_to_the_environment() {
        let env_mode = |value: &str| match parse_with(&["h"], &[("MOSH_PREDICTION_DISPLAY", value)])
        {
            Request::Connect(o) => Ok(o.predict),
            Request::Finish(f) => Err(f),
            other => panic!("{other:?}"),
        };
        assert_eq!(env_mode("never"), Ok(PredictionDisplay::Never));
        let err = env_mode("").unwrap_err();
        assert_eq!(err.status, 255);
        assert!(err.stderr.starts_with(
            "mosh: Unknown mode \"\" (MOSH_PREDICTION_DISPLAY in environment).\n\nUsage: mosh "
        ));
        let err = finish(&["--predict=ALWAYS", "h"]);
        assert!(err
            .stderr
            .starts_with("mosh: Unknown mode \"ALWAYS\".\n\nUsage:"));
    }

    #[test]
    fn port_requests_are_checked_like_upstream() {
        let message = |p: &str| {
            let f = finish(&["-p", p, "h"]);
            assert_eq!(f.status, 255, "{p}");
            f.stderr
        };
        assert_eq!(
            message("0:5"),
            "mosh: Server-side port ranges may not be used with starting port 0 (0:5).\n"
        );
        assert_eq!(
            message("70000"),
            "mosh: Server-side (low) port (70000) must be within valid range [0..65535].\n"
        );
        assert_eq!(
            message("99999999999999999999"),
            "mosh: Server-side (low) port (99999999999999999999) must be within valid range [0..65535].\n"
        );
        assert_eq!(
            message("5:70000"),
            "mosh: Server-side high port (70000) must be within valid range [1..65535].\n"
        );
        assert_eq!(
            message("5:0"),
            "mosh: Server-side high port (0) must be within valid range [1..65535].\n"
        );
        assert_eq!(
            message("9:5"),
            "mosh: Server-side port range (9:5): low port greater than high port.\n"
        );
        for bad in ["abc", "-1", "1:", ":5", " 5", "+5", "1:2:3", ""] {
            assert_eq!(
                message(bad),
                format!("mosh: Server-side port or range ({bad}) is not valid.\n")
            );
        }
        for good in ["0", "65535", "1:1", "007:08", "60001:60999"] {
            assert_eq!(connect(&["-p", good, "h"]).port.unwrap().text, good);
        }
        assert_eq!(connect(&["--port=007:08", "h"]).port.unwrap().high, Some(8));
    }

    #[test]
    fn help_and_version_print_on_stdout_and_succeed() {
        let help = finish(&["--version", "--help"]);
        assert_eq!(help.status, 0);
        assert!(help
            .stdout
            .starts_with("Usage: mosh [options] [--] [user@]host [command...]\n"));
        let version = finish(&["--ver"]);
        assert_eq!(version.status, 0);
        assert!(version.stdout.contains("mosh-rs"));
    }

    #[test]
    fn mistakes_print_every_message_then_the_usage() {
        let f = finish(&["--bogus", "--help", "--bad"]);
        assert_eq!(f.status, 255);
        assert!(f
            .stderr
            .starts_with("Unknown option: bogus\nUnknown option: bad\nUsage: mosh "));
        let f = finish(&[]);
        assert!(f.stderr.starts_with("Usage: mosh "));
        assert_eq!(f.status, 255);
        assert_eq!(finish(&["--local"]).status, 255);
    }

    #[test]
    fn bad_values_are_refused_with_the_option_named() {
        let f = finish(&["--experimental-remote-ip=x", "h"]);
        assert!(
            f.stderr.starts_with("mosh: Unknown parameter x "),
            "{}",
            f.stderr
        );
        let f = finish(&["--family=inet4", "h"]);
        assert!(f.stderr.contains("--family"), "{}", f.stderr);
        let f = finish(&["--ssh=ssh 'x", "h"]);
        assert!(f.stderr.contains("--ssh"), "{}", f.stderr);
        let f = finish(&["--ssh=  ", "h"]);
        assert!(f.stderr.contains("--ssh"), "{}", f.stderr);
        assert_eq!(f.status, 255);
    }

    #[test]
    fn install_server_refuses_combinations_it_cannot_honour() {
        assert!(connect(&["--install-server", "h"]).install_server);
        assert!(finish(&["--install-server", "--local", "h"])
            .stderr
            .contains("--local"));
        assert!(connect(&["--install-server", "--force", "h"]).force_install);
        assert!(!connect(&["--install-server", "h"]).force_install);
        assert!(finish(&["--force", "h"])
            .stderr
            .contains("use it with --install-server"));
        assert!(finish(&["--install-server", "--server=x", "h"])
            .stderr
            .contains("--server"));
    }

    #[test]
    fn fake_proxy_takes_host_and_port() {
        match parse_with(&["--family=inet6", "--fake-proxy", "--", "h", "22"], &[]) {
            Request::FakeProxy(t) => assert_eq!(
                t,
                ProxyTarget {
                    host: "h".into(),
                    port: 22,
                    family: Family::Inet6
                }
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(finish(&["--fake-proxy"]).status, 255);
        assert_eq!(finish(&["--fake-proxy", "--", "h", "ssh"]).status, 255);
    }
}
