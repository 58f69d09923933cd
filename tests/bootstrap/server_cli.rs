//! mosh-server's command line against upstream's `/usr/bin/mosh-server`:
//! the same bad inputs give the same messages and exit statuses, and a
//! good command line prints `MOSH CONNECT` and the detached line.

use crate::support::paths::STOCK_SERVER;
use crate::support::{server, skip};

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs a server binary as `mosh-server ARGS` and returns (status, stdout, stderr).
fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(program);
    cmd.arg0("mosh-server")
        .args(args)
        .stdin(std::process::Stdio::null());
    cmd.env("MOSH_SERVER_NETWORK_TMOUT", "2")
        .env("LANG", "C.UTF-8");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = server::run_with_deadline(cmd, Duration::from_secs(20)).expect("server runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(pid) = server::parse_detached_pid(&stderr) {
        let _ = mosh_rs::sys::process::kill(pid, libc::SIGKILL);
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn bad_command_lines_fail_exactly_like_upstream() {
    if skip::missing(&[STOCK_SERVER]) {
        return;
    }
    let ours = server::our_server();
    let cases: &[&[&str]] = &[
        &["new", "-p", "abc"],
        &["new", "-p", "70000"],
        &["new", "-p", "-1"],
        &["new", "-p", "5:3"],
        &["new", "-p", "0:5"],
        &["new", "-p", "1:abc"],
        &["new", "-p", "1:65536"],
        &["new", "-p60001:x"],
        &["new", "-c", "x"],
        &["new", "-c", "256x"],
        &["new", "-v", "-c"],
        &["a", "b", "c"],
        &["127.0.0.1", "notaport"],
    ];
    for args in cases {
        let theirs = run(Path::new(STOCK_SERVER), args, &[]);
        let mine = run(&ours, args, &[]);
        assert_eq!(
            mine.0, theirs.0,
            "exit status for {args:?}: ours {mine:?} upstream {theirs:?}"
        );
        if theirs.0 != 0 {
            assert_eq!(mine.2, theirs.2, "stderr for {args:?}");
            assert_eq!(mine.1, theirs.1, "stdout for {args:?}");
        }
    }
}

#[test]
fn help_matches_upstream_and_version_keeps_its_shape() {
    if skip::missing(&[STOCK_SERVER]) {
        return;
    }
    let ours = server::our_server();
    for args in [&["--help"][..], &["-h"], &["new", "-v", "--help"]] {
        let theirs = run(Path::new(STOCK_SERVER), args, &[]);
        let mine = run(&ours, args, &[]);
        assert_eq!((mine.0, &mine.1), (theirs.0, &theirs.1), "{args:?}");
    }
    let (status, out, _) = run(&ours, &["--version"], &[]);
    assert_eq!(status, 0);
    assert!(out.starts_with("mosh-server (mosh-rs "), "{out}");
}

#[test]
fn unknown_options_warn_like_upstream_and_the_server_still_starts() {
    if skip::missing(&[STOCK_SERVER]) {
        return;
    }
    let ours = server::our_server();
    let args = ["new", "-z", "-i", "127.0.0.1", "-p", "0", "--", "/bin/true"];
    let theirs = run(Path::new(STOCK_SERVER), &args, &[]);
    let mine = run(&ours, &args, &[]);
    assert_eq!(mine.0, 0, "{mine:?}");
    assert_eq!(theirs.0, 0, "{theirs:?}");
    let first_two = |s: &str| s.lines().take(2).collect::<Vec<_>>().join("\n");
    assert_eq!(first_two(&mine.2), first_two(&theirs.2));
    assert!(server::parse_connect(&mine.1).is_some(), "{mine:?}");
    assert!(server::parse_detached_pid(&mine.2).is_some(), "{mine:?}");
}

#[test]
fn a_non_utf8_locale_without_client_settings_is_refused_like_upstream() {
    if skip::missing(&[STOCK_SERVER]) {
        return;
    }
    let ours = server::our_server();
    let env = [("LANG", "C"), ("LC_ALL", "C")];
    let args = ["new", "-i", "127.0.0.1", "--", "/bin/true"];
    let theirs = run(Path::new(STOCK_SERVER), &args, &env);
    let mine = run(&ours, &args, &env);
    assert_eq!(theirs.0, 1, "{theirs:?}");
    assert_eq!(mine.0, 1, "{mine:?}");
    assert!(
        mine.2.contains("UTF-8") && mine.2.contains("LC_ALL=C"),
        "{}",
        mine.2
    );
    assert!(!mine.1.contains("MOSH CONNECT"));
    // The client's -l settings rescue it, as upstream.
    let args = [
        "new",
        "-i",
        "127.0.0.1",
        "-l",
        "LANG=C.UTF-8",
        "--",
        "/bin/true",
    ];
    let env = [("LANG", "C"), ("LC_ALL", "")];
    let mine = run(&ours, &args, &env);
    assert_eq!(mine.0, 0, "{mine:?}");
    assert!(server::parse_connect(&mine.1).is_some(), "{mine:?}");
}

#[test]
fn connect_line_and_detach_line_have_the_exact_format() {
    let ours = server::our_server();
    let started = server::start_detached(
        &ours,
        &["new", "-i", "127.0.0.1", "-p", "0", "--", "/bin/true"],
        &[],
    )
    .expect("server starts");
    let stdout = String::from_utf8_lossy(&started.output.stdout).into_owned();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("MOSH CONNECT"))
        .unwrap();
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words.len(), 4, "{line}");
    assert_eq!(words[3].len(), 22, "{line}");
    assert!(words[3]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
    assert_ne!(started.port, 0);
    assert!(started.output.status.success());
    let stderr = String::from_utf8_lossy(&started.output.stderr).into_owned();
    assert!(stderr
        .lines()
        .any(|l| l == format!("[mosh-server detached, pid = {}]", started.pid)));
}
