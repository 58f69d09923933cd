//! Terminal model benchmark (`make bench`, or `cargo bench --bench
//! terminal`): emulator throughput on typical program output, display
//! render time for changed screens, framebuffer copy and compare cost, and
//! the physical floor they are measured against — draining the same
//! `seq` output from a pty with nothing else running. Prints a table;
//! asserts nothing.

use std::hint::black_box;
use std::io::Read;
use std::time::{Duration, Instant};

use mosh_rs::terminal::{render, Emulator, Framebuffer, HistoryLog, RenderCaps};

/// Best of `runs` timings of `f`.
fn best<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

/// What `seq 1 3000000` writes through a pty (ONLCR makes each `\n` a
/// `\r\n`).
fn seq_output() -> Vec<u8> {
    let mut out = Vec::with_capacity(24_000_000);
    for i in 1..=3_000_000u32 {
        out.extend_from_slice(i.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Coloured log lines, as a build or a server log prints them.
fn log_output() -> Vec<u8> {
    let levels = [
        "\x1b[32mINFO\x1b[0m ",
        "\x1b[33mWARN\x1b[0m ",
        "\x1b[1;31mERROR\x1b[0m",
        "\x1b[2mDEBUG\x1b[0m",
    ];
    let mut out = Vec::new();
    for i in 0..200_000u32 {
        let level = levels[(i % 7 % 4) as usize];
        out.extend_from_slice(
            format!(
                "\x1b[90m2024-05-01T12:{:02}:{:02}.{:03}Z\x1b[0m {level} \x1b[36mhttp::server\x1b[0m: \
                 request id={i} path=/api/v1/items/{} status=200 in {}ms\r\n",
                i / 60 % 60,
                i % 60,
                i % 1000,
                i * 7 % 9973,
                i % 300
            )
            .as_bytes(),
        );
    }
    out
}

/// Full-screen redraws like an editor or htop: every frame homes the
/// cursor and rewrites each row with colours, then erases to the end.
fn redraw_output(width: usize, height: usize, frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in 0..frames {
        out.extend_from_slice(b"\x1b[H");
        for row in 0..height {
            let bar = (row * 7 + frame * 3) % (width / 2);
            out.extend_from_slice(
                format!(
                    "\x1b[{};1H\x1b[1;37;44m{:3}\x1b[0m \x1b[32m{}\x1b[0m{}\x1b[K",
                    row + 1,
                    row,
                    "|".repeat(bar),
                    " proc ".repeat((width - bar - 4) / 6)
                )
                .as_bytes(),
            );
        }
    }
    out
}

/// Emulator throughput in MB/s, fed in 64 KiB reads like the server does.
fn emulate(bytes: &[u8], width: usize, height: usize) -> f64 {
    emulate_keeping(bytes, width, height, 0)
}

/// As [`emulate`], with a history log of `history` lines attached (0:
/// none), as the server keeps for a client with scrollback.
fn emulate_keeping(bytes: &[u8], width: usize, height: usize, history: usize) -> f64 {
    let time = best(5, || {
        let mut e = Emulator::new(width, height);
        if history > 0 {
            e.keep_history(HistoryLog::shared(history));
        }
        for chunk in bytes.chunks(64 * 1024) {
            e.feed(chunk);
        }
        black_box(e.framebuffer().cursor());
    });
    mb_per_s(bytes.len(), time)
}

/// A screen full of text drawn with `seed`-dependent words and colours.
fn busy_screen(width: usize, height: usize, seed: usize) -> Framebuffer {
    let mut e = Emulator::new(width, height);
    for row in 0..height {
        let mut line = format!("\x1b[{};1H", row + 1);
        let mut col = 0;
        let mut k = seed * 7919 + row * 104_729;
        while col + 8 < width {
            k = k.wrapping_mul(2_654_435_761).wrapping_add(12345) % 1_000_003;
            line.push_str(&format!("\x1b[{}m{:<7} ", 31 + k % 7, k % 100_000));
            col += 8;
        }
        e.feed(line.as_bytes());
    }
    e.framebuffer().clone()
}

/// Mean time of `render(old, new)` in microseconds.
fn render_time(old: &Framebuffer, new: &Framebuffer) -> (f64, usize) {
    let caps = RenderCaps::default();
    let bytes = render(Some(old), new, &caps).len();
    let rounds = 200;
    let time = best(3, || {
        for _ in 0..rounds {
            black_box(render(Some(black_box(old)), black_box(new), &caps));
        }
    });
    (time.as_secs_f64() * 1e6 / rounds as f64, bytes)
}

/// Nanoseconds per framebuffer clone, and per comparison of two copies
/// that share every row.
fn copy_and_compare(fb: &Framebuffer) -> (f64, f64) {
    let rounds = 100_000;
    let clone = best(3, || {
        for _ in 0..rounds {
            black_box(black_box(fb).clone());
        }
    });
    let copy = fb.clone();
    let compare = best(3, || {
        for _ in 0..rounds {
            black_box(black_box(fb) == black_box(&copy));
        }
    });
    (
        clone.as_secs_f64() * 1e9 / rounds as f64,
        compare.as_secs_f64() * 1e9 / rounds as f64,
    )
}

/// Reads `seq 1 3000000` from a pty until the program exits, optionally
/// feeding an emulator: (bytes, time).
fn pty_seq(with_emulator: bool) -> Option<(usize, Duration)> {
    use mosh_rs::sys::pty::WindowSize;
    use mosh_rs::sys::spawn::{spawn_on_pty, PtyCommand};
    let command = PtyCommand {
        program: "seq".into(),
        argv: vec!["seq".into(), "1".into(), "3000000".into()],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        ..PtyCommand::default()
    };
    let size = WindowSize { cols: 80, rows: 24 };
    let start = Instant::now();
    let child = spawn_on_pty(&command, size).ok()?;
    let mut master = std::fs::File::from(child.master);
    let mut emulator = Emulator::new(80, 24);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break, // EIO once the program has exited
            Ok(n) => {
                total += n;
                if with_emulator {
                    emulator.feed(&buf[..n]);
                }
            }
        }
    }
    let elapsed = start.elapsed();
    let _ = mosh_rs::sys::process::wait_blocking(child.pid);
    black_box(emulator.framebuffer().cursor());
    Some((total, elapsed))
}

fn main() {
    println!("terminal model benchmark (best of several runs; the machine is shared, so compare ratios)\n");

    let seq = seq_output();
    let logs = log_output();
    let redraw80 = redraw_output(80, 24, 3000);
    let redraw200 = redraw_output(200, 60, 600);
    println!("{:<44} {:>10} {:>12}", "emulator throughput", "MB", "MB/s");
    for (name, bytes, w, h) in [
        ("seq 1 3000000 (80x24)", &seq, 80, 24),
        ("coloured log lines (80x24)", &logs, 80, 24),
        ("full-screen redraws (80x24)", &redraw80, 80, 24),
        ("full-screen redraws (200x60)", &redraw200, 200, 60),
    ] {
        let rate = emulate(bytes, w, h);
        println!(
            "{:<44} {:>10.1} {:>12.1}",
            name,
            bytes.len() as f64 / 1e6,
            rate
        );
    }
    for (name, bytes) in [
        ("seq, keeping 10,000 lines of history", &seq),
        ("log lines, keeping 10,000 lines of history", &logs),
    ] {
        let rate = emulate_keeping(bytes, 80, 24, 10_000);
        println!(
            "{:<44} {:>10.1} {:>12.1}",
            name,
            bytes.len() as f64 / 1e6,
            rate
        );
    }

    println!(
        "\n{:<44} {:>10} {:>12}",
        "pty floor (seq 1 3000000)", "MB", "MB/s"
    );
    let floor = pty_seq(false);
    let through = pty_seq(true);
    match (floor, through) {
        (Some((b1, t1)), Some((b2, t2))) => {
            let (floor_rate, through_rate) = (mb_per_s(b1, t1), mb_per_s(b2, t2));
            println!(
                "{:<44} {:>10.1} {:>12.1}",
                "drain the pty only",
                b1 as f64 / 1e6,
                floor_rate
            );
            println!(
                "{:<44} {:>10.1} {:>12.1}",
                "drain the pty and emulate",
                b2 as f64 / 1e6,
                through_rate
            );
            let emulator_rate = emulate(&seq, 80, 24);
            println!(
                "{:<44} {:>23.1}x",
                "emulator speed / pty floor",
                emulator_rate / floor_rate
            );
        }
        _ => println!("(could not run seq on a pty here)"),
    }

    println!(
        "\n{:<44} {:>10} {:>12}",
        "render a changed screen", "bytes", "us/render"
    );
    for (w, h) in [(80, 24), (200, 60)] {
        let old = busy_screen(w, h, 1);
        let new = busy_screen(w, h, 2);
        let (us, bytes) = render_time(&old, &new);
        println!(
            "{:<44} {:>10} {:>12.1}",
            format!("every row changed, {w}x{h}"),
            bytes,
            us
        );
        let mut scrolled = Emulator::with_framebuffer(old.clone());
        scrolled.feed(format!("\x1b[{h};1H\r\nnew last line").as_bytes());
        let (us, bytes) = render_time(&old, scrolled.framebuffer());
        println!(
            "{:<44} {:>10} {:>12.1}",
            format!("scrolled one line, {w}x{h}"),
            bytes,
            us
        );
        let repaint_us = {
            let caps = RenderCaps::default();
            let t = best(3, || {
                for _ in 0..200 {
                    black_box(render(None, black_box(&new), &caps));
                }
            });
            t.as_secs_f64() * 1e6 / 200.0
        };
        println!(
            "{:<44} {:>10} {:>12.1}",
            format!("full repaint, {w}x{h}"),
            render(None, &new, &RenderCaps::default()).len(),
            repaint_us
        );
    }

    println!(
        "\n{:<44} {:>10} {:>12}",
        "framebuffer copies", "clone ns", "compare ns"
    );
    for (w, h) in [(80, 24), (200, 60)] {
        let fb = busy_screen(w, h, 3);
        let (clone_ns, compare_ns) = copy_and_compare(&fb);
        println!(
            "{:<44} {:>10.1} {:>12.1}",
            format!("{w}x{h}"),
            clone_ns,
            compare_ns
        );
    }
}
