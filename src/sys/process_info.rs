//! What the system says about a running process: how many threads this
//! process runs, and a process's command name. Linux reads `/proc`;
//! macOS asks `proc_pidinfo`/`proc_name`, FreeBSD the `kern.proc.pid`
//! sysctl, neither of which has a `/proc` to read.

use std::io;

use super::context;

/// How many threads this process runs.
#[cfg(target_os = "linux")]
pub(crate) fn thread_count() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")
        .map_err(|e| context(e, "/proc/self/task"))?
        .count())
}

/// The command name of process `pid` (at most 15 bytes on Linux), if it
/// can be read.
#[cfg(target_os = "linux")]
pub(crate) fn command_name(pid: i32) -> Option<String> {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let name = name.trim_end_matches('\n');
    (!name.is_empty()).then(|| name.to_string())
}

/// How many threads this process runs (the task's thread count).
#[cfg(target_os = "macos")]
pub(crate) fn thread_count() -> io::Result<usize> {
    // SAFETY: proc_taskinfo is plain old data; all-zero is a valid value.
    let mut info: libc::proc_taskinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_taskinfo>() as libc::c_int;
    // SAFETY: proc_pidinfo writes at most `size` bytes into `info`, which
    // is exactly that large and outlives the call.
    let written = unsafe {
        libc::proc_pidinfo(
            super::process::current_pid(),
            libc::PROC_PIDTASKINFO,
            0,
            (&mut info as *mut libc::proc_taskinfo).cast(),
            size,
        )
    };
    if written <= 0 {
        return Err(context(io::Error::last_os_error(), "proc_pidinfo"));
    }
    if written != size {
        return Err(io::Error::other("proc_pidinfo: short task information"));
    }
    Ok(usize::try_from(info.pti_threadnum).unwrap_or(0))
}

/// The name of process `pid` (at most 32 bytes on macOS), if it can be read.
#[cfg(target_os = "macos")]
pub(crate) fn command_name(pid: i32) -> Option<String> {
    let mut name = [0u8; 2 * libc::MAXCOMLEN + 1];
    // SAFETY: proc_name writes at most `name.len()` bytes into `name`.
    let written = unsafe { libc::proc_name(pid, name.as_mut_ptr().cast(), name.len() as u32) };
    let name = name.get(..usize::try_from(written).ok()?)?;
    let name = std::str::from_utf8(name).ok()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// How many threads this process runs.
#[cfg(target_os = "freebsd")]
pub(crate) fn thread_count() -> io::Result<usize> {
    let info = kinfo_proc(super::process::current_pid())?;
    Ok(usize::try_from(info.ki_numthreads).unwrap_or(0))
}

/// The command name of process `pid` (at most 19 bytes on FreeBSD), if
/// it can be read.
#[cfg(target_os = "freebsd")]
pub(crate) fn command_name(pid: i32) -> Option<String> {
    let info = kinfo_proc(pid).ok()?;
    let name: Vec<u8> = info
        .ki_comm
        .iter()
        .map(|&c| u8::from_ne_bytes(c.to_ne_bytes()))
        .take_while(|&b| b != 0)
        .collect();
    let name = String::from_utf8(name).ok()?;
    (!name.is_empty()).then_some(name)
}

/// The kernel's record of process `pid` (`kern.proc.pid.PID`).
#[cfg(target_os = "freebsd")]
fn kinfo_proc(pid: i32) -> io::Result<libc::kinfo_proc> {
    let mib = [libc::CTL_KERN, libc::KERN_PROC, libc::KERN_PROC_PID, pid];
    // SAFETY: kinfo_proc is plain old data; all-zero is a valid value.
    let mut info: libc::kinfo_proc = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::kinfo_proc>();
    // SAFETY: sysctl reads the four-int name and writes at most `len`
    // bytes into `info`, which is that large; both outlive the call.
    super::check(unsafe {
        libc::sysctl(
            mib.as_ptr(),
            mib.len() as libc::c_uint,
            (&mut info as *mut libc::kinfo_proc).cast(),
            &mut len,
            std::ptr::null(),
            0,
        )
    })
    .map_err(|e| context(e, "sysctl kern.proc.pid"))?;
    if len != std::mem::size_of::<libc::kinfo_proc>() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "sysctl kern.proc.pid: no such process",
        ));
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_command_name_is_read() {
        let name = command_name(crate::sys::process::current_pid()).expect("comm");
        assert!(!name.is_empty() && name.len() <= 15, "{name:?}");
    }
}
