//! The release tarballs `make dist` (or `make package`) leaves in
//! `target/dist`: all four Linux architectures are there with the binary, man
//! pages, completions, README, licences and install.sh; the checksums
//! verify; unpacking the x86_64 one into an empty directory and running
//! its install.sh gives `mosh`, `mosh-client` and `mosh-server` that run
//! with an empty environment; the binaries are static and small; the
//! conda recipe and the Homebrew formula written next to them name the
//! source tarball's sha256.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::release::{run, run_args};
use crate::support::scratch::Scratch;

/// The goal for each binary's size (upstream needs ~13 MB of libraries).
const SIZE_GOAL: u64 = 2 * 1024 * 1024;

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn dist() -> Option<PathBuf> {
    let found = crate::support::release::dist_dir();
    if found.is_none() {
        crate::support::skip::skip("no target/dist: run `make dist` (or `make package`) first");
    }
    found
}

fn tarball(dist: &Path, arch: &str) -> PathBuf {
    dist.join(format!("mosh-rs-{}-{arch}.tar.gz", version()))
}

/// Unpacks `tarball` into a fresh directory.
fn unpack(tarball: &Path, what: &str) -> Scratch {
    let scratch = Scratch::new(what);
    run_args(
        "tar",
        &[
            "-xzf".as_ref(),
            tarball.as_os_str(),
            "-C".as_ref(),
            scratch.path().as_os_str(),
        ],
    )
    .expect_success("tar -x");
    scratch
}

#[test]
fn every_tarball_holds_everything_a_user_needs() {
    let Some(dist) = dist() else { return };
    for (arch, machine) in [
        ("x86_64", crate::support::release::EM_X86_64),
        ("aarch64", crate::support::release::EM_AARCH64),
        ("ppc64le", crate::support::release::EM_PPC64),
        ("riscv64", crate::support::release::EM_RISCV),
    ] {
        let tarball = tarball(&dist, arch);
        assert!(tarball.is_file(), "{} is missing", tarball.display());
        let listing = run_args("tar", &["-tzf".as_ref(), tarball.as_os_str()])
            .expect_success("tar -t")
            .stdout;
        let top = format!("mosh-rs-{}-{arch}/", version());
        for entry in [
            "mosh-rs",
            "install.sh",
            "README.md",
            "LICENSE",
            "LICENSE-APACHE",
            "man/mosh.1",
            "man/mosh-client.1",
            "man/mosh-server.1",
            "completions/mosh.bash",
            "completions/_mosh",
        ] {
            let path = format!("{top}{entry}");
            assert!(
                listing.lines().any(|l| l == path),
                "{arch}: no {path} in\n{listing}"
            );
        }
        assert!(
            listing.lines().all(|l| l.starts_with(&top)),
            "{arch}: stray entries"
        );
        let unpacked = unpack(&tarball, &format!("contents-{arch}"));
        let binary = unpacked.join(format!("{top}mosh-rs"));
        let facts = crate::support::release::elf_facts(&binary);
        assert_eq!(facts.machine, machine, "{arch}");
        assert!(!facts.dynamic, "{arch} binary needs a dynamic loader");
        let size = std::fs::metadata(&binary).expect("stat").len();
        println!("{arch} binary: {size} bytes");
        assert!(
            size <= SIZE_GOAL,
            "{arch} binary is {size} bytes, over the 2 MB goal"
        );
    }
}

#[test]
fn checksums_verify() {
    let Some(dist) = dist() else { return };
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).expect("SHA256SUMS");
    for arch in ["x86_64", "aarch64", "ppc64le", "riscv64"] {
        let name = format!("mosh-rs-{}-{arch}.tar.gz", version());
        assert!(
            sums.lines().any(|l| l.ends_with(&format!("  {name}"))),
            "{name} not summed"
        );
    }
    run(
        Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&dist),
        b"",
    )
    .expect_success("sha256sum -c");
}

#[test]
fn unpacked_x86_64_tarball_installs_working_static_commands() {
    let Some(dist) = dist() else { return };
    let unpacked = unpack(&tarball(&dist, "x86_64"), "fresh-install");
    let top = unpacked.join(format!("mosh-rs-{}-x86_64", version()));
    let prefix = unpacked.join("prefix");
    // As a user would: run the script from the unpacked directory, no BINARY.
    let out = run(
        Command::new("sh")
            .arg("./install.sh")
            .arg("--prefix")
            .arg(&prefix)
            .current_dir(&top)
            .env("PATH", "/usr/bin:/bin"),
        b"",
    )
    .expect_success("install.sh from the tarball");
    assert!(out.stdout.contains("installed"), "{}", out.stdout);
    for name in ["mosh", "mosh-client", "mosh-server"] {
        let program = prefix.join("bin").join(name);
        let ran = run(Command::new(&program).arg("--version").env_clear(), b"")
            .expect_success(&format!("env -i {name} --version"));
        let first = ran.stdout.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("{name} (mosh-rs {}) [build ", version())),
            "{first}"
        );
        assert!(ran.stdout.contains("target: x86_64-unknown-linux-musl"));
    }
    assert!(prefix.join("share/man/man1/mosh-server.1").is_file());
    if crate::support::release::on_path("ldd") {
        let ldd = run_args("ldd", &[prefix.join("bin/mosh-rs")]);
        let said = format!("{}{}", ldd.stdout, ldd.stderr);
        assert!(
            said.contains("statically linked") || said.contains("not a dynamic executable"),
            "ldd says: {said}"
        );
    } else {
        crate::support::skip::skip("ldd is not installed; the ELF header check stands in");
    }
    // The emulator works from the installed binary with an empty environment.
    let screen = run(
        Command::new(prefix.join("bin/mosh-rs"))
            .args(["emulate", "--rows", "2"])
            .env_clear(),
        b"one\r\n\x1b[7mtwo\x1b[0m\x1b[1;2HN",
    )
    .expect_success("emulate");
    assert_eq!(screen.stdout, "oNe\ntwo\n");
}

#[test]
fn conda_recipe_and_brew_formula_beside_the_tarballs_name_the_source_tarball_sha256() {
    let Some(dist) = dist() else { return };
    let source = dist.join(format!("mosh-rs-{}.tar.gz", version()));
    let recipe = dist.join("conda-forge/recipe.yaml");
    if !source.is_file() {
        crate::support::skip::skip("no source tarball: `make dist` was not run in a git checkout");
        return;
    }
    let sum = run_args("sha256sum", &[&source])
        .expect_success("sha256sum")
        .stdout;
    let sum = sum.split_whitespace().next().expect("a sum");
    let text = std::fs::read_to_string(&recipe).expect("rendered recipe");
    let named: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sha256:"))
        .map(str::trim)
        .collect();
    assert_eq!(named, [sum], "{}", recipe.display());
    let formula = dist.join("homebrew/mosh-rs.rb");
    let text = std::fs::read_to_string(&formula).expect("rendered formula");
    let named: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sha256 "))
        .map(|v| v.trim_matches('"'))
        .collect();
    assert_eq!(named, [sum], "{}", formula.display());
    let listing = run_args("tar", &["-tzf".as_ref(), source.as_os_str()])
        .expect_success("tar -t")
        .stdout;
    let top = format!("mosh-rs-{}/", version());
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "src/main.rs",
        "dist/man/mosh.1",
        "LICENSE",
    ] {
        assert!(
            listing.contains(&format!("{top}{needed}\n")),
            "source lacks {needed}"
        );
    }
}
