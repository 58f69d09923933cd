//! Shell completion in `dist/completions/`: bash offers every option of
//! each mode's usage text, the values the usage lists, the server's `new`,
//! the `mosh-rs` subcommands, hosts from `~/.ssh/config`, and commands
//! after the host; zsh's `_mosh` registers for every name and hands every
//! option to `_arguments`.
//!
//! Bash is driven the way readline drives it: the line is split into
//! words at blanks and at `=` and `:` (bash's COMP_WORDBREAKS), and the
//! function `complete -p` names is called with COMP_WORDS/COMP_CWORD.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::support::release::run;
use crate::support::scratch::Scratch;

fn completions_dir() -> std::path::PathBuf {
    crate::support::release::repo_root().join("dist/completions")
}

/// Splits a command line as bash does for completion: blanks separate
/// words, and each `=` or `:` is a word of its own.
fn completion_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    for blank_word in line.split(' ') {
        let mut current = String::new();
        for c in blank_word.chars() {
            if c == '=' || c == ':' {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                words.push(c.to_string());
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() || blank_word.is_empty() {
            words.push(current);
        }
    }
    words
}

/// Quotes `word` for bash.
fn quoted(word: &str) -> String {
    crate::support::shell::shell_quote(word)
}

/// What bash offers for `line` (the cursor at its end), with `home` as
/// `$HOME`.
fn bash_offers(line: &str, home: &Path) -> Vec<String> {
    bash_offers_with_path(line, home, &std::env::var("PATH").unwrap_or_default())
}

/// `bash_offers` with `path` as `$PATH`.
fn bash_offers_with_path(line: &str, home: &Path, path: &str) -> Vec<String> {
    let words = completion_words(line);
    let script = format!(
        "source {file}\n\
         fn=$(complete -p {cmd} | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')\n\
         [ -n \"$fn\" ] || {{ echo 'no completion for {cmd}' >&2; exit 3; }}\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE={line}\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         \"$fn\" {cmd} \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file = quoted(&completions_dir().join("mosh.bash").to_string_lossy()),
        cmd = quoted(&words[0]),
        words = words
            .iter()
            .map(|w| quoted(w))
            .collect::<Vec<_>>()
            .join(" "),
        line = quoted(line),
    );
    let out = run(
        Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &script])
            .env("HOME", home)
            .env("PATH", path),
        b"",
    )
    .expect_success(&format!("completing {line:?}"));
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn missing_bash() -> bool {
    !crate::support::release::on_path("bash") && crate::support::skip::skip("bash is not installed")
}

/// Option names in a usage text (as in the man page test).
fn options_in(usage: &str) -> BTreeSet<String> {
    usage
        .split(|c: char| c.is_whitespace() || "[](){},|'\"".contains(c))
        .filter(|word| word.starts_with('-') && word.len() > 1 && *word != "--")
        .map(|word| word.split('=').next().unwrap_or(word).to_string())
        .collect()
}

/// `--option=a|b|c` value lists in a usage text, lower-case values only
/// (upper case ones such as `IP` are placeholders).
fn listed_values(usage: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut lists: Vec<(String, BTreeSet<String>)> = Vec::new();
    for word in usage.split_whitespace() {
        let Some((option, value)) = word.split_once('=') else {
            continue;
        };
        if !option.starts_with("--") {
            continue;
        }
        let values = value
            .trim_matches(|c| "{}()".contains(c))
            .split('|')
            .filter(|v| {
                !v.is_empty()
                    && v.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
            })
            .map(str::to_string);
        match lists.iter_mut().find(|(o, _)| o == option) {
            Some((_, set)) => set.extend(values),
            None => lists.push((option.to_string(), values.collect())),
        }
    }
    lists.retain(|(_, set)| !set.is_empty());
    lists
}

#[test]
fn bash_splitting_matches_readline() {
    assert_eq!(
        completion_words("mosh --predict=al"),
        ["mosh", "--predict", "=", "al"]
    );
    assert_eq!(
        completion_words("mosh -p 1:2 "),
        ["mosh", "-p", "1", ":", "2", ""]
    );
    assert_eq!(completion_words("mosh "), ["mosh", ""]);
}

#[test]
fn bash_offers_every_option_of_every_mode() {
    if missing_bash() {
        return;
    }
    let home = Scratch::new("completion-home");
    let modes = [
        ("mosh -", mosh_rs::bootstrap::options::usage("mosh")),
        (
            "mosh-server new -",
            mosh_rs::server::cli::usage("mosh-server"),
        ),
        (
            "mosh-client -",
            mosh_rs::client::settings::usage("mosh-client"),
        ),
        (
            "mosh-rs server new -",
            mosh_rs::server::cli::usage("mosh-server"),
        ),
    ];
    for (line, usage) in modes {
        let offered = bash_offers(line, home.path());
        let offered_names: BTreeSet<String> = offered
            .iter()
            .map(|o| o.trim_end_matches('=').to_string())
            .collect();
        let wanted = options_in(&usage);
        assert!(wanted.len() >= 3, "no options in {usage:?}");
        let missing: Vec<_> = wanted.difference(&offered_names).collect();
        assert!(
            missing.is_empty(),
            "{line:?} does not offer {missing:?}; offered {offered:?}"
        );
        assert!(offered_names.contains("--help") && offered_names.contains("--version"));
    }
}

#[test]
fn bash_offers_the_values_the_usage_lists() {
    if missing_bash() {
        return;
    }
    let home = Scratch::new("completion-home");
    let lists = listed_values(&mosh_rs::bootstrap::options::usage("mosh"));
    let options: Vec<&str> = lists.iter().map(|(o, _)| o.as_str()).collect();
    for expected in [
        "--predict",
        "--family",
        "--bind-server",
        "--experimental-remote-ip",
    ] {
        assert!(
            options.contains(&expected),
            "usage lists no values for {expected}"
        );
    }
    for (option, values) in &lists {
        let offered: BTreeSet<String> = bash_offers(&format!("mosh {option}="), home.path())
            .into_iter()
            .collect();
        assert_eq!(&offered, values, "mosh {option}=");
        // A typed prefix narrows the list.
        let first = values.iter().next().expect("a value");
        let narrowed = bash_offers(&format!("mosh -a {option}={}", &first[..1]), home.path());
        assert!(
            narrowed.contains(first),
            "{option}={}: {narrowed:?}",
            &first[..1]
        );
        assert!(narrowed.iter().all(|v| v.starts_with(&first[..1])));
    }
    // "--opt value" as two words works too.
    assert_eq!(bash_offers("mosh --predict ne", home.path()), ["never"]);
}

#[test]
fn bash_completes_subcommands_server_words_and_colours() {
    if missing_bash() {
        return;
    }
    let home = Scratch::new("completion-home");
    let subcommands: BTreeSet<String> = bash_offers("mosh-rs ", home.path()).into_iter().collect();
    for word in ["mosh", "client", "server", "emulate"] {
        assert!(subcommands.contains(word), "mosh-rs: {subcommands:?}");
    }
    for line in ["mosh-server ", "mosh-rs server "] {
        let offered = bash_offers(line, home.path());
        for word in ["new", "attach", "list", "kill"] {
            assert!(offered.contains(&word.to_string()), "{line:?}: {offered:?}");
        }
    }
    assert_eq!(bash_offers("mosh-server list -", home.path()), ["--json"]);
    assert_eq!(
        bash_offers("mosh-server kill --older-than 1", home.path()),
        ["15m"]
    );
    assert_eq!(bash_offers("mosh-server new -c 2", home.path()), ["256"]);
    let emulate = bash_offers("mosh-rs emulate --", home.path());
    for option in ["--cols", "--rows"] {
        assert!(emulate.contains(&option.to_string()), "{emulate:?}");
    }
}

#[test]
fn bash_completes_hosts_from_ssh_config_then_commands() {
    if missing_bash() {
        return;
    }
    let home = Scratch::new("completion-home");
    std::fs::create_dir_all(home.join(".ssh")).expect("mkdir .ssh");
    std::fs::write(
        home.join(".ssh/config"),
        "Host gpu-login gpu-*\n  User me\nHost arm-cluster\n",
    )
    .expect("ssh config");
    assert_eq!(bash_offers("mosh gpu", home.path()), ["gpu-login"]);
    assert_eq!(
        bash_offers("mosh -a alice@arm", home.path()),
        ["alice@arm-cluster"]
    );
    assert_eq!(
        bash_offers("mosh --ssh=ssh -- arm", home.path()),
        ["arm-cluster"]
    );
    // After the host comes the remote command: commands, not hosts.
    let after_host = bash_offers("mosh arm-cluster bas", home.path());
    assert!(after_host.contains(&"bash".to_string()), "{after_host:?}");
    assert!(!after_host.iter().any(|w| w.contains("cluster")));
    let after_port = bash_offers("mosh -p 60001:60010 gpu", home.path());
    assert_eq!(after_port, ["gpu-login"]);
}

fn missing_zsh() -> bool {
    !crate::support::release::on_path("zsh")
        && crate::support::skip::skip("zsh is not installed (run scripts/test-deps.sh)")
}

/// The option specs `_mosh` hands to `_arguments` when completing `line`.
fn zsh_specs(service: &str, line: &[&str]) -> String {
    let script = format!(
        "fpath=({dir} $fpath)\n\
         autoload -Uz _mosh\n\
         _arguments() {{ print -rl -- \"$@\" }}\n\
         _values() {{ print -rl -- \"$@\" }}\n\
         service={service}\n\
         words=({words})\n\
         CURRENT=${{#words}}\n\
         _mosh\n",
        dir = quoted(&completions_dir().to_string_lossy()),
        words = line.iter().map(|w| quoted(w)).collect::<Vec<_>>().join(" "),
    );
    run(Command::new("zsh").args(["-f", "-c", &script]), b"")
        .expect_success(&format!("zsh completion of {line:?}"))
        .stdout
}

#[test]
fn zsh_registers_every_name_and_specifies_every_option() {
    if missing_zsh() {
        return;
    }
    let registered = run(
        Command::new("zsh").args([
            "-f",
            "-c",
            &format!(
                "fpath=({} $fpath); autoload -Uz compinit; compinit -u -D; \
                 print -r -- ${{_comps[mosh]}} ${{_comps[mosh-client]}} ${{_comps[mosh-server]}} ${{_comps[mosh-rs]}}",
                quoted(&completions_dir().to_string_lossy())
            ),
        ]),
        b"",
    )
    .expect_success("zsh compinit");
    assert_eq!(registered.stdout.trim(), "_mosh _mosh _mosh _mosh");

    let modes = [
        (
            "mosh",
            vec!["mosh", "-"],
            mosh_rs::bootstrap::options::usage("mosh"),
        ),
        (
            "mosh-server",
            vec!["mosh-server", "new", "-"],
            mosh_rs::server::cli::usage("mosh-server"),
        ),
        (
            "mosh-client",
            vec!["mosh-client", "-"],
            mosh_rs::client::settings::usage("mosh-client"),
        ),
        (
            "mosh-rs",
            vec!["mosh-rs", "mosh", "-"],
            mosh_rs::bootstrap::options::usage("mosh"),
        ),
    ];
    for (service, line, usage) in modes {
        let specs = zsh_specs(service, &line);
        let named: BTreeSet<String> = specs
            .lines()
            .map(|spec| {
                let spec = spec.trim_start_matches('*');
                let spec = match spec.strip_prefix('(') {
                    Some(rest) => rest.split_once(')').map_or(rest, |(_, after)| after),
                    None => spec,
                };
                spec.split(['[', '=', ':']).next().unwrap_or("").to_string()
            })
            .collect();
        let missing: Vec<_> = options_in(&usage)
            .into_iter()
            .filter(|o| !named.contains(o))
            .collect();
        assert!(
            missing.is_empty(),
            "zsh {service}: no spec for {missing:?}\n{specs}"
        );
    }
}

#[test]
fn bash_offers_running_session_ids_to_attach_and_kill() {
    if missing_bash() {
        return;
    }
    let home = Scratch::new("completion-home");
    // A stand-in server whose `list` prints a table like the real one.
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let fake = bin.join("mosh-server");
    std::fs::write(
        &fake,
        "#!/bin/sh\n[ \"$1\" = list ] || exit 1\n\
         printf 'ID PID STATE\\nk3x9 11 detached\\nq7m2 12 attached\\n'\n",
    )
    .expect("write");
    let mut permissions = std::fs::metadata(&fake).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake, permissions).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    assert_eq!(
        bash_offers_with_path("mosh-server attach ", home.path(), &path),
        ["k3x9", "q7m2"]
    );
    assert_eq!(
        bash_offers_with_path("mosh-server kill q", home.path(), &path),
        ["q7m2"]
    );
}
