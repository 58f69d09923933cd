//! The aarch64 release binary behaves like the x86_64 one: run under
//! `qemu-aarch64-static`, every mode answers `--version`, `--help` and bad
//! command lines with the same text and status, and `emulate` draws the
//! same screens from the terminal test corpus. `make test` builds the
//! aarch64 binary and passes it as `$MOSH_RS_AARCH64_BIN`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::release::{run, Ran};
use crate::support::scratch::Scratch;

const QEMU: &str = "qemu-aarch64-static";

/// The aarch64 binary and a way to run it, or `None` after a loud skip.
fn aarch64() -> Option<PathBuf> {
    if !crate::support::release::on_path(QEMU) {
        crate::support::skip::skip(
            "qemu-aarch64-static is not installed (run scripts/test-deps.sh)",
        );
        return None;
    }
    match crate::support::release::aarch64_binary() {
        Some(path) => Some(path),
        None => {
            crate::support::skip::skip(
                "no aarch64 build: run `make build-aarch64` or set MOSH_RS_AARCH64_BIN",
            );
            None
        }
    }
}

/// Runs `program` (a path to either build or a link to it), under qemu
/// when `emulated`.
fn run_as(program: &Path, emulated: bool, args: &[&str], stdin: &[u8]) -> Ran {
    let mut command = if emulated {
        let mut c = Command::new(QEMU);
        c.arg(program);
        c
    } else {
        Command::new(program)
    };
    command.args(args).env("LC_ALL", "C.UTF-8");
    run(&mut command, stdin)
}

/// Links named like each mode to `binary`, in `dir`.
fn mode_links(binary: &Path, dir: &Path) -> Vec<PathBuf> {
    ["mosh", "mosh-client", "mosh-server", "mosh-rs"]
        .iter()
        .map(|name| {
            let link = dir.join(name);
            std::os::unix::fs::symlink(binary, &link).expect("symlink");
            link
        })
        .collect()
}

/// The x86_64 output with its target line swapped for aarch64's, which is
/// the only line the two builds may differ in.
fn as_if_aarch64(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("target: ") {
            Some(_) => "target: aarch64-unknown-linux-musl\n".to_string(),
            None => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn the_aarch64_binary_is_a_static_aarch64_executable() {
    let Some(binary) = aarch64() else { return };
    let facts = crate::support::release::elf_facts(&binary);
    assert_eq!(
        facts.machine,
        crate::support::release::EM_AARCH64,
        "{}",
        binary.display()
    );
    assert!(
        !facts.dynamic,
        "{} needs a dynamic loader",
        binary.display()
    );
}

#[test]
fn every_mode_answers_version_and_help_like_the_x86_64_build() {
    let Some(arm) = aarch64() else { return };
    let native = crate::support::release::native_binary();
    let arm_dir = Scratch::new("arm-links");
    let native_dir = Scratch::new("x86-links");
    let arm_links = mode_links(&arm, arm_dir.path());
    let native_links = mode_links(&native, native_dir.path());
    let mut compared = 0;
    for (arm_link, native_link) in arm_links.iter().zip(&native_links) {
        let name = arm_link.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for args in [
            &["--version"][..],
            &["--help"],
            &["server", "--version"],
            &["client", "--version"],
            &["mosh", "--version"],
        ] {
            if name != "mosh-rs" && args.len() > 1 {
                continue; // subcommands belong to the mosh-rs name only
            }
            let arm_out = run_as(arm_link, true, args, b"");
            let native_out = run_as(native_link, false, args, b"");
            assert_eq!(arm_out.status, Some(0), "{name} {args:?}: {arm_out:?}");
            // Usage texts name the program as invoked: the link's path.
            let arm_text = arm_out
                .stdout
                .replace(&*arm_dir.path().to_string_lossy(), "DIR");
            let native_text = native_out
                .stdout
                .replace(&*native_dir.path().to_string_lossy(), "DIR");
            assert_eq!(arm_text, as_if_aarch64(&native_text), "{name} {args:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 11);
}

#[test]
fn version_first_line_keeps_upstreams_shape_on_aarch64() {
    let Some(arm) = aarch64() else { return };
    let dir = Scratch::new("arm-version");
    for link in mode_links(&arm, dir.path()) {
        let name = link.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let out = run_as(&link, true, &["--version"], b"").expect_success(name);
        let mut lines = out.stdout.lines();
        let first = lines.next().unwrap_or_default();
        let prefix = format!("{name} (mosh-rs {}) [build ", env!("CARGO_PKG_VERSION"));
        assert!(
            first.starts_with(&prefix) && first.ends_with(']'),
            "{first:?}"
        );
        assert_eq!(lines.next(), Some("target: aarch64-unknown-linux-musl"));
    }
}

#[test]
fn command_line_mistakes_get_the_same_message_and_status() {
    let Some(arm) = aarch64() else { return };
    let native = crate::support::release::native_binary();
    let cases: &[&[&str]] = &[
        &["server", "new", "-p", "70000"],
        &["server", "new", "-c", "lots"],
        &["mosh", "--predict=sometimes", "host"],
        &["mosh", "--port=2:1", "host"],
        &["mosh"],
        &["client", "127.0.0.1", "not-a-port"],
        &["emulate", "--cols", "0"],
        &["no-such-mode"],
    ];
    for args in cases {
        let arm_out = run_as(&arm, true, args, b"");
        let native_out = run_as(&native, false, args, b"");
        assert_ne!(arm_out.status, Some(0), "{args:?} should fail");
        assert_eq!(arm_out, native_out, "{args:?}");
    }
}

#[test]
fn emulate_draws_the_same_screens_as_the_x86_64_build() {
    let Some(arm) = aarch64() else { return };
    let native = crate::support::release::native_binary();
    let corpus = crate::terminal_streams::corpus();
    assert!(corpus.len() >= 10, "the terminal corpus is missing");
    for (index, stream) in corpus.iter().enumerate() {
        let plain = run_as(&native, false, &["emulate"], &stream.bytes);
        assert_eq!(plain.status, Some(0), "{}: {plain:?}", stream.name);
        assert_eq!(
            run_as(&arm, true, &["emulate"], &stream.bytes),
            plain,
            "stream {}",
            stream.name
        );
        // A wider screen, and the repaint form (which may not be built yet:
        // then both builds must refuse it alike), on a sample of the corpus
        // to keep qemu's start-up cost down.
        if index % 6 != 0 {
            continue;
        }
        for args in [
            &["emulate", "--cols", "100", "--rows", "30"][..],
            &["emulate", "--ansi"],
        ] {
            let arm_out = run_as(&arm, true, args, &stream.bytes);
            let native_out = run_as(&native, false, args, &stream.bytes);
            assert_eq!(arm_out, native_out, "stream {} with {args:?}", stream.name);
        }
    }
}
