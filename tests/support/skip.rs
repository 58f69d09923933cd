//! Loud skips for tests that need optional system pieces (tmux, upstream
//! mosh, sshd): without them a test prints `SKIPPED: <why>` and returns,
//! but under `CI=true` a skip fails the test.

#![allow(dead_code)]

use std::path::Path;

/// Reports a skip; panics instead when `CI=true`. Returns `true` so a
/// test can write `if missing(..) { return; }`.
pub fn skip(why: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("SKIPPED under CI=true is a failure: {why}");
    }
    eprintln!("SKIPPED: {why}");
    true
}

/// Skips (see `skip`) unless every path exists; `true` when something is missing.
pub fn missing(paths: &[&str]) -> bool {
    match paths.iter().find(|p| !Path::new(p).exists()) {
        Some(absent) => skip(&format!(
            "{absent} is not installed (run scripts/test-deps.sh)"
        )),
        None => false,
    }
}

/// Skips unless `tmux` is on PATH; `true` when it is missing.
pub fn missing_tmux() -> bool {
    let found = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        false
    } else {
        skip("tmux is not installed (run scripts/test-deps.sh)")
    }
}
