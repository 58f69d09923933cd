//! Differential test of the terminal emulator against tmux: every stream
//! of `terminal_streams` is shown in a tmux window (80x24) and run through
//! `mosh-rs emulate --cols 80 --rows 24`; the screens (`capture-pane -p`)
//! and cursor positions must be identical, and for query streams the
//! answers sent back to the program too. One tmux server, one window per
//! stream, every wait bounded by a deadline.
//!
//! Needs tmux; without it the test says SKIPPED (and fails when CI=true).

#[path = "terminal_streams/mod.rs"]
mod terminal_streams;

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

/// The shell script a window runs: show the stream raw, then a status
/// request whose answer proves tmux has drawn everything before it.
fn pane_script(dir: &Path, index: usize, stream: &Stream, reply_len: usize) -> String {
    let file = |suffix: &str| dir.join(format!("s{index}.{suffix}")).display().to_string();
    let barrier = format!(
        "printf '\\033[5n'; head -c {} > '{}'",
        reply_len + 4,
        file("reply")
    );
    let mut script = format!(
        "stty -opost -echo -icanon min 1 time 0; cat '{}'; {barrier}; ",
        file("in")
    );
    if stream.resize.is_some() {
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

/// Compares one stream in the tmux window `window`; returns a description
/// of the difference, if any.
fn compare(tmux: &Tmux, dir: &Path, index: usize, stream: &Stream, ours: &Ours) -> Option<String> {
    let window = format!("diff:s{index}");
    if let Some((cols, rows, _)) = &stream.resize {
        if let Err(e) = wait_for_file(&dir.join(format!("s{index}.half"))) {
            return Some(e);
        }
        let (c, r) = (cols.to_string(), rows.to_string());
        if let Err(e) = tmux.run(&["resize-window", "-t", &window, "-x", &c, "-y", &r]) {
            return Some(e);
        }
        if let Err(e) = std::fs::write(dir.join(format!("s{index}.go")), b"") {
            return Some(e.to_string());
        }
    }
    if let Err(e) = wait_for_file(&dir.join(format!("s{index}.done"))) {
        return Some(e);
    }
    let capture = match tmux.run(&["capture-pane", "-p", "-t", &window]) {
        Ok(c) => c,
        Err(e) => return Some(e),
    };
    let cursor = match tmux.run(&["display", "-p", "-t", &window, "#{cursor_y} #{cursor_x}"]) {
        Ok(c) => c,
        Err(e) => return Some(e),
    };
    let theirs = trim_trailing_empty_lines(&capture);
    let mine = trim_trailing_empty_lines(&ours.text);
    if theirs != mine {
        return Some(format!(
            "screens differ\n--- tmux\n{}--- mosh-rs\n{}",
            show(&theirs),
            show(&mine)
        ));
    }
    let their_cursor: Vec<usize> = cursor
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    if their_cursor != [ours.cursor.0, ours.cursor.1] {
        return Some(format!(
            "cursor differs: tmux {their_cursor:?}, mosh-rs {:?}",
            ours.cursor
        ));
    }
    if stream.check_replies {
        let reply = std::fs::read(dir.join(format!("s{index}.reply"))).unwrap_or_default();
        let mut expected = ours.replies.clone();
        expected.extend_from_slice(b"\x1b[0n");
        if reply != expected {
            return Some(format!(
                "answers differ: tmux {:?}, mosh-rs {:?}",
                String::from_utf8_lossy(&reply),
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    None
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
        std::fs::write(dir.join(format!("s{index}.in")), &stream.bytes).expect("write stream");
        if let Some((_, _, after)) = &stream.resize {
            std::fs::write(dir.join(format!("s{index}.in2")), after).expect("write stream");
        }
        let script = pane_script(&dir, index, stream, mine.replies.len());
        let name = format!("s{index}");
        tmux.run(&["new-window", "-d", "-t", "diff:", "-n", &name, &script])
            .expect("new tmux window");
        if let Some(problem) = compare(&tmux, &dir, index, stream, &mine) {
            failures.push(format!("{}: {problem}", stream.name));
        }
        let _ = tmux.run(&["kill-window", "-t", &format!("diff:{name}")]);
        compared += 1;
    }
    eprintln!(
        "terminal differential: {compared} streams compared with tmux, {} excluded \
         (tmux departs from xterm):",
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
