//! The `mosh` command line: every option of upstream's wrapper with the
//! same defaults, checks, messages and exit statuses, plus
//! `--install-server`. Parsing is pure: the caller prints what `Finish`
//! says and exits with its status.

use std::ffi::{OsStr, OsString};

use super::getopt::{self, Kind, Setting, Spec};
use super::resolve::Family;
use super::shell_words;
use crate::client::prediction::PredictionDisplay;

/// Exit status of every usage or configuration error (Perl's `die`).
pub const USAGE_STATUS: i32 = 255;

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
    fn error(stderr: String) -> Finish {
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
    /// Run the server here, without ssh.
    pub local: bool,
    /// How the server's address is found.
    pub remote_ip: RemoteIp,
    /// Copy this binary to the remote first.
    pub install_server: bool,
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
}

const CLIENT: usize = 0;
const SERVER: usize = 1;
const PREDICT: usize = 2;
const PREDICT_OVERWRITE: usize = 3;
const PORT: usize = 4;
const ALWAYS: usize = 5;
const NEVER: usize = 6;
const FAMILY: usize = 7;
const INET: usize = 8;
const INET6: usize = 9;
const PORT_SHORT: usize = 10;
const SSH: usize = 11;
const SSH_PTY: usize = 12;
const INIT: usize = 13;
const LOCAL: usize = 14;
const HELP: usize = 15;
const VERSION: usize = 16;
const FAKE_PROXY: usize = 17;
const BIND_SERVER: usize = 18;
const REMOTE_IP: usize = 19;
const INSTALL_SERVER: usize = 20;
const VERBOSE: usize = 21;
const ATTACH: usize = 22;

const fn spec(names: &'static [&'static str], kind: Kind) -> Spec {
    Spec { names, kind }
}

/// The option table, indexed by the constants above.
const SPECS: &[Spec] = &[
    spec(&["client"], Kind::Value),
    spec(&["server"], Kind::Value),
    spec(&["predict"], Kind::Value),
    spec(&["predict-overwrite", "o"], Kind::Negatable),
    spec(&["port"], Kind::Value),
    spec(&["a"], Kind::Flag),
    spec(&["n"], Kind::Flag),
    spec(&["family"], Kind::Value),
    spec(&["4"], Kind::Flag),
    spec(&["6"], Kind::Flag),
    spec(&["p"], Kind::Value),
    spec(&["ssh"], Kind::Value),
    spec(&["ssh-pty"], Kind::Negatable),
    spec(&["init"], Kind::Negatable),
    spec(&["local"], Kind::Flag),
    spec(&["help"], Kind::Flag),
    // Upstream accepts `--ver` for `--version`; `--verbose` must not make
    // those abbreviations ambiguous, so they are exact names here.
    spec(&["version", "ver", "vers", "versi", "versio"], Kind::Flag),
    spec(&["fake-proxy"], Kind::Negatable),
    spec(&["bind-server"], Kind::Value),
    spec(&["experimental-remote-ip"], Kind::Value),
    spec(&["install-server"], Kind::Flag),
    spec(&["verbose", "v"], Kind::Flag),
    spec(&["attach"], Kind::OptionalValue),
];

/// Option values as given, before they are checked.
#[derive(Debug, Default)]
struct Raw {
    client: Option<OsString>,
    server: Option<OsString>,
    predict: Option<OsString>,
    predict_overwrite: bool,
    port: Option<OsString>,
    family: Option<OsString>,
    ssh: Option<OsString>,
    ssh_pty: Option<bool>,
    init: Option<bool>,
    local: bool,
    help: bool,
    version: bool,
    fake_proxy: bool,
    bind_server: Option<OsString>,
    remote_ip: Option<OsString>,
    install_server: bool,
    verbose: u32,
    attach: Option<Option<OsString>>,
}

impl Raw {
    fn apply(&mut self, index: usize, setting: Setting) {
        let on = setting != Setting::Off;
        let value = match setting {
            Setting::Value(v) => Some(v),
            _ => None,
        };
        match index {
            CLIENT => self.client = value,
            SERVER => self.server = value,
            PREDICT => self.predict = value,
            PREDICT_OVERWRITE => self.predict_overwrite = on,
            PORT | PORT_SHORT => self.port = value,
            ALWAYS => self.predict = Some("always".into()),
            NEVER => self.predict = Some("never".into()),
            FAMILY => self.family = value,
            INET => self.family = Some("inet".into()),
            INET6 => self.family = Some("inet6".into()),
            SSH => self.ssh = value,
            SSH_PTY => self.ssh_pty = Some(on),
            INIT => self.init = Some(on),
            LOCAL => self.local = true,
            HELP => self.help = true,
            VERSION => self.version = true,
            FAKE_PROXY => self.fake_proxy = on,
            BIND_SERVER => self.bind_server = value,
            REMOTE_IP => self.remote_ip = value,
            INSTALL_SERVER => self.install_server = true,
            VERBOSE => self.verbose = self.verbose.saturating_add(1),
            ATTACH => self.attach = Some(value),
            _ => {}
        }
    }
}

/// Reads the command line. `program` is the name messages start with
/// (upstream prints its `$0`); `env` looks up environment variables.
pub fn parse(program: &str, args: &[OsString], env: &dyn Fn(&str) -> Option<OsString>) -> Request {
    let parsed = getopt::parse(SPECS, args);
    if !parsed.errors.is_empty() {
        let mut text = parsed.errors.join("\n");
        text.push('\n');
        text.push_str(&usage(program));
        return Request::Finish(Finish::error(text));
    }
    let mut raw = Raw::default();
    for (index, setting) in parsed.options {
        raw.apply(index, setting);
    }
    match check(program, raw, parsed.operands, args, env) {
        Ok(request) => request,
        Err(finish) => Request::Finish(finish),
    }
}

fn check(
    program: &str,
    raw: Raw,
    mut operands: Vec<OsString>,
    typed_args: &[OsString],
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Request, Finish> {
    if raw.help {
        return Ok(Request::Finish(Finish {
            status: 0,
            stdout: usage(program),
            stderr: String::new(),
        }));
    }
    if raw.version {
        return Ok(Request::Finish(Finish {
            status: 0,
            stdout: crate::version::version_text("mosh"),
            stderr: String::new(),
        }));
    }
    let predict = check_predict(program, raw.predict.as_deref(), env)?;
    let remote_ip = check_remote_ip(program, raw.remote_ip.as_deref())?;
    let family = check_family(program, raw.family.as_deref())?;
    let port = raw
        .port
        .as_deref()
        .map(|p| check_port(program, p))
        .transpose()?;
    if raw.fake_proxy {
        return proxy_target(program, &operands, family).map(Request::FakeProxy);
    }
    if operands.is_empty() {
        return Err(Finish::error(usage(program)));
    }
    if raw.install_server && raw.local {
        return Err(Finish::error(format!(
            "{program}: --install-server copies mosh-rs over ssh; it cannot be used with --local.\n"
        )));
    }
    if raw.install_server && raw.server.is_some() {
        return Err(Finish::error(format!(
            "{program}: --install-server starts the server it installs \
             (~/.local/bin/mosh-server); leave out --server.\n"
        )));
    }
    let ssh = check_ssh(program, raw.ssh.as_deref())?;
    let attach = check_attach(program, raw.attach, operands.len())?;
    let user_host = operands.remove(0);
    Ok(Request::Connect(Box::new(Options {
        client: raw.client,
        server: raw.server,
        predict,
        predict_overwrite: raw.predict_overwrite,
        family,
        port,
        bind_server: bind_server(raw.bind_server),
        ssh,
        ssh_pty: raw.ssh_pty.unwrap_or(true),
        term_init: raw.init.unwrap_or(true),
        local: raw.local,
        remote_ip,
        install_server: raw.install_server,
        user_host,
        command: operands,
        typed_args: typed_args.to_vec(),
        verbose: raw.verbose,
        attach,
    })))
}

/// `--attach[=ID]`: the id must be one the server could have made, and a
/// resumed session already runs its command.
fn check_attach(
    program: &str,
    given: Option<Option<OsString>>,
    operand_count: usize,
) -> Result<Option<Option<String>>, Finish> {
    let Some(id) = given else {
        return Ok(None);
    };
    if operand_count > 1 {
        return Err(Finish::error(format!(
            "{program}: --attach resumes a running session; it takes no command.\n"
        )));
    }
    let Some(id) = id else {
        return Ok(Some(None));
    };
    let text = id.to_string_lossy();
    let valid =
        !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(Finish::error(format!(
            "{program}: bad session id \"{text}\" for --attach (see `mosh-server list` on the host).\n"
        )));
    }
    Ok(Some(Some(text.into_owned())))
}

fn check_predict(
    program: &str,
    given: Option<&OsStr>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<PredictionDisplay, Finish> {
    let (text, from_env) = match (given, env("MOSH_PREDICTION_DISPLAY")) {
        (Some(text), _) => (text.to_owned(), false),
        (None, Some(text)) => (text, true),
        (None, None) => return Ok(PredictionDisplay::Adaptive),
    };
    let text = text.to_string_lossy();
    PredictionDisplay::parse(&text).map_err(|_| {
        let why = if from_env {
            " (MOSH_PREDICTION_DISPLAY in environment)"
        } else {
            ""
        };
        Finish::error(format!(
            "{program}: Unknown mode \"{text}\"{why}.\n\n{}",
            usage(program)
        ))
    })
}

fn check_remote_ip(program: &str, given: Option<&OsStr>) -> Result<RemoteIp, Finish> {
    let Some(text) = given else {
        return Ok(RemoteIp::Proxy);
    };
    match text.to_str() {
        Some("proxy") => Ok(RemoteIp::Proxy),
        Some("local") => Ok(RemoteIp::Local),
        Some("remote") => Ok(RemoteIp::Remote),
        _ => Err(Finish::error(format!(
            "{program}: Unknown parameter {} (--experimental-remote-ip takes \
             proxy, local or remote).\n",
            text.to_string_lossy()
        ))),
    }
}

fn check_family(program: &str, given: Option<&OsStr>) -> Result<Family, Finish> {
    let Some(text) = given else {
        return Ok(Family::PreferInet);
    };
    let text = text.to_string_lossy();
    Family::parse(&text).ok_or_else(|| {
        Finish::error(format!(
            "{program}: Unknown family \"{text}\" (--family takes inet, inet6, auto, \
             all, prefer-inet or prefer-inet6).\n"
        ))
    })
}

/// Checks `PORT` or `PORT:PORT2` with upstream's rules and messages.
fn check_port(program: &str, given: &OsStr) -> Result<PortRequest, Finish> {
    let text = given.to_string_lossy().into_owned();
    let fail = |why: String| Finish::error(format!("{program}: {why}\n"));
    let invalid = || fail(format!("Server-side port or range ({text}) is not valid."));
    let (low_text, high_text) = match text.split_once(':') {
        Some((low, high)) => (low, Some(high)),
        None => (text.as_str(), None),
    };
    if !is_digits(low_text) || high_text.is_some_and(|h| !is_digits(h)) {
        return Err(invalid());
    }
    let low = digits_value(low_text).ok_or_else(|| {
        fail(format!(
            "Server-side (low) port ({low_text}) must be within valid range [0..65535]."
        ))
    })?;
    let Some(high_text) = high_text else {
        return Ok(PortRequest {
            text,
            low,
            high: None,
        });
    };
    let high = digits_value(high_text).filter(|&h| h > 0).ok_or_else(|| {
        fail(format!(
            "Server-side high port ({high_text}) must be within valid range [1..65535]."
        ))
    })?;
    if low == 0 {
        return Err(fail(format!(
            "Server-side port ranges may not be used with starting port 0 ({text})."
        )));
    }
    if low > high {
        return Err(fail(format!(
            "Server-side port range ({text}): low port greater than high port."
        )));
    }
    Ok(PortRequest {
        text,
        low,
        high: Some(high),
    })
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The value of a string of ASCII digits, if it is a port number.
fn digits_value(digits: &str) -> Option<u16> {
    let significant = digits.trim_start_matches('0');
    if significant.len() > 5 {
        return None;
    }
    significant
        .parse::<u32>()
        .map_or(Some(0), |v| u16::try_from(v).ok())
}

fn proxy_target(
    program: &str,
    operands: &[OsString],
    family: Family,
) -> Result<ProxyTarget, Finish> {
    let (Some(host), Some(port)) = (operands.first(), operands.get(1)) else {
        return Err(Finish::error(format!(
            "{program}: --fake-proxy needs a host and a port: --fake-proxy -- HOST PORT\n"
        )));
    };
    let port_text = port.to_string_lossy();
    let port = port_text.parse::<u16>().map_err(|_| {
        Finish::error(format!(
            "{program}: --fake-proxy: port \"{port_text}\" is not a number in 0..65535\n"
        ))
    })?;
    Ok(ProxyTarget {
        host: host.to_string_lossy().into_owned(),
        port,
        family,
    })
}

fn check_ssh(program: &str, given: Option<&OsStr>) -> Result<Vec<OsString>, Finish> {
    let Some(text) = given else {
        return Ok(vec![OsString::from("ssh")]);
    };
    match shell_words::split(text) {
        Ok(words) if !words.is_empty() => Ok(words),
        Ok(_) => Err(Finish::error(format!(
            "{program}: --ssh names no command.\n"
        ))),
        Err(shell_words::Unbalanced) => Err(Finish::error(format!(
            "{program}: --ssh command has an unclosed quote or a trailing backslash: {}\n",
            text.to_string_lossy()
        ))),
    }
}

fn bind_server(given: Option<OsString>) -> BindServer {
    let Some(text) = given else {
        return BindServer::Ssh;
    };
    match text.to_str().map(str::to_ascii_lowercase).as_deref() {
        Some("ssh") => BindServer::Ssh,
        Some("any") => BindServer::Any,
        _ => BindServer::Ip(text),
    }
}

/// The `--help` text (also printed after usage errors).
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [options] [--] [user@]host [command...]
        --client=PATH        mosh client to run here
                                (default: this mosh-rs, else \"mosh-client\")
        --server=COMMAND     mosh server to run on the remote machine
                                (default: \"mosh-server\")
        --install-server     copy this mosh-rs to ~/.local/bin on the remote
                                machine (no root needed) and use it there

        --predict=adaptive      local echo on slow links [default]
-a      --predict=always        local echo even on fast links
-n      --predict=never         no local echo
        --predict=experimental  local echo even when it may be wrong

-o      --predict-overwrite     predictions overwrite instead of inserting

-4      --family=inet        IPv4 only
-6      --family=inet6       IPv6 only
        --family=auto        any family, for hosts that have only one
        --family=all         every address, in resolver order
        --family=prefer-inet every address, IPv4 first [default]
        --family=prefer-inet6 every address, IPv6 first
-p PORT[:PORT2]
        --port=PORT[:PORT2]  UDP port or range for the server
                                (the ssh port is set with --ssh)
        --bind-server={{ssh|any|IP}}  address the server replies from
                                       (default: \"ssh\")

        --ssh=COMMAND        ssh command that starts the server
                                (example: \"ssh -p 2222\")
                                (default: \"ssh\")

        --no-ssh-pty         no pseudo terminal on the ssh connection

        --no-init            no terminal initialisation string

        --local              start the server on this machine, without ssh

        --experimental-remote-ip=(local|remote|proxy)  how the server's
                             address is found (default: \"proxy\")

-v      --verbose            show each start-up step on stderr; pass -v to
                                the server (and the client, if MOSH_LOG
                                is set); repeatable

        --attach[=ID]        resume a running mosh-rs session (by default
                                the most recently used detached one)

        --help               this message
        --version            version and licence

mosh-rs: the mobile shell as one static binary.
"
    )
}

#[cfg(test)]
mod tests {
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
        assert_eq!(o.user_host, "host");
        assert!(o.command.is_empty());
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
