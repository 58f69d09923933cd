//! Starting a program on a fresh pty: new session, the pty slave as its
//! controlling terminal and stdio, `IUTF8` set, the window size set, a
//! prepared environment, and an optional hold until the parent releases it.
//!
//! Everything the child needs is prepared before `fork`, so the child only
//! makes async-signal-safe system calls between `fork` and `exec`.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::fd::pipe;
use super::process::{rlim_from_u64, rlim_to_u64};
use super::pty::{open_pty, set_window_size, WindowSize};
use super::termios::UTF8_INPUT;
use super::{check, context};

/// What to run on the pty and how.
#[derive(Debug, Clone, Default)]
pub struct PtyCommand {
    /// The program: a path (containing `/`) or a name looked up in `PATH`.
    pub program: OsString,
    /// The argument vector, argv[0] included.
    pub argv: Vec<OsString>,
    /// The complete environment as `(name, value)` pairs.
    pub env: Vec<(OsString, OsString)>,
    /// Directory to change into first (a failure is reported, not fatal).
    pub cwd: Option<OsString>,
    /// Bytes written to the terminal just before the program starts
    /// (e.g. the message of the day).
    pub greeting: Vec<u8>,
    /// Keep the child waiting until `PtyChild::release` is called.
    pub hold_until_released: bool,
    /// Soft core-file size limit to give the program (the server runs
    /// with none while it holds the session key); `None` keeps the current.
    pub core_dump_limit: Option<u64>,
}

/// A child process running on a pty.
#[derive(Debug)]
pub struct PtyChild {
    /// The pty master: read the program's output, write its input.
    pub master: OwnedFd,
    /// The child's process id (also its session and process-group id).
    pub pid: i32,
    release: Option<OwnedFd>,
}

impl PtyChild {
    /// Lets a child started with `hold_until_released` go on to run its
    /// program. Calling it again does nothing.
    pub fn release(&mut self) {
        self.release = None;
    }

    /// Whether the child is still held back.
    pub(crate) fn is_held(&self) -> bool {
        self.release.is_some()
    }
}

/// Signals whose disposition the server changes and the child must get
/// back at their defaults.
const RESET_SIGNALS: [libc::c_int; 9] = [
    libc::SIGHUP,
    libc::SIGPIPE,
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGCHLD,
    libc::SIGWINCH,
    libc::SIGQUIT,
];

/// Everything the child uses, as C data built before `fork`.
struct Prepared {
    candidates: Vec<CString>,
    argv: Vec<CString>,
    env: Vec<CString>,
    cwd: Option<CString>,
    slave_path: CString,
    exec_failure: Vec<u8>,
}

/// Starts `command` on a new pty of `size`.
pub fn spawn_on_pty(command: &PtyCommand, size: WindowSize) -> io::Result<PtyChild> {
    let pair = open_pty()?;
    set_window_size(pair.master.as_fd(), size)?;
    let prepared = prepare(command, pair.slave_path)?;
    let mut argv_ptrs: Vec<*const libc::c_char> =
        prepared.argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut env_ptrs: Vec<*const libc::c_char> = prepared.env.iter().map(|e| e.as_ptr()).collect();
    env_ptrs.push(std::ptr::null());
    let hold = if command.hold_until_released {
        Some(pipe()?)
    } else {
        None
    };

    // SAFETY: the child branch below only makes async-signal-safe calls on
    // data prepared above and ends in execve or _exit, so forking from a
    // multi-threaded process is sound.
    let pid = check(unsafe { libc::fork() }).map_err(|e| context(e, "fork"))?;
    if pid == 0 {
        let (hold_read, hold_write) = match &hold {
            Some((r, w)) => (r.as_raw_fd(), w.as_raw_fd()),
            None => (-1, -1),
        };
        let ctx = ChildContext {
            prepared: &prepared,
            argv: &argv_ptrs,
            env: &env_ptrs,
            greeting: &command.greeting,
            master: pair.master.as_raw_fd(),
            hold_read,
            hold_write,
            core_dump_limit: command.core_dump_limit,
        };
        child_after_fork(&ctx);
    }
    let release = hold.map(|(_read, write)| write);
    Ok(PtyChild {
        master: pair.master,
        pid,
        release,
    })
}

fn prepare(command: &PtyCommand, slave_path: CString) -> io::Result<Prepared> {
    let path_var = command
        .env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    let candidates = program_candidates(&command.program, &path_var)
        .into_iter()
        .map(cstring)
        .collect::<io::Result<Vec<_>>>()?;
    let argv = command
        .argv
        .iter()
        .cloned()
        .map(cstring)
        .collect::<io::Result<Vec<_>>>()?;
    let env = command
        .env
        .iter()
        .map(|(k, v)| {
            let mut kv = k.clone();
            kv.push("=");
            kv.push(v);
            cstring(kv)
        })
        .collect::<io::Result<Vec<_>>>()?;
    let cwd = command.cwd.clone().map(cstring).transpose()?;
    let mut exec_failure = b"\r\nmosh-server: could not start ".to_vec();
    exec_failure.extend_from_slice(command.program.as_bytes());
    exec_failure.extend_from_slice(b" (errno ");
    Ok(Prepared {
        candidates,
        argv,
        env,
        cwd,
        slave_path,
        exec_failure,
    })
}

fn cstring(s: OsString) -> io::Result<CString> {
    CString::new(s.into_vec_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "a command, argument or environment entry contains a NUL byte",
        )
    })
}

trait IntoVecBytes {
    fn into_vec_bytes(self) -> Vec<u8>;
}

impl IntoVecBytes for OsString {
    fn into_vec_bytes(self) -> Vec<u8> {
        std::os::unix::ffi::OsStringExt::into_vec(self)
    }
}

/// The paths `execvp` would try for `program`, in order.
pub(crate) fn program_candidates(program: &OsStr, path_var: &OsStr) -> Vec<OsString> {
    if program.as_bytes().contains(&b'/') {
        return vec![program.to_owned()];
    }
    path_var
        .as_bytes()
        .split(|&b| b == b':')
        .map(|dir| {
            let dir = if dir.is_empty() { b"." as &[u8] } else { dir };
            Path::new(OsStr::from_bytes(dir))
                .join(program)
                .into_os_string()
        })
        .collect()
}

struct ChildContext<'a> {
    prepared: &'a Prepared,
    argv: &'a [*const libc::c_char],
    env: &'a [*const libc::c_char],
    greeting: &'a [u8],
    master: libc::c_int,
    hold_read: libc::c_int,
    hold_write: libc::c_int,
    core_dump_limit: Option<u64>,
}

/// The child between `fork` and `exec`. Async-signal-safe calls only.
fn child_after_fork(ctx: &ChildContext<'_>) -> ! {
    reset_signals();
    // SAFETY: setsid/open/ioctl/dup2/close act on descriptors and a
    // NUL-terminated path prepared before fork.
    unsafe {
        libc::close(ctx.master);
        if ctx.hold_write >= 0 {
            libc::close(ctx.hold_write);
        }
        libc::setsid();
        let slave = libc::open(ctx.prepared.slave_path.as_ptr(), libc::O_RDWR);
        if slave < 0 {
            libc::_exit(126);
        }
        // macOS declares TIOCSCTTY narrower than ioctl's request type.
        #[cfg(target_os = "macos")]
        libc::ioctl(slave, libc::c_ulong::from(libc::TIOCSCTTY), 0);
        #[cfg(not(target_os = "macos"))]
        libc::ioctl(slave, libc::TIOCSCTTY, 0);
        for target in 0..=2 {
            libc::dup2(slave, target);
        }
        if slave > 2 {
            libc::close(slave);
        }
    }
    set_iutf8_on_stdin();
    if let Some(dir) = &ctx.prepared.cwd {
        // SAFETY: chdir reads a NUL-terminated path prepared before fork.
        if unsafe { libc::chdir(dir.as_ptr()) } != 0 {
            write_all(
                2,
                b"mosh-server: could not change to the home directory\r\n",
            );
        }
    }
    write_all(1, ctx.greeting);
    wait_for_release(ctx.hold_read);
    if let Some(soft) = ctx.core_dump_limit {
        restore_core_limit(soft);
    }
    let mut last_errno = libc::ENOENT;
    for path in &ctx.prepared.candidates {
        // SAFETY: path, argv and env are NUL-terminated strings and
        // null-terminated pointer arrays that live until exec or _exit.
        unsafe { libc::execve(path.as_ptr(), ctx.argv.as_ptr(), ctx.env.as_ptr()) };
        last_errno = io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::ENOENT);
        if last_errno != libc::ENOENT && last_errno != libc::ENOTDIR && last_errno != libc::EACCES {
            break;
        }
    }
    write_all(2, &ctx.prepared.exec_failure);
    let mut digits = [0u8; 12];
    write_all(2, format_decimal(last_errno, &mut digits));
    write_all(2, b")\r\n");
    // SAFETY: sleep and _exit are async-signal-safe. The pause lets the
    // message reach the user before the session ends.
    unsafe {
        libc::sleep(3);
        libc::_exit(127)
    }
}

fn reset_signals() {
    for sig in RESET_SIGNALS {
        // SAFETY: restoring the default disposition is async-signal-safe.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    // SAFETY: an empty set is built in place and then installed as the mask.
    unsafe {
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
}

fn set_iutf8_on_stdin() {
    // SAFETY: termios is plain old data; tcgetattr fills it before use.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut t) == 0 {
            t.c_iflag |= UTF8_INPUT;
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
    }
}

fn restore_core_limit(soft: u64) {
    // SAFETY: getrlimit/setrlimit read and write one rlimit on the stack;
    // both are async-signal-safe system calls.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            limit.rlim_cur = rlim_from_u64(soft.min(rlim_to_u64(limit.rlim_max)));
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
}

fn wait_for_release(fd: libc::c_int) {
    if fd < 0 {
        return;
    }
    let mut byte = [0u8; 1];
    loop {
        // SAFETY: read into a one-byte buffer that outlives the call.
        let n = unsafe { libc::read(fd, byte.as_mut_ptr().cast(), 1) };
        let interrupted = n < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR);
        if !interrupted {
            break;
        }
    }
    // SAFETY: the descriptor is ours and not used again.
    unsafe { libc::close(fd) };
}

fn write_all(fd: libc::c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: write reads at most `bytes.len()` bytes from a live slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            return;
        }
        bytes = bytes.get(n as usize..).unwrap_or(&[]);
    }
}

fn format_decimal(value: i32, buf: &mut [u8; 12]) -> &[u8] {
    let mut v = value.unsigned_abs();
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::{Duration, Instant};

    fn read_until_eof(master: OwnedFd) -> String {
        let mut file = std::fs::File::from(master);
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            match file.read(&mut buf) {
                Ok(0) | Err(_) => break, // EIO once the child has exited
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn sh(script: &str) -> PtyCommand {
        PtyCommand {
            program: "sh".into(),
            argv: vec!["sh".into(), "-c".into(), script.into()],
            env: vec![
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("ZZ".into(), "zz-value".into()),
            ],
            ..PtyCommand::default()
        }
    }

    #[test]
    fn child_sees_window_size_iutf8_tty_and_environment() {
        let script = "stty size; stty -a | grep -o -- '-\\?iutf8'; tty; echo \"env=$ZZ\"; echo ok";
        let child = spawn_on_pty(&sh(script), WindowSize { cols: 91, rows: 37 }).unwrap();
        let out = read_until_eof(child.master);
        assert!(out.contains("37 91"), "{out}");
        assert!(out.lines().any(|l| l.trim() == "iutf8"), "{out}");
        assert!(out.contains("/dev/pts/"), "{out}");
        assert!(out.contains("env=zz-value"), "{out}");
        assert!(out.contains("ok"), "{out}");
        super::super::process::wait_blocking(child.pid).unwrap();
    }

    #[test]
    fn held_child_runs_only_after_release_and_greeting_comes_first() {
        let mut command = sh("echo started");
        command.greeting = b"hello-greeting\r\n".to_vec();
        command.hold_until_released = true;
        command.cwd = Some("/".into());
        let mut child = spawn_on_pty(&command, WindowSize { cols: 80, rows: 24 }).unwrap();
        assert!(child.is_held());
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(super::super::process::try_wait(child.pid).unwrap(), None);
        child.release();
        let pid = child.pid;
        let out = read_until_eof(child.master);
        let greet = out.find("hello-greeting").expect("greeting");
        let started = out.find("started").expect("started");
        assert!(greet < started, "{out}");
        super::super::process::wait_blocking(pid).unwrap();
    }

    #[test]
    fn the_program_gets_the_core_limit_it_is_given() {
        let mut command = sh("ulimit -c");
        command.core_dump_limit = Some(0);
        let child = spawn_on_pty(&command, WindowSize { cols: 80, rows: 24 }).unwrap();
        let pid = child.pid;
        let out = read_until_eof(child.master);
        assert_eq!(out.trim(), "0", "{out}");
        super::super::process::wait_blocking(pid).unwrap();
    }

    #[test]
    fn missing_program_is_reported_on_the_terminal() {
        let command = PtyCommand {
            program: "/nonexistent/prog".into(),
            argv: vec!["prog".into()],
            ..PtyCommand::default()
        };
        let child = spawn_on_pty(&command, WindowSize { cols: 80, rows: 24 }).unwrap();
        let pid = child.pid;
        let out = read_until_eof(child.master);
        assert!(out.contains("could not start /nonexistent/prog"), "{out}");
        super::super::process::wait_blocking(pid).unwrap();
    }

    #[test]
    fn candidates_follow_path_like_execvp() {
        let c = program_candidates(OsStr::new("ls"), OsStr::new("/a::/b"));
        assert_eq!(
            c,
            vec![
                OsString::from("/a/ls"),
                OsString::from("./ls"),
                OsString::from("/b/ls")
            ]
        );
        let c = program_candidates(OsStr::new("./x"), OsStr::new("/a"));
        assert_eq!(c, vec![OsString::from("./x")]);
    }

    #[test]
    fn decimal_formatting() {
        let mut b = [0u8; 12];
        assert_eq!(format_decimal(2, &mut b), b"2");
        assert_eq!(format_decimal(-13, &mut b), b"-13");
        assert_eq!(format_decimal(i32::MIN, &mut b), b"-2147483648");
    }
}
