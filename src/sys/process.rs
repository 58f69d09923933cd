//! Processes: forking into the background, sessions, waiting for and
//! signalling children, core-dump limits and dumpability, and the
//! current ids.

use std::io;

use super::{check, context};

/// Which side of a `fork` we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forked {
    /// The original process; `child` is the new process id.
    Parent {
        /// The child's process id.
        child: i32,
    },
    /// The new process.
    Child,
}

/// Forks the process to put it in the background. Refuses (with an error)
/// when the process runs more than one thread, because the child would
/// inherit locks held by threads that no longer exist.
pub(crate) fn fork_single_threaded() -> io::Result<Forked> {
    let threads = super::process_info::thread_count()?;
    if threads != 1 {
        return Err(io::Error::other(format!(
            "cannot fork into the background: {threads} threads are running"
        )));
    }
    // SAFETY: only one thread exists (checked above), so the child starts
    // with a consistent copy of every lock and allocator state.
    let pid = check(unsafe { libc::fork() }).map_err(|e| context(e, "fork"))?;
    Ok(if pid == 0 {
        Forked::Child
    } else {
        Forked::Parent { child: pid }
    })
}

/// Starts a new session with this process as its leader, detaching it from
/// the controlling terminal.
pub(crate) fn new_session() -> io::Result<()> {
    // SAFETY: setsid takes no arguments.
    check(unsafe { libc::setsid() }).map_err(|e| context(e, "setsid"))?;
    Ok(())
}

/// Ends the process at once with `status`, without running destructors or
/// flushing stdio buffers (used by a parent that has handed over to its child).
pub(crate) fn exit_immediately(status: i32) -> ! {
    // SAFETY: _exit never returns and touches no memory of ours.
    unsafe { libc::_exit(status) }
}

/// Sets the soft core-file size limit to zero so the session key does not
/// land in a core dump (the process may raise it again: see
/// `forbid_inspection` for the firm guard); returns the soft limit it replaced, for the
/// session's program to get back (see `PtyCommand::core_dump_limit`).
pub(crate) fn disable_core_dumps() -> io::Result<u64> {
    // SAFETY: rlimit is plain old data; getrlimit fills it.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: getrlimit writes one rlimit that outlives the call.
    check(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) })
        .map_err(|e| context(e, "getrlimit"))?;
    let previous = limit.rlim_cur;
    limit.rlim_cur = 0;
    // SAFETY: setrlimit reads one rlimit that outlives the call.
    check(unsafe { libc::setrlimit(libc::RLIMIT_CORE, &limit) })
        .map_err(|e| context(e, "setrlimit"))?;
    Ok(rlim_to_u64(previous))
}

/// A resource limit as `u64` (`rlim_t` is unsigned on Linux and macOS;
/// on FreeBSD it is signed, with infinity at `i64::MAX`).
#[cfg(not(target_os = "freebsd"))]
pub(crate) fn rlim_to_u64(limit: libc::rlim_t) -> u64 {
    limit
}

/// A `u64` limit as the system's `rlim_t`.
#[cfg(not(target_os = "freebsd"))]
pub(crate) fn rlim_from_u64(limit: u64) -> libc::rlim_t {
    limit
}

/// A resource limit as `u64` (FreeBSD's `rlim_t` is signed; no limit is negative).
#[cfg(target_os = "freebsd")]
pub(crate) fn rlim_to_u64(limit: libc::rlim_t) -> u64 {
    u64::try_from(limit).unwrap_or(0)
}

/// A `u64` limit as FreeBSD's `rlim_t`: above `i64::MAX` is infinity.
#[cfg(target_os = "freebsd")]
pub(crate) fn rlim_from_u64(limit: u64) -> libc::rlim_t {
    libc::rlim_t::try_from(limit).unwrap_or(libc::RLIM_INFINITY)
}

/// Makes this process non-dumpable (Linux's `PR_SET_DUMPABLE`): no core
/// dump whatever the limits say, and other processes of the same user can
/// no longer read its memory, attach to it, or read `/proc/PID/environ`
/// (its files there become root's). A program it `exec`s is dumpable
/// again. Elsewhere a no-op: the soft core limit is all there is.
#[cfg(target_os = "linux")]
pub(crate) fn forbid_inspection() -> io::Result<()> {
    let off: libc::c_ulong = 0;
    // SAFETY: PR_SET_DUMPABLE reads one integer argument and touches no
    // memory of ours.
    check(unsafe { libc::prctl(libc::PR_SET_DUMPABLE, off) })
        .map(drop)
        .map_err(|e| context(e, "prctl(PR_SET_DUMPABLE)"))
}

/// See the Linux version: elsewhere nothing to do.
#[cfg(not(target_os = "linux"))]
pub(crate) fn forbid_inspection() -> io::Result<()> {
    Ok(())
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// It called exit with this status.
    Exited(i32),
    /// A signal killed it.
    Signaled(i32),
}

fn decode_status(status: libc::c_int) -> Option<ChildExit> {
    if libc::WIFEXITED(status) {
        Some(ChildExit::Exited(libc::WEXITSTATUS(status)))
    } else if libc::WIFSIGNALED(status) {
        Some(ChildExit::Signaled(libc::WTERMSIG(status)))
    } else {
        None
    }
}

/// Reaps `pid` if it has ended; `Ok(None)` while it still runs.
pub fn try_wait(pid: i32) -> io::Result<Option<ChildExit>> {
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid writes one int into `status`, which outlives the call.
    let rc = check(unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) })
        .map_err(|e| context(e, "waitpid"))?;
    Ok(if rc == 0 { None } else { decode_status(status) })
}

/// Waits for `pid` to end and reaps it.
pub fn wait_blocking(pid: i32) -> io::Result<ChildExit> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: as in `try_wait`, without WNOHANG.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == -1 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(context(err, "waitpid"));
        }
        if let Some(exit) = decode_status(status) {
            return Ok(exit);
        }
    }
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill takes plain integers.
    check(unsafe { libc::kill(pid, signal) }).map_err(|e| context(e, "kill"))?;
    Ok(())
}

/// Sends `signal` to every process in process group `pgid`.
pub(crate) fn kill_process_group(pgid: i32, signal: i32) -> io::Result<()> {
    if pgid <= 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "refusing to signal process group <= 1",
        ));
    }
    kill(-pgid, signal)
}

/// This process's id.
pub(crate) fn current_pid() -> i32 {
    std::process::id() as i32
}

/// The real user id of this process.
pub fn current_uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::zombie_processes)] // reaped by wait_blocking below
    fn exit_statuses_and_signals_are_reported() {
        let child = std::process::Command::new("sh")
            .args(["-c", "exit 7"])
            .spawn()
            .unwrap();
        assert_eq!(
            wait_blocking(child.id() as i32).unwrap(),
            ChildExit::Exited(7)
        );
        let child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        assert_eq!(try_wait(pid).unwrap(), None);
        kill(pid, libc::SIGTERM).unwrap();
        assert_eq!(
            wait_blocking(pid).unwrap(),
            ChildExit::Signaled(libc::SIGTERM)
        );
    }

    #[test]
    fn process_group_one_is_refused() {
        assert!(kill_process_group(1, 0).is_err());
        assert!(kill_process_group(0, 0).is_err());
    }

    #[test]
    fn forking_is_refused_with_threads_running() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || rx.recv());
        assert!(fork_single_threaded().is_err());
        tx.send(()).unwrap();
        other.join().unwrap().unwrap();
    }
}
