//! Native scrollback in a real terminal: the bytes of
//! `terminal::scrollback` and of the renderer's primary-screen mode
//! (`RenderCaps::keep_scrollback_clean`) written, as the client writes
//! them, into an 80x24 tmux pane whose program is `stty -opost; cat` of
//! a FIFO, and tmux's own history read back with `capture-pane -S -`
//! (`-J` joins soft wraps, `-e` shows attributes). The history must hold
//! what the user had before the session, then exactly the lines fed to
//! it, in order, once each; the frames drawn on the screen must never
//! reach it, and the screen must show the last frame.

use crate::support::{
    cells::{Colour, Screen},
    rng::Rng,
    scratch::Scratch,
    shell::shell_quote,
    skip,
    tmux::Tmux,
};

use mosh_rs::terminal::{render, scrollback, Emulator, Framebuffer, HistoryLine, RenderCaps};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

const COLS: u16 = 80;
const ROWS: u16 = 24;
const HEIGHT: usize = ROWS as usize;

fn clean_caps() -> RenderCaps {
    RenderCaps {
        keep_scrollback_clean: true,
        ..RenderCaps::default()
    }
}

/// A tmux pane that shows the raw bytes written to it (no LF-to-CRLF,
/// as a client's terminal in raw mode).
struct Pane {
    tmux: Tmux,
    fifo: File,
    marks: u32,
    _dir: Scratch,
}

impl Pane {
    fn start(name: &str) -> Pane {
        let dir = Scratch::new(name);
        let path = dir.join("screen.fifo");
        let made = Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
        let path_text = path.display().to_string();
        let command = format!("stty -opost; exec cat {}", shell_quote(&path_text));
        let tmux = Tmux::start_with_history(COLS, ROWS, &command, &[], 10_000).expect("tmux");
        // A non-blocking open fails until `cat` has the FIFO open for
        // reading; the descriptor then becomes blocking for the writes. (A
        // second, blocking open would wait for ever if `cat` were gone.)
        let deadline = Instant::now() + Duration::from_secs(10);
        let fifo = loop {
            let fifo = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&path);
            if let Ok(fifo) = fifo {
                break fifo;
            }
            assert!(Instant::now() < deadline, "cat never opened the FIFO");
            std::thread::sleep(Duration::from_millis(20));
        };
        mosh_rs::sys::fd::set_nonblocking(std::os::fd::AsFd::as_fd(&fifo), false)
            .expect("a blocking FIFO");
        Pane {
            tmux,
            fifo,
            marks: 0,
            _dir: dir,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.fifo.write_all(bytes).expect("write to the pane");
    }

    /// Returns once tmux has taken in everything written so far: a pane
    /// title set after it shows (titles touch neither screen nor history).
    fn settle(&mut self) {
        self.marks += 1;
        let mark = format!("settled-{}", self.marks);
        self.write(format!("\x1b]2;{mark}\x07").as_bytes());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.tmux.display("#{pane_title}").as_deref() != Some(mark.as_str()) {
            assert!(Instant::now() < deadline, "tmux never showed {mark}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn history_size(&self) -> usize {
        let size = self.tmux.display("#{history_size}").unwrap_or_default();
        size.trim().parse().expect("history size")
    }

    /// The lines of tmux's history (not the screen), with `flags` added
    /// to `capture-pane` (`-J`, `-e`).
    fn history(&self, flags: &[&str]) -> Vec<String> {
        if self.history_size() == 0 {
            return Vec::new();
        }
        let mut args = vec!["-S", "-", "-E", "-1"];
        args.extend_from_slice(flags);
        lines_of(&self.tmux.capture_flags(&args))
    }

    /// The visible rows, trailing blanks trimmed.
    fn screen(&self) -> Vec<String> {
        lines_of(&self.tmux.capture())
    }

    fn cursor(&self) -> (usize, usize) {
        let at = |format: &str| {
            let value = self.tmux.display(format).unwrap_or_default();
            value.trim().parse::<usize>().expect("cursor")
        };
        (at("#{cursor_y}"), at("#{cursor_x}"))
    }

    /// Asserts that the screen shows `frame` (text, soft wraps, cursor).
    fn assert_shows(&self, frame: &Framebuffer, when: &str) {
        assert_eq!(self.screen(), lines_of(&frame.text()), "screen {when}");
        let joined = lines_of(&self.tmux.capture_flags(&["-J"]));
        assert_eq!(joined, joined_rows(frame), "soft wraps {when}");
        if !frame.pending_wrap() {
            assert_eq!(self.cursor(), frame.cursor(), "cursor {when}");
        }
    }
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_end().to_string()).collect()
}

/// The frame's rows with the wrapped ones joined, as `capture-pane -J`
/// shows them (the text is ASCII).
fn joined_rows(frame: &Framebuffer) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for r in 0..frame.height() {
        current.extend((0..frame.width()).map(|c| frame.cell(r, c).ch()));
        if !(frame.row(r).wrapped() && r + 1 < frame.height()) {
            lines.push(std::mem::take(&mut current).trim_end().to_string());
        }
    }
    lines
}

fn blank_screen() -> Vec<String> {
    vec![String::new(); HEIGHT]
}

/// Texts of plain lines `prefix 0000`, `prefix 0001`...
fn numbered(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i:04}")).collect()
}

fn plain_lines(texts: &[String]) -> Vec<HistoryLine> {
    texts.iter().map(|t| HistoryLine::plain(t)).collect()
}

/// What a program prints into the session: `lines` log lines.
fn log_output(emulator: &mut Emulator, first: usize, lines: usize) {
    for i in first..first + lines {
        emulator.feed(format!("\r\nprogram output {i:04}").as_bytes());
    }
}

#[test]
fn what_was_on_the_screen_before_the_session_goes_into_history_once() {
    if skip::missing_tmux() {
        return;
    }
    // (what the user's terminal showed, the history expected after entering)
    let mut thirty = numbered("before", 0..30).join("\r\n");
    thirty.push_str("\r\n$ mosh host");
    let cases = [
        (
            "line one\r\nline two\r\n$ mosh host".to_string(),
            vec!["line one", "line two", "$ mosh host"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
        ),
        (thirty, {
            let mut all = numbered("before", 0..30);
            all.push("$ mosh host".into());
            all
        }),
        // Rows under the cursor are erased, not kept.
        (
            "a\r\nb\r\nstale row\x1b[2;1H".to_string(),
            vec!["a".to_string(), "b".to_string()],
        ),
    ];
    for (case, (before, expected)) in cases.into_iter().enumerate() {
        let mut pane = Pane::start("scrollback-enter");
        pane.write(before.as_bytes());
        pane.write(&scrollback::enter_primary(HEIGHT));
        pane.settle();
        assert_eq!(pane.history(&[]), expected, "case {case}");
        assert_eq!(pane.screen(), blank_screen(), "case {case}");
        assert_eq!(pane.cursor(), (0, 0), "case {case}");
        // Then the session draws, and scrolls, on the primary screen.
        let caps = clean_caps();
        let mut emulator = Emulator::new(COLS.into(), HEIGHT);
        emulator.feed(b"$ ");
        let mut shown = emulator.framebuffer().clone();
        pane.write(&render(None, &shown, &caps));
        for step in 0..4 {
            log_output(&mut emulator, step * 20, 20);
            let next = emulator.framebuffer().clone();
            pane.write(&render(Some(&shown), &next, &caps));
            shown = next;
        }
        pane.settle();
        assert_eq!(pane.history(&[]), expected, "case {case}, after drawing");
        pane.assert_shows(&shown, &format!("case {case}"));
    }
}

/// One step of the interleaved scenario: the program prints, or a batch
/// of history arrives (with the skipped count).
enum Step {
    Output(usize),
    History(u64, Vec<HistoryLine>),
    /// A batch written with `feed_history` and the repaint separately.
    HistoryThenRepaint(Vec<HistoryLine>),
}

#[test]
fn fed_history_lands_in_order_once_with_wraps_attributes_and_the_marker() {
    if skip::missing_tmux() {
        return;
    }
    let long = "0123456789".repeat(10);
    let (head, tail) = long.split_at(80);
    let coloured = vec![
        HistoryLine::plain("plain before colours"),
        HistoryLine::plain("\x1b[31mred 0004\x1b[m"),
        HistoryLine::plain("\x1b[1;44mbold on blue\x1b[m then plain"),
        HistoryLine::plain("plain after colours"),
    ];
    let wrapped = vec![
        HistoryLine::plain("before the long line"),
        HistoryLine {
            text: head.as_bytes().into(),
            wrapped: true,
        },
        HistoryLine::plain(tail),
        HistoryLine::plain("after the long line"),
    ];
    let steps = vec![
        Step::Output(10),
        Step::History(0, plain_lines(&numbered("first", 0..3))),
        Step::Output(30),
        Step::History(0, coloured),
        Step::Output(3),
        Step::History(0, wrapped),
        Step::Output(1),
        Step::History(0, plain_lines(&numbered("long batch", 0..60))),
        Step::Output(25),
        Step::History(990_000, plain_lines(&numbered("after skip", 0..5))),
        Step::Output(2),
        Step::HistoryThenRepaint(plain_lines(&numbered("separate", 0..2))),
        Step::History(7, Vec::new()),
        Step::Output(4),
    ];
    // The user pressed Enter after the command: the cursor's row is empty,
    // and goes up with the rest (enter_primary cannot see that it is).
    let mut expected = vec!["$ mosh host".to_string(), String::new()];
    let caps = clean_caps();
    let mut pane = Pane::start("scrollback-feed");
    pane.write(b"$ mosh host\r\n");
    pane.write(&scrollback::enter_primary(HEIGHT));
    let mut emulator = Emulator::new(COLS.into(), HEIGHT);
    emulator.feed(b"\x1b[32m$\x1b[m tail -f log");
    let mut shown = emulator.framebuffer().clone();
    pane.write(&render(None, &shown, &caps));
    let mut printed = 0;
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Output(lines) => {
                log_output(&mut emulator, printed, lines);
                printed += lines;
                let next = emulator.framebuffer().clone();
                pane.write(&render(Some(&shown), &next, &caps));
                shown = next;
            }
            Step::History(skipped, lines) => {
                if skipped > 0 {
                    let noun = if skipped == 1 { "line" } else { "lines" };
                    expected.push(format!("[mosh: {skipped} {noun} skipped]"));
                }
                expected.extend(joined_texts(&lines));
                pane.write(&scrollback::feed_history_and_repaint(
                    skipped, &lines, &shown, &caps,
                ));
            }
            Step::HistoryThenRepaint(lines) => {
                expected.extend(joined_texts(&lines));
                pane.write(&scrollback::feed_history(0, &lines, COLS.into(), HEIGHT));
                pane.settle();
                assert_eq!(pane.screen(), blank_screen(), "blank after feeding");
                pane.write(&render(None, &shown, &caps));
            }
        }
        pane.settle();
        assert_eq!(pane.history(&["-J"]), expected, "history after step {i}");
        pane.assert_shows(&shown, &format!("after step {i}"));
    }
    // Without -J the long line is two rows: 80 columns, then 20.
    let rows = pane.history(&[]);
    let at = rows.iter().position(|r| r == head).expect("the 80 columns");
    assert_eq!(rows.get(at + 1).map(String::as_str), Some(tail));
    // Attributes are kept, and end where the line says.
    let styled = Screen::parse(&pane.history(&["-e"]).join("\n"));
    let row = |text: &str| {
        let i = (0..styled.rows.len())
            .find(|&i| styled.row_text(i) == text)
            .unwrap_or_else(|| panic!("{text:?} in {}", styled.show()));
        styled.rows.get(i).cloned().unwrap_or_default()
    };
    assert!(row("red 0004")
        .iter()
        .all(|c| c.style.fg == Colour::Ansi(1)));
    let bold = row("bold on blue then plain");
    let (on_blue, after) = bold.split_at("bold on blue".len());
    assert!(on_blue
        .iter()
        .all(|c| c.style.bg == Colour::Ansi(4) && c.style.attrs.contains("1")));
    assert!(after.iter().all(|c| c.style.is_plain()), "{bold:?}");
    assert!(row("plain after colours")
        .iter()
        .all(|c| c.style.is_plain()));
    assert!(row("[mosh: 990000 lines skipped]")
        .iter()
        .all(|c| c.style.attrs.contains("7")));
    assert!(row("after skip 0000").iter().all(|c| c.style.is_plain()));
}

/// The texts tmux shows for `lines` with wraps joined.
fn joined_texts(lines: &[HistoryLine]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        current.push_str(&strip_sgr(&line.text));
        if !line.wrapped {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `text` without its SGR sequences (the only escapes the tests use).
fn strip_sgr(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Which part of the screen a generated program scrolls.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// The whole screen (a shell, `tail -f`).
    Full,
    /// All but a status line at the bottom.
    StatusBelow,
    /// All but a title line at the top.
    TitleAbove,
}

/// Frames of a program that logs through `layout`, as the server would
/// send them: random bursts of lines (some long enough to wrap, some
/// coloured), a status line updated now and then.
fn scrolling_frames(rng: &mut Rng, layout: Layout, count: usize) -> Vec<Framebuffer> {
    let mut e = Emulator::new(COLS.into(), HEIGHT);
    match layout {
        Layout::Full => {}
        Layout::StatusBelow => e.feed(b"\x1b[24;1H\x1b[7m status \x1b[m\x1b[1;23r\x1b[23;1H"),
        Layout::TitleAbove => e.feed(b"\x1b[1;1H\x1b[1m== title ==\x1b[m\x1b[2;24r\x1b[24;1H"),
    }
    let mut frames = Vec::new();
    let mut n = 0;
    for _ in 0..count {
        let lines = rng.between(1, 30);
        for _ in 0..lines {
            let width = rng.between(0, 150) as usize;
            let body: String = format!("line {n} ").chars().cycle().take(width).collect();
            let line = if rng.chance(0.2) {
                format!("\x1b[3{}m{body}\x1b[m", rng.below(8))
            } else {
                body
            };
            e.feed(format!("\r\n{line}").as_bytes());
            n += 1;
        }
        if rng.chance(0.5) {
            match layout {
                Layout::Full => {}
                Layout::StatusBelow => e.feed(
                    format!("\x1b7\x1b[24;1H\x1b[7m status {n} \x1b[m\x1b[K\x1b8").as_bytes(),
                ),
                Layout::TitleAbove => {
                    e.feed(format!("\x1b7\x1b[1;1H\x1b[1m== title {n} ==\x1b[m\x1b8").as_bytes())
                }
            }
        }
        frames.push(e.framebuffer().clone());
    }
    frames
}

/// Draws `frames` into a fresh pane with `caps`; checks the screen after
/// each and returns tmux's history size after each.
fn draw_frames(frames: &[Framebuffer], caps: &RenderCaps, what: &str) -> Vec<usize> {
    let mut pane = Pane::start("scrollback-frames");
    let mut sizes = Vec::new();
    let mut shown: Option<&Framebuffer> = None;
    for (i, frame) in frames.iter().enumerate() {
        pane.write(&render(shown, frame, caps));
        shown = Some(frame);
        pane.settle();
        pane.assert_shows(frame, &format!("{what}, frame {i}"));
        sizes.push(pane.history_size());
    }
    sizes
}

#[test]
fn the_clean_renderer_never_grows_history_and_the_default_one_does() {
    if skip::missing_tmux() {
        return;
    }
    let mut rng = Rng::from_env(0x5c01_1bac);
    for layout in [Layout::Full, Layout::StatusBelow, Layout::TitleAbove] {
        let frames = scrolling_frames(&mut rng, layout, 15);
        let what = format!("{layout:?}");
        let clean = draw_frames(&frames, &clean_caps(), &what);
        assert!(
            clean.iter().all(|&n| n == 0),
            "{what}: the clean renderer pushed rows into history: {clean:?}"
        );
        let default = draw_frames(&frames, &RenderCaps::default(), &what);
        assert!(
            default.last().is_some_and(|&n| n > 0),
            "{what}: the default renderer was expected to scroll rows into history: {default:?}"
        );
    }
}

#[test]
fn leaving_keeps_the_last_frame_with_the_cursor_under_it() {
    if skip::missing_tmux() {
        return;
    }
    let mut pane = Pane::start("scrollback-leave");
    pane.write(b"$ mosh host");
    pane.write(&scrollback::enter_primary(HEIGHT));
    let mut emulator = Emulator::new(COLS.into(), HEIGHT);
    let rows = numbered("frame row", 0..HEIGHT);
    emulator.feed(rows.join("\r\n").as_bytes());
    emulator.feed(b"\x1b[6;4H\x1b[44m");
    let frame = emulator.framebuffer().clone();
    pane.write(&render(None, &frame, &clean_caps()));
    pane.write(&scrollback::leave_primary(HEIGHT));
    pane.write(b"$ next prompt");
    pane.settle();
    let mut history = vec!["$ mosh host".to_string()];
    history.extend(rows.iter().take(1).cloned());
    assert_eq!(pane.history(&[]), history);
    let mut screen: Vec<String> = rows.iter().skip(1).cloned().collect();
    screen.push("$ next prompt".to_string());
    assert_eq!(pane.screen(), screen);
    assert_eq!(pane.cursor(), (HEIGHT - 1, "$ next prompt".len()));
    let styled = Screen::parse(&pane.tmux.capture_with_attributes());
    let last = styled.rows.last().cloned().unwrap_or_default();
    assert!(last.iter().all(|c| c.style.is_plain()), "{last:?}");
}
