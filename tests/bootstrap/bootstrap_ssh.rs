//! Our `mosh` through a real OpenSSH server on loopback: working sessions
//! in tmux (through our fake ProxyCommand) with upstream's server and
//! client, with our server, and upstream's Perl wrapper with our server;
//! exactly what the client is handed (address, port range, environment,
//! the key only in the environment); `--ssh` with quoted options; every
//! `--experimental-remote-ip` method; a missing server; ssh's own failures.

use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH, STOCK_SERVER};
use crate::support::{bootstrap_session, peers, server, skip, sshd};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bootstrap_session::{check_session, remote_command};
use peers::{LoggedServer, RecordingClient};
use sshd::Sshd;

const NO_SERVER: &str =
    "Did not find mosh server startup message. (Have you installed mosh on your server?)";

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs our `mosh` with `args` to completion (bounded).
fn run_mosh(args: &[String]) -> Run {
    let mut cmd = Command::new(server::our_links().join("mosh"));
    cmd.args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("MOSH_PREDICTION_DISPLAY")
        .stdin(std::process::Stdio::null());
    let started = Instant::now();
    let out = server::run_with_deadline(cmd, Duration::from_secs(60)).expect("mosh finishes");
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn needs_upstream() -> bool {
    skip::missing(&[STOCK_SERVER, STOCK_CLIENT])
}

/// `WRAPPER --client=C --server=S --ssh=… root@127.0.0.1 -- COMMAND`.
fn session_words(sshd: &Sshd, wrapper: &str, client: Option<&str>, server: &str) -> Vec<String> {
    let mut words = vec![wrapper.to_string()];
    if let Some(client) = client {
        words.push(format!("--client={client}"));
    }
    words.push(format!("--server={server}"));
    words.push(format!("--ssh={}", sshd.ssh_command()));
    words.push("root@127.0.0.1".into());
    words.extend(remote_command());
    words
}

fn our_wrapper() -> String {
    server::our_links().join("mosh").display().to_string()
}

#[test]
fn a_session_with_upstream_peers_through_sshd_works_in_a_terminal() {
    if needs_upstream() || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let server = LoggedServer::new(Path::new(STOCK_SERVER));
    let words = session_words(&sshd, &our_wrapper(), Some(STOCK_CLIENT), &server.command());
    check_session(&words, &[]);
    assert!(server.wait_for_pid(Duration::from_secs(5)).is_some());
}

#[test]
fn our_wrapper_runs_our_server_through_sshd() {
    if needs_upstream() || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let server = LoggedServer::new(&server::our_server());
    let words = session_words(&sshd, &our_wrapper(), Some(STOCK_CLIENT), &server.command());
    check_session(&words, &[]);
}

/// Upstream's Perl wrapper starting our server.
#[test]
fn upstream_wrapper_runs_our_server() {
    if needs_upstream() || skip::missing(&[STOCK_MOSH]) || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let server = LoggedServer::new(&server::our_server());
    let words = session_words(&sshd, STOCK_MOSH, None, &server.command());
    check_session(&words, &[]);
}

/// Runs our `mosh` through `sshd` with a recording client and upstream's
/// server; returns the run and what the client got.
fn record(sshd: &Sshd, extra: &[&str]) -> (Run, Option<peers::Recorded>) {
    let server = LoggedServer::new(Path::new(STOCK_SERVER));
    let client = RecordingClient::new(256);
    let mut args = vec![
        format!("--client={}", client.path().display()),
        format!("--server={}", server.command()),
        format!("--ssh={}", sshd.ssh_command()),
    ];
    args.extend(strings(extra));
    if !extra.iter().any(|a| a.contains('@')) {
        args.push("root@127.0.0.1".into());
    }
    let run = run_mosh(&args);
    (run, client.recorded())
}

#[test]
fn the_client_gets_address_port_and_settings_with_the_key_only_in_its_environment() {
    if needs_upstream() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let (run, got) = record(&sshd, &["-n", "--no-init", "-p", "60100:60110"]);
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    let got = got.expect("the client ran");
    assert_eq!(got.args.len(), 3, "{:?}", got.args);
    assert!(got.args[0].starts_with("-# "), "{:?}", got.args);
    assert!(got.args[0].ends_with("root@127.0.0.1 |"), "{:?}", got.args);
    assert_eq!(got.args[1], "127.0.0.1");
    let port: u16 = got.args[2].parse().expect("a port");
    assert!((60100..=60110).contains(&port), "port {port}");
    let key = got.env.get("MOSH_KEY").expect("MOSH_KEY set");
    assert_eq!(key.len(), 22);
    assert_eq!(
        got.env.get("MOSH_PREDICTION_DISPLAY").map(String::as_str),
        Some("never")
    );
    assert_eq!(
        got.env.get("MOSH_NO_TERM_INIT").map(String::as_str),
        Some("1")
    );
    assert!(got.env.contains_key("MOSH_CLIENT_PID"));
    assert!(
        !got.cmdline.contains(key.as_str()),
        "key in argv: {}",
        got.cmdline
    );
    assert!(!run.stdout.contains(key.as_str()) && !run.stderr.contains(key.as_str()));
}

#[test]
fn defaults_give_adaptive_prediction_and_terminal_init() {
    if needs_upstream() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let (run, got) = record(&sshd, &["--no-ssh-pty"]);
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    let got = got.expect("the client ran");
    assert_eq!(
        got.env.get("MOSH_PREDICTION_DISPLAY").map(String::as_str),
        Some("adaptive")
    );
    assert!(!got.env.contains_key("MOSH_NO_TERM_INIT"));
    let port: u16 = got.args[2].parse().expect("a port");
    assert!((60001..=60999).contains(&port), "port {port}");
}

#[test]
fn ssh_options_with_quoted_spaces_reach_ssh_intact() {
    if needs_upstream() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let spaced = sshd.dir().join("key dir");
    std::fs::create_dir_all(&spaced).unwrap();
    let key = spaced.join("my key");
    std::fs::copy(sshd.client_key(), &key).unwrap();
    let ssh = format!(
        "ssh -p {} -i \"{}\" -o 'StrictHostKeyChecking no' -o UserKnownHostsFile=/dev/null \
         -o BatchMode=yes -o LogLevel=ERROR -F /dev/null",
        sshd.port(),
        key.display()
    );
    let server = LoggedServer::new(Path::new(STOCK_SERVER));
    let client = RecordingClient::new(8);
    let run = run_mosh(&[
        format!("--client={}", client.path().display()),
        format!("--server={}", server.command()),
        format!("--ssh={ssh}"),
        "root@127.0.0.1".into(),
    ]);
    assert_eq!(run.status, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(client.recorded().is_some());
}

#[test]
fn every_remote_ip_method_finds_the_server() {
    if needs_upstream() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    for method in ["proxy", "local", "remote"] {
        let (run, got) = record(
            &sshd,
            &[&format!("--experimental-remote-ip={method}"), "-4"],
        );
        assert_eq!(
            run.status,
            Some(0),
            "{method}: {}\n{}",
            run.stdout,
            run.stderr
        );
        let got = got.expect("the client ran");
        assert_eq!(got.args[1], "127.0.0.1", "{method}");
        if method == "remote" {
            assert!(
                run.stderr
                    .contains("Using remote IP address 127.0.0.1 from $SSH_CONNECTION"),
                "{}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_missing_server_says_so_with_a_hint_and_exits_1_promptly() {
    let Some(sshd) = Sshd::start() else { return };
    let client = RecordingClient::new(8);
    let run = run_mosh(&[
        format!("--client={}", client.path().display()),
        "--server=/nonexistent/mosh-server".into(),
        format!("--ssh={}", sshd.ssh_command()),
        "root@127.0.0.1".into(),
    ]);
    assert_eq!(run.status, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(NO_SERVER), "{}", run.stderr);
    assert!(run.stderr.contains("--server=") && run.stderr.contains("--install-server"));
    assert!(
        run.stdout.contains("/nonexistent/mosh-server"),
        "the remote shell's complaint is shown: {}",
        run.stdout
    );
    assert!(client.recorded().is_none(), "no client without a server");
    // A hang would have hit the 60 s deadline; "in seconds" means well under it.
    assert!(run.took < Duration::from_secs(30), "took {:?}", run.took);
}

#[test]
fn ssh_failures_keep_ssh_status_and_words() {
    let Some(sshd) = Sshd::start() else { return };
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ssh = sshd
        .ssh_command()
        .replace(&format!("'{}'", sshd.port()), &format!("'{closed_port}'"));
    for method in ["proxy", "local"] {
        let run = run_mosh(&[
            format!("--ssh={ssh}"),
            format!("--experimental-remote-ip={method}"),
            "--client=/bin/true".into(),
            "root@127.0.0.1".into(),
        ]);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert_eq!(run.status, Some(255), "{method}: {all}");
        assert!(!all.contains(NO_SERVER), "{method}: {all}");
        let expected = if method == "proxy" {
            "Could not connect to 127.0.0.1"
        } else {
            "Connection refused"
        };
        assert!(all.contains(expected), "{method}: {all}");
    }
}

/// Our `mosh` with our own client and server over ssh.
#[test]
fn ours_to_ours_through_sshd() {
    if skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let server = LoggedServer::new(&server::our_server());
    let client = server::our_links()
        .join("mosh-client")
        .display()
        .to_string();
    let words = session_words(&sshd, &our_wrapper(), Some(&client), &server.command());
    check_session(&words, &[]);
}
