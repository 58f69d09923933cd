//! Differential test of the terminal emulator against tmux: every stream
//! of `terminal_streams` is shown in a tmux window (80x24) and run through
//! `mosh-rs emulate --cols 80 --rows 24`; the screens (`capture-pane -p`)
//! and cursor positions must be identical, and for query streams the
//! answers sent back to the program too. Then `mosh-rs emulate --ansi`'s
//! full repaint of the final screen is shown in tmux too, and must look
//! exactly like the stream itself (`capture-pane -e`: text, attributes,
//! colours; cursor position and visibility). One tmux server, one window
//! per showing, every wait bounded by a deadline.
//!
//! Needs tmux; without it the test says SKIPPED (and fails when CI=true).

use crate::terminal_streams;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mosh_rs::terminal::Emulator;
use terminal_streams::{corpus, Stream};

const COLS: usize = 80;
const ROWS: usize = 24;
const WAIT: Duration = Duration::from_secs(20);

fn skip_or_fail(why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("tmux differential test cannot run under CI=true: {why}");
    }
    eprintln!("SKIPPED: terminal differential test: {why}");
}

/// A private tmux server, killed by pid when dropped.
struct Tmux {
    dir: PathBuf,
    socket: PathBuf,
    server_pid: Option<i32>,
}

impl Tmux {
    fn start(dir: &Path) -> Result<Tmux, String> {
        let socket = dir.join("tmux.sock");
        let mut tmux = Tmux {
            dir: dir.to_path_buf(),
            socket,
            server_pid: None,
        };
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "diff",
            "-x",
            "80",
            "-y",
            "24",
            "sleep 3600",
        ])?;
        let pid = tmux.run(&["display", "-p", "-t", "diff", "#{pid}"])?;
        tmux.server_pid = pid.trim().parse().ok();
        tmux.run(&["set", "-g", "default-size", "80x24"])?;
        tmux.run(&["set", "-g", "history-limit", "0"])?;
        Ok(tmux)
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env("LC_ALL", "C.UTF-8")
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("tmux: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if let Some(pid) = self.server_pid {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_for_file(path: &Path) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while !path.exists() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {}", path.display()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The shell script a window runs for the stream in `<stem>.in`: show
/// it raw, then a status request whose answer proves tmux has drawn
/// everything before it (the answers land in `<stem>.reply`). With a
/// resize, `<stem>.in2` follows once `<stem>.go` exists.
fn pane_script(dir: &Path, stem: &str, resize: bool, reply_len: usize) -> String {
    let file = |suffix: &str| dir.join(format!("{stem}.{suffix}")).display().to_string();
    let mut script = format!(
        "stty -opost -echo -icanon min 1 time 0; cat '{}'; printf '\\033[5n'; head -c {} > '{}'; ",
        file("in"),
        reply_len + 4,
        file("reply")
    );
    if resize {
        script.push_str(&format!(
            "touch '{}'; while [ ! -e '{}' ]; do sleep 0.01; done; cat '{}'; \
             printf '\\033[5n'; head -c 4 >/dev/null; ",
            file("half"),
            file("go"),
            file("in2")
        ));
    }
    script.push_str(&format!("touch '{}'; exec sleep 3600", file("done")));
    script
}

/// What mosh-rs shows: the screen text (through the binary when there is
/// no resize), the cursor (tmux style: column 80 while a wrap is
/// pending), and the answers to the host.
struct Ours {
    text: String,
    cursor: (usize, usize),
    replies: Vec<u8>,
}

fn ours(stream: &Stream) -> Ours {
    let mut emulator = Emulator::new(COLS, ROWS);
    emulator.feed(&stream.bytes);
    if let Some((cols, rows, after)) = &stream.resize {
        emulator.resize(*cols, *rows);
        emulator.feed(after);
    }
    let replies = emulator.take_host_replies();
    let fb = emulator.framebuffer();
    let (row, col) = fb.cursor();
    let cursor = (row, col + usize::from(fb.pending_wrap()));
    let text = if stream.resize.is_some() {
        fb.text()
    } else {
        emulate_binary(&stream.bytes)
    };
    Ours {
        text,
        cursor,
        replies,
    }
}

fn emulate_binary(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mosh-rs"))
        .args(["emulate", "--cols", "80", "--rows", "24"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mosh-rs emulate");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write stdin");
    let out = child.wait_with_output().expect("mosh-rs emulate output");
    assert!(out.status.success(), "mosh-rs emulate failed");
    String::from_utf8(out.stdout).expect("emulate prints UTF-8")
}

fn trim_trailing_empty_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn show(lines: &[String]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{i:2}|{l}|\n"))
        .collect()
}

/// What tmux shows in a window: plain text, text with attributes
/// (`capture-pane -e`), cursor position and visibility.
struct Shown {
    text: Vec<String>,
    styled: String,
    cursor: Vec<usize>,
    cursor_visible: String,
    replies: Vec<u8>,
}

/// Shows `<stem>.in` (and the resize part of `stream`) in a new tmux
/// window and captures the result.
fn show_in_tmux(
    tmux: &Tmux,
    dir: &Path,
    stem: &str,
    resize: Option<&(usize, usize, Vec<u8>)>,
    reply_len: usize,
) -> Result<Shown, String> {
    let script = pane_script(dir, stem, resize.is_some(), reply_len);
    tmux.run(&["new-window", "-d", "-t", "diff:", "-n", stem, &script])?;
    let window = format!("diff:{stem}");
    let shown = capture_when_done(tmux, dir, stem, &window, resize);
    let _ = tmux.run(&["kill-window", "-t", &window]);
    shown
}

fn capture_when_done(
    tmux: &Tmux,
    dir: &Path,
    stem: &str,
    window: &str,
    resize: Option<&(usize, usize, Vec<u8>)>,
) -> Result<Shown, String> {
    if let Some((cols, rows, _)) = resize {
        wait_for_file(&dir.join(format!("{stem}.half")))?;
        let (c, r) = (cols.to_string(), rows.to_string());
        tmux.run(&["resize-window", "-t", window, "-x", &c, "-y", &r])?;
        std::fs::write(dir.join(format!("{stem}.go")), b"").map_err(|e| e.to_string())?;
    }
    wait_for_file(&dir.join(format!("{stem}.done")))?;
    let text = tmux.run(&["capture-pane", "-p", "-t", window])?;
    let styled = tmux.run(&["capture-pane", "-p", "-e", "-t", window])?;
    let cursor = tmux.run(&["display", "-p", "-t", window, "#{cursor_y} #{cursor_x}"])?;
    let cursor_visible = tmux.run(&["display", "-p", "-t", window, "#{cursor_flag}"])?;
    Ok(Shown {
        text: trim_trailing_empty_lines(&text),
        styled: trim_trailing_empty_lines(&styled).join("\n"),
        cursor: cursor
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect(),
        cursor_visible: cursor_visible.trim().to_string(),
        replies: std::fs::read(dir.join(format!("{stem}.reply"))).unwrap_or_default(),
    })
}

/// The cells of a `capture-pane -e` dump: each row's characters with
/// their attributes and colours, read back through the emulator (whose
/// SGR parsing has its own unit tests). Comparing cells rather than the
/// dump's bytes ignores how tmux happens to spell the same attributes
/// (`38;5;1` and `31` are both palette entry 1; capture-pane sometimes
/// leaves an SGR for trimmed trailing blanks).
fn styled_cells(styled: &str) -> Vec<Vec<(String, mosh_rs::terminal::Rendition)>> {
    let lines: Vec<&str> = styled.split('\n').collect();
    let mut emulator = Emulator::new(COLS, lines.len().max(1));
    for (i, line) in lines.iter().enumerate() {
        emulator.feed(format!("\x1b[{};1H\x1b[m{line}", i + 1).as_bytes());
    }
    let fb = emulator.framebuffer();
    (0..fb.height())
        .map(|r| {
            let row = fb.row(r);
            (0..row.content_len())
                .map(|c| (row.cell(c).text(), row.cell(c).rendition()))
                .collect()
        })
        .collect()
}

/// Compares what tmux shows for a stream with what mosh-rs shows.
fn compare(stream: &Stream, theirs: &Shown, ours: &Ours) -> Option<String> {
    let mine = trim_trailing_empty_lines(&ours.text);
    if theirs.text != mine {
        return Some(format!(
            "screens differ\n--- tmux\n{}--- mosh-rs\n{}",
            show(&theirs.text),
            show(&mine)
        ));
    }
    if theirs.cursor != [ours.cursor.0, ours.cursor.1] {
        return Some(format!(
            "cursor differs: tmux {:?}, mosh-rs {:?}",
            theirs.cursor, ours.cursor
        ));
    }
    if stream.check_replies {
        let mut expected = ours.replies.clone();
        expected.extend_from_slice(b"\x1b[0n");
        if theirs.replies != expected {
            return Some(format!(
                "answers differ: tmux {:?}, mosh-rs {:?}",
                String::from_utf8_lossy(&theirs.replies),
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    None
}

/// Compares tmux showing the stream with tmux showing mosh-rs's full
/// repaint of its own final screen: text, attributes, colours, cursor.
fn compare_repaint(direct: &Shown, repaint: &Shown) -> Option<String> {
    if styled_cells(&direct.styled) != styled_cells(&repaint.styled) {
        return Some(format!(
            "repaint differs (capture-pane -e)\n--- stream\n{:?}\n--- repaint\n{:?}",
            direct.styled, repaint.styled
        ));
    }
    if direct.cursor != repaint.cursor || direct.cursor_visible != repaint.cursor_visible {
        return Some(format!(
            "repaint cursor differs: stream {:?} visible {}, repaint {:?} visible {}",
            direct.cursor, direct.cursor_visible, repaint.cursor, repaint.cursor_visible
        ));
    }
    None
}

fn emulate_ansi(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mosh-rs"))
        .args(["emulate", "--cols", "80", "--rows", "24", "--ansi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mosh-rs emulate --ansi");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write stdin");
    let out = child.wait_with_output().expect("mosh-rs emulate output");
    assert!(out.status.success(), "mosh-rs emulate --ansi failed");
    out.stdout
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mosh-rs-termdiff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn streams_look_the_same_in_tmux_and_mosh_rs() {
    let streams = corpus();
    assert!(streams.len() >= 150, "only {} streams", streams.len());
    if Command::new("tmux").arg("-V").output().is_err() {
        skip_or_fail("tmux is not installed (scripts/test-deps.sh installs it)");
        return;
    }
    let dir = temp_dir();
    let tmux = match Tmux::start(&dir) {
        Ok(t) => t,
        Err(e) => {
            skip_or_fail(&format!("tmux does not start: {e}"));
            return;
        }
    };

    let mut failures = Vec::new();
    let mut compared = 0;
    let mut repainted = 0;
    let mut excluded = Vec::new();
    for (index, stream) in streams.iter().enumerate() {
        let mine = ours(stream);
        if let Some((reason, expected)) = &stream.tmux_differs {
            let got = trim_trailing_empty_lines(&mine.text);
            if &got != expected {
                failures.push(format!(
                    "{}: mosh-rs does not show what xterm shows\n--- expected\n{}--- mosh-rs\n{}",
                    stream.name,
                    show(expected),
                    show(&got)
                ));
            }
            excluded.push(format!("{}: {}", stream.name, reason));
            continue;
        }
        let stem = format!("s{index}");
        std::fs::write(dir.join(format!("{stem}.in")), &stream.bytes).expect("write stream");
        if let Some((_, _, after)) = &stream.resize {
            std::fs::write(dir.join(format!("{stem}.in2")), after).expect("write stream");
        }
        let direct = match show_in_tmux(
            &tmux,
            &dir,
            &stem,
            stream.resize.as_ref(),
            mine.replies.len(),
        ) {
            Ok(shown) => shown,
            Err(e) => {
                failures.push(format!("{}: {e}", stream.name));
                continue;
            }
        };
        if let Some(problem) = compare(stream, &direct, &mine) {
            failures.push(format!("{}: {problem}", stream.name));
        }
        compared += 1;
        if stream.resize.is_none() {
            let stem = format!("r{index}");
            let repaint = emulate_ansi(&stream.bytes);
            std::fs::write(dir.join(format!("{stem}.in")), &repaint).expect("write repaint");
            match show_in_tmux(&tmux, &dir, &stem, None, 0) {
                Ok(shown) => {
                    if let Some(problem) = compare_repaint(&direct, &shown) {
                        failures.push(format!("{} (--ansi): {problem}", stream.name));
                    }
                    repainted += 1;
                }
                Err(e) => failures.push(format!("{} (--ansi): {e}", stream.name)),
            }
        }
    }
    eprintln!(
        "terminal differential: {compared} streams compared with tmux, {repainted} \
         repaints (emulate --ansi) shown in tmux, {} excluded (tmux departs from xterm):",
        excluded.len()
    );
    for line in &excluded {
        eprintln!("  {line}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} streams differ:\n\n{}",
        failures.len(),
        streams.len(),
        failures.join("\n\n")
    );
}
