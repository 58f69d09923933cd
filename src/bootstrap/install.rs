//! `--install-server`: put this very binary on a remote machine that has
//! no mosh, over the same ssh connection that then starts the server.
//!
//! The remote command is a small POSIX `sh` script. It reports the
//! machine (`uname -s`, `uname -m`), whether `~/.local/bin/mosh-server`
//! is someone else's (neither our link to `mosh-rs` nor a program whose
//! `--version` says mosh-rs, such as the user's own mosh build: left
//! alone unless `--force`), and what
//! `~/.local/bin/mosh-rs` already is (size and `--version` line), then
//! waits for one answer line on its stdin: `skip` (same build already there), `send SIZE`
//! followed by the binary (written to a temporary name, checked for size
//! and that it runs, then renamed over), or `refuse` (wrong machine). It
//! then links `~/.local/bin/mosh-server` to `mosh-rs` and execs it with
//! the server arguments. Nothing needs root, and it is one ssh login.

use std::ffi::OsString;

use super::shell_words;

/// Where the binary goes on the remote, for messages.
pub(crate) const REMOTE_PATH: &str = "~/.local/bin/mosh-rs";

/// The remote script (one line, so shells that cannot take newlines
/// inside quotes, such as csh, still pass it on; no `!` for the same
/// reason). `$@` holds the server's arguments.
const SCRIPT: &str = concat!(
    r#"d="$HOME/.local/bin"; b="$d/mosh-rs"; "#,
    r#"printf "\nMOSH-RS INSTALL UNAME %s %s\n" "$(uname -s)" "$(uname -m)"; "#,
    r#"s="$d/mosh-server"; if [ -e "$s" ] || [ -L "$s" ]; then w=foreign; "#,
    r#"if [ "$(readlink "$s" 2>/dev/null)" = mosh-rs ] || [ "$s" -ef "$b" ]; then w=ours; "#,
    r#"else case "$("$s" --version </dev/null 2>/dev/null | head -n 1)" in *mosh-rs*) w=ours;; esac; fi; "#,
    r#"printf "MOSH-RS INSTALL SERVER %s %s\n" "$w" "$s"; fi; "#,
    r#"n=0; v=; if [ -f "$b" ]; then n=$(wc -c <"$b" | tr -d " "); "#,
    r#"v=$("$b" --version </dev/null 2>/dev/null | head -n 1); fi; "#,
    r#"printf "MOSH-RS INSTALL HAVE %s %s\n" "$n" "$v"; "#,
    r#"read -r a || exit 1; "#,
    r#"case "$a" in "send "*) t="$d/.mosh-rs.$$"; "#,
    r#"if mkdir -p "$d" && cat >"$t" && [ "$(wc -c <"$t" | tr -d " ")" = "${a#send }" ] "#,
    r#"&& chmod 755 "$t" && "$t" --version </dev/null >/dev/null 2>&1 && mv -f "$t" "$b"; "#,
    r#"then printf "MOSH-RS INSTALL DONE %s\n" "$b"; "#,
    r#"else rm -f "$t"; printf "MOSH-RS INSTALL FAILED could not write a working %s\n" "$b"; exit 1; fi;; "#,
    r#"skip) ;; *) exit 1;; esac; "#,
    r#"ln -sf mosh-rs "$d/mosh-server" || "#,
    r#"{ printf "MOSH-RS INSTALL FAILED could not link %s\n" "$d/mosh-server"; exit 1; }; "#,
    r#"exec "$d/mosh-server" "$@""#,
);

/// The remote command: the install script with the server's arguments.
pub fn remote_command(server_args: &[OsString]) -> OsString {
    let mut line = OsString::from("sh -c ");
    line.push(shell_words::quote(&[SCRIPT]));
    line.push(" mosh-rs-install");
    if !server_args.is_empty() {
        line.push(" ");
        line.push(shell_words::quote(server_args));
    }
    line
}

/// What this binary is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalBuild {
    /// `std::env::consts::ARCH` of this build.
    pub arch: String,
    /// `std::env::consts::OS` of this build.
    pub os: String,
    /// The target triple, for messages.
    pub target: String,
    /// The first line of `mosh-rs --version`.
    pub version_line: String,
    /// The binary's size in bytes.
    pub size: u64,
}

impl LocalBuild {
    /// This running binary, whose size is `size`.
    pub fn this(size: u64) -> LocalBuild {
        let version = crate::version::version_text("mosh-rs");
        LocalBuild {
            arch: std::env::consts::ARCH.to_string(),
            os: std::env::consts::OS.to_string(),
            target: crate::version::TARGET.to_string(),
            version_line: version.lines().next().unwrap_or_default().to_string(),
            size,
        }
    }
}

/// The answer for the remote script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The same build is there already.
    Skip,
    /// Copy the binary.
    Send,
    /// The remote cannot run this binary: the message says why.
    Refuse(String),
}

impl Answer {
    /// The answer line the remote script reads.
    pub fn line(&self, size: u64) -> Vec<u8> {
        match self {
            Answer::Skip => b"skip\n".to_vec(),
            Answer::Send => format!("send {size}\n").into_bytes(),
            Answer::Refuse(_) => b"refuse\n".to_vec(),
        }
    }
}

/// Follows the install script's lines.
#[derive(Debug, Clone)]
pub(crate) struct Installer {
    local: LocalBuild,
    /// `--force`: replace a `mosh-server` that is not ours.
    force: bool,
    uname: Option<(String, String)>,
    /// The remote's `mosh-server`, when it is not ours.
    foreign_server: Option<String>,
    failure: Option<String>,
}

impl Installer {
    /// An installer for `local`; with `force`, a remote `mosh-server`
    /// that is not ours is replaced too.
    pub fn new(local: LocalBuild, force: bool) -> Installer {
        Installer {
            local,
            force,
            uname: None,
            foreign_server: None,
            failure: None,
        }
    }

    /// Takes one install line (after its `MOSH-RS INSTALL ` prefix);
    /// returns the answer to send when the script asks for one.
    pub fn take(&mut self, line: &str) -> Option<Answer> {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "UNAME" => {
                let (system, machine) = rest.split_once(' ').unwrap_or((rest, ""));
                self.uname = Some((system.to_string(), machine.trim().to_string()));
                None
            }
            "SERVER" => {
                self.foreign_server = rest
                    .strip_prefix("foreign ")
                    .map(|path| path.trim_end().to_string());
                None
            }
            "HAVE" => {
                let answer = self.decide(rest);
                if let Answer::Refuse(why) = &answer {
                    self.failure = Some(why.clone());
                }
                Some(answer)
            }
            "FAILED" => {
                self.failure = Some(format!("could not install mosh-rs on the remote: {rest}"));
                None
            }
            _ => None,
        }
    }

    /// Why the install did not happen, if it did not.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn decide(&self, have: &str) -> Answer {
        let (system, machine) = match &self.uname {
            Some((system, machine)) => (system.as_str(), machine.as_str()),
            None => ("", ""),
        };
        if let Some(why) = incompatibility(&self.local, system, machine) {
            return Answer::Refuse(why);
        }
        if let Some(path) = self.foreign_server.as_ref().filter(|_| !self.force) {
            return Answer::Refuse(format!(
                "{path} on the remote machine is not mosh-rs (your own mosh build?); \
                 --install-server leaves it alone: add --force to replace it with mosh-rs"
            ));
        }
        let (size, version) = have.split_once(' ').unwrap_or((have, ""));
        let same_build = size.parse::<u64>().ok() == Some(self.local.size)
            && version.trim_end() == self.local.version_line;
        if same_build {
            Answer::Skip
        } else {
            Answer::Send
        }
    }
}

/// Why a machine reporting `system` and `machine` (`uname -s`, `-m`)
/// cannot run `local`, if it cannot.
pub(crate) fn incompatibility(local: &LocalBuild, system: &str, machine: &str) -> Option<String> {
    let remote_os = system.to_ascii_lowercase();
    if remote_os != local.os {
        let shown = if system.is_empty() {
            "an unknown system"
        } else {
            system
        };
        return Some(format!(
            "the remote machine runs {shown} ({machine}), but this mosh-rs is a {} \
             binary ({}); install mosh there and name it with --server=PATH",
            local.os, local.target
        ));
    }
    let remote_arch = rust_arch(machine);
    if remote_arch == local.arch {
        return None;
    }
    Some(format!(
        "the remote machine is {machine}, but this mosh-rs is built for {}; \
         build one for it (make build TARGET={}) and copy it to {REMOTE_PATH} there",
        local.target,
        suggested_target(machine)
    ))
}

/// Rust's name for the architecture `uname -m` reports.
pub(crate) fn rust_arch(machine: &str) -> &str {
    match machine {
        "x86_64" | "amd64" => "x86_64",
        "aarch64" | "arm64" | "aarch64_be" => "aarch64",
        "i386" | "i486" | "i586" | "i686" | "x86" => "x86",
        "ppc64" | "ppc64le" => "powerpc64",
        other if other.starts_with("arm") => "arm",
        other => other,
    }
}

/// The static Linux target to build for a machine reporting `machine`.
pub(crate) fn suggested_target(machine: &str) -> String {
    let target = match machine {
        "x86_64" | "amd64" => "x86_64-unknown-linux-musl",
        "aarch64" | "arm64" => "aarch64-unknown-linux-musl",
        "i386" | "i486" | "i586" | "i686" => "i686-unknown-linux-musl",
        "armv7l" | "armv8l" => "armv7-unknown-linux-musleabihf",
        "armv6l" => "arm-unknown-linux-musleabihf",
        "riscv64" => "riscv64gc-unknown-linux-musl",
        "ppc64le" => "powerpc64le-unknown-linux-musl",
        "s390x" => "s390x-unknown-linux-musl",
        "loongarch64" => "loongarch64-unknown-linux-musl",
        other => return format!("{other}-unknown-linux-musl"),
    };
    target.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> LocalBuild {
        LocalBuild {
            arch: "x86_64".into(),
            os: "linux".into(),
            target: "x86_64-unknown-linux-musl".into(),
            version_line: "mosh-rs (mosh-rs 0.1.0) [build abc]".into(),
            size: 1000,
        }
    }

    fn answer_for(uname: &str, have: &str) -> (Option<Answer>, Option<String>) {
        let mut installer = Installer::new(local(), false);
        assert_eq!(installer.take(&format!("UNAME {uname}")), None);
        let answer = installer.take(&format!("HAVE {have}"));
        (answer, installer.failure().map(str::to_string))
    }

    #[test]
    fn a_fresh_machine_gets_the_binary() {
        assert_eq!(answer_for("Linux x86_64", "0 "), (Some(Answer::Send), None));
    }

    #[test]
    fn the_same_build_is_not_copied_again() {
        let same = "1000 mosh-rs (mosh-rs 0.1.0) [build abc]";
        assert_eq!(answer_for("Linux x86_64", same).0, Some(Answer::Skip));
        let other_build = "1000 mosh-rs (mosh-rs 0.1.0) [build def]";
        assert_eq!(
            answer_for("Linux x86_64", other_build).0,
            Some(Answer::Send)
        );
        let other_size = "999 mosh-rs (mosh-rs 0.1.0) [build abc]";
        assert_eq!(answer_for("Linux x86_64", other_size).0, Some(Answer::Send));
    }

    #[test]
    fn other_machines_are_refused_naming_the_build_they_need() {
        let (answer, failure) = answer_for("Linux aarch64", "0 ");
        assert!(matches!(answer, Some(Answer::Refuse(_))));
        let failure = failure.unwrap();
        assert!(failure.contains("aarch64-unknown-linux-musl"), "{failure}");
        assert!(failure.contains("x86_64-unknown-linux-musl"), "{failure}");
        let (_, failure) = answer_for("Darwin arm64", "0 ");
        assert!(failure.unwrap().contains("Darwin"));
        let (answer, _) = answer_for("Linux amd64", "0 ");
        assert_eq!(answer, Some(Answer::Send));
    }

    #[test]
    fn remote_failures_are_kept() {
        let mut installer = Installer::new(local(), false);
        installer.take("FAILED could not link /home/x/.local/bin/mosh-server");
        assert!(installer.failure().unwrap().contains("could not link"));
    }

    #[test]
    fn a_mosh_server_not_ours_is_replaced_only_with_force() {
        for force in [false, true] {
            let mut installer = Installer::new(local(), force);
            installer.take("UNAME Linux x86_64");
            installer.take("SERVER foreign /home/u/.local/bin/mosh-server");
            let answer = installer.take("HAVE 0 ");
            if force {
                assert_eq!(answer, Some(Answer::Send));
            } else {
                assert!(matches!(answer, Some(Answer::Refuse(_))), "{answer:?}");
                let why = installer.failure().unwrap();
                assert!(why.contains("/home/u/.local/bin/mosh-server"), "{why}");
                assert!(why.contains("--force"), "{why}");
            }
        }
        let mut installer = Installer::new(local(), false);
        installer.take("UNAME Linux x86_64");
        installer.take("SERVER ours /home/u/.local/bin/mosh-server");
        assert_eq!(installer.take("HAVE 0 "), Some(Answer::Send));
    }

    #[test]
    fn answer_lines_are_what_the_script_reads() {
        assert_eq!(Answer::Send.line(42), b"send 42\n");
        assert_eq!(Answer::Skip.line(42), b"skip\n");
        assert_eq!(Answer::Refuse(String::new()).line(42), b"refuse\n");
    }

    /// Runs the script in a real `sh` with HOME in a temporary directory:
    /// the first run installs, the second skips, and the server it starts
    /// is the installed file (here a stand-in shell script).
    #[test]
    fn the_script_installs_then_skips_in_a_real_shell() {
        use std::io::{Read, Write};
        use std::process::{Command, Stdio};
        let home = std::env::temp_dir().join(format!("mosh-rs-install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let payload = b"#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'stand-in 1'; exit 0; fi\necho \"server $*\"\n";
        let run = |answer: &[u8]| {
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(remote_command(&["new".into(), "-c".into(), "8".into()]))
                .env("HOME", &home)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(answer).unwrap();
            drop(stdin);
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            let status = child.wait().unwrap();
            (status.success(), out)
        };
        let mut first = Answer::Send.line(payload.len() as u64);
        first.extend_from_slice(payload);
        let (ok, out) = run(&first);
        assert!(ok, "{out}");
        assert!(out.contains("MOSH-RS INSTALL UNAME "), "{out}");
        assert!(out.contains("MOSH-RS INSTALL HAVE 0 \n"), "{out}");
        assert!(out.contains("MOSH-RS INSTALL DONE "), "{out}");
        assert!(out.ends_with("server new -c 8\n"), "{out}");
        let link = home.join(".local/bin/mosh-server");
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            std::path::Path::new("mosh-rs")
        );

        let (ok, out) = run(b"skip\n");
        assert!(ok, "{out}");
        let have = format!("MOSH-RS INSTALL HAVE {} stand-in 1\n", payload.len());
        assert!(out.contains(&have), "{out}");
        assert!(!out.contains("DONE"), "{out}");

        let mut short = Answer::Send.line(payload.len() as u64 + 5);
        short.extend_from_slice(payload);
        let (ok, out) = run(&short);
        assert!(!ok, "{out}");
        assert!(out.contains("MOSH-RS INSTALL FAILED"), "{out}");

        let ours = format!("MOSH-RS INSTALL SERVER ours {}\n", link.display());
        assert!(out.contains(&ours), "{out}");

        let (ok, out) = run(b"refuse\n");
        assert!(!ok && !out.contains("server new"), "{out}");

        // A copy of mosh-rs under that name is ours; the user's own
        // mosh-server is not, and is left as it is.
        std::fs::remove_file(&link).unwrap();
        std::fs::write(&link, b"#!/bin/sh\necho 'mosh-rs (mosh-rs 0.1.0)'\n").unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&link, executable).unwrap();
        let (_, out) = run(b"refuse\n");
        assert!(out.contains(&ours), "{out}");
        std::fs::write(&link, b"#!/bin/sh\necho upstream\n").unwrap();
        let (_, out) = run(b"refuse\n");
        let foreign = format!("MOSH-RS INSTALL SERVER foreign {}\n", link.display());
        assert!(out.contains(&foreign), "{out}");
        assert_eq!(std::fs::read(&link).unwrap(), b"#!/bin/sh\necho upstream\n");
        let leftovers: Vec<_> = std::fs::read_dir(home.join(".local/bin"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "temporary files left: {leftovers:?}");
        std::fs::remove_dir_all(&home).unwrap();
    }
}
