//! mosh-client's command line and environment, beside upstream's
//! `/usr/bin/mosh-client` where the two can be compared: the colour count
//! the Perl wrapper asks for, version and help, and the mistakes that
//! end the client before it touches the terminal (no key, a bad key, an
//! unknown prediction mode, a non-UTF-8 locale, bad arguments) with exit
//! status 1.

use crate::support::paths::STOCK_CLIENT;
use crate::support::{server, skip};

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs a client binary as `mosh-client ARGS` with a clean environment
/// plus `env`; returns (status, stdout, stderr).
fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(program);
    cmd.arg0("mosh-client")
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = server::run_with_deadline(cmd, Duration::from_secs(20)).expect("client runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ours() -> std::path::PathBuf {
    server::our_links().join("mosh-client")
}

const UTF8: (&str, &str) = ("LANG", "C.UTF-8");
const KEY: (&str, &str) = ("MOSH_KEY", "AAAAAAAAAAAAAAAAAAAAAA");

#[test]
fn colour_count_matches_upstream_for_common_terminals() {
    if skip::missing(&[STOCK_CLIENT]) {
        return;
    }
    for term in [
        "xterm",
        "xterm-256color",
        "screen",
        "vt100",
        "linux",
        "dumb",
    ] {
        let env = [UTF8, ("TERM", term)];
        let (status, theirs, _) = run(Path::new(STOCK_CLIENT), &["-c"], &env);
        let (our_status, mine, _) = run(&ours(), &["-c"], &env);
        assert_eq!((our_status, status), (0, 0), "TERM={term}");
        assert_eq!(mine, theirs, "TERM={term}");
    }
}

#[test]
fn colour_count_without_a_terminfo_entry_is_a_number() {
    let env = [UTF8, ("TERM", "no-such-terminal-256color")];
    let (status, out, _) = run(&ours(), &["-c"], &env);
    assert_eq!(status, 0);
    assert_eq!(out.trim(), "256");
}

#[test]
fn version_and_help_exit_zero_on_stdout() {
    let (status, out, _) = run(&ours(), &["--version"], &[UTF8]);
    assert_eq!(status, 0);
    assert!(out.starts_with("mosh-client (mosh-rs "), "{out}");
    let (status, out, _) = run(&ours(), &["127.0.0.1", "--help"], &[UTF8]);
    assert_eq!(status, 0);
    assert!(out.contains("Usage: mosh-client [-# 'ARGS']"), "{out}");
}

#[test]
fn missing_key_is_an_error_like_upstreams() {
    if skip::missing(&[STOCK_CLIENT]) {
        return;
    }
    let args = ["127.0.0.1", "60001"];
    let (status, _, theirs) = run(Path::new(STOCK_CLIENT), &args, &[UTF8]);
    let (our_status, _, mine) = run(&ours(), &args, &[UTF8]);
    assert_eq!((our_status, status), (1, 1));
    assert_eq!(mine, theirs);
}

#[test]
fn a_malformed_key_is_refused_before_the_terminal_is_touched() {
    for bad in [
        "",
        "short",
        "AAAAAAAAAAAAAAAAAAAAA!",
        "AAAAAAAAAAAAAAAAAAAAAB",
    ] {
        let (status, out, err) = run(&ours(), &["127.0.0.1", "60001"], &[UTF8, ("MOSH_KEY", bad)]);
        assert_eq!(status, 1, "key {bad:?}");
        assert!(err.contains("MOSH_KEY"), "key {bad:?}: {err}");
        assert!(out.is_empty(), "nothing drawn for key {bad:?}: {out:?}");
    }
}

#[test]
fn an_unknown_prediction_mode_is_an_error() {
    let (status, _, err) = run(
        &ours(),
        &["127.0.0.1", "60001"],
        &[UTF8, KEY, ("MOSH_PREDICTION_DISPLAY", "sometimes")],
    );
    assert_eq!(status, 1);
    assert!(err.contains("Unknown prediction mode sometimes"), "{err}");
}

#[test]
fn a_non_utf8_locale_gets_advice_and_status_1() {
    for env in [vec![KEY, ("LANG", "C")], vec![KEY]] {
        let (status, _, err) = run(&ours(), &["127.0.0.1", "60001"], &env);
        assert_eq!(status, 1);
        assert!(
            err.contains("mosh-client needs a UTF-8 native locale to run."),
            "{err}"
        );
        assert!(err.contains("US-ASCII"), "{err}");
        assert!(err.contains("C.UTF-8"), "{err}");
    }
}

#[test]
fn bad_arguments_print_the_usage_and_exit_1() {
    for args in [
        &[][..],
        &["127.0.0.1"][..],
        &["127.0.0.1", "60x"][..],
        &["-z", "127.0.0.1", "1"][..],
        &["a", "b", "c"][..],
    ] {
        let (status, _, err) = run(&ours(), args, &[UTF8, KEY]);
        assert_eq!(status, 1, "{args:?}");
        assert!(err.contains("Usage: mosh-client"), "{args:?}: {err}");
    }
    let (_, _, err) = run(&ours(), &["127.0.0.1", "60x"], &[UTF8, KEY]);
    assert!(err.contains("Bad UDP port (60x)"), "{err}");
}

#[test]
fn a_name_that_is_not_an_address_is_refused() {
    let (status, out, err) = run(&ours(), &["not-an-ip", "60001"], &[UTF8, KEY]);
    assert_eq!(status, 1);
    assert!(err.contains("Bad IP address (not-an-ip)"), "{err}");
    assert!(out.contains("[mosh is exiting.]"), "{out}");
}

#[test]
fn without_a_terminal_the_client_fails_cleanly() {
    let (status, _, err) = run(&ours(), &["127.0.0.1", "60001"], &[UTF8, KEY]);
    assert_eq!(status, 1);
    assert!(!err.is_empty());
}
