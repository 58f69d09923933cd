//! Our `mosh` against upstream's Perl `/usr/bin/mosh` on the same bad
//! command lines: the same messages (with each program's own name), the
//! usage after option mistakes, nothing on stdout, and the same exit
//! status. Also `--help` and `--version`.

use crate::support::paths::STOCK_MOSH;
use crate::support::{server, skip};

use std::path::Path;
use std::process::Command;
use std::time::Duration;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Runs a `mosh` program with `args`, its own path replaced by `PROG` in the output.
fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_remove("MOSH_PREDICTION_DISPLAY")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = server::run_with_deadline(cmd, Duration::from_secs(20)).expect("mosh runs");
    let name = program.display().to_string();
    let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&name, "PROG");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: clean(&out.stdout),
        stderr: clean(&out.stderr),
    }
}

/// The part of stderr before the usage text, and whether a usage followed.
fn message_and_usage(stderr: &str) -> (String, bool) {
    match stderr.find("Usage: PROG [options] [--] [user@]host [command...]\n") {
        Some(at) => (stderr[..at].to_string(), true),
        None => (stderr.to_string(), false),
    }
}

fn ours() -> std::path::PathBuf {
    server::our_links().join("mosh")
}

#[test]
fn bad_command_lines_fail_exactly_like_upstream() {
    if skip::missing(&[STOCK_MOSH]) {
        return;
    }
    let cases: &[&[&str]] = &[
        &[],
        &["--local"],
        &["--bogus", "h"],
        &["h", "--Bogus"],
        &["--bogus", "--bad", "--help", "h"],
        &["-x", "h"],
        &["-an", "h"],
        &["---local", "h"],
        &["-p60001", "h"],
        &["--pre=always", "h"],
        &["--no", "h"],
        &["--s", "h"],
        &["--f", "h"],
        &["--cl"],
        &["-p"],
        &["--predict=", "h"],
        &["--local=yes", "h"],
        &["--ssh-pty=1", "h"],
        &["--no-a", "h"],
        &["--predict=bad", "h"],
        &["--predict=ALWAYS", "h"],
        &["--predict", "-a", "h"],
        &["-p", "0:5", "h"],
        &["-p", "70000", "h"],
        &["--port=99999999999999999999", "h"],
        &["-p", "5:70000", "h"],
        &["-p", "5:0", "h"],
        &["-p", "9:5", "h"],
        &["-p", "abc", "h"],
        &["-p", "-1", "h"],
        &["-p", "1:", "h"],
        &["-P", ":5", "h"],
        &["-p", "5", "-p", "9:3", "h"],
    ];
    let ours = ours();
    for args in cases {
        let theirs = run(Path::new(STOCK_MOSH), args, &[]);
        let mine = run(&ours, args, &[]);
        let (their_message, their_usage) = message_and_usage(&theirs.stderr);
        let (my_message, my_usage) = message_and_usage(&mine.stderr);
        assert_eq!(my_message, their_message, "message for {args:?}");
        assert_eq!(my_usage, their_usage, "usage shown for {args:?}");
        assert_eq!(mine.status, theirs.status, "status for {args:?}");
        assert_eq!(mine.stdout, "", "stdout for {args:?}");
        assert_eq!(theirs.stdout, "", "upstream stdout for {args:?}");
    }
}

#[test]
fn a_bad_prediction_mode_in_the_environment_is_named_like_upstream() {
    if skip::missing(&[STOCK_MOSH]) {
        return;
    }
    for value in ["", "sometimes"] {
        let env = [("MOSH_PREDICTION_DISPLAY", value)];
        let theirs = run(Path::new(STOCK_MOSH), &["h"], &env);
        let mine = run(&ours(), &["h"], &env);
        assert_eq!(
            message_and_usage(&mine.stderr),
            message_and_usage(&theirs.stderr),
            "{value:?}"
        );
        assert_eq!(mine.status, theirs.status);
    }
}

#[test]
fn an_unknown_remote_ip_method_is_refused_with_the_same_status() {
    if skip::missing(&[STOCK_MOSH]) {
        return;
    }
    let args = ["--experimental-remote-ip=x", "h"];
    let theirs = run(Path::new(STOCK_MOSH), &args, &[]);
    let mine = run(&ours(), &args, &[]);
    assert!(theirs.stderr.starts_with("Unknown parameter x"));
    assert!(
        mine.stderr.starts_with("PROG: Unknown parameter x "),
        "{}",
        mine.stderr
    );
    assert_eq!(mine.status, theirs.status);
}

#[test]
fn help_and_version_succeed_on_stdout() {
    let mine = run(&ours(), &["--help"], &[]);
    assert_eq!(mine.status, 0);
    assert!(mine
        .stdout
        .starts_with("Usage: PROG [options] [--] [user@]host [command...]\n"));
    for option in [
        "--client=PATH",
        "--server=COMMAND",
        "--predict=adaptive",
        "--predict-overwrite",
        "--family=prefer-inet6",
        "--port=PORT[:PORT2]",
        "--bind-server=",
        "--ssh=COMMAND",
        "--no-ssh-pty",
        "--no-init",
        "--local",
        "--experimental-remote-ip=",
        "--install-server",
        "--version",
    ] {
        assert!(mine.stdout.contains(option), "help lacks {option}");
    }
    let mine = run(&ours(), &["--ver"], &[]);
    assert_eq!(mine.status, 0);
    assert!(mine.stdout.starts_with("mosh (mosh-rs "), "{}", mine.stdout);
}

#[test]
fn an_unbalanced_ssh_command_is_refused_before_anything_runs() {
    let mine = run(&ours(), &["--ssh=ssh -o 'User x", "h"], &[]);
    assert_eq!(mine.status, 255);
    assert!(mine.stderr.contains("--ssh"), "{}", mine.stderr);
}
