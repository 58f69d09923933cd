//! `dist/homebrew/mosh-rs.rb`, the Homebrew formula: Ruby loads it, its
//! fields match the crate (version, licence, the source tarball `make
//! dist` makes), and a dry run of its `install` (cargo replaced by a copy
//! of our binary, the rest of the Formula DSL by
//! `tests/support/brew_dry_run.rb`) followed by its own `test` block
//! passes and installs the three names, man pages and completions.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::release::{repo_root, run};
use crate::support::scratch::Scratch;

fn formula() -> PathBuf {
    repo_root().join("dist/homebrew/mosh-rs.rb")
}

/// Writes an executable shell script.
fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write script");
    let mut permissions = std::fs::metadata(path).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

/// The source tree as the tarball has it (only what the formula reads).
fn source_tree(scratch: &Scratch) -> PathBuf {
    let src = scratch.join("src");
    for dir in ["dist/man", "dist/completions"] {
        std::fs::create_dir_all(src.join(dir)).expect("mkdir");
        for entry in std::fs::read_dir(repo_root().join(dir))
            .expect("read")
            .flatten()
        {
            std::fs::copy(entry.path(), src.join(dir).join(entry.file_name())).expect("copy");
        }
    }
    src
}

#[test]
fn the_formula_installs_and_passes_its_own_test_in_a_dry_run() {
    if !crate::support::release::on_path("ruby") {
        crate::support::skip::skip("ruby is not installed (run scripts/test-deps.sh)");
        return;
    }
    let scratch = Scratch::new("brew-dry-run");
    let src = source_tree(&scratch);
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).expect("mkdir");
    write_script(
        &tools.join("cargo"),
        &format!(
            "[ \"$1\" = install ] || exit 2\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/mosh-rs\"\n",
            crate::support::release::native_binary().display()
        ),
    );
    let prefix = scratch.join("prefix");
    let path_var = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(
        Command::new("ruby")
            .arg(repo_root().join("tests/support/brew_dry_run.rb"))
            .arg(formula())
            .arg(&src)
            .arg(&prefix)
            .env("PATH", &path_var),
        b"",
    )
    .expect_success("the formula's dry run");
    let fields: Vec<(&str, &str)> = out
        .stdout
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {name} in:\n{}", out.stdout))
    };
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        field("url").ends_with(&format!("/v{version}/mosh-rs-{version}.tar.gz")),
        "url {} is not the tarball `make dist` makes for {version}",
        field("url")
    );
    let sha = field("sha256");
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sha}"
    );
    assert_eq!(field("license"), r#"{:any_of=>["MIT", "Apache-2.0"]}"#);
    assert_eq!(env!("CARGO_PKG_LICENSE"), "MIT OR Apache-2.0");
    assert_eq!(field("depends_on"), "rust");
    assert_eq!(field("dry run"), "passed");
    for name in ["mosh-rs", "mosh", "mosh-client", "mosh-server"] {
        assert!(prefix.join("bin").join(name).exists(), "no bin/{name}");
    }
    for page in ["mosh.1", "mosh-client.1", "mosh-server.1"] {
        assert!(prefix.join("share/man/man1").join(page).is_file(), "{page}");
    }
    assert!(prefix.join("etc/bash_completion.d/mosh-server").exists());
    assert!(prefix.join("share/zsh/site-functions/_mosh").is_file());
}

#[test]
fn a_formula_whose_test_fails_fails_the_dry_run() {
    // Proves the dry run runs the formula's test block.
    if !crate::support::release::on_path("ruby") {
        crate::support::skip::skip("ruby is not installed (run scripts/test-deps.sh)");
        return;
    }
    let scratch = Scratch::new("brew-bad");
    let src = source_tree(&scratch);
    let good = std::fs::read_to_string(formula()).expect("formula");
    let bad = good.replacen(
        r#"assert_equal "heylo\nworld\n""#,
        r#"assert_equal "hello""#,
        1,
    );
    assert_ne!(good, bad);
    let path = scratch.join("mosh-rs.rb");
    std::fs::write(&path, bad).expect("write");
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).expect("mkdir");
    write_script(
        &tools.join("cargo"),
        &format!(
            "while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/mosh-rs\"\n",
            crate::support::release::native_binary().display()
        ),
    );
    let out = run(
        Command::new("ruby")
            .arg(repo_root().join("tests/support/brew_dry_run.rb"))
            .arg(&path)
            .arg(&src)
            .arg(scratch.join("prefix"))
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    tools.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            ),
        b"",
    );
    assert_ne!(out.status, Some(0), "{out:?}");
    assert!(out.stderr.contains("expected \"hello\""), "{}", out.stderr);
}
