//! `scripts/install.sh` and `make install`: under `sh`, `dash` and
//! busybox's `sh` with only busybox's tools on PATH, into an
//! empty prefix, they install a binary that answers as `mosh`,
//! `mosh-client` and `mosh-server`, the man pages and completions; a
//! second run changes nothing; a foreign file is left alone unless
//! `--force`; the PATH hint tells the truth; mistakes fail with a message.

use std::path::Path;
use std::process::Command;

use crate::support::release::{run, Ran};
use crate::support::scratch::Scratch;

fn install_script() -> std::path::PathBuf {
    crate::support::release::repo_root().join("scripts/install.sh")
}

/// Runs install.sh with `shell`, the given arguments and PATH.
fn install_with(shell: &str, args: &[&str], path_var: &str) -> Ran {
    run(
        Command::new(shell)
            .arg(install_script())
            .args(args)
            .env("PATH", path_var)
            .env_remove("DESTDIR"),
        b"",
    )
}

fn system_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
}

/// Asserts `prefix` holds a working install: every name answers
/// `--version` in its own name, and the pages and completions are there.
fn assert_installed(prefix: &Path) {
    for name in ["mosh", "mosh-client", "mosh-server", "mosh-rs"] {
        let program = prefix.join("bin").join(name);
        let out =
            run(Command::new(&program).arg("--version").env_clear(), b"").expect_success(name);
        let expected = format!("{name} (mosh-rs {}) [build ", env!("CARGO_PKG_VERSION"));
        assert!(
            out.stdout.starts_with(&expected),
            "{name}: {:?}",
            out.stdout
        );
    }
    for page in ["mosh.1", "mosh-client.1", "mosh-server.1"] {
        let installed = prefix.join("share/man/man1").join(page);
        let shipped = crate::support::release::repo_root()
            .join("dist/man")
            .join(page);
        assert_eq!(
            std::fs::read(&installed).expect("installed page"),
            std::fs::read(shipped).expect("shipped page"),
            "{page}"
        );
    }
    for name in ["mosh", "mosh-client", "mosh-server", "mosh-rs"] {
        let file = prefix.join("share/bash-completion/completions").join(name);
        let text = std::fs::read_to_string(&file).expect("bash completion");
        assert!(text.contains("complete -F"), "{}", file.display());
    }
    assert!(prefix.join("share/zsh/site-functions/_mosh").is_file());
}

#[test]
fn install_sh_under_sh_and_dash_gives_working_commands_and_is_idempotent() {
    let binary = crate::support::release::native_binary();
    let binary = binary.to_string_lossy();
    let mut shells = vec!["sh"];
    if crate::support::release::on_path("dash") {
        shells.push("dash");
    } else {
        crate::support::skip::skip("dash is not installed: install.sh checked with sh only");
    }
    for shell in shells {
        let scratch = Scratch::new(&format!("install-{shell}"));
        let prefix = scratch.join("prefix");
        let prefix_text = prefix.to_string_lossy().into_owned();
        let first = install_with(shell, &["--prefix", &prefix_text, &binary], &system_path())
            .expect_success(&format!("install.sh under {shell}"));
        assert_installed(&prefix);
        assert!(first.stdout.contains("linked"), "{}", first.stdout);
        assert!(
            first.stdout.contains("NOT on your PATH"),
            "{}",
            first.stdout
        );

        let with_path = format!("{}:{}", prefix.join("bin").display(), system_path());
        let second = install_with(shell, &["--prefix", &prefix_text, &binary], &with_path)
            .expect_success(&format!("second install.sh under {shell}"));
        assert!(
            second.stdout.contains("Nothing to do"),
            "second run: {}",
            second.stdout
        );
        assert!(
            !second.stdout.contains("NOT on your PATH"),
            "{}",
            second.stdout
        );
        assert!(
            second.stdout.contains("is on your PATH"),
            "{}",
            second.stdout
        );
        assert_installed(&prefix);
    }
}

/// The POSIX utilities install.sh may call, provided by busybox alone.
const POSIX_TOOLS: [&str; 14] = [
    "basename", "cat", "chmod", "cmp", "cp", "dirname", "head", "ln", "mkdir", "mv", "readlink",
    "rm", "sh", "uname",
];

#[test]
fn install_sh_works_under_busybox_with_no_other_tools() {
    // As on a Mac or a BSD: no bash and no GNU coreutils on PATH at all.
    if !crate::support::release::on_path("busybox") {
        crate::support::skip::skip("busybox is not installed (run scripts/test-deps.sh)");
        return;
    }
    let scratch = Scratch::new("install-busybox");
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).expect("mkdir");
    let busybox = run(Command::new("sh").args(["-c", "command -v busybox"]), b"")
        .expect_success("command -v busybox")
        .stdout;
    for tool in POSIX_TOOLS {
        std::os::unix::fs::symlink(busybox.trim(), tools.join(tool)).expect("symlink");
    }
    let prefix = scratch.join("prefix");
    let binary = crate::support::release::native_binary();
    let out = install_with(
        &tools.join("sh").to_string_lossy(),
        &[
            "--prefix",
            &prefix.to_string_lossy(),
            &binary.to_string_lossy(),
        ],
        &tools.to_string_lossy(),
    )
    .expect_success("install.sh under busybox sh");
    assert!(out.stdout.contains("Done."), "{}", out.stdout);
    assert_installed(&prefix);
}

#[test]
fn install_sh_uses_no_gnu_only_options() {
    // macOS and the BSDs lack these; busybox has some of them, so the
    // test above would not notice.
    let script = std::fs::read_to_string(install_script()).expect("install.sh");
    let code: String = script
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for gnu_only in [
        "readlink -f",
        "realpath",
        "stat -c",
        "install -D",
        "sed -i",
        "cp --",
        "ln -r",
        "mktemp --",
        "[[",
        "local ",
        "echo -e",
    ] {
        assert!(
            !code.contains(gnu_only),
            "install.sh uses `{gnu_only}`, which macOS's /bin/sh or BSD tools lack"
        );
    }
}

#[test]
fn install_sh_defaults_to_home_dot_local() {
    let scratch = Scratch::new("install-home");
    let binary = crate::support::release::native_binary();
    let out = run(
        Command::new("sh")
            .arg(install_script())
            .arg(&binary)
            .env("HOME", scratch.path())
            .env("PATH", system_path())
            .env_remove("DESTDIR"),
        b"",
    )
    .expect_success("install.sh without --prefix");
    assert_installed(&scratch.join(".local"));
    assert!(out
        .stdout
        .contains(&*scratch.join(".local/bin").to_string_lossy()));
}

#[test]
fn a_foreign_mosh_is_left_alone_unless_forced() {
    let scratch = Scratch::new("install-foreign");
    let prefix = scratch.join("prefix");
    std::fs::create_dir_all(prefix.join("bin")).expect("mkdir");
    let foreign = prefix.join("bin/mosh");
    std::fs::write(&foreign, "#!/bin/sh\necho someone else's mosh\n").expect("write");
    let binary = crate::support::release::native_binary();
    let binary = binary.to_string_lossy();
    let prefix_text = prefix.to_string_lossy().into_owned();
    let out = install_with("sh", &["--prefix", &prefix_text, &binary], &system_path())
        .expect_success("install.sh next to a foreign mosh");
    assert!(out.stdout.contains("skipped"), "{}", out.stdout);
    assert!(!foreign.is_symlink(), "the foreign mosh was replaced");
    let forced = install_with(
        "sh",
        &["--force", "--prefix", &prefix_text, &binary],
        &system_path(),
    )
    .expect_success("install.sh --force");
    assert!(forced.stdout.contains("linked"), "{}", forced.stdout);
    assert_installed(&prefix);
}

#[test]
fn install_sh_mistakes_fail_with_a_message() {
    let scratch = Scratch::new("install-mistakes");
    let prefix = scratch.join("prefix").to_string_lossy().into_owned();
    let not_a_binary = scratch.join("mosh-rs");
    std::fs::write(&not_a_binary, "#!/bin/sh\necho 'imposter 1.0'\n").expect("write");
    let mut permissions = std::fs::metadata(&not_a_binary)
        .expect("stat")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&not_a_binary, permissions).expect("chmod");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--prefix", &prefix, "/nonexistent/mosh-rs"],
            "no such file",
        ),
        (
            &["--prefix", &prefix, &not_a_binary.to_string_lossy()],
            "is not mosh-rs",
        ),
        (&["--bogus"], "unknown option"),
        (&["--prefix"], "--prefix needs a directory"),
    ];
    for (args, message) in cases {
        let out = install_with("sh", args, &system_path());
        assert_eq!(out.status, Some(1), "{args:?}: {out:?}");
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }
    assert!(!scratch.join("prefix/bin/mosh").exists());
}

#[test]
fn make_install_uses_the_same_script_and_honours_destdir() {
    if !crate::support::release::on_path("make") {
        crate::support::skip::skip("make is not installed");
        return;
    }
    let scratch = Scratch::new("make-install");
    let binary = crate::support::release::native_binary();
    let out = run(
        Command::new("make")
            .arg("-C")
            .arg(crate::support::release::repo_root())
            .args(["--no-print-directory", "-o", "build", "install"])
            .arg(format!("BIN={}", binary.display()))
            .arg("PREFIX=/opt/mosh-rs")
            .arg(format!("DESTDIR={}", scratch.path().display()))
            .env("PATH", system_path()),
        b"",
    )
    .expect_success("make install");
    assert_installed(&scratch.join("opt/mosh-rs"));
    let link = std::fs::read_link(scratch.join("opt/mosh-rs/bin/mosh-server")).expect("link");
    assert_eq!(link, Path::new("mosh-rs"), "links must be relative");
    assert!(out.stdout.contains("/opt/mosh-rs/bin"), "{}", out.stdout);
}
