//! The password database: the current user's name, home and login shell.

use std::ffi::{CStr, OsString};
use std::io;
use std::os::unix::ffi::OsStringExt;

/// The fields of a password-database entry mosh-server uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserEntry {
    /// Login name.
    pub name: OsString,
    /// Home directory.
    pub home: OsString,
    /// Login shell (may be empty, meaning the Bourne shell).
    pub shell: OsString,
}

/// Looks up the user with id `uid`.
pub(crate) fn user_by_uid(uid: u32) -> io::Result<UserEntry> {
    let mut buf_len = 1024usize;
    loop {
        let mut buf = vec![0 as libc::c_char; buf_len];
        // SAFETY: passwd is plain old data; getpwuid_r fills it.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer refers to storage that outlives the call,
        // and `buf_len` is the true length of `buf`.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut entry, buf.as_mut_ptr(), buf_len, &mut found) };
        if rc == libc::ERANGE && buf_len < (1 << 20) {
            buf_len *= 4;
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        if found.is_null() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("user id {uid} is not in the password database"),
            ));
        }
        return Ok(UserEntry {
            // SAFETY: on success the string fields point into `buf`, which is
            // still alive, and are NUL-terminated (or null).
            name: unsafe { owned_string(entry.pw_name) },
            // SAFETY: as above.
            home: unsafe { owned_string(entry.pw_dir) },
            // SAFETY: as above.
            shell: unsafe { owned_string(entry.pw_shell) },
        });
    }
}

/// The current user's entry.
pub(crate) fn current_user() -> io::Result<UserEntry> {
    user_by_uid(super::process::current_uid())
}

/// Copies a C string out, treating null as empty.
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string.
unsafe fn owned_string(ptr: *const libc::c_char) -> OsString {
    if ptr.is_null() {
        return OsString::new();
    }
    // SAFETY: the caller guarantees a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes().to_vec();
    OsString::from_vec(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_found_and_has_a_home() {
        let root = user_by_uid(0).unwrap();
        assert_eq!(root.name, "root");
        assert!(!root.home.is_empty());
    }

    #[test]
    fn current_user_matches_id_command() {
        let me = current_user().unwrap();
        let out = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            me.name.to_string_lossy()
        );
    }
}
