//! Running one test alone in a fresh process of its own binary, for the
//! few that measure the whole process (its resident memory): the binaries
//! hold many tests that run side by side, and their allocations would
//! count against the one measuring.

use std::process::Command;

/// Set in the child so the test knows it is the one alone.
const ALONE: &str = "MOSH_RS_TEST_ALONE";

/// True in the child started by `rerun_alone`: run the test's body.
/// Otherwise runs the test named `path` (its full path in the binary,
/// e.g. `terminal_robustness::some_test`) alone in a new process of this
/// binary, asserts that exactly that test ran and passed, and returns
/// false: the caller returns.
pub fn in_own_process(path: &str) -> bool {
    if std::env::var_os(ALONE).as_deref() == Some(std::ffi::OsStr::new(path)) {
        return true;
    }
    let exe = std::env::current_exe().expect("current test binary");
    let out = Command::new(exe)
        .args([path, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, path)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{path} alone in its own process failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    false
}
