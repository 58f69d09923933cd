//! Start-up of `mosh-server new`: the checks made before anything is
//! bound (command, locale), the socket and key, the `MOSH CONNECT` line,
//! detaching into the background, and starting the session's program.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::fd::AsFd;

use super::cli::ServerOptions;
use super::control::ControlEndpoint;
use super::environment::{
    home_directory, message_of_the_day, session_command, session_environment,
};
use super::list_cmd::detached_notice;
use super::ports::{bind_server_socket, DEFAULT_PORTS};
use super::registry::{command_line, live_sessions, registry_dir, unix_now};
use super::scrollback_setting::{features_line, scrollback_lines};
use super::session::{serve, SessionSetup};
use super::timeouts::Timeouts;
use crate::diag::{DiagLog, Role};
use crate::locale::{ensure_utf8, Environment};
use crate::sys::fd::{redirect_stdio_to_null, stdin_is_tty, tcdrain};
use crate::sys::passwd::current_user;
use crate::sys::process::{exit_immediately, fork_single_threaded, new_session, Forked};
use crate::sys::pty::{window_size, WindowSize};
use crate::sys::signals::{ignore, Signal};
use crate::sys::spawn::{spawn_on_pty, PtyCommand};
use crate::wire::SessionKey;

/// Runs the server with parsed options; returns the exit status.
/// `core_dump_limit` is the limit the program gets back (the server
/// itself runs without core dumps).
pub fn run(opts: ServerOptions, core_dump_limit: Option<u64>) -> i32 {
    let mut env = Environment::from_process();
    let command = match session_command(opts.command.clone(), &env, current_user) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("mosh-server: cannot find your login shell: {e}");
            return 1;
        }
    };
    if let Err(explanation) = ensure_utf8(&mut env, &opts.locale_vars) {
        eprint!("{explanation}");
        return 1;
    }
    let timeouts = Timeouts::from_environment(&env, &mut io::stderr());
    let scrollback_lines = scrollback_lines(opts.scrollback_lines, &env, &mut io::stderr());
    let size = initial_window_size();
    let ports = opts.ports.unwrap_or(DEFAULT_PORTS);
    let socket = match bind_server_socket(opts.desired_ip.as_deref(), ports, &mut io::stderr()) {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("Network exception: {e}");
            return 1;
        }
    };
    let key = match SessionKey::generate() {
        Ok(key) => key,
        Err(e) => {
            eprintln!("Crypto exception: {e}");
            return 1;
        }
    };
    let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
    let env_lookup = |name: &str| std::env::var_os(name);
    let diag =
        DiagLog::from_environment(Role::Server, opts.verbose, &env_lookup).unwrap_or_else(|why| {
            eprintln!("{why}");
            DiagLog::disabled(Role::Server)
        });
    tell_of_detached_sessions();
    announce(port, &key, &features_line(scrollback_lines));
    let _ = ignore(Signal::Hangup);
    let _ = ignore(Signal::Pipe);
    detach(opts.verbose);
    let control = register_session(port, &command.argv, opts.verbose);

    let home = home_directory(&env, current_user);
    let greeting = if command.login_shell {
        message_of_the_day(home.as_deref())
    } else {
        Vec::new()
    };
    let pty_command = PtyCommand {
        program: command.program,
        argv: command.argv,
        env: session_environment(env, opts.colors, home.as_deref())
            .pairs()
            .to_vec(),
        cwd: home,
        greeting,
        hold_until_released: true,
        core_dump_limit,
    };
    let child = match spawn_on_pty(&pty_command, size) {
        Ok(child) => child,
        Err(e) => {
            eprintln!("mosh-server: cannot start the session: {e}");
            return 1;
        }
    };
    let setup = SessionSetup {
        socket,
        key,
        child,
        size,
        timeouts,
        verbose: opts.verbose,
        diag,
        control,
        scrollback_lines,
    };
    let status = serve(setup);
    let _ = io::stdout().write_all(b"\n[mosh-server is exiting.]\n");
    let _ = io::stdout().flush();
    status
}

/// Prints the notice about detached sessions the user may want instead.
fn tell_of_detached_sessions() {
    let Ok(dir) = registry_dir() else {
        return;
    };
    if let Some(notice) = detached_notice(&live_sessions(&dir), unix_now()) {
        // One write: over ssh, standard error and output travel apart, and
        // a newline written separately could land after `MOSH CONNECT`.
        let _ = io::stderr().write_all(format!("{notice}\n").as_bytes());
    }
}

/// Enters the session in the registry; a session that cannot be
/// registered still runs, it just cannot be resumed from a new client.
fn register_session(port: u16, argv: &[OsString], verbose: u32) -> Option<ControlEndpoint> {
    match ControlEndpoint::open(port, command_line(argv)) {
        Ok(control) => Some(control),
        Err(e) => {
            if verbose > 0 {
                eprintln!("mosh-server: cannot register the session for attach: {e}");
            }
            None
        }
    }
}

/// The size of the terminal on stdin, or 80x24 (the client's first
/// resize corrects it).
fn initial_window_size() -> WindowSize {
    match window_size(io::stdin().as_fd()) {
        Ok(size) if size.cols > 0 && size.rows > 0 => size,
        _ => WindowSize { cols: 80, rows: 24 },
    }
}

/// Prints the line the `mosh` wrapper waits for. On a tty it starts on a
/// fresh line, so typeahead echoed by the tty cannot garble it.
fn announce(port: u16, key: &SessionKey, features: &str) {
    let mut out = io::stdout().lock();
    if stdin_is_tty() {
        let _ = out.write_all(b"\r\n\n");
    }
    let _ = writeln!(out, "MOSH CONNECT {port} {}", key.to_base64());
    let _ = writeln!(out, "{features}");
    let _ = out.flush();
}

/// Forks into the background. The parent reports the child's pid and
/// exits 0 at once so ssh can close; the child starts a new session and,
/// unless verbose, lets go of stdio.
fn detach(verbose: u32) {
    let _ = io::stderr().flush();
    match fork_single_threaded() {
        Err(e) => eprintln!("mosh-server: {e}; staying in the foreground"),
        Ok(Forked::Parent { child }) => {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\n{}\n", crate::version::version_text("mosh-server"));
            let _ = writeln!(err, "[mosh-server detached, pid = {child}]");
            let _ = err.flush();
            for fd in [io::stdout().as_fd(), io::stderr().as_fd()] {
                if crate::sys::fd::is_tty(fd) {
                    let _ = tcdrain(fd);
                }
            }
            exit_immediately(0);
        }
        Ok(Forked::Child) => {
            let _ = new_session();
            if verbose == 0 {
                if let Err(e) = redirect_stdio_to_null() {
                    eprintln!("mosh-server: {e}");
                    exit_immediately(1);
                }
            }
        }
    }
}
