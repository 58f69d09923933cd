//! The checks made on the options as given: each value is parsed with
//! upstream's rules, and a mistake becomes the message and exit status
//! upstream's wrapper gives.

use std::ffi::{OsStr, OsString};

use super::table::Raw;
use super::usage::usage;
use super::{BindServer, Finish, Options, PortRequest, ProxyTarget, RemoteIp, Request, Transport};
use crate::bootstrap::resolve::Family;
use crate::bootstrap::shell_words;
use crate::client::prediction::PredictionDisplay;

/// Turns the options as given into a request, or the message to print.
pub(super) fn check(
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

    let transport = check_transport(program, raw.transport.as_deref(), env)?;
    let remote_ip = check_remote_ip(program, raw.remote_ip.as_deref(), transport)?;
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
    if raw.force && !raw.install_server {
        return Err(Finish::error(format!(
            "{program}: --force only lets --install-server replace a mosh-server \
             that is not mosh-rs; use it with --install-server.\n"
        )));
    }
    if raw.install_server && raw.server.is_some() {
        return Err(Finish::error(format!(
            "{program}: --install-server starts the server it installs \
             (~/.local/bin/mosh-server); leave out --server.\n"
        )));
    }
    if transport == Transport::Ssh && raw.local {
        return Err(Finish::error(format!(
            "{program}: --transport=ssh carries the session over ssh; it cannot be used with --local.\n"
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
        scrollback: raw.scrollback.unwrap_or(true),
        local: raw.local,
        remote_ip,
        remote_ip_is_default: raw.remote_ip.is_none(),
        install_server: raw.install_server,
        force_install: raw.force,
        user_host,
        command: operands,
        typed_args: typed_args.to_vec(),
        verbose: raw.verbose,
        attach,
        transport,
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

/// `--transport`, else `MOSH_TRANSPORT`, else `auto`: UDP as stock mosh,
/// and the ssh carrier when UDP gets no answer.
fn check_transport(
    program: &str,
    given: Option<&OsStr>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Transport, Finish> {
    let from_env = env("MOSH_TRANSPORT").filter(|v| !v.is_empty());
    let Some(text) = given.map(OsStr::to_owned).or(from_env) else {
        return Ok(Transport::Auto);
    };
    match text.to_str() {
        Some("udp") => Ok(Transport::Udp),
        Some("auto") => Ok(Transport::Auto),
        Some("ssh") => Ok(Transport::Ssh),
        _ => Err(Finish::error(format!(
            "{program}: Unknown transport {} (--transport takes auto, udp or ssh).\n",
            text.to_string_lossy()
        ))),
    }
}

/// `--experimental-remote-ip`, else `proxy`; with `--transport=ssh`
/// the UDP address is never used, so the remote says it (`remote`) and
/// ssh keeps its own ProxyJump or ProxyCommand (the fake proxy would
/// replace it, and a host behind a jump host could not be reached).
fn check_remote_ip(
    program: &str,
    given: Option<&OsStr>,
    transport: Transport,
) -> Result<RemoteIp, Finish> {
    let Some(text) = given else {
        return Ok(if transport == Transport::Ssh {
            RemoteIp::Remote
        } else {
            RemoteIp::Proxy
        });
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
