//! `mosh-rs emulate [--cols N] [--rows N] [--ansi]`: runs a byte stream
//! from stdin through the terminal emulator and prints the final screen,
//! as text (the format of `tmux capture-pane -p`) or, with `--ansi`, as the
//! escape sequences that repaint it on a real terminal. For people
//! debugging what a program draws, and for differential tests.

use std::ffi::OsString;
use std::io::{Read, Write};

use super::display::{render, RenderCaps};
use super::emulator::Emulator;
use super::framebuffer::{MAX_HEIGHT, MAX_WIDTH};

const USAGE: &str = "\
Usage: mosh-rs emulate [--cols N] [--rows N] [--ansi]

Reads a byte stream on stdin, runs it through mosh-rs's terminal emulator
and prints the final screen: one line per row, trailing blanks trimmed
(like `tmux capture-pane -p`), or with --ansi the escape sequences that
repaint that screen on a real terminal.

Options:
  --cols N    screen width (default 80)
  --rows N    screen height (default 24)
  --ansi      print a full repaint instead of text
  --help      print this help and exit
";

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    cols: usize,
    rows: usize,
    ansi: bool,
}

fn parse_size(name: &str, value: OsString, max: usize) -> Result<usize, String> {
    let text = value.to_string_lossy();
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name}: expected a number from 1 to {max}, got '{text}'"
        )),
    }
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Options>, String> {
    use lexopt::prelude::*;
    let mut options = Options {
        cols: 80,
        rows: 24,
        ansi: false,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("cols") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                options.cols = parse_size("--cols", value, MAX_WIDTH)?;
            }
            Long("rows") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                options.rows = parse_size("--rows", value, MAX_HEIGHT)?;
            }
            Long("ansi") => options.ansi = true,
            Long("help") | Short('h') => return Ok(None),
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(Some(options))
}

/// Runs the command; returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let options = match parse_args(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return 0;
        }
        Err(message) => {
            eprintln!("mosh-rs emulate: {message}");
            eprint!("{USAGE}");
            return 1;
        }
    };
    let mut emulator = Emulator::new(options.cols, options.rows);
    let mut stdin = std::io::stdin().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => emulator.feed(buf.get(..n).unwrap_or(&[])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("mosh-rs emulate: reading stdin: {e}");
                return 1;
            }
        }
    }
    let output = if options.ansi {
        render(None, emulator.framebuffer(), &RenderCaps::default())
    } else {
        emulator.framebuffer().text().into_bytes()
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&output).and_then(|()| stdout.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("mosh-rs emulate: writing stdout: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn defaults_and_options() {
        assert_eq!(
            parse_args(args(&[])).unwrap(),
            Some(Options {
                cols: 80,
                rows: 24,
                ansi: false
            })
        );
        assert_eq!(
            parse_args(args(&["--cols", "132", "--rows=50", "--ansi"])).unwrap(),
            Some(Options {
                cols: 132,
                rows: 50,
                ansi: true
            })
        );
        assert_eq!(parse_args(args(&["--help"])).unwrap(), None);
    }

    #[test]
    fn bad_options_name_the_option() {
        let err = parse_args(args(&["--cols", "0"])).unwrap_err();
        assert!(err.contains("--cols"), "{err}");
        let err = parse_args(args(&["--rows", "x"])).unwrap_err();
        assert!(err.contains("--rows"), "{err}");
        let err = parse_args(args(&["--bogus"])).unwrap_err();
        assert!(err.contains("--bogus"), "{err}");
    }
}
