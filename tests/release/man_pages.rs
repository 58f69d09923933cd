//! The man pages in `dist/man/`: they render without a single warning
//! under `groff -ww` and `mandoc -Tlint`, document every option each
//! mode's usage text names and every `MOSH_*` variable the code reads
//! (and none it does not), and carry the crate's version.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use crate::support::release::run;

const PAGES: [&str; 3] = ["mosh", "mosh-client", "mosh-server"];

fn page_path(name: &str) -> PathBuf {
    crate::support::release::repo_root().join(format!("dist/man/{name}.1"))
}

fn page_source(name: &str) -> String {
    std::fs::read_to_string(page_path(name)).expect("man page")
}

/// `true` (after a loud skip) when `tool` is not installed.
fn missing_tool(tool: &str) -> bool {
    if crate::support::release::on_path(tool) {
        return false;
    }
    crate::support::skip::skip(&format!(
        "{tool} is not installed (run scripts/test-deps.sh)"
    ))
}

/// The page as a reader sees it: plain text, no overstriking.
fn rendered(name: &str) -> Option<String> {
    if missing_tool("mandoc") {
        return None;
    }
    let out = run(
        Command::new("mandoc")
            .args(["-Tascii", "-Owidth=200"])
            .arg(page_path(name)),
        b"",
    )
    .expect_success("mandoc -Tascii");
    Some(strip_overstrike(&out.stdout))
}

/// Removes the `c\bc` (bold) and `_\bc` (underline) pairs of terminal
/// output, keeping the visible character.
fn strip_overstrike(text: &str) -> String {
    let mut shown: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            shown.pop();
            continue;
        }
        shown.push(c);
    }
    shown.into_iter().collect()
}

/// Option names in a usage text: `-x`, `--name` (without `=VALUE`).
fn options_in(usage: &str) -> BTreeSet<String> {
    usage
        .split(|c: char| c.is_whitespace() || "[](){},|'\"".contains(c))
        .filter(|word| word.starts_with('-') && word.len() > 1 && *word != "--")
        .map(|word| word.split('=').next().unwrap_or(word).to_string())
        .filter(|word| !word.starts_with("---"))
        .collect()
}

/// Whether `option` appears in `text` as a word of its own.
fn mentions(text: &str, option: &str) -> bool {
    text.match_indices(option).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + option.len()..].chars().next();
        let edge_before = before.is_none_or(|c| !(c.is_alphanumeric() || c == '-'));
        let edge_after = after.is_none_or(|c| !(c.is_alphanumeric() || c == '-'));
        edge_before && edge_after
    })
}

/// The usage text of each mode, straight from the library.
fn usages() -> [(&'static str, String); 3] {
    [
        ("mosh", mosh_rs::bootstrap::options::usage("mosh")),
        (
            "mosh-client",
            mosh_rs::client::settings::usage("mosh-client"),
        ),
        ("mosh-server", mosh_rs::server::cli::usage("mosh-server")),
    ]
}

#[test]
fn pages_render_without_warnings_in_groff_and_mandoc() {
    if missing_tool("groff") || missing_tool("mandoc") {
        return;
    }
    for name in PAGES {
        let groff = run(
            Command::new("groff")
                .args(["-ww", "-man", "-z"])
                .arg(page_path(name)),
            b"",
        );
        assert_eq!(groff.status, Some(0), "{name}: {groff:?}");
        assert_eq!(groff.stderr, "", "groff warns about {name}.1");
        let mandoc = run(
            Command::new("mandoc").arg("-Tlint").arg(page_path(name)),
            b"",
        );
        assert_eq!(mandoc.status, Some(0), "{name}: {mandoc:?}");
        assert_eq!(mandoc.stdout + &mandoc.stderr, "", "mandoc lints {name}.1");
    }
}

#[test]
fn every_option_in_each_usage_text_is_documented() {
    for (name, usage) in usages() {
        let Some(text) = rendered(name) else { return };
        let options = options_in(&usage);
        assert!(options.len() >= 3, "{name}: no options found in {usage:?}");
        let missing: Vec<&String> = options.iter().filter(|o| !mentions(&text, o)).collect();
        assert!(missing.is_empty(), "{name}.1 does not document {missing:?}");
        for common in ["--help", "--version"] {
            assert!(mentions(&text, common), "{name}.1 lacks {common}");
        }
    }
}

/// `MOSH_*` names in string literals of the sources, without the build's
/// own `MOSH_RS_*`.
fn variables_read_by_the_code() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![crate::support::release::repo_root().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                found.extend(
                    variable_names(&text)
                        .into_iter()
                        .filter(|n| text.contains(&format!("\"{n}\""))),
                );
            }
        }
    }
    found.retain(|name| !name.starts_with("MOSH_RS_"));
    found
}

/// Words of the form `MOSH_[A-Z_]+` in `text`.
fn variable_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
        .filter(|w| w.starts_with("MOSH_") && w.len() > 5)
        .map(|w| w.trim_end_matches('_').to_string())
        .collect()
}

#[test]
fn every_mosh_variable_the_code_reads_is_documented_and_no_other() {
    let in_code = variables_read_by_the_code();
    assert!(
        in_code.contains("MOSH_KEY") && in_code.contains("MOSH_SERVER_NETWORK_TMOUT"),
        "the source scan found too little: {in_code:?}"
    );
    let mut in_pages = BTreeSet::new();
    for name in PAGES {
        let Some(text) = rendered(name) else { return };
        in_pages.extend(variable_names(&text));
    }
    let undocumented: Vec<_> = in_code.difference(&in_pages).collect();
    assert!(
        undocumented.is_empty(),
        "not in any man page: {undocumented:?}"
    );
    let invented: Vec<_> = in_pages.difference(&in_code).collect();
    assert!(
        invented.is_empty(),
        "documented but never read: {invented:?}"
    );
}

#[test]
fn pages_carry_the_crate_version() {
    let expected = format!("\"mosh-rs {}\"", env!("CARGO_PKG_VERSION"));
    for name in PAGES {
        let source = page_source(name);
        let title = source
            .lines()
            .find(|l| l.starts_with(".TH "))
            .unwrap_or_else(|| panic!("{name}.1 has no .TH line"));
        assert!(title.contains(&expected), "{name}.1: {title}");
    }
}

#[test]
fn option_scanner_finds_what_a_reader_would() {
    let found = options_in("Usage: x [-s] [-p PORT[:P2]] --predict=WHEN -- cmd {--a|--b}");
    let expected: BTreeSet<String> = ["-s", "-p", "--predict", "--a", "--b"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, expected);
    assert!(mentions("use -p 0 here", "-p"));
    assert!(!mentions("use --port here", "-p"));
    assert!(!mentions("--predict-overwrite", "--predict"));
}
