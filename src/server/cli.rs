//! The `mosh-server` command line, parsed exactly as upstream does it:
//! `--help`/`--version` anywhere before `--`, the `new` syntax with
//! getopt-style short options (`@:i:p:c:b:svl:`, clusters, attached values,
//! unknown options reported but not fatal), and the legacy forms
//! `mosh-server [IP [PORT]]`.

use std::ffi::OsString;
use std::io::Write;

use super::ports::{parse_port_range, PortRange};

/// What the command line asks the server to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerOptions {
    /// Local address to bind to first (`-i`, `-s`, or the legacy IP).
    pub desired_ip: Option<String>,
    /// Ports to try (`-p`, or the legacy PORT); `None` means the default range.
    pub ports: Option<PortRange>,
    /// Colours the client's terminal has (`-c`); 256 or more selects
    /// `TERM=xterm-256color`.
    pub colors: i64,
    /// How many `-v` were given: stdio stays open and events are logged.
    pub verbose: u32,
    /// `NAME=VALUE` locale settings from the client (`-l`).
    pub locale_vars: Vec<OsString>,
    /// The command after `--`, if any (otherwise the login shell).
    pub command: Option<Vec<OsString>>,
    /// `-b LINES`: scrollback lines kept for a mosh-rs client (mosh-rs's
    /// own option; 0 turns scrollback off).
    pub scrollback_lines: Option<u64>,
}

/// The outcome of parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Start a server with these options.
    Run(ServerOptions),
    /// Exit at once with this status (help, version, or a fatal error).
    Exit(i32),
}

/// The usage line, with the program name as invoked.
pub fn usage(argv0: &str) -> String {
    format!(
        "Usage: {argv0} new [-s] [-v] [-i LOCALADDR] [-p PORT[:PORT2]] [-c COLORS] [-l NAME=VALUE] [-- COMMAND...]\n"
    )
}

/// Where the parser looks things up and writes its messages.
pub struct CliContext<'a> {
    /// The program name as invoked (argv[0]), used in messages.
    pub argv0: &'a str,
    /// The value of `SSH_CONNECTION`, for `-s`.
    pub ssh_connection: Option<String>,
    /// Standard output (for `--help`, `--version`).
    pub out: &'a mut dyn Write,
    /// Standard error (for errors and warnings).
    pub err: &'a mut dyn Write,
}

/// Parses the arguments after the program name.
pub fn parse(args: &[OsString], ctx: &mut CliContext<'_>) -> Parsed {
    let split = args.iter().position(|a| a == "--");
    let (options, command) = match split {
        Some(i) => (
            &args[..i],
            args.get(i + 1..).filter(|rest| !rest.is_empty()),
        ),
        None => (args, None),
    };
    for arg in options {
        if arg == "--help" || arg == "-h" {
            let _ = ctx.out.write_all(usage(ctx.argv0).as_bytes());
            return Parsed::Exit(0);
        }
        if arg == "--version" {
            let _ = ctx
                .out
                .write_all(crate::version::version_text("mosh-server").as_bytes());
            return Parsed::Exit(0);
        }
    }
    let mut opts = ServerOptions {
        command: command.map(<[OsString]>::to_vec),
        ..ServerOptions::default()
    };
    let mut desired_port: Option<String> = None;
    let words: Vec<String> = options
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match words.as_slice() {
        [first, rest @ ..] if first == "new" => {
            if let Some(code) = parse_new(
                options.get(1..).unwrap_or(&[]),
                rest,
                &mut opts,
                &mut desired_port,
                ctx,
            ) {
                return Parsed::Exit(code);
            }
        }
        [] => {}
        [ip] => opts.desired_ip = Some(ip.clone()),
        [ip, port] => {
            opts.desired_ip = Some(ip.clone());
            desired_port = Some(port.clone());
        }
        _ => {
            let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
            return Parsed::Exit(1);
        }
    }
    if let Some(spec) = desired_port {
        match parse_port_range(&spec) {
            Ok(range) => opts.ports = Some(range),
            Err(why) => {
                let _ = writeln!(ctx.err, "{why}");
                let _ = writeln!(ctx.err, "{}: Bad UDP port range ({spec})", ctx.argv0);
                let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
                return Parsed::Exit(1);
            }
        }
    }
    Parsed::Run(opts)
}

/// getopt over the words after `new`; returns an exit status if fatal.
fn parse_new(
    raw: &[OsString],
    words: &[String],
    opts: &mut ServerOptions,
    desired_port: &mut Option<String>,
    ctx: &mut CliContext<'_>,
) -> Option<i32> {
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if !word.starts_with('-') || word == "-" {
            continue; // getopt moves operands to the end; upstream ignores them
        }
        let cluster: Vec<char> = word.chars().skip(1).collect();
        let mut j = 0;
        while j < cluster.len() {
            let letter = cluster[j];
            j += 1;
            match letter {
                's' => opts.desired_ip = ssh_local_ip(ctx),
                'v' => opts.verbose = opts.verbose.saturating_add(1),
                '@' | 'i' | 'p' | 'c' | 'b' | 'l' => {
                    let value: Option<OsString> = if j < cluster.len() {
                        let attached: String = cluster[j..].iter().collect();
                        j = cluster.len();
                        Some(OsString::from(attached))
                    } else if i < words.len() {
                        i += 1;
                        raw.get(i - 1).cloned()
                    } else {
                        None
                    };
                    let Some(value) = value else {
                        let _ = writeln!(ctx.err, "new: option requires an argument -- '{letter}'");
                        let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
                        continue;
                    };
                    if let Some(code) = apply_valued(letter, value, opts, desired_port, ctx) {
                        return Some(code);
                    }
                }
                other => {
                    let _ = writeln!(ctx.err, "new: invalid option -- '{other}'");
                    let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
                }
            }
        }
    }
    None
}

fn apply_valued(
    letter: char,
    value: OsString,
    opts: &mut ServerOptions,
    desired_port: &mut Option<String>,
    ctx: &mut CliContext<'_>,
) -> Option<i32> {
    let text = value.to_string_lossy().into_owned();
    match letter {
        'i' => opts.desired_ip = Some(text),
        'p' => *desired_port = Some(text),
        'l' => opts.locale_vars.push(value),
        'b' => match parse_c_long(&text).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => opts.scrollback_lines = Some(n),
            None => {
                let _ = writeln!(
                    ctx.err,
                    "{}: Bad number of scrollback lines ({text})",
                    ctx.argv0
                );
                let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
                return Some(1);
            }
        },
        'c' => match parse_c_long(&text) {
            Some(n) => opts.colors = n,
            None => {
                let _ = writeln!(ctx.err, "{}: Bad number of colors ({text})", ctx.argv0);
                let _ = ctx.err.write_all(usage(ctx.argv0).as_bytes());
                return Some(1);
            }
        },
        _ => {} // '@' swallows its argument on purpose
    }
    None
}

/// The local address from `SSH_CONNECTION` (its third field), with an
/// IPv4-mapped prefix removed; `None` (bind anywhere) with a warning
/// when it is missing or malformed.
fn ssh_local_ip(ctx: &mut CliContext<'_>) -> Option<String> {
    let Some(conn) = ctx.ssh_connection.as_deref() else {
        let _ = writeln!(
            ctx.err,
            "Warning: SSH_CONNECTION not found; binding to any interface."
        );
        return None;
    };
    let Some(local) = conn.split_whitespace().nth(2) else {
        let _ = writeln!(
            ctx.err,
            "Warning: Could not parse SSH_CONNECTION; binding to any interface."
        );
        return None;
    };
    const MAPPED: &str = "::ffff:";
    let ip = match local.get(..MAPPED.len()) {
        Some(prefix) if local.len() > MAPPED.len() && prefix.eq_ignore_ascii_case(MAPPED) => {
            &local[MAPPED.len()..]
        }
        _ => local,
    };
    if ip.is_empty() {
        return None;
    }
    Some(ip.to_string())
}

/// `strtol(s, &end, 10)` that must consume the whole string, as upstream's
/// number parsing: leading blanks and a sign are allowed; an empty string
/// is 0; overflow is an error.
pub(crate) fn parse_c_long(s: &str) -> Option<i64> {
    let (value, rest) = strtol_prefix(s)?;
    rest.is_empty().then_some(value)
}

/// Parses a C `strtol` prefix of `s`; returns the value and the rest of
/// the string after it (all of `s` when there are no digits), or `None`
/// on overflow.
pub(crate) fn strtol_prefix(s: &str) -> Option<(i64, &str)> {
    let trimmed = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, unsigned) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Some((0, s));
    }
    let mut value: i64 = 0;
    for b in unsigned[..digits].bytes() {
        let digit = i64::from(b - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(digit)?
        } else {
            value.checked_add(digit)?
        };
    }
    Some((value, &unsigned[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], ssh: Option<&str>) -> (Parsed, String, String) {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let parsed = {
            let mut ctx = CliContext {
                argv0: "mosh-server",
                ssh_connection: ssh.map(str::to_string),
                out: &mut out,
                err: &mut err,
            };
            parse(&args, &mut ctx)
        };
        (
            parsed,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn opts(args: &[&str]) -> ServerOptions {
        match run(args, None).0 {
            Parsed::Run(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn new_syntax_with_every_option() {
        let o = opts(&[
            "new",
            "-v",
            "-vi",
            "10.0.0.1",
            "-p60010:60020",
            "-c",
            "256",
            "-l",
            "LANG=C.UTF-8",
            "-@",
            "x",
            "--",
            "vi",
            "f",
        ]);
        assert_eq!(o.verbose, 2);
        assert_eq!(o.desired_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(
            o.ports,
            Some(PortRange {
                low: 60010,
                high: 60020
            })
        );
        assert_eq!(o.colors, 256);
        assert_eq!(o.locale_vars, vec![OsString::from("LANG=C.UTF-8")]);
        assert_eq!(
            o.command,
            Some(vec![OsString::from("vi"), OsString::from("f")])
        );
    }

    #[test]
    fn legacy_forms() {
        assert_eq!(opts(&[]), ServerOptions::default());
        assert_eq!(opts(&["1.2.3.4"]).desired_ip.as_deref(), Some("1.2.3.4"));
        let o = opts(&["1.2.3.4", "7000"]);
        assert_eq!(
            o.ports,
            Some(PortRange {
                low: 7000,
                high: 7000
            })
        );
        let (parsed, _, err) = run(&["a", "b", "c"], None);
        assert_eq!(parsed, Parsed::Exit(1));
        assert!(err.starts_with("Usage: mosh-server new"));
    }

    #[test]
    fn bad_port_range_is_fatal_with_upstreams_lines() {
        let (parsed, _, err) = run(&["new", "-p", "5:3"], None);
        assert_eq!(parsed, Parsed::Exit(1));
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines[0], "Low port 5 greater than high port 3");
        assert_eq!(lines[1], "mosh-server: Bad UDP port range (5:3)");
        assert!(lines[2].starts_with("Usage: "));
    }

    #[test]
    fn bad_colors_is_fatal() {
        let (parsed, _, err) = run(&["new", "-c", "256x"], None);
        assert_eq!(parsed, Parsed::Exit(1));
        assert!(err.starts_with("mosh-server: Bad number of colors (256x)\nUsage:"));
        assert_eq!(opts(&["new", "-c", " -5"]).colors, -5);
    }

    #[test]
    fn unknown_and_incomplete_options_warn_and_go_on() {
        let (parsed, _, err) = run(&["new", "x", "-z", "-vc"], None);
        let Parsed::Run(o) = parsed else { panic!() };
        assert_eq!(o.verbose, 1);
        assert!(err.contains("new: invalid option -- 'z'\nUsage:"));
        assert!(err.contains("new: option requires an argument -- 'c'\nUsage:"));
        let (_, _, err) = run(&["new", "--foo"], None);
        assert!(err.starts_with("new: invalid option -- '-'\n"));
    }

    #[test]
    fn help_and_version_win_anywhere_before_the_command() {
        let (parsed, out, _) = run(&["new", "-p", "bad", "--help"], None);
        assert_eq!(parsed, Parsed::Exit(0));
        assert!(out.starts_with("Usage: mosh-server new [-s]"));
        let (parsed, out, _) = run(&["--version"], None);
        assert_eq!(parsed, Parsed::Exit(0));
        assert!(out.starts_with("mosh-server (mosh-rs "));
        let o = opts(&["new", "--", "prog", "--help"]);
        assert_eq!(o.command.unwrap()[1], "--help");
        assert_eq!(opts(&["new", "--"]).command, None);
    }

    #[test]
    fn dash_s_uses_ssh_connection_and_i_overrides_in_order() {
        let (p, _, _) = run(&["new", "-s"], Some("10.1.1.1 5555 ::FFFF:192.168.1.2 22"));
        assert_eq!(
            p,
            Parsed::Run(ServerOptions {
                desired_ip: Some("192.168.1.2".into()),
                ..Default::default()
            })
        );
        let (p, _, _) = run(&["new", "-s", "-i", "::1"], Some("a b fe80::1 22"));
        let Parsed::Run(o) = p else { panic!() };
        assert_eq!(o.desired_ip.as_deref(), Some("::1"));
        let (p, _, err) = run(&["new", "-i", "1.1.1.1", "-s"], None);
        let Parsed::Run(o) = p else { panic!() };
        assert_eq!(o.desired_ip, None);
        assert!(err.contains("SSH_CONNECTION not found"));
        let (_, _, err) = run(&["new", "-s"], Some("only two"));
        assert!(err.contains("Could not parse SSH_CONNECTION"));
    }

    #[test]
    fn strtol_rules() {
        assert_eq!(parse_c_long(""), Some(0));
        assert_eq!(parse_c_long("  +12"), Some(12));
        assert_eq!(parse_c_long("12 "), None);
        assert_eq!(parse_c_long("99999999999999999999"), None);
        assert_eq!(strtol_prefix("5:7"), Some((5, ":7")));
        assert_eq!(strtol_prefix("abc"), Some((0, "abc")));
    }
}
