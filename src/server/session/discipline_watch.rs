//! Watching the pty's line discipline for a client that uses it: each
//! turn the echo and canonical flags and the foreground process group
//! are read (two cheap calls on the pty master), and the program's name
//! only when one of them changed — a program that starts usually sets
//! its own terminal modes or runs in a new process group.

use std::os::fd::BorrowedFd;

use crate::sys::line_discipline::{command_name, echo_and_canonical, foreground_group};
use crate::wire::LineDiscipline;

/// The last reading, to tell when the name must be read again.
#[derive(Debug, Default)]
pub(super) struct DisciplineWatch {
    last: Option<(bool, bool, Option<i32>)>,
    program: String,
}

impl DisciplineWatch {
    /// The discipline of the pty on `master` now, or `None` if it cannot
    /// be read (the program is gone).
    pub(super) fn read(&mut self, master: BorrowedFd<'_>) -> Option<LineDiscipline> {
        let (echo, canonical) = echo_and_canonical(master).ok()?;
        let group = foreground_group(master);
        let reading = (echo, canonical, group);
        if self.last != Some(reading) {
            self.last = Some(reading);
            self.program = group.and_then(command_name).unwrap_or_default();
        }
        Some(LineDiscipline {
            echo,
            canonical,
            program: self.program.clone(),
        })
    }
}
