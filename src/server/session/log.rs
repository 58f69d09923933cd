//! The server session's log: lines on stderr with `-v`, typed events in
//! `MOSH_LOG`, and the counts that keep both short.

use std::io::{self, Write};

use crate::diag::{DiagLog, Event};
use crate::transport::TransportError;

/// Logging on stderr, only with `-v`; and typed events to `MOSH_LOG`.
pub(super) struct Log {
    verbose: u32,
    dropped: u64,
    /// Clipboard copies the program made that were over the cap.
    dropped_copies: u64,
    pub(super) diag: DiagLog,
}

impl Log {
    pub(super) fn new(verbose: u32, diag: DiagLog) -> Log {
        Log {
            verbose,
            dropped: 0,
            dropped_copies: 0,
            diag,
        }
    }

    pub(super) fn say(&self, message: std::fmt::Arguments<'_>) {
        if self.verbose > 0 {
            let _ = writeln!(io::stderr(), "{message}");
        }
    }

    /// Counts a dropped datagram; logs the first few, then every 1000th.
    pub(super) fn dropped(&mut self, why: &TransportError) {
        self.dropped += 1;
        if self.dropped <= 10 || self.dropped % 1000 == 0 {
            self.say(format_args!(
                "dropped a datagram ({why}); {} dropped so far",
                self.dropped
            ));
            let total = self.dropped;
            self.diag.record(&Event::Dropped { total, why });
        }
    }

    /// Logs clipboard copies dropped for being over the cap, once each.
    pub(super) fn dropped_copies(&mut self, total: u64) {
        if total > self.dropped_copies {
            self.dropped_copies = total;
            self.say(format_args!("{}", Event::ClipboardDropped(total)));
            self.diag.record(&Event::ClipboardDropped(total));
        }
    }

    /// Notes in `MOSH_LOG` why the session ends.
    pub(super) fn exiting(&mut self, reason: &'static str) {
        self.diag.record(&Event::Exiting(reason));
    }
}
