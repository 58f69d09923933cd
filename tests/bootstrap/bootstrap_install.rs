//! `mosh --install-server` into a freshly created account with no mosh,
//! through a real sshd: the binary lands in `~/.local/bin/mosh-rs` with
//! `mosh-server` linked to it, its `--version` says mosh-rs, our server
//! then announces itself to the client; a second run does not copy
//! again; a machine of another architecture is refused with the build it
//! needs; a `mosh-server` there that is not ours is replaced only with
//! `--force`; the installed server answers upstream's Perl wrapper and our
//! own bootstrap through a `~/...` path; and both give working sessions
//! in a terminal.

use crate::support::paths::{STOCK_CLIENT, STOCK_MOSH};
use crate::support::{bootstrap_session, peers, server, skip, sshd};

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bootstrap_session::{check_session, remote_command};
use peers::RecordingClient;
use sshd::{Sshd, TempUser};

struct Run {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(program: &Path, args: &[String]) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("MOSH_PREDICTION_DISPLAY")
        .stdin(std::process::Stdio::null());
    let out = server::run_with_deadline(cmd, Duration::from_secs(120)).expect("mosh finishes");
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn our_mosh() -> std::path::PathBuf {
    server::our_links().join("mosh")
}

/// A fresh account that the test key can log in to.
fn fresh_account(sshd: &Sshd, shell: &str) -> Option<TempUser> {
    let user = TempUser::create(shell)?;
    sshd.authorize_home(&user.home, user.uid)
        .expect("authorized_keys");
    Some(user)
}

fn install_args(sshd: &Sshd, client: &RecordingClient, user: &TempUser) -> Vec<String> {
    vec![
        "--install-server".into(),
        format!("--client={}", client.path().display()),
        format!("--ssh={}", sshd.ssh_command()),
        format!("{}@127.0.0.1", user.name),
    ]
}

#[test]
fn install_into_a_fresh_account_then_skip_when_already_there() {
    let Some(sshd) = Sshd::start() else { return };
    let Some(user) = fresh_account(&sshd, "/bin/sh") else {
        return;
    };
    let installed = user.home.join(".local/bin/mosh-rs");
    assert!(!installed.exists());

    let client = RecordingClient::new(256);
    let first = run(&our_mosh(), &install_args(&sshd, &client, &user));
    assert!(
        first.stderr.contains("copying mosh-rs"),
        "{}\n{}",
        first.stdout,
        first.stderr
    );
    let ours = std::fs::read(server::our_binary()).unwrap();
    assert_eq!(std::fs::read(&installed).unwrap(), ours, "the very binary");
    let meta = std::fs::metadata(&installed).unwrap();
    assert_eq!(meta.uid(), user.uid, "owned by the user, no root involved");
    assert!(meta.mode() & 0o100 != 0, "executable");
    let link = user.home.join(".local/bin/mosh-server");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("mosh-rs"));
    let leftovers: Vec<_> = std::fs::read_dir(user.home.join(".local/bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files: {leftovers:?}");

    let version = sshd
        .run(
            &format!("{}@127.0.0.1", user.name),
            "~/.local/bin/mosh-server --version",
        )
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.contains("mosh-rs"), "{version}");

    // Our server started and announced itself: the client got a key.
    assert_eq!(first.status, Some(0), "{}\n{}", first.stdout, first.stderr);
    let got = client.recorded().expect("the client ran");
    assert_eq!(got.env.get("MOSH_KEY").map(String::len), Some(22));
    assert_eq!(got.args[1], "127.0.0.1");

    let inode = meta.ino();
    let client = RecordingClient::new(256);
    let second = run(&our_mosh(), &install_args(&sshd, &client, &user));
    assert_eq!(
        second.status,
        Some(0),
        "{}\n{}",
        second.stdout,
        second.stderr
    );
    assert!(!second.stderr.contains("copying"), "{}", second.stderr);
    assert_eq!(
        std::fs::metadata(&installed).unwrap().ino(),
        inode,
        "not rewritten"
    );
    assert!(client.recorded().is_some());
}

#[test]
fn another_architecture_is_refused_with_the_build_it_needs() {
    let Some(sshd) = Sshd::start() else { return };
    // A login shell that puts a `uname` reporting aarch64 first on PATH.
    let fake_bin = sshd.dir().join("fakebin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    write_executable(
        &fake_bin.join("uname"),
        "#!/bin/sh\ncase \"$1\" in -m) echo aarch64;; -s) echo Linux;; *) exec /bin/uname \"$@\";; esac\n",
    );
    let shell = sshd.dir().join("fakeshell");
    write_executable(
        &shell,
        &format!(
            "#!/bin/sh\nPATH={}:$PATH; export PATH; exec /bin/sh \"$@\"\n",
            fake_bin.display()
        ),
    );
    open_to_all(sshd.dir());
    let Some(user) = fresh_account(&sshd, &shell.display().to_string()) else {
        return;
    };
    let client = RecordingClient::new(256);
    let refused = run(&our_mosh(), &install_args(&sshd, &client, &user));
    assert_eq!(
        refused.status,
        Some(1),
        "{}\n{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("the remote machine is aarch64"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("aarch64-unknown-linux-musl"),
        "{}",
        refused.stderr
    );
    assert!(!user.home.join(".local/bin/mosh-rs").exists());
    assert!(client.recorded().is_none());
}

/// After an install, a `~/.local/bin/mosh-server` path (expanded by the
/// remote shell) starts our server for our bootstrap and for upstream's
/// Perl wrapper alike.
#[test]
fn the_installed_server_answers_through_a_tilde_path() {
    let Some(sshd) = Sshd::start() else { return };
    let Some(user) = fresh_account(&sshd, "/bin/sh") else {
        return;
    };
    let client = RecordingClient::new(256);
    let install = run(&our_mosh(), &install_args(&sshd, &client, &user));
    assert_eq!(
        install.status,
        Some(0),
        "{}\n{}",
        install.stdout,
        install.stderr
    );

    let mut wrappers = vec![our_mosh()];
    if !skip::missing(&[STOCK_MOSH]) {
        wrappers.push(STOCK_MOSH.into());
    }
    for wrapper in wrappers {
        let client = RecordingClient::new(256);
        let args = vec![
            "--server=~/.local/bin/mosh-server".to_string(),
            format!("--client={}", client.path().display()),
            format!("--ssh={}", sshd.ssh_command()),
            format!("{}@127.0.0.1", user.name),
        ];
        let out = run(&wrapper, &args);
        let shown = wrapper.display();
        assert_eq!(
            out.status,
            Some(0),
            "{shown}: {}\n{}",
            out.stdout,
            out.stderr
        );
        let got = client.recorded().expect("the client ran");
        assert_eq!(
            got.env.get("MOSH_KEY").map(String::len),
            Some(22),
            "{shown}"
        );
    }
}

/// A `~/.local/bin/mosh-server` that is the user's own (here a stand-in
/// for an upstream build) is left alone and the install refused, saying
/// `--force`; with `--force` it is replaced and the session starts.
#[test]
fn a_mosh_server_that_is_not_ours_is_replaced_only_with_force() {
    let Some(sshd) = Sshd::start() else { return };
    let Some(user) = fresh_account(&sshd, "/bin/sh") else {
        return;
    };
    let bin = user.home.join(".local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let own = bin.join("mosh-server");
    let body = "#!/bin/sh\necho 'mosh-server (mosh 1.4.0) [build mine]'\nexit 1\n";
    write_executable(&own, body);
    for path in [&user.home.join(".local"), &bin, &own] {
        std::os::unix::fs::chown(path, Some(user.uid), None).unwrap();
    }

    let client = RecordingClient::new(256);
    let refused = run(&our_mosh(), &install_args(&sshd, &client, &user));
    assert_eq!(
        refused.status,
        Some(1),
        "{}\n{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("is not mosh-rs") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read_to_string(&own).unwrap(), body, "replaced");
    assert!(!bin.join("mosh-rs").exists(), "copied anyway");
    assert!(client.recorded().is_none());

    let mut forced_args = install_args(&sshd, &client, &user);
    forced_args.insert(0, "--force".into());
    let forced = run(&our_mosh(), &forced_args);
    assert_eq!(
        forced.status,
        Some(0),
        "{}\n{}",
        forced.stdout,
        forced.stderr
    );
    assert_eq!(std::fs::read_link(&own).unwrap(), Path::new("mosh-rs"));
    assert!(client.recorded().is_some());
}

fn write_executable(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn open_to_all(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// An account with no mosh: `--install-server` gives a working session
/// at once, and then upstream's Perl wrapper works with
/// `--server=~/.local/bin/mosh-server`.
#[test]
fn install_then_working_sessions_in_a_terminal() {
    let upstream_client = STOCK_CLIENT;
    if skip::missing(&[upstream_client, STOCK_MOSH]) || skip::missing_tmux() {
        return;
    }
    let Some(sshd) = Sshd::start() else { return };
    let Some(user) = fresh_account(&sshd, "/bin/sh") else {
        return;
    };
    let destination = format!("{}@127.0.0.1", user.name);
    let mut ours = vec![
        our_mosh().display().to_string(),
        "--install-server".to_string(),
        format!("--client={upstream_client}"),
        format!("--ssh={}", sshd.ssh_command()),
        destination.clone(),
    ];
    ours.extend(remote_command());
    check_session(&ours, &[]);
    assert!(user.home.join(".local/bin/mosh-rs").exists());

    let mut perl = vec![
        STOCK_MOSH.to_string(),
        "--server=~/.local/bin/mosh-server".to_string(),
        format!("--ssh={}", sshd.ssh_command()),
        destination,
    ];
    perl.extend(remote_command());
    check_session(&perl, &[]);
}
