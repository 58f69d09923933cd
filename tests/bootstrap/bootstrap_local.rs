//! `mosh --local`: our bootstrap starts the server on this machine
//! without ssh and hands over to the client, giving a real session in a
//! real terminal (tmux) — with upstream's server, with our own server
//! (the default), and with our client once it can run a session. Also
//! `mosh --local localhost`, which upstream's wrapper cannot do (it
//! passes the name to a server that wants an address).

use crate::support::paths::{STOCK_CLIENT, STOCK_SERVER};
use crate::support::scratch::Scratch;
use crate::support::{bootstrap_session, peers, server, skip, tmux};

use std::path::Path;
use std::time::Duration;

use crate::support::shell::sh_quote;
use bootstrap_session::{check_session, remote_command};
use peers::LoggedServer;

/// Our wrapper with `args`, then the remote command.
fn our_mosh(args: &[String]) -> Vec<String> {
    let mut words = vec![server::our_links().join("mosh").display().to_string()];
    words.extend_from_slice(args);
    words.extend(remote_command());
    words
}

/// Servers started here inherit this, so a forgotten one ends by itself.
const SHORT_TIMEOUT: [(&str, &str); 1] = [("MOSH_SERVER_NETWORK_TMOUT", "20")];

#[test]
fn local_session_with_upstream_peers() {
    if skip::missing(&[STOCK_SERVER, STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let server = LoggedServer::new(Path::new(STOCK_SERVER));
    let args = [
        format!("--client={STOCK_CLIENT}"),
        format!("--server={}", server.command()),
        "--local".to_string(),
        "--bind-server=127.0.0.1".to_string(),
        "127.0.0.1".to_string(),
    ];
    check_session(&our_mosh(&args), &SHORT_TIMEOUT);
    assert!(server.wait_for_pid(Duration::from_secs(5)).is_some());
}

#[test]
fn local_session_by_host_name() {
    if skip::missing(&[STOCK_SERVER, STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let server = LoggedServer::new(Path::new(STOCK_SERVER));
    let args = [
        format!("--client={STOCK_CLIENT}"),
        format!("--server={}", server.command()),
        "--local".to_string(),
        "-4".to_string(),
        "localhost".to_string(),
    ];
    check_session(&our_mosh(&args), &SHORT_TIMEOUT);
}

/// Without `--server`, `--local` runs this binary's own server mode.
#[test]
fn local_session_runs_our_own_server_by_default() {
    if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let args = [
        format!("--client={STOCK_CLIENT}"),
        "--local".to_string(),
        "localhost".to_string(),
    ];
    check_session(&our_mosh(&args), &SHORT_TIMEOUT);
}

/// `make run`'s session: our bootstrap, client and server, all by default.
#[test]
fn local_session_ours_to_ours() {
    if skip::missing_tmux() {
        return;
    }
    let args = ["--local".to_string(), "localhost".to_string()];
    check_session(&our_mosh(&args), &SHORT_TIMEOUT);
}

/// A server that announces a UDP port where nothing answers: the
/// bootstrap still hands over, and the client shows its "Nothing
/// received" bar instead of hanging; the escape key quits.
#[test]
fn an_unreachable_udp_port_shows_the_client_bar_not_a_hang() {
    if skip::missing(&[STOCK_CLIENT]) || skip::missing_tmux() {
        return;
    }
    let silent_port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scratch = Scratch::new("silent");
    let dir = scratch.path();
    let fake_server = dir.join("server");
    std::fs::write(
        &fake_server,
        format!("#!/bin/sh\nprintf '\\nMOSH CONNECT {silent_port} AAAAAAAAAAAAAAAAAAAAAA\\n'\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake_server, std::fs::Permissions::from_mode(0o755)).unwrap();
    let words = vec![
        server::our_links().join("mosh").display().to_string(),
        format!("--client={STOCK_CLIENT}"),
        format!("--server={}", fake_server.display()),
        "--local".to_string(),
        "127.0.0.1".to_string(),
    ];
    let command = format!("{}; echo MOSH-EXIT=$?; sleep 60", sh_quote(&words));
    let term = tmux::Tmux::start(80, 24, &command, &[]).expect("tmux");
    let bar = format!("Nothing received from server on UDP port {silent_port}");
    let screen = term.wait_for_text(&bar, Duration::from_secs(30));
    term.send_keys(&["C-^"]);
    term.type_text(".");
    let ended = term.wait_for_text("MOSH-EXIT=", Duration::from_secs(20));
    assert!(screen.is_ok(), "no bar:\n{}", screen.unwrap_err());
    assert!(
        ended.is_ok(),
        "the client did not quit:\n{}",
        ended.unwrap_err()
    );
}
