//! The session key out of reach of the user's other processes: a client
//! started the way wrappers start it (`MOSH_KEY` in its environment) and
//! a server, both running as an unprivileged user, while another process
//! of that same user tries to read their `/proc/PID/environ` (where the
//! client's original environment block keeps the key). The programs are
//! non-dumpable, so the kernel refuses.

use crate::support::shell::sh_quote;
use crate::support::sshd::TempUser;
use crate::support::{server, skip, tmux::Tmux};

use std::process::Command;
use std::time::Duration;

/// What `cat /proc/PID/environ` run as `user` printed, or `None` if the
/// kernel refused.
fn environ_as(user: &TempUser, pid: i32) -> Option<String> {
    let out = as_user(user, &["/bin/cat", &format!("/proc/{pid}/environ")])
        .output()
        .expect("cat runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `words` run as `user`, with the user's own groups (`runuser`), so
/// the kernel compares the user's ids alone.
fn as_user(user: &TempUser, words: &[&str]) -> Command {
    let mut cmd = Command::new("/usr/sbin/runuser");
    cmd.args(["-u", &user.name, "--"]).args(words);
    cmd
}

/// The pid of `user`'s process whose command line starts with `word`.
fn process_named(user: &TempUser, word: &str) -> Option<i32> {
    user.processes().into_iter().find(|pid| {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .is_ok_and(|cmdline| cmdline.split(|&b| b == 0).next() == Some(word.as_bytes()))
    })
}

#[test]
fn the_users_other_processes_cannot_read_the_key_from_client_or_server() {
    if mosh_rs::sys::process::current_uid() != 0 {
        skip::skip("needs root to act as an unprivileged user");
        return;
    }
    if skip::missing(&["/usr/sbin/runuser"]) {
        return;
    }
    let Some(user) = TempUser::create("/bin/sh") else {
        return;
    };
    let script = "while read line; do echo \"got:$line\"; done";
    let server_path = server::our_server().to_string_lossy().into_owned();
    let mut start = as_user(
        &user,
        &[
            &server_path,
            "new",
            "-i",
            "127.0.0.1",
            "--",
            "sh",
            "-c",
            script,
        ],
    );
    start
        .env("HOME", &user.home)
        .env("MOSH_SERVER_NETWORK_TMOUT", "60")
        .env("LANG", "C.UTF-8");
    let out = server::run_with_deadline(start, Duration::from_secs(20)).expect("server");
    let (port, key) = server::parse_connect(&String::from_utf8_lossy(&out.stdout))
        .unwrap_or_else(|| panic!("no MOSH CONNECT: {out:?}"));
    let server_pid =
        server::parse_detached_pid(&String::from_utf8_lossy(&out.stderr)).expect("detached pid");

    let client = server::our_links().join("mosh-client");
    let words = [
        "/usr/sbin/runuser".to_string(),
        "-u".to_string(),
        user.name.clone(),
        "--".to_string(),
        "env".to_string(),
        format!("MOSH_KEY={key}"),
        "LANG=C.UTF-8".to_string(),
        client.to_string_lossy().into_owned(),
        "127.0.0.1".to_string(),
        port.to_string(),
    ];
    let term = Tmux::start(80, 24, &sh_quote(&words), &[]).expect("tmux");
    term.type_text("hello");
    term.send_keys(&["Enter"]);
    term.wait_for_text("got:hello", Duration::from_secs(20))
        .unwrap_or_else(|s| panic!("the session never worked:\n{s}"));
    let client_pid = process_named(&user, &client.to_string_lossy()).expect("client process");

    let from_client = environ_as(&user, client_pid);
    assert!(
        from_client.is_none(),
        "another process of the user read the client's environment: key there: {}",
        from_client.is_some_and(|env| env.contains(&key))
    );
    assert!(
        environ_as(&user, server_pid).is_none(),
        "another process of the user read the server's environment"
    );
    // The session's program is the user's own again: readable.
    let program = user
        .processes()
        .into_iter()
        .find(|&pid| pid != server_pid && pid != client_pid && environ_as(&user, pid).is_some());
    assert!(program.is_some(), "nothing of the user's stays readable");
    let _ = mosh_rs::sys::process::kill(server_pid, libc::SIGTERM);
}
