//! A command-line reader with the rules upstream's `mosh` wrapper gets
//! from Perl's Getopt::Long in its default configuration, so that every
//! command line a user or script already types means the same thing:
//!
//! - `--name` and `-name` are the same; a value follows `=` or comes as
//!   the next argument (whatever it looks like, even `--`);
//! - names ignore ASCII case and may be cut to any unambiguous prefix;
//! - a negatable flag also answers to `noNAME` and `no-NAME`;
//! - options and operands may be mixed (options after the host still
//!   count) until a lone `--`; a lone `-` is an operand;
//! - every mistake is reported (with upstream's wording) and parsing goes
//!   on, so the caller can print them all before the usage.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A flag: `--name`.
    Flag,
    /// A flag that can also be switched off: `--noname`, `--no-name`.
    Negatable,
    /// A flag matched only when typed in full: a mosh-rs option whose
    /// name would otherwise change upstream's messages about ambiguous
    /// prefixes (`--no` names every option starting so).
    ExactFlag,
    /// An option with a mandatory value: `--name=V` or `--name V`.
    Value,
    /// An option whose value is optional and only ever attached:
    /// `--name` or `--name=V` (the next word is never taken).
    OptionalValue,
}

/// One option: its names (the first is the canonical one) and kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Every name, in lower case, canonical first.
    pub names: &'static [&'static str],
    /// What it takes.
    pub kind: Kind,
}

/// What an option occurrence sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Setting {
    /// A flag given plainly.
    On,
    /// A negatable flag given as `no…`.
    Off,
    /// A value.
    Value(OsString),
}

/// The result of reading a command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Each option occurrence in order: the index of its `Spec` and what
    /// it set.
    pub options: Vec<(usize, Setting)>,
    /// Operands (non-options), in order.
    pub operands: Vec<OsString>,
    /// One line per mistake, in upstream's wording.
    pub errors: Vec<String>,
}

/// Reads `args` (without the program name) against `specs`.
pub fn parse(specs: &[Spec], args: &[OsString]) -> Parsed {
    let table = NameTable::new(specs);
    let mut parsed = Parsed::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            parsed.operands.extend(rest.by_ref().cloned());
            break;
        }
        let Some(body) = option_body(bytes) else {
            parsed.operands.push(arg.clone());
            continue;
        };
        let (name, inline_value) = split_inline_value(body);
        let typed = String::from_utf8_lossy(name).to_ascii_lowercase();
        let entry = match table.find(&typed) {
            Ok(entry) => entry,
            Err(message) => {
                parsed.errors.push(message);
                continue;
            }
        };
        let setting = match (specs[entry.spec].kind, inline_value) {
            (Kind::Flag | Kind::Negatable | Kind::ExactFlag, Some(_)) => {
                parsed
                    .errors
                    .push(format!("Option {} does not take an argument", entry.name));
                continue;
            }
            (Kind::Flag | Kind::Negatable | Kind::ExactFlag, None) if entry.negated => Setting::Off,
            (Kind::Flag | Kind::Negatable | Kind::ExactFlag, None) => Setting::On,
            (Kind::Value, Some(value)) if !value.is_empty() => {
                Setting::Value(OsStr::from_bytes(value).to_owned())
            }
            (Kind::OptionalValue, Some(value)) if !value.is_empty() => {
                Setting::Value(OsStr::from_bytes(value).to_owned())
            }
            (Kind::OptionalValue, _) => Setting::On,
            (Kind::Value, Some(_)) => {
                parsed.errors.push(requires_argument(&entry.name));
                continue;
            }
            (Kind::Value, None) => match rest.next() {
                Some(value) => Setting::Value(value.clone()),
                None => {
                    parsed.errors.push(requires_argument(&entry.name));
                    continue;
                }
            },
        };
        parsed.options.push((entry.spec, setting));
    }
    parsed
}

fn requires_argument(name: &str) -> String {
    format!("Option {name} requires an argument")
}

/// The part after the `--` or `-` prefix, if `arg` is an option at all.
fn option_body(arg: &[u8]) -> Option<&[u8]> {
    if arg == b"-" {
        return None;
    }
    arg.strip_prefix(b"--").or_else(|| arg.strip_prefix(b"-"))
}

fn split_inline_value(body: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(b'=', body) {
        Some(at) => (&body[..at], body.get(at + 1..)),
        None => (body, None),
    }
}

/// One spelling an option answers to.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    spec: usize,
    negated: bool,
    exact_only: bool,
}

/// Every spelling of every option, sorted by name.
struct NameTable {
    entries: Vec<Entry>,
}

impl NameTable {
    fn new(specs: &[Spec]) -> NameTable {
        let mut entries = Vec::new();
        for (spec, option) in specs.iter().enumerate() {
            for name in option.names {
                entries.push(Entry {
                    name: (*name).to_string(),
                    spec,
                    negated: false,
                    exact_only: option.kind == Kind::ExactFlag,
                });
                if option.kind == Kind::Negatable {
                    for prefix in ["no", "no-"] {
                        entries.push(Entry {
                            name: format!("{prefix}{name}"),
                            spec,
                            negated: true,
                            exact_only: false,
                        });
                    }
                }
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        NameTable { entries }
    }

    /// The spelling `typed` (lower case) selects: an exact name, else the
    /// only option all names starting with `typed` belong to.
    fn find(&self, typed: &str) -> Result<Entry, String> {
        if let Some(exact) = self.entries.iter().find(|e| e.name == typed) {
            return Ok(exact.clone());
        }
        let hits: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !e.exact_only && !typed.is_empty() && e.name.starts_with(typed))
            .collect();
        let Some(first) = hits.first() else {
            return Err(format!("Unknown option: {typed}"));
        };
        let same_option = hits
            .iter()
            .all(|e| e.spec == first.spec && e.negated == first.negated);
        if same_option {
            return Ok((*first).clone());
        }
        let names: Vec<&str> = hits.iter().map(|e| e.name.as_str()).collect();
        Err(format!(
            "Option {typed} is ambiguous ({})",
            names.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        Spec {
            names: &["client"],
            kind: Kind::Value,
        },
        Spec {
            names: &["predict"],
            kind: Kind::Value,
        },
        Spec {
            names: &["predict-overwrite", "o"],
            kind: Kind::Negatable,
        },
        Spec {
            names: &["p"],
            kind: Kind::Value,
        },
        Spec {
            names: &["port"],
            kind: Kind::Value,
        },
        Spec {
            names: &["init"],
            kind: Kind::Negatable,
        },
        Spec {
            names: &["local"],
            kind: Kind::Flag,
        },
        Spec {
            names: &["a"],
            kind: Kind::Flag,
        },
    ];

    fn run(args: &[&str]) -> Parsed {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(SPECS, &args)
    }

    fn value(s: &str) -> Setting {
        Setting::Value(OsString::from(s))
    }

    #[test]
    fn values_come_inline_or_as_the_next_argument_whatever_it_looks_like() {
        let parsed = run(&["--client=/x", "--predict", "-a", "-p", "--", "host"]);
        assert_eq!(
            parsed.options,
            vec![(0, value("/x")), (1, value("-a")), (3, value("--"))]
        );
        assert_eq!(parsed.operands, vec![OsString::from("host")]);
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn prefixes_and_case_select_options_but_exact_names_win() {
        let parsed = run(&["--CL=c", "-loc", "--P", "1", "--A", "--por=2"]);
        assert_eq!(
            parsed.options,
            vec![
                (0, value("c")),
                (6, Setting::On),
                (3, value("1")),
                (7, Setting::On),
                (4, value("2"))
            ]
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    }

    #[test]
    fn ambiguous_prefixes_list_every_candidate_sorted() {
        let parsed = run(&["--pre=x", "h"]);
        assert_eq!(
            parsed.errors,
            vec!["Option pre is ambiguous (predict, predict-overwrite)".to_string()]
        );
        let parsed = run(&["--no"]);
        assert_eq!(
            parsed.errors,
            vec![
                "Option no is ambiguous (no-init, no-o, no-predict-overwrite, noinit, \
                 noo, nopredict-overwrite)"
                    .to_string()
            ]
        );
    }

    #[test]
    fn spellings_of_one_option_are_not_ambiguous() {
        let parsed = run(&["--nopre", "--no-i", "--noo"]);
        assert_eq!(
            parsed.options,
            vec![(2, Setting::Off), (5, Setting::Off), (2, Setting::Off)]
        );
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn negatable_flags_switch_on_and_off_in_order() {
        let parsed = run(&["--no-init", "--init", "-o", "--no-predict-overwrite"]);
        assert_eq!(
            parsed.options,
            vec![
                (5, Setting::Off),
                (5, Setting::On),
                (2, Setting::On),
                (2, Setting::Off)
            ]
        );
    }

    #[test]
    fn mistakes_are_all_reported_in_upstream_words() {
        let parsed = run(&[
            "--Bogus",
            "--local=yes",
            "--predict=",
            "-p60001",
            "---local",
            "--no-a",
            "host",
            "--client",
        ]);
        assert_eq!(
            parsed.errors,
            vec![
                "Unknown option: bogus",
                "Option local does not take an argument",
                "Option predict requires an argument",
                "Unknown option: p60001",
                "Unknown option: -local",
                "Unknown option: no-a",
                "Option client requires an argument",
            ]
        );
        assert_eq!(parsed.operands, vec![OsString::from("host")]);
    }

    #[test]
    fn operands_mix_with_options_until_a_double_dash() {
        let parsed = run(&["host", "-a", "-", "--", "ls", "-l", "--local"]);
        assert_eq!(parsed.options, vec![(7, Setting::On)]);
        assert_eq!(
            parsed.operands,
            ["host", "-", "ls", "-l", "--local"]
                .iter()
                .map(OsString::from)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_survive_in_values_and_operands() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![b'x', 0xff, b'y']);
        let mut with_prefix = b"--client=".to_vec();
        with_prefix.extend_from_slice(odd.as_bytes());
        let args = vec![OsString::from_vec(with_prefix), odd.clone()];
        let parsed = parse(SPECS, &args);
        assert_eq!(parsed.options, vec![(0, Setting::Value(odd.clone()))]);
        assert_eq!(parsed.operands, vec![odd]);
    }
}
