//! Helpers for the release tests (`tests/release/`): where the built
//! binaries and tarballs are, scratch directories that clean up after
//! themselves, running a program with a deadline, and reading an ELF
//! header to tell the architecture and whether it is static.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long any one program may run before the test gives up on it.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The repository's top directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The x86_64 binary under test: `$MOSH_RS_BIN` (the static release build
/// `make test` passes) or else the one cargo built for these tests.
pub fn native_binary() -> PathBuf {
    match std::env::var_os("MOSH_RS_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_mosh-rs")),
    }
}

/// The aarch64 release binary: `$MOSH_RS_AARCH64_BIN`, else the usual
/// cargo output path if it exists.
pub fn aarch64_binary() -> Option<PathBuf> {
    cross_binary("MOSH_RS_AARCH64_BIN", "aarch64-unknown-linux-musl")
}

/// The ppc64le release binary: `$MOSH_RS_PPC64LE_BIN`, else the usual
/// cargo output path if it exists.
pub fn ppc64le_binary() -> Option<PathBuf> {
    cross_binary("MOSH_RS_PPC64LE_BIN", "powerpc64le-unknown-linux-musl")
}

/// The riscv64 release binary: `$MOSH_RS_RISCV64_BIN`, else the usual
/// cargo output path if it exists.
pub fn riscv64_binary() -> Option<PathBuf> {
    cross_binary("MOSH_RS_RISCV64_BIN", "riscv64gc-unknown-linux-musl")
}

/// The release binary for `triple`: `$variable`, else cargo's output
/// path if it exists.
pub fn cross_binary(variable: &str, triple: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let default = repo_root().join(format!("target/{triple}/release/mosh-rs"));
    default.exists().then_some(default)
}

/// Where `make package` put the tarballs: `$MOSH_RS_DIST_DIR`, else
/// `target/dist` if it exists.
pub fn dist_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOSH_RS_DIST_DIR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let default = repo_root().join("target/dist");
    default.exists().then_some(default)
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// What a finished program did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Panics with everything the program said unless it exited 0.
    pub fn expect_success(self, what: &str) -> Ran {
        assert_eq!(
            self.status,
            Some(0),
            "{what} failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `command` with `stdin` as its input, waiting at most `DEADLINE`;
/// a program still running then is killed (by its pid) and the test fails.
pub fn run(command: &mut Command, stdin: &[u8]) -> Ran {
    let shown = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let mut input = child.stdin.take().expect("stdin pipe");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let stdout = drain(child.stdout.take().expect("stdout pipe"));
    let stderr = drain(child.stderr.take().expect("stderr pipe"));
    let status = wait_with_deadline(&mut child, &shown);
    let _ = writer.join();
    Ran {
        status: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// `run` for a program and its arguments, with no input.
pub fn run_args<S: AsRef<OsStr>>(program: impl AsRef<OsStr>, args: &[S]) -> Ran {
    run(Command::new(program).args(args), b"")
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn wait_with_deadline(child: &mut std::process::Child, shown: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if start.elapsed() < DEADLINE => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{shown} did not finish within {DEADLINE:?}");
            }
        }
    }
}

/// What an ELF header says about a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElfFacts {
    /// `e_machine`: 62 is x86_64, 183 is aarch64, 21 is ppc64(le), 243 is RISC-V.
    pub machine: u16,
    /// A `PT_INTERP` program header: the binary needs a dynamic loader.
    pub dynamic: bool,
}

/// ELF machine number of x86_64.
pub const EM_X86_64: u16 = 62;
/// ELF machine number of aarch64.
pub const EM_AARCH64: u16 = 183;
/// ELF machine number of 64-bit PowerPC (ppc64le is its little-endian form).
pub const EM_PPC64: u16 = 21;
/// ELF machine number of RISC-V.
pub const EM_RISCV: u16 = 243;

/// Reads the header of a 64-bit little-endian ELF file.
pub fn elf_facts(path: &Path) -> ElfFacts {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.len() > 64 && bytes.starts_with(b"\x7fELF") && bytes[4] == 2 && bytes[5] == 1,
        "{} is not a 64-bit little-endian ELF file",
        path.display()
    );
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let table = u64_at(0x20) as usize;
    let entry_size = usize::from(u16_at(0x36));
    let entries = usize::from(u16_at(0x38));
    const PT_INTERP: u32 = 3;
    let dynamic = (0..entries).any(|i| {
        let at = table + i * entry_size;
        bytes
            .get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().expect("4 bytes")) == PT_INTERP)
    });
    ElfFacts {
        machine: u16_at(0x12),
        dynamic,
    }
}
