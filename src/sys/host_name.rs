//! The name of the machine we run on, as `gethostname` reports it.

use std::io;

use super::{check, context};

/// This machine's host name (lossily decoded).
pub(crate) fn host_name() -> io::Result<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`,
    // which outlives the call.
    check(unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) })
        .map_err(|e| context(e, "gethostname"))?;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_name_matches_the_kernels() {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(host_name().unwrap(), kernel.trim_end());
    }
}
