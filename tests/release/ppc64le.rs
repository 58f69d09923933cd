//! The ppc64le release binary behaves like the x86_64 one under
//! `qemu-ppc64le-static` (the checks are in `emulated.rs`), and a session
//! between our x86_64 client and the ppc64le server under qemu works:
//! typing is echoed (little data), `seq 1 5000` reaches the client's
//! terminal history once and in order, and a 40 kB paste reaches the
//! server's program intact, as its checksum shows (big data both ways).
//! `make test` builds it and passes it as `$MOSH_RS_PPC64LE_BIN`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::emulated::{self, Arch};
use crate::support::pane_history::{each_once_in_order, numbers, settled};
use crate::support::scratch::Scratch;
use crate::support::server::parse_connect;
use crate::support::shell::shell_quote;
use crate::support::tmux::Tmux;

const PPC64LE: Arch = Arch {
    name: "ppc64le",
    triple: "powerpc64le-unknown-linux-musl",
    qemu: "qemu-ppc64le-static",
    machine: crate::support::release::EM_PPC64,
    binary: crate::support::release::ppc64le_binary,
    make_target: "build-ppc64le",
};

const WAIT: Duration = Duration::from_secs(90);

#[test]
fn the_ppc64le_binary_is_a_static_ppc64_executable() {
    emulated::is_a_static_executable(&PPC64LE);
}

#[test]
fn every_mode_answers_version_and_help_like_the_x86_64_build_on_ppc64le() {
    emulated::every_mode_answers_version_and_help_alike(&PPC64LE);
}

#[test]
fn version_first_line_keeps_upstreams_shape_on_ppc64le() {
    emulated::version_first_line_keeps_upstreams_shape(&PPC64LE);
}

#[test]
fn command_line_mistakes_get_the_same_message_and_status_on_ppc64le() {
    emulated::command_line_mistakes_are_answered_alike(&PPC64LE);
}

#[test]
fn emulate_draws_the_same_screens_as_the_x86_64_build_on_ppc64le() {
    emulated::emulate_draws_the_same_screens(&PPC64LE);
}

/// The ppc64le server under qemu, killed by pid when dropped. It runs in
/// the foreground: under qemu-user `/proc/self/task` also lists qemu's
/// own thread, so the server declines to fork into the background (on
/// a real machine it would detach).
struct EmulatedServer {
    child: Child,
    port: u16,
    key: String,
    _links: Scratch,
}

impl EmulatedServer {
    /// Starts `mosh-server new` for `command` and reads its
    /// `MOSH CONNECT` line.
    fn start(binary: &Path, command: &str) -> EmulatedServer {
        let links = Scratch::new("ppc64le-server");
        let server = links.join("mosh-server");
        std::os::unix::fs::symlink(binary, &server).expect("symlink");
        let mut child = Command::new(PPC64LE.qemu)
            .arg(&server)
            .args(["new", "-i", "127.0.0.1", "--", "sh", "-c", command])
            .env("LC_ALL", "C.UTF-8")
            .env("MOSH_SERVER_NETWORK_TMOUT", "60")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("qemu starts");
        let stdout = child.stdout.take().expect("stdout");
        let (lines, heard) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let connect = loop {
            match heard.recv_timeout(WAIT) {
                Ok(line) => {
                    if let Some(found) = parse_connect(&line) {
                        break Some(found);
                    }
                }
                Err(_) => break None,
            }
        };
        let Some((port, key)) = connect else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the ppc64le server said no MOSH CONNECT");
        };
        EmulatedServer {
            child,
            port,
            key,
            _links: links,
        }
    }
}

impl Drop for EmulatedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lines` numbered lines of text with UTF-8 in them, for the paste.
fn paste_text(lines: usize) -> String {
    (1..=lines)
        .map(|n| format!("line {n:04} abcdefghijklmnopqrstuvwxyz 0123456789 äöü €ß ✓\n"))
        .collect()
}

/// Pastes the file at `path` into the pane (`Tmux::paste` hands tmux the
/// text as an argument, which tmux limits to about 16 kB).
fn paste_file(tmux: &Tmux, path: &str) {
    for args in [
        &["load-buffer", "-b", "ppc64le-paste", path][..],
        &["paste-buffer", "-d", "-b", "ppc64le-paste", "-t", "0"],
    ] {
        let status = Command::new("tmux")
            .arg("-S")
            .arg(tmux.socket())
            .args(args)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux {args:?}");
    }
}

#[test]
fn an_x86_64_client_and_a_ppc64le_server_carry_little_and_big_data() {
    if crate::support::skip::missing_tmux() {
        return;
    }
    let Some(ppc) = PPC64LE.build() else { return };
    let shell = "PS1='ready$ ' exec bash --norc --noprofile -i";
    let server = EmulatedServer::start(&ppc, shell);
    let client_dir = Scratch::new("x86-client");
    let client = client_dir.join("mosh-client");
    std::os::unix::fs::symlink(crate::support::release::native_binary(), &client).expect("symlink");
    let command = format!(
        "LC_ALL=C.UTF-8 MOSH_SERVER_FEATURES=scrollback MOSH_KEY={} exec {} 127.0.0.1 {}",
        server.key,
        shell_quote(&client.to_string_lossy()),
        server.port
    );
    let tmux = Tmux::start_with_history(80, 24, &command, &[], 8000).expect("tmux starts");
    tmux.wait_for_text("ready$", WAIT)
        .unwrap_or_else(|s| panic!("no prompt through the ppc64le server:\n{s}"));

    // Little data: a few keys and their answer.
    tmux.type_text("echo ppc-$((6*7))");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for_text("ppc-42", WAIT)
        .unwrap_or_else(|s| panic!("no answer to typing:\n{s}"));

    // Big data down: 5000 lines into the client's terminal history.
    tmux.type_text("seq 1 5000");
    tmux.send_keys(&["Enter"]);
    let all = settled(&tmux, WAIT, |all| {
        numbers(all).last() == Some(&5000) && all.last().is_some_and(|l| l == "ready$")
    });
    each_once_in_order(&all, 5000, "seq 1 5000 from the ppc64le server");

    // Big data up: a paste of about 40 kB, checksummed by the server's program.
    let text = paste_text(700);
    assert!(text.len() > 40_000);
    let expected = crate::support::release::run(&mut Command::new("cksum"), text.as_bytes())
        .expect_success("cksum here")
        .stdout;
    let expected = expected.trim();
    // Paste only once bash has run the command line (and so has given the
    // terminal back to canonical mode and stopped reading): a paste typed
    // into bash's own line editor would be read by bash, not by cksum.
    // Echo is off meanwhile, so that under load the kernel's echo of the
    // paste cannot land in the middle of cksum's answer.
    tmux.send_keys(&["C-l"]);
    tmux.type_text("stty -echo; echo go-$((1+1)); cksum; stty echo");
    tmux.send_keys(&["Enter"]);
    tmux.wait_for_text("go-2", WAIT)
        .unwrap_or_else(|s| panic!("cksum did not start:\n{s}"));
    paste_file(&tmux, &client_dir.file("paste.txt", text.as_bytes()));
    tmux.send_keys(&["C-d"]);
    if let Err(screen) = tmux.wait_for(WAIT, |s| s.lines().any(|l| l.trim_end() == expected)) {
        let all = crate::support::pane_history::everything(&tmux);
        let from = all.iter().rposition(|l| l.contains("cksum")).unwrap_or(0);
        let head: Vec<&String> = all[from..].iter().take(8).collect();
        panic!(
            "the paste did not arrive intact (want {expected}):\n{screen}\nfrom the cksum line on: {head:?}"
        );
    }
    drop(tmux);
    drop(server);
}
