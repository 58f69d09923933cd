//! Real programs, shown in a plain tmux pane and through a mosh session,
//! must look the same: cell by cell with attributes and colours, soft
//! wraps (`capture-pane -J`), the cursor, and the modes the client sets on
//! the user's terminal (cursor keys, keypad, mouse). Every scenario runs
//! in all three pairings at once — ours↔ours, the stock client with our
//! server, our client with the stock server — beside the plain pane, and
//! all of them get the same keys with the same pauses. At each checkpoint
//! the plain pane is left to settle, then every session must show the
//! same within a deadline; every difference of every pairing is reported.
//!
//! Each pane runs its program in a scratch HOME of its own with the same
//! files (no rc files but what a scenario writes), under `env -i` with a
//! fixed TERM (xterm-256color), LANG=C.UTF-8 and PATH. Timers in the
//! programs are waited out or switched off (vim's Escape timeout, nano's
//! spotlight on a search match, emacs's key hints).
//!
//! What a session cannot show the same, and so is not asserted:
//! - Colour forms through a stock peer: stock mosh's framebuffer keeps one
//!   palette index however a program chose a colour, and writes indexes
//!   below 8 as 30–37 and the others as `38;5;N`. With a stock peer the
//!   plain pane's cells are compared in that form
//!   (`cells::Colour::as_mosh_writes`); ours↔ours keeps the program's.
//! - The foreground of a blank without attributes, and trailing blanks'
//!   background (see `cells`): no one can see them, and tmux cannot
//!   show the cells an erase in a colour leaves.
//! - The alternate screen flag: a client always draws on the user's
//!   alternate screen.
//! - The keypad mode (DECKPAM): stock mosh does not carry it, so with a
//!   stock peer it stays off.
//!
//! And what is asserted beyond the plain pane: the user's terminal is in
//! application cursor-key mode in every pairing, as the stock client
//! keeps it (its `Display::open`); both servers turn `ESC O A` back into
//! `ESC [ A` for a program that did not ask for application mode.
//!
//! Where stock mosh shows something else for reasons of its own, a
//! checkpoint names the reason (`Reference`), and there the pairings with
//! the stock peer must show exactly what upstream's own pair (stock client
//! and stock server, run beside the others) shows, which must still differ
//! from the plain pane, so a stale excuse fails:
//! - the stock server's screen gets a line feed before the program's first
//!   output (the other scenarios clear the screen first);
//! - the stock server has no alternate screen;
//! - stock mosh leaves unwrapped a row a wide character did not fit in;
//! - tmux drops a combining mark with nothing before it, where xterm and
//!   mosh show it on a no-break space (all pairings follow upstream).
//!
//! `PROGRAM_COMPARE_UPSTREAM=1` runs upstream's pair in every scenario
//! and checks it like the others: the way to tell whether a new difference
//! is stock mosh's own.
//!
//! Needs tmux, the stock mosh and the programs (scripts/test-deps.sh);
//! without them a scenario says SKIPPED (a failure under CI=true).

use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH, STOCK_SERVER};
use crate::support::scratch::Scratch;
use crate::support::{cells, server, session, skip, tmux};

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::shell::shell_quote;
use cells::Screen;
use session::MoshSession;
use tmux::Tmux;

/// How long the plain pane may take to settle at a checkpoint.
const SETTLE: Duration = Duration::from_secs(20);
/// How long a settled screen must stay unchanged.
const QUIET: Duration = Duration::from_millis(400);
/// How long a session may take to show what the reference shows.
const CATCH_UP: Duration = Duration::from_secs(8);
/// How long a session may show the same wrong screen before it is
/// taken for its answer.
const GIVE_UP: Duration = Duration::from_secs(2);
/// The PATH the programs run with.
const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

// ----- pairings and panes -----

/// Which client talks to which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pairing {
    Ours,
    StockClient,
    StockServer,
    /// Upstream's own pair: the reference where the stock server differs.
    Upstream,
}

impl Pairing {
    const TESTED: [Pairing; 3] = [Pairing::Ours, Pairing::StockClient, Pairing::StockServer];

    fn name(self) -> &'static str {
        match self {
            Pairing::Ours => "our client -> our server",
            Pairing::StockClient => "stock client -> our server",
            Pairing::StockServer => "our client -> stock server",
            Pairing::Upstream => "stock client -> stock server",
        }
    }

    fn client(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::StockServer => server::our_links().join("mosh-client"),
            Pairing::StockClient | Pairing::Upstream => PathBuf::from(STOCK_CLIENT),
        }
    }

    fn server(self) -> PathBuf {
        match self {
            Pairing::Ours | Pairing::StockClient => server::our_server(),
            Pairing::StockServer | Pairing::Upstream => PathBuf::from(STOCK_SERVER),
        }
    }

    fn stock_peer(self) -> bool {
        self != Pairing::Ours
    }
}

/// Where a pane's program runs: a plain tmux pane or a session.
enum Terminal {
    Plain(Tmux),
    Session(MoshSession),
}

struct Pane {
    terminal: Terminal,
}

impl Pane {
    fn tmux(&self) -> &Tmux {
        match &self.terminal {
            Terminal::Plain(t) => t,
            Terminal::Session(s) => &s.tmux,
        }
    }

    fn server_stderr(&self) -> String {
        match &self.terminal {
            Terminal::Plain(_) => String::new(),
            Terminal::Session(s) => s.server_stderr(),
        }
    }
}

// ----- what a pane shows -----

/// Everything compared about a pane at a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shot {
    screen: Screen,
    /// `capture-pane -J`: soft-wrapped rows joined, trailing blanks trimmed.
    joined: Vec<String>,
    cursor: (u32, u32),
    cursor_shown: bool,
    app_cursor: bool,
    app_keypad: bool,
    /// The mouse flags: standard, button, any, SGR, UTF-8.
    mouse: String,
}

impl Shot {
    fn take(t: &Tmux) -> Shot {
        let flags = t
            .display(
                "#{cursor_x} #{cursor_y} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag} \
                 #{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}#{mouse_utf8_flag}",
            )
            .unwrap_or_default();
        let f: Vec<&str> = flags.split(' ').collect();
        let num = |i: usize| f.get(i).and_then(|s| s.parse().ok()).unwrap_or(u32::MAX);
        let on = |i: usize| f.get(i) == Some(&"1");
        let mut joined: Vec<String> = t
            .capture_flags(&["-J"])
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect();
        while joined.last().is_some_and(String::is_empty) {
            joined.pop();
        }
        Shot {
            screen: Screen::parse(&t.capture_flags(&["-e", "-N"])),
            joined,
            cursor: (num(0), num(1)),
            cursor_shown: on(2),
            app_cursor: on(3),
            app_keypad: on(4),
            mouse: f.get(5).copied().unwrap_or_default().to_string(),
        }
    }

    fn text(&self) -> String {
        (0..self.screen.rows.len())
            .map(|i| self.screen.row_text(i) + "\n")
            .collect()
    }
}

/// Polls `t` until its shot has stayed the same for `QUIET` and its text
/// contains `until`; the last shot as `Err` when `SETTLE` passes first.
fn settle(t: &Tmux, until: Option<&str>) -> Result<Shot, Shot> {
    let deadline = Instant::now() + SETTLE;
    let mut last = Shot::take(t);
    let mut since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = Shot::take(t);
        if now != last {
            last = now;
            since = Instant::now();
            continue;
        }
        let ready = until.is_none_or(|u| last.text().contains(u));
        if ready && since.elapsed() >= QUIET {
            return Ok(last);
        }
        if Instant::now() >= deadline {
            return Err(last);
        }
    }
}

/// What `got` (a session of `pairing`) shows unlike `reference` (the
/// plain pane, or upstream's pair where `upstream` says so), under the
/// rules in the file's header.
fn differences(pairing: Pairing, reference: &Shot, upstream: bool, got: &Shot) -> Vec<String> {
    let want = if pairing.stock_peer() || upstream {
        reference.screen.as_mosh_writes()
    } else {
        reference.screen.clone()
    };
    let mut out = want.differences(&got.screen, 12);
    if out.is_empty() && reference.joined != got.joined {
        out.push(format!(
            "soft wraps differ (capture-pane -J)\n--- expected\n{}--- got\n{}",
            numbered(&reference.joined),
            numbered(&got.joined)
        ));
    }
    if reference.cursor_shown != got.cursor_shown {
        out.push(format!(
            "cursor shown: expected {}, got {}",
            reference.cursor_shown, got.cursor_shown
        ));
    } else if reference.cursor_shown && reference.cursor != got.cursor {
        out.push(format!(
            "cursor at (x, y): expected {:?}, got {:?}",
            reference.cursor, got.cursor
        ));
    }
    if !got.app_cursor {
        out.push("the user's terminal is not in application cursor-key mode".to_string());
    }
    let app_keypad = reference.app_keypad && !pairing.stock_peer();
    if got.app_keypad != app_keypad {
        out.push(format!(
            "application keypad on the user's terminal: expected {app_keypad}, got {}",
            got.app_keypad
        ));
    }
    if got.mouse != reference.mouse {
        out.push(format!(
            "mouse flags (standard button any sgr utf8): expected {}, got {}",
            reference.mouse, got.mouse
        ));
    }
    out
}

fn numbered(lines: &[String]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{i:2}|{l}|\n"))
        .collect()
}

// ----- scenarios -----

/// What a session's screen is checked against at a checkpoint.
#[derive(Clone, Copy, Debug)]
enum Reference {
    /// The plain pane.
    Plain,
    /// The plain pane, but upstream's pair for our client with the stock
    /// server, for this reason of the stock server's own.
    StockServerDiffers(&'static str),
    /// The plain pane for ours↔ours, upstream's pair for the pairings with
    /// a stock peer, for this reason of stock mosh's own.
    StockPeersDiffer(&'static str),
    /// Upstream's pair for every session: tmux departs from xterm and
    /// mosh here, for this reason.
    TmuxDiffers(&'static str),
}

impl Reference {
    /// Whether `pairing` is checked against upstream's pair.
    fn upstream_for(self, pairing: Pairing) -> bool {
        match self {
            Reference::Plain => false,
            Reference::StockServerDiffers(_) => pairing == Pairing::StockServer,
            Reference::StockPeersDiffer(_) => pairing.stock_peer(),
            Reference::TmuxDiffers(_) => true,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Reference::Plain => "",
            Reference::StockServerDiffers(why)
            | Reference::StockPeersDiffer(why)
            | Reference::TmuxDiffers(why) => why,
        }
    }
}

enum Step {
    Keys(&'static [&'static str]),
    Text(&'static str),
    Pause(u64),
    Resize(u16, u16),
    Check {
        label: &'static str,
        until: Option<&'static str>,
        reference: Reference,
    },
}

fn keys(k: &'static [&'static str]) -> Step {
    Step::Keys(k)
}

fn text(t: &'static str) -> Step {
    Step::Text(t)
}

fn check(label: &'static str) -> Step {
    Step::Check {
        label,
        until: None,
        reference: Reference::Plain,
    }
}

fn check_for(label: &'static str, until: &'static str) -> Step {
    Step::Check {
        label,
        until: Some(until),
        reference: Reference::Plain,
    }
}

struct Scenario {
    name: &'static str,
    /// Programs that must be on PATH.
    needs: &'static [&'static str],
    /// Fills a pane's HOME (run once per pane, before it starts).
    setup: fn(&Path),
    /// The shell script the pane runs in its HOME.
    script: &'static str,
    steps: Vec<Step>,
}

impl Scenario {
    fn needs_upstream(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(
                s,
                Step::Check {
                    reference: Reference::StockServerDiffers(_)
                        | Reference::StockPeersDiffer(_)
                        | Reference::TmuxDiffers(_),
                    ..
                }
            )
        })
    }
}

/// The script a pane runs: the scenario's, in its HOME, with nothing of
/// the caller's environment.
fn pane_script(home: &Path) -> String {
    let h = shell_quote(&home.to_string_lossy());
    format!(
        "cd {h} || exit 1\n\
         exec env -i HOME={h} TERM=xterm-256color LANG=C.UTF-8 PATH={PATH} SHELL=/bin/bash \
         PS1='$ ' NCURSES_NO_UTF8_ACS=1 LESSHISTFILE=- GIT_CONFIG_NOSYSTEM=1 \
         /bin/sh {h}/.scenario.sh\n"
    )
}

/// Which of `programs` are not on PATH.
fn absent(programs: &[&str]) -> Vec<String> {
    programs
        .iter()
        .filter(|p| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {p}")])
                .env("PATH", PATH)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|p| p.to_string())
        .collect()
}

/// One pane's HOME, set up for `scenario`; returns the command to run.
fn prepare(root: &Path, n: usize, scenario: &Scenario) -> String {
    let dir = root.join(format!("p{n}"));
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::write(home.join(".scenario.sh"), scenario.script).expect("script");
    (scenario.setup)(&home);
    let run = dir.join("run.sh");
    std::fs::write(&run, pane_script(&home)).expect("run.sh");
    format!("sh {}", shell_quote(&run.to_string_lossy()))
}

/// A failure of one pairing at one checkpoint.
struct Failure {
    pairing: Pairing,
    label: &'static str,
    details: Vec<String>,
    expected: String,
    got: String,
    server_stderr: String,
}

fn run(scenario: Scenario) {
    if skip::missing(&[STOCK_MOSH, STOCK_CLIENT, STOCK_SERVER]) || skip::missing_tmux() {
        return;
    }
    let missing = absent(scenario.needs);
    if !missing.is_empty() {
        skip::skip(&format!(
            "{}: {} not installed (run scripts/test-deps.sh)",
            scenario.name,
            missing.join(", ")
        ));
        return;
    }
    let scratch = Scratch::new(&format!("compare-{}", scenario.name));
    let (failures, notes) = drive(scratch.path(), &scenario);
    drop(scratch);
    for note in &notes {
        eprintln!("{}: {note}", scenario.name);
    }
    if !failures.is_empty() {
        panic!("{}", report(&scenario, &failures));
    }
}

/// Starts the panes, plays the steps, and collects the failures.
fn drive(root: &Path, scenario: &Scenario) -> (Vec<Failure>, Vec<String>) {
    let (cols, rows) = (80, 24);
    let plain_cmd = prepare(root, 0, scenario);
    let plain = Pane {
        terminal: Terminal::Plain(Tmux::start(cols, rows, &plain_cmd, &[]).expect("tmux")),
    };
    let mut pairings: Vec<Pairing> = Pairing::TESTED.to_vec();
    if scenario.needs_upstream() || explore_upstream() {
        pairings.push(Pairing::Upstream);
    }
    let sessions: Vec<(Pairing, Pane)> = pairings
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let cmd = prepare(root, i + 1, scenario);
            let s = MoshSession::start_with_client(&p.client(), &p.server(), cols, rows, &cmd, &[])
                .expect("session starts");
            (
                p,
                Pane {
                    terminal: Terminal::Session(s),
                },
            )
        })
        .collect();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let all: Vec<&Pane> = std::iter::once(&plain)
        .chain(sessions.iter().map(|(_, p)| p))
        .collect();
    for step in &scenario.steps {
        match step {
            Step::Keys(k) => all.iter().for_each(|p| p.tmux().send_keys(k)),
            Step::Text(t) => all.iter().for_each(|p| p.tmux().type_text(t)),
            Step::Pause(ms) => std::thread::sleep(Duration::from_millis(*ms)),
            Step::Resize(c, r) => all.iter().for_each(|p| p.tmux().resize(*c, *r)),
            Step::Check {
                label,
                until,
                reference,
            } => checkpoint(
                &plain,
                &sessions,
                (label, *until, *reference),
                &mut failures,
                &mut notes,
            ),
        }
    }
    (failures, notes)
}

/// With `PROGRAM_COMPARE_UPSTREAM=1`, upstream's own pair runs in every
/// scenario and is checked like the others: to tell which differences are
/// the stock peers' own.
fn explore_upstream() -> bool {
    std::env::var_os("PROGRAM_COMPARE_UPSTREAM").is_some_and(|v| v == "1")
}

/// Settles the plain pane (and upstream's pair where it is the
/// reference), then waits for every tested session to show the same.
fn checkpoint(
    plain: &Pane,
    sessions: &[(Pairing, Pane)],
    (label, until, reference): (&'static str, Option<&'static str>, Reference),
    failures: &mut Vec<Failure>,
    notes: &mut Vec<String>,
) {
    let plain_shot = settle(plain.tmux(), until).unwrap_or_else(|last| {
        notes.push(format!(
            "checkpoint {label:?}: the plain pane never settled (waiting for {until:?}):\n{}",
            last.text()
        ));
        last
    });
    let upstream_shot = sessions
        .iter()
        .find(|(p, _)| *p == Pairing::Upstream)
        .filter(|_| !matches!(reference, Reference::Plain))
        .map(|(_, pane)| upstream_reference(pane, &plain_shot, label, reference, failures));
    let reference_for = |p: Pairing| match &upstream_shot {
        Some(up) if reference.upstream_for(p) => (up, true),
        _ => (&plain_shot, false),
    };
    let tested: Vec<&(Pairing, Pane)> = sessions
        .iter()
        .filter(|(p, _)| *p != Pairing::Upstream || (explore_upstream() && upstream_shot.is_none()))
        .collect();
    for (pairing, pane, details, got) in catch_up(&tested, reference_for) {
        failures.push(Failure {
            pairing,
            label,
            details,
            expected: reference_for(pairing).0.text(),
            got: got.text(),
            server_stderr: pane.server_stderr(),
        });
    }
}

/// Upstream's pair settled at a checkpoint where it is a reference; it
/// must still differ from the plain pane, or the excuse is stale.
fn upstream_reference(
    pane: &Pane,
    plain: &Shot,
    label: &'static str,
    reference: Reference,
    failures: &mut Vec<Failure>,
) -> Shot {
    let shot = settle(pane.tmux(), None).unwrap_or_else(|last| last);
    if differences(Pairing::Upstream, plain, false, &shot).is_empty() {
        failures.push(Failure {
            pairing: Pairing::Upstream,
            label,
            details: vec![format!(
                "upstream's pair shows what the plain pane shows, so this excuse is stale: {}",
                reference.reason()
            )],
            expected: plain.text(),
            got: shot.text(),
            server_stderr: String::new(),
        });
    }
    shot
}

/// Polls the sessions until each matches its reference, or has shown the
/// same wrong screen for `GIVE_UP`, or `CATCH_UP` passes; the ones that
/// never matched, with their differences.
fn catch_up<'a>(
    sessions: &[&'a (Pairing, Pane)],
    reference_for: impl Fn(Pairing) -> (&'a Shot, bool) + 'a,
) -> Vec<(Pairing, &'a Pane, Vec<String>, Shot)> {
    let deadline = Instant::now() + CATCH_UP;
    let mut pending: Vec<Pending> = sessions
        .iter()
        .map(|(p, pane)| Pending {
            pairing: *p,
            pane,
            details: Vec::new(),
            shot: None,
            since: Instant::now(),
        })
        .collect();
    let mut failed = Vec::new();
    while !pending.is_empty() {
        for entry in pending.iter_mut() {
            let shot = Shot::take(entry.pane.tmux());
            let (reference, upstream) = reference_for(entry.pairing);
            entry.details = differences(entry.pairing, reference, upstream, &shot);
            if entry.shot.as_ref() != Some(&shot) {
                entry.since = Instant::now();
                entry.shot = Some(shot);
            }
        }
        pending.retain(|e| !e.details.is_empty());
        let (stuck, going): (Vec<Pending>, Vec<Pending>) = pending
            .into_iter()
            .partition(|e| e.since.elapsed() >= GIVE_UP || Instant::now() >= deadline);
        failed.extend(stuck);
        pending = going;
        std::thread::sleep(Duration::from_millis(100));
    }
    failed
        .into_iter()
        .map(|e| (e.pairing, e.pane, e.details, e.shot.expect("a shot")))
        .collect()
}

/// A session still being waited for.
struct Pending<'a> {
    pairing: Pairing,
    pane: &'a Pane,
    details: Vec<String>,
    shot: Option<Shot>,
    /// When its shot last changed.
    since: Instant,
}

fn report(scenario: &Scenario, failures: &[Failure]) -> String {
    let mut out = format!(
        "{}: {} checkpoint(s) differ:\n",
        scenario.name,
        failures.len()
    );
    for f in failures {
        let _ = writeln!(out, "  [{}] at {:?}", f.pairing.name(), f.label);
    }
    let mut shown = Vec::new();
    for f in failures {
        let _ = write!(
            out,
            "\n=== [{}] at {:?}:\n{}\n",
            f.pairing.name(),
            f.label,
            f.details.join("\n")
        );
        if !shown.contains(&f.pairing) {
            shown.push(f.pairing);
            let _ = write!(out, "--- expected\n{}--- got\n{}", f.expected, f.got);
            if !f.server_stderr.trim().is_empty() {
                let _ = write!(out, "--- server stderr\n{}", f.server_stderr);
            }
        }
    }
    out
}

// ----- setups -----

fn write(home: &Path, name: &str, content: &str) {
    let path = home.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dir");
    }
    std::fs::write(path, content).expect("write");
}

/// Runs `script` by `sh -e` in `home`, with fixed dates for git.
fn shell(home: &Path, script: &str) {
    let out = Command::new("sh")
        .args(["-ec", script])
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("PATH", PATH)
        .env("LANG", "C.UTF-8")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "setup failed: {script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn no_setup(_: &Path) {}

const VIMRC: &str = "\
set nocompatible
syntax on
set t_Co=256
set background=dark
colorscheme habamax
set number
set laststatus=2
set noswapfile
\" A lone Escape takes effect at once, not after a second's wait for the
\" rest of a key sequence: a screen left waiting would settle too early.
set ttimeout ttimeoutlen=10
\" The terminal's answers to these differ between tmux and mosh; vim must
\" draw the same in both.
set t_RV= t_u7= t_RB= t_RF=
";

const HELLO_C: &str = r#"/* A small program to colour. */
#include <stdio.h>

#define COUNT 3

static int square(int n) { return n * n; }

int main(void)
{
	const char *greeting = "hello, world";
	for (int i = 0; i < COUNT; i++) {
		printf("%s %d\n", greeting, square(i)); // say it
	}
	return 0;
}
"#;

fn vim_setup(home: &Path) {
    write(home, ".vimrc", VIMRC);
    write(home, "hello.c", HELLO_C);
}

fn notes_setup(home: &Path) {
    let lines: String = (1..=40)
        .map(|i| format!("line {i}: the quick brown fox jumps over the lazy dog\n"))
        .collect();
    write(home, "notes.txt", &lines);
}

fn wide_lines_setup(home: &Path) {
    let lines: String = (1..=60)
        .map(|i| {
            let mut l = format!("{i:03} ");
            for w in 0..14 {
                l.push_str(if (i + w) % 9 == 0 {
                    "needle "
                } else {
                    "haystack "
                });
            }
            l + "END\n"
        })
        .collect();
    write(home, "wide.txt", &lines);
}

fn git_setup(home: &Path) {
    shell(
        home,
        r#"git init -q -b main repo
cd repo
git config user.name 'Ada Lovelace'
git config user.email ada@example.com
n=0
commit() {
    n=$((n + 1))
    echo "$n $1" >> "file-$2.txt"
    git add -A
    d="2020-01-01T00:00:00Z +$n"
    GIT_AUTHOR_DATE="@$((1577836800 + n * 3600)) +0000" \
    GIT_COMMITTER_DATE="@$((1577836800 + n * 3600)) +0000" \
        git commit -q -m "$1"
}
for i in 1 2 3 4; do commit "base work $i" main; done
git checkout -q -b feature
for i in 1 2 3; do commit "feature step $i" feature; done
git checkout -q main
for i in 1 2; do commit "main fix $i" main; done
git checkout -q -b topic HEAD~1
for i in 1 2; do commit "topic idea $i" topic; done
git checkout -q main
GIT_AUTHOR_DATE="@1577900000 +0000" GIT_COMMITTER_DATE="@1577900000 +0000" \
    git merge -q --no-ff -m "Merge branch 'feature'" feature
GIT_AUTHOR_DATE="@1577910000 +0000" GIT_COMMITTER_DATE="@1577910000 +0000" \
    git merge -q --no-ff -m "Merge branch 'topic'" topic
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do commit "later change $i" main; done
git tag v1.0 HEAD~3
"#,
    );
}

const MC_INI: &str = "\
[Midnight-Commander]
auto_save_setup=false
confirm_exit=false
skin=default

[Layout]
message_visible=false
free_space=false
";

fn mc_setup(home: &Path) {
    write(home, ".config/mc/ini", MC_INI);
    write(home, "work/README.md", &"A readme line.\n".repeat(20));
    write(home, "work/notes.txt", "some notes\n");
    write(home, "work/data.bin", &"x".repeat(12_345));
    write(home, "work/src/main.rs", "fn main() {}\n");
    write(home, "work/src/lib.rs", "pub fn f() {}\n");
    write(home, "work/docs/guide.txt", &"A guide.\n".repeat(50));
    write(home, "work/build.sh", "#!/bin/sh\necho build\n");
    shell(
        home,
        "chmod +x work/build.sh; ln -s notes.txt work/link; \
         mkdir -p .cache/mc .local/share/mc .local/state/mc; \
         find . -exec touch -h -d '2020-01-02 03:04:05' {} +",
    );
}

/// An ncdu export of a made-up tree (ncdu -f browses it as if scanned).
const NCDU_TREE: &str = r#"[1,2,{"progname":"ncdu","progver":"1.18","timestamp":1577836800},
[{"name":"/srv/data","asize":4096,"dsize":4096,"dev":2049,"ino":1},
 [{"name":"photos","asize":4096,"dsize":4096,"ino":2},
  {"name":"beach.jpg","asize":2000000,"dsize":2002944,"ino":3},
  {"name":"mountain.jpg","asize":3500000,"dsize":3502080,"ino":4},
  {"name":"city.png","asize":800000,"dsize":802816,"ino":5}],
 {"name":"disk.iso","asize":700000000,"dsize":700002304,"ino":6},
 {"name":"notes.txt","asize":1200,"dsize":4096,"ino":7},
 [{"name":"src","asize":4096,"dsize":4096,"ino":8},
  {"name":"main.rs","asize":30000,"dsize":32768,"ino":9},
  [{"name":"vendor","asize":4096,"dsize":4096,"ino":10},
   {"name":"lib.a","asize":9000000,"dsize":9003008,"ino":11}]],
 [{"name":"empty","asize":4096,"dsize":4096,"ino":12}]
]]
"#;

fn ncdu_setup(home: &Path) {
    write(home, "tree.json", NCDU_TREE);
}

const PAGE_HTML: &str = r##"<html><head><title>Test page</title></head><body>
<h1>Heading One</h1>
<p>Some <b>bold</b>, some <u>underlined</u> and some <i>italic</i> text,
with a <a href="page2.html">link to page two</a> and
<a href="#bottom">a link further down</a>.</p>
<ul><li>first item</li><li>second item</li><li>third item</li></ul>
<table border="1"><tr><th>Name</th><th>Size</th></tr>
<tr><td>alpha</td><td>1</td></tr><tr><td>beta</td><td>22</td></tr>
<tr><td>gamma (wide: 日本)</td><td>333</td></tr></table>
<pre>
preformatted   text
    keeps   its    spaces
</pre>
<p>A long paragraph that has to be filled across several lines of the
screen so that w3m wraps it, with enough words to do so: lorem ipsum dolor
sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut
labore et dolore magna aliqua.</p>
<h2 id="bottom">Bottom</h2><p>The end.</p>
</body></html>
"##;

const PAGE2_HTML: &str = r##"<html><head><title>Page two</title></head><body>
<h1>Second page</h1><p>You followed the link. <a href="page.html">Back</a>.</p>
</body></html>
"##;

fn w3m_setup(home: &Path) {
    write(home, "page.html", PAGE_HTML);
    write(home, "page2.html", PAGE2_HTML);
}

const WIDE_TEXT: &str = "\
CJK: 日本語のテキスト、中文字符，한국어 텍스트
fullwidth: ＡＢＣ１２３ and halfwidth: ｶﾀｶﾅ
emoji: 😀 🎉 👍 🚀 ⌚ and text after
combining: e\u{301} a\u{308} o\u{302}\u{323} n\u{303} u\u{30a} c\u{327}
two marks: a\u{300}\u{301} e\u{323}\u{302} and wide with marks: 日\u{301} 한\u{308}
decomposed: Tie\u{302}\u{301}ng Vie\u{323}\u{302}t, Ame\u{301}lie, nai\u{308}ve
box: ┌─┬─┐ │日│x│ └─┴─┘ ░▒▓█
日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語日本語 long wide line
";

fn wide_setup(home: &Path) {
    write(home, "wide.txt", WIDE_TEXT);
}

// ----- the scenarios -----

/// The stock server's screen starts with a line feed before the
/// program's first output (upstream's pair shows the same), so its first
/// prompt is on the second row. The other scenarios clear the screen first.
#[test]
fn shell_start() {
    const WHY: &str = "the stock server's screen gets a line feed before the program's \
                       first output: its prompt starts on the second row";
    run(Scenario {
        name: "shell_start",
        needs: &["bash"],
        setup: no_setup,
        script: "exec bash --norc --noprofile",
        steps: vec![
            Step::Check {
                label: "first prompt",
                until: Some("$"),
                reference: Reference::StockServerDiffers(WHY),
            },
            text("echo one two"),
            keys(&["Enter"]),
            Step::Check {
                label: "after a command",
                until: Some("one two\n$"),
                reference: Reference::StockServerDiffers(WHY),
            },
        ],
    });
}

#[test]
fn bash_readline_editing() {
    run(Scenario {
        name: "bash_readline",
        needs: &["bash"],
        setup: no_setup,
        script: "printf '\\033[H\\033[2J'; exec bash --norc --noprofile",
        steps: vec![
            check_for("prompt", "$"),
            text("echo hello brave new world"),
            Step::Pause(300),
            keys(&["C-a"]),
            Step::Pause(300),
            keys(&["M-f", "M-f"]),
            check("after Ctrl-A, Alt-F twice"),
            keys(&["C-k"]),
            text(" there"),
            check("after Ctrl-K and typing"),
            keys(&["Enter"]),
            check_for("after Enter", "hello there\n$"),
            text("echo a-line-long-enough-to-wrap-at-eighty-columns-so-readline-has-to-go-on-the-next-row-x"),
            check("a typed line wraps"),
            keys(&["C-a", "M-f", "M-f", "M-b", "C-k"]),
            check("after Ctrl-K on a wrapped line"),
            // Ctrl-L: how readline redraws the shortened line depends on
            // how the keys were batched, and leaves its row's soft wrap
            // differently; a cleared screen starts the next part afresh.
            keys(&["C-u", "C-l"]),
            text("printf '%090d\\n' 7"),
            keys(&["Enter"]),
            check_for("output wraps", "07\n$"),
        ],
    });
}

#[test]
fn entering_and_leaving_the_alternate_screen() {
    const WHY: &str = "the stock server has no alternate screen: leaving it leaves the \
                       alternate screen's text, and the cursor where it was there";
    run(Scenario {
        name: "alternate_screen",
        needs: &["bash", "less"],
        setup: notes_setup,
        script: "printf '\\033[H\\033[2J'; exec bash --norc --noprofile",
        steps: vec![
            check_for("prompt", "$"),
            text("echo on the main screen"),
            keys(&["Enter"]),
            text("less notes.txt"),
            keys(&["Enter"]),
            check_for("less on the alternate screen", "line 1:"),
            keys(&["q"]),
            Step::Check {
                label: "less left",
                until: Some("less notes.txt\n$"),
                reference: Reference::StockServerDiffers(WHY),
            },
            text("printf '\\033[?1049h\\033[2J\\033[3;5Hraw alternate'; read x; printf '\\033[?1049l'"),
            keys(&["Enter"]),
            check_for("raw 1049 entered", "raw alternate"),
            keys(&["Enter"]),
            Step::Check {
                label: "raw 1049 left",
                until: Some("\n$"),
                reference: Reference::StockServerDiffers(WHY),
            },
        ],
    });
}

#[test]
fn vim_edit_split_and_256_colours() {
    run(Scenario {
        name: "vim",
        needs: &["vim"],
        setup: vim_setup,
        script: "exec vim -i NONE hello.c",
        steps: vec![
            check_for("start", "hello.c"),
            keys(&["G", "O"]),
            text("\t/* added in insert mode: ünïcödé 日本 */"),
            keys(&["Escape"]),
            check("after an insert"),
            text(":split\r"),
            check("after :split"),
            text(":vsplit\r"),
            check("after :vsplit"),
            keys(&["C-w", "w", "g", "g", "d", "d"]),
            text(":set list cursorline\r"),
            check("after dd, list and cursorline"),
            keys(&["C-w", "o"]),
            text(":help\r"),
            check_for("help", "help.txt"),
        ],
    });
}

#[test]
fn less_search_and_horizontal_scroll() {
    run(Scenario {
        name: "less",
        needs: &["less"],
        setup: wide_lines_setup,
        script: "exec less -S wide.txt",
        steps: vec![
            check_for("start", "001"),
            text("/needle"),
            keys(&["Enter"]),
            check("after a search"),
            keys(&["Right"]),
            check("scrolled right (arrow)"),
            keys(&["Escape", ")"]),
            check("scrolled right (ESC ))"),
            keys(&["Left", "G"]),
            check_for("at the end", "(END)"),
        ],
    });
}

#[test]
fn man_page() {
    run(Scenario {
        name: "man",
        needs: &["man", "less"],
        setup: no_setup,
        script: "exec man 7 ascii",
        steps: vec![
            check_for("start", "ASCII(7)"),
            keys(&["d"]),
            check("half a page down"),
            text("/Tables"),
            keys(&["Enter"]),
            check("after a search"),
            keys(&["G"]),
            check("at the end"),
        ],
    });
}

#[test]
fn git_log_graph_in_less() {
    run(Scenario {
        name: "git_log",
        needs: &["git", "less"],
        setup: git_setup,
        script: "cd repo && git log --graph --color --decorate --all | exec less -R",
        steps: vec![
            check_for("start", "later change 12"),
            keys(&["d"]),
            check("half a page down"),
            text("/Merge"),
            keys(&["Enter"]),
            check("after a search"),
            keys(&["G"]),
            check_for("at the end", "(END)"),
        ],
    });
}

#[test]
fn nano_editing() {
    run(Scenario {
        name: "nano",
        needs: &["nano"],
        setup: notes_setup,
        script: "exec nano --ignorercfile notes.txt",
        steps: vec![
            check_for("start", "notes.txt"),
            text("Typed by nano's user: ünïcödé 日本 "),
            check("after typing"),
            keys(&["C-k", "Down", "Down", "C-u"]),
            check("after cut and paste"),
            keys(&["C-w"]),
            text("line 30"),
            keys(&["Enter"]),
            // nano spotlights the match, cursor hidden, for about 1.5 s.
            Step::Pause(2500),
            check("after a search"),
            keys(&["C-g"]),
            check("help"),
        ],
    });
}

#[test]
fn emacs_editing() {
    run(Scenario {
        name: "emacs",
        needs: &["emacs"],
        setup: vim_setup,
        script: "exec emacs -nw -Q hello.c",
        steps: vec![
            check_for("start", "hello.c"),
            keys(&["C-x", "2"]),
            check("after C-x 2"),
            keys(&["M->"]),
            text("/* typed: ünïcödé 日本 */"),
            check("after typing"),
            keys(&["C-x", "o", "C-x", "3"]),
            check("after C-x 3"),
            // Not list-buffers: it shows the background native compiler's
            // log growing, and a key hint that goes after two seconds.
            keys(&["M-x"]),
            text("column-number-mode"),
            keys(&["Enter"]),
            check_for("a mode toggled", "Column-Number mode"),
        ],
    });
}

#[test]
fn midnight_commander() {
    run(Scenario {
        name: "mc",
        needs: &["mc"],
        setup: mc_setup,
        script: "export XDG_CONFIG_HOME=\"$HOME/.config\" XDG_DATA_HOME=\"$HOME/.local/share\" \
                 XDG_CACHE_HOME=\"$HOME/.cache\" XDG_STATE_HOME=\"$HOME/.local/state\"; \
                 cd work && exec mc -u",
        steps: vec![
            check_for("start", "README.md"),
            keys(&["Down", "Down", "Down"]),
            check("after three Downs"),
            keys(&["Tab", "Down", "Enter"]),
            check("the other panel, into a directory"),
            keys(&["Tab", "F7"]),
            check("the mkdir dialog"),
            keys(&["Escape", "Escape", "F9"]),
            check("the menu"),
            keys(&["Escape", "Escape"]),
            check("menu closed"),
        ],
    });
}

#[test]
fn ncdu_browsing() {
    run(Scenario {
        name: "ncdu",
        needs: &["ncdu"],
        setup: ncdu_setup,
        script: "exec ncdu -f tree.json",
        steps: vec![
            check_for("start", "disk.iso"),
            keys(&["Down", "Down"]),
            check("after two Downs"),
            keys(&["Enter"]),
            check("into a directory"),
            keys(&["Left"]),
            check("back out"),
            keys(&["?"]),
            check("help"),
        ],
    });
}

#[test]
fn w3m_browsing() {
    run(Scenario {
        name: "w3m",
        needs: &["w3m"],
        setup: w3m_setup,
        script: "exec w3m page.html",
        steps: vec![
            check_for("start", "Heading One"),
            keys(&["Tab"]),
            check("on the first link"),
            keys(&["J", "J"]),
            check("scrolled two lines"),
            keys(&["Enter"]),
            check_for("followed the link", "Second page"),
            keys(&["B"]),
            check_for("back", "Heading One"),
        ],
    });
}

#[test]
fn python_repl() {
    run(Scenario {
        name: "python",
        needs: &["python3"],
        setup: no_setup,
        script: "printf '\\033[H\\033[2J'; exec python3 -q",
        steps: vec![
            check_for("prompt", ">>>"),
            text("print('ab' * 60)"),
            keys(&["Enter"]),
            check_for("a wrapped line", "abab\n>>>"),
            text("[n * n for n in range(40)]"),
            keys(&["Enter"]),
            check_for("a list", "1521]"),
            text("x = 'hello world'"),
            keys(&["C-a", "M-f", "C-k"]),
            text(" = 6 * 7"),
            keys(&["Enter"]),
            text("x"),
            keys(&["Enter"]),
            check_for("edited line", "42\n>>>"),
            text("def f():"),
            keys(&["Enter"]),
            text("    return 'é日本'"),
            keys(&["Enter", "Enter"]),
            text("f()"),
            keys(&["Enter"]),
            check_for("a function", "'é日本'\n>>>"),
        ],
    });
}

#[test]
fn seq_flood() {
    run(Scenario {
        name: "seq_flood",
        needs: &["bash", "seq"],
        setup: no_setup,
        script: "printf '\\033[H\\033[2J'; exec bash --norc --noprofile",
        steps: vec![
            check_for("prompt", "$"),
            text("seq 1 200000"),
            keys(&["Enter"]),
            check_for("after the flood", "200000\n$"),
            text("seq -s ' ' 1 3000"),
            keys(&["Enter"]),
            check_for("after a wrapped flood", "3000\n$"),
        ],
    });
}

#[test]
fn resize_in_a_full_screen_program() {
    run(Scenario {
        name: "resize",
        needs: &["vim"],
        setup: vim_setup,
        script: "exec vim -i NONE hello.c",
        steps: vec![
            check_for("start", "hello.c"),
            text(":vsplit\r"),
            check("after :vsplit"),
            Step::Resize(100, 30),
            check("grown to 100x30"),
            Step::Resize(60, 18),
            check("shrunk to 60x18"),
            text(":split\r"),
            check("after :split at 60x18"),
            Step::Resize(80, 24),
            check("back to 80x24"),
        ],
    });
}

#[test]
fn wide_and_combining_characters() {
    run(Scenario {
        name: "wide",
        needs: &["bash"],
        setup: wide_setup,
        script: "printf '\\033[H\\033[2J'; exec bash --norc --noprofile",
        steps: vec![
            check_for("prompt", "$"),
            text("cat wide.txt"),
            keys(&["Enter"]),
            check_for("the file", "long wide line\n$"),
            text("printf '\\314\\201lone mark\\n'"),
            keys(&["Enter"]),
            Step::Check {
                label: "a combining mark at the start of a line",
                until: Some("lone mark\n$"),
                reference: Reference::TmuxDiffers(
                    "tmux drops a combining mark with nothing before it; xterm and \
                     mosh put it on a no-break space",
                ),
            },
        ],
    });
}

/// A wide character that does not fit in the last column goes to the
/// next row, and the row it left is soft-wrapped with its last cell
/// empty (tmux, xterm).
#[test]
fn a_wide_character_that_does_not_fit_wraps() {
    run(Scenario {
        name: "wide_wrap",
        needs: &["bash"],
        setup: no_setup,
        script: "printf '\\033[H\\033[2J'; exec bash --norc --noprofile",
        steps: vec![
            check_for("prompt", "$"),
            text("printf '%079d\\346\\227\\245\\346\\234\\254 wraps here\\n' 0 | tr 0 x"),
            keys(&["Enter"]),
            Step::Check {
                label: "the wrapped wide character",
                until: Some("wraps here\n$"),
                reference: Reference::StockPeersDiffer(
                    "stock mosh's emulator clears the soft wrap of a row a wide character \
                     did not fit in, on purpose (terminal.cc: no terminal can be made to \
                     set it), so a stock client or server shows two lines",
                ),
            },
        ],
    });
}
