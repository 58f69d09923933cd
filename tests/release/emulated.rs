//! A release binary for another architecture behaves like the x86_64
//! one: run under qemu-user, every mode answers `--version`, `--help`
//! and bad command lines with the same text and status, and `emulate`
//! draws the same screens from the terminal test corpus. The checks are
//! written once here; `aarch64.rs`, `ppc64le.rs` and `riscv64.rs` run them for their
//! build.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::release::{run, Ran};
use crate::support::scratch::Scratch;

/// One foreign build and how to run it.
pub struct Arch {
    /// The name in the tarball's and the test's names (`aarch64`).
    pub name: &'static str,
    /// The Rust target triple, as `--version` prints it.
    pub triple: &'static str,
    /// The qemu-user program that runs it.
    pub qemu: &'static str,
    /// Its ELF machine number.
    pub machine: u16,
    /// Where the build is, if it was built.
    pub binary: fn() -> Option<PathBuf>,
    /// The make target that builds it, for the skip message.
    pub make_target: &'static str,
}

impl Arch {
    /// The build, or `None` after a loud skip saying what is missing.
    pub fn build(&self) -> Option<PathBuf> {
        if !crate::support::release::on_path(self.qemu) {
            crate::support::skip::skip(&format!(
                "{} is not installed (run scripts/test-deps.sh)",
                self.qemu
            ));
            return None;
        }
        let found = (self.binary)();
        if found.is_none() {
            crate::support::skip::skip(&format!(
                "no {} build: run `make {}`",
                self.name, self.make_target
            ));
        }
        found
    }

    /// Runs `program` (a path to either build or a link to it), under
    /// qemu when `emulated`.
    pub fn run_as(&self, program: &Path, emulated: bool, args: &[&str], stdin: &[u8]) -> Ran {
        let mut command = if emulated {
            let mut c = Command::new(self.qemu);
            c.arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args).env("LC_ALL", "C.UTF-8");
        run(&mut command, stdin)
    }

    /// The x86_64 output with its target line swapped for this build's,
    /// which is the only line the two builds may differ in.
    fn as_if_here(&self, text: &str) -> String {
        text.lines()
            .map(|line| match line.strip_prefix("target: ") {
                Some(_) => format!("target: {}\n", self.triple),
                None => format!("{line}\n"),
            })
            .collect()
    }
}

/// Links named like each mode to `binary`, in `dir`.
pub fn mode_links(binary: &Path, dir: &Path) -> Vec<PathBuf> {
    ["mosh", "mosh-client", "mosh-server", "mosh-rs"]
        .iter()
        .map(|name| {
            let link = dir.join(name);
            std::os::unix::fs::symlink(binary, &link).expect("symlink");
            link
        })
        .collect()
}

/// The build is a static executable for its machine.
pub fn is_a_static_executable(arch: &Arch) {
    let Some(binary) = arch.build() else { return };
    let facts = crate::support::release::elf_facts(&binary);
    assert_eq!(facts.machine, arch.machine, "{}", binary.display());
    assert!(
        !facts.dynamic,
        "{} needs a dynamic loader",
        binary.display()
    );
}

/// Every mode's `--version` and `--help` equal the x86_64 build's.
pub fn every_mode_answers_version_and_help_alike(arch: &Arch) {
    let Some(foreign) = arch.build() else { return };
    let native = crate::support::release::native_binary();
    let foreign_dir = Scratch::new(&format!("{}-links", arch.name));
    let native_dir = Scratch::new("x86-links");
    let foreign_links = mode_links(&foreign, foreign_dir.path());
    let native_links = mode_links(&native, native_dir.path());
    let mut compared = 0;
    for (foreign_link, native_link) in foreign_links.iter().zip(&native_links) {
        let name = foreign_link
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?");
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
            let foreign_out = arch.run_as(foreign_link, true, args, b"");
            let native_out = arch.run_as(native_link, false, args, b"");
            assert_eq!(
                foreign_out.status,
                Some(0),
                "{name} {args:?}: {foreign_out:?}"
            );
            // Usage texts name the program as invoked: the link's path.
            let foreign_text = foreign_out
                .stdout
                .replace(&*foreign_dir.path().to_string_lossy(), "DIR");
            let native_text = native_out
                .stdout
                .replace(&*native_dir.path().to_string_lossy(), "DIR");
            assert_eq!(
                foreign_text,
                arch.as_if_here(&native_text),
                "{name} {args:?}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 11);
}

/// `--version` starts with upstream's shape, then the build's target.
pub fn version_first_line_keeps_upstreams_shape(arch: &Arch) {
    let Some(foreign) = arch.build() else { return };
    let dir = Scratch::new(&format!("{}-version", arch.name));
    for link in mode_links(&foreign, dir.path()) {
        let name = link.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let out = arch
            .run_as(&link, true, &["--version"], b"")
            .expect_success(name);
        let mut lines = out.stdout.lines();
        let first = lines.next().unwrap_or_default();
        let prefix = format!("{name} (mosh-rs {}) [build ", env!("CARGO_PKG_VERSION"));
        assert!(
            first.starts_with(&prefix) && first.ends_with(']'),
            "{first:?}"
        );
        let target = format!("target: {}", arch.triple);
        assert_eq!(lines.next(), Some(target.as_str()));
    }
}

/// Bad command lines get the x86_64 build's message and status.
pub fn command_line_mistakes_are_answered_alike(arch: &Arch) {
    let Some(foreign) = arch.build() else { return };
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
        let foreign_out = arch.run_as(&foreign, true, args, b"");
        let native_out = arch.run_as(&native, false, args, b"");
        assert_ne!(foreign_out.status, Some(0), "{args:?} should fail");
        assert_eq!(foreign_out, native_out, "{args:?}");
    }
}

/// `emulate` prints the x86_64 build's screens, byte for byte, for every
/// stream of the terminal corpus.
pub fn emulate_draws_the_same_screens(arch: &Arch) {
    let Some(foreign) = arch.build() else { return };
    let native = crate::support::release::native_binary();
    let corpus = crate::terminal_streams::corpus();
    assert!(corpus.len() >= 10, "the terminal corpus is missing");
    for (index, stream) in corpus.iter().enumerate() {
        let plain = arch.run_as(&native, false, &["emulate"], &stream.bytes);
        assert_eq!(plain.status, Some(0), "{}: {plain:?}", stream.name);
        assert_eq!(
            arch.run_as(&foreign, true, &["emulate"], &stream.bytes),
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
            let foreign_out = arch.run_as(&foreign, true, args, &stream.bytes);
            let native_out = arch.run_as(&native, false, args, &stream.bytes);
            assert_eq!(
                foreign_out, native_out,
                "stream {} with {args:?}",
                stream.name
            );
        }
    }
}
