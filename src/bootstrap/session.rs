//! Starting a session: count colours, start the server (through ssh, or
//! here with `--local`), follow its output until `MOSH CONNECT` (showing
//! the user everything else and answering the install script), wait for
//! the starter to exit, and hand over to the client. Every program started
//! gets upstream's environment additions (`child_environment`); this
//! process's own environment is left alone.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use super::carrier_command::{carrier_mode, carrier_plan, choose_master};
use super::child_environment::ChildEnvironment;
use super::child_output::ChildOutput;
use super::client_handoff::{self, ClientSettings};
use super::fake_proxy::ADDRESS_FILE_VARIABLE;
use super::handshake::{self, Endpoint, Failure, Handshake, Line, Step, NO_SERVER_MESSAGE};
use super::install::{self, Answer, Installer, LocalBuild};
use super::local::local_server;
use super::options::Transport;
use super::options::{Options, RemoteIp};
use super::peers;
use super::remote_command::{self as remote, split_user_host};
use super::resolve::{numeric_host, resolve};
use super::ssh_config::SshConfig;
use super::verbose::Narrator;
use crate::client::MasterUse;

/// Runs a session for `options`; returns the exit status.
pub fn run(program: &str, options: &Options) -> i32 {
    let child_env = ChildEnvironment::new(options.predict_overwrite);
    let client = peers::choose_client(options.client.as_deref());
    if options.transport == Transport::Ssh && matches!(client, peers::Client::External(_)) {
        eprintln!(
            "{program}: --transport=ssh needs mosh-rs's own client to carry the session; \
             leave out --client."
        );
        return 1;
    }
    let colors = match client_handoff::color_count(&client, &child_env) {
        Ok(colors) => colors,
        Err(why) => {
            eprintln!("{program}: {why}");
            return 1;
        }
    };
    let env = |name: &str| std::env::var_os(name);
    let narrator = Narrator::new(program, options.verbose);
    let ssh_config = (!options.local)
        .then(|| SshConfig::resolve(&options.ssh, &options.user_host))
        .flatten();
    let adjusted = ssh_config.and_then(|config| config.keeping_the_proxy(options));
    if adjusted.is_some() {
        narrator.keeping_proxy(&options.user_host.to_string_lossy());
    }
    let options = adjusted.as_ref().unwrap_or(options);
    let mode = carrier_mode(options, matches!(client, peers::Client::Builtin));
    let master = match mode {
        Some(_) => choose_master(ssh_config),
        None => MasterUse::None,
    };
    let stop_master = |master: &MasterUse| {
        if let MasterUse::Private(private) = master {
            private.stop(&options.ssh, &options.user_host);
        }
    };
    let plan = match plan(options, colors, &env, narrator, &master) {
        Ok(mut plan) => {
            child_env.apply(&mut plan.command);
            plan
        }
        Err(why) => {
            stop_master(&master);
            eprintln!("{program}: {why}");
            return 1;
        }
    };
    let server = plan.server.clone();
    let endpoint = match start(program, plan, narrator) {
        Ok(endpoint) => endpoint,
        Err(status) => {
            stop_master(&master);
            return status;
        }
    };
    let carrier = mode.map(|mode| carrier_plan(options, mode, master, &server, endpoint.port));
    narrator.connecting(&endpoint);
    let settings = ClientSettings {
        predict: options.predict,
        predict_overwrite: options.predict_overwrite,
        term_init: options.term_init,
        typed_args: options.typed_args.clone(),
        verbose: options.verbose,
        carrier,
        scrollback: options.scrollback,
    };
    client_handoff::hand_over(program, &client, &endpoint, &settings, &child_env)
}

/// How a session will be started.
struct Plan {
    command: Command,
    handshake: Handshake,
    install: Option<Install>,
    /// What the user typed as the host, for messages.
    user_host: String,
    /// The server command, for the hint when it does not start.
    server: OsString,
    local: bool,
    /// Where the ProxyCommand also leaves `MOSH IP` (see
    /// [`ADDRESS_FILE_VARIABLE`]).
    address_file: Option<PathBuf>,
}

/// An install in progress: the script's state and the bytes to copy.
struct Install {
    installer: Installer,
    binary: Vec<u8>,
}

fn plan(
    options: &Options,
    colors: u32,
    env: &dyn Fn(&str) -> Option<OsString>,
    narrator: Narrator<'_>,
    master: &MasterUse,
) -> Result<Plan, String> {
    let server = peers::server_command(options.server.as_deref(), options.local);
    let range = options.port.as_ref().is_some_and(|p| p.high.is_some());
    let user_host = options.user_host.to_string_lossy().into_owned();
    if options.local {
        let (command, ip) = local_server(options, &server, colors, env)?;
        narrator.resolved(&user_host, &ip);
        return Ok(Plan {
            command,
            handshake: Handshake::with_ip(range, ip),
            install: None,
            user_host,
            server,
            local: true,
            address_file: None,
        });
    }
    let (target, handshake) = match options.remote_ip {
        RemoteIp::Local => {
            let (target, ip) = resolved_target(&user_host, options)?;
            narrator.resolved(&user_host, &ip);
            (target, Handshake::with_ip(range, ip))
        }
        _ => (options.user_host.clone(), Handshake::new(range)),
    };
    let bind = remote::bind_arguments(&options.bind_server, None);
    let server_args =
        remote::server_arguments(options, colors, bind, remote::locale_assignments(env));
    let mut remote_command = OsString::new();
    if options.remote_ip == RemoteIp::Remote {
        remote_command.push(remote::ssh_connection_printer());
    }
    let install = if options.install_server {
        remote_command.push(install::remote_command(&server_args));
        Some(prepare_install(options.force_install)?)
    } else {
        remote_command.push(remote::server_command_line(&server, &server_args));
        None
    };
    let (master_options, address_file) = match master {
        MasterUse::Private(private) => (
            private.master_options(),
            (options.remote_ip == RemoteIp::Proxy).then(|| private.address_file()),
        ),
        _ => (Vec::new(), None),
    };
    let mut command = ssh_command(
        options,
        &target,
        install.is_some(),
        &master_options,
        remote_command,
    )?;
    if let Some(file) = &address_file {
        command.env(ADDRESS_FILE_VARIABLE, file);
    }
    Ok(Plan {
        command,
        handshake,
        install,
        user_host,
        server,
        local: false,
        address_file,
    })
}

/// `--experimental-remote-ip=local`: ssh to the host's first address
/// (keeping `user@`); returns the ssh target and that address.
fn resolved_target(user_host: &str, options: &Options) -> Result<(OsString, String), String> {
    let (user, host) = split_user_host(user_host);
    let first = resolve(host, 22, options.family)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("could not find address for {host}"))?;
    let ip = numeric_host(&first);
    Ok((OsString::from(format!("{user}{ip}")), ip))
}

fn prepare_install(force: bool) -> Result<Install, String> {
    let binary =
        read_this_binary().map_err(|e| format!("cannot read this program to copy it: {e}"))?;
    let local = LocalBuild::this(binary.len() as u64);
    Ok(Install {
        installer: Installer::new(local, force),
        binary,
    })
}

/// The ssh command for `target`, with the fake ProxyCommand when the
/// server's address comes from it.
fn ssh_command(
    options: &Options,
    target: &OsString,
    feeds_stdin: bool,
    master: &[OsString],
    remote_command: OsString,
) -> Result<Command, String> {
    let proxy = if options.remote_ip == RemoteIp::Proxy {
        let exe = peers::this_binary()
            .ok_or("cannot find this program's own path for ssh's ProxyCommand")?;
        Some(remote::proxy_command(&exe, options.family))
    } else {
        None
    };
    let has_proxy = proxy.is_some();
    let argv = remote::ssh_argv(options, target, proxy, feeds_stdin, master, remote_command);
    let (ssh, ssh_args) = argv.split_first().ok_or("--ssh names no command")?;
    let mut command = Command::new(ssh);
    command.args(ssh_args);
    if has_proxy {
        // Unusual login shells and broken rc files break ProxyCommand.
        command.env("SHELL", "/bin/sh");
    }
    Ok(command)
}

/// Gives the handshake the `MOSH IP` line the ProxyCommand left in its
/// file, when ssh kept it from the output.
fn take_address_file(plan: &mut Plan) {
    let Some(file) = plan.address_file.take() else {
        return;
    };
    let Ok(text) = std::fs::read(&file) else {
        return;
    };
    if let Some(line) = text.split(|&b| b == b'\n').find(|l| !l.is_empty()) {
        let _ = plan.handshake.take(line, &handshake::classify(line));
    }
}

/// This binary's bytes (through /proc, which works even if the file was
/// replaced since it started).
fn read_this_binary() -> io::Result<Vec<u8>> {
    std::fs::read("/proc/self/exe").or_else(|_| {
        let exe = peers::this_binary().ok_or_else(|| io::Error::other("no executable path"))?;
        std::fs::read(exe)
    })
}

/// Starts the plan's command and follows its output to the endpoint, or
/// to the exit status to end with.
fn start(program: &str, mut plan: Plan, narrator: Narrator<'_>) -> Result<Endpoint, i32> {
    narrator.starting(&plan.command);
    let (mut child, output) = spawn(program, &mut plan)?;
    let mut stdin = child.stdin.take();
    let mut output = match ChildOutput::new(output) {
        Ok(output) => output,
        Err(e) => return Err(abandon(program, &mut child, &e)),
    };
    let connected = loop {
        let line = match output.next_line(&mut child) {
            Ok(Some(line)) => line,
            Ok(None) => break false,
            Err(e) => return Err(abandon(program, &mut child, &e)),
        };
        let kind = handshake::classify(&line);
        narrator.server_line(&line, &kind);
        if let (Line::Install(text), Some(install)) = (&kind, plan.install.as_mut()) {
            if let Some(answer) = install.installer.take(text) {
                send_answer(
                    program,
                    &answer,
                    stdin.take(),
                    &install.binary,
                    &plan.user_host,
                );
            }
        }
        if matches!(kind, Line::Ip(_)) {
            plan.address_file = None;
        }
        if matches!(kind, Line::Connect { .. }) {
            take_address_file(&mut plan);
        }
        match plan.handshake.take(&line, &kind) {
            Step::Show => show(&super::notice::with_host(&line, &plan.user_host)),
            Step::Quiet => {}
            Step::Connected => break true,
            Step::Abort(failure) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(report(program, &plan, failure));
            }
        }
    };
    drop(stdin);
    if connected {
        // What the server says after announcing itself is not for the
        // user; a mosh-rs server says what it offers.
        while let Ok(Some(line)) = output.next_line(&mut child) {
            let kind = handshake::classify(&line);
            narrator.server_line(&line, &kind);
            if matches!(kind, Line::Features(_)) {
                plan.handshake.take(&line, &kind);
            }
        }
    }
    let status = child.wait().ok().and_then(|s| s.code());
    let install_failure = plan
        .install
        .as_ref()
        .and_then(|i| i.installer.failure().map(str::to_string));
    let mut warn = |note: String| eprintln!("{program}: {note}");
    match plan
        .handshake
        .clone()
        .finish(status, &plan.user_host, &mut warn)
    {
        Ok(endpoint) => Ok(endpoint),
        Err(failure) => match install_failure {
            Some(why) => {
                eprintln!("{program}: {why}");
                Err(1)
            }
            None => Err(report(program, &plan, failure)),
        },
    }
}

/// Starts the command with stdout and stderr on one pipe; returns the
/// child and the pipe's read end.
fn spawn(program: &str, plan: &mut Plan) -> Result<(Child, OwnedFd), i32> {
    let fail = |what: &str, e: io::Error| {
        eprintln!("{program}: {what}: {e}");
        handshake::SSH_FAILURE
    };
    let (read, write) = crate::sys::fd::pipe().map_err(|e| fail("pipe", e))?;
    let write_copy = write.try_clone().map_err(|e| fail("pipe", e))?;
    let stdin = if plan.install.is_some() {
        Stdio::piped()
    } else {
        Stdio::inherit()
    };
    plan.command.stdin(stdin).stdout(write_copy).stderr(write);
    let what = format!(
        "Cannot exec {}",
        plan.command.get_program().to_string_lossy()
    );
    let child = plan.command.spawn().map_err(|e| fail(&what, e))?;
    // The command keeps the pipe's write ends; drop them so the output
    // ends when the child's copies close.
    plan.command.stdout(Stdio::null()).stderr(Stdio::null());
    Ok((child, read))
}

/// Shows one line of the starter's output to the user.
fn show(line: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(line);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// Answers the install script; the binary follows a `send` answer. The
/// script's stdin is closed afterwards either way.
fn send_answer(
    program: &str,
    answer: &Answer,
    stdin: Option<ChildStdin>,
    binary: &[u8],
    user_host: &str,
) {
    let Some(mut stdin) = stdin else {
        return;
    };
    if *answer == Answer::Send {
        eprintln!(
            "{program}: copying mosh-rs ({} bytes) to {user_host}:{}",
            binary.len(),
            install::REMOTE_PATH
        );
    }
    // A write error means ssh is gone; its output says why.
    let _ = stdin.write_all(&answer.line(binary.len() as u64));
    if *answer == Answer::Send {
        let _ = stdin.write_all(binary);
    }
    let _ = stdin.flush();
}

/// Prints why the session did not start; returns the exit status.
fn report(program: &str, plan: &Plan, failure: Failure) -> i32 {
    match failure {
        Failure::Ssh(status) => status,
        Failure::Message(why, status) => {
            eprintln!("{program}: {why}");
            if why == NO_SERVER_MESSAGE {
                eprintln!("{}", missing_server_hint(program, plan));
            }
            status
        }
    }
}

fn missing_server_hint(program: &str, plan: &Plan) -> String {
    let server = plan.server.to_string_lossy();
    if plan.local {
        format!(
            "{program}: hint: `{server}` did not start on this machine; name the server \
             program with --server=PATH."
        )
    } else {
        format!(
            "{program}: hint: `{server}` did not start on {}. If mosh-server is installed \
             outside the remote PATH, name it with --server=PATH (e.g. \
             --server=~/.local/bin/mosh-server); if the remote has no mosh at all, \
             --install-server copies this mosh-rs there (no root needed).",
            plan.user_host
        )
    }
}

/// Gives up on a child whose output cannot be read.
fn abandon(program: &str, child: &mut Child, err: &io::Error) -> i32 {
    eprintln!("{program}: reading the server's startup output failed: {err}");
    let _ = child.kill();
    let _ = child.wait();
    1
}
