//! Synchronized output (DEC private mode 2026) on the server: while the
//! program holds an update open (`CSI ? 2026 h` written, `CSI ? 2026 l`
//! not yet), what it writes is held back from the emulator, so no state
//! the server sends shows part of the update; the whole update is fed at
//! once when the program ends it. A program that never ends it is not
//! waited for longer than [`LONGEST_UPDATE_MS`], nor beyond
//! [`MOST_HELD_BYTES`].
//!
//! The server alone does this, so every client, the stock one too, only
//! ever draws finished frames. The sequences are recognised as programs
//! write them (`ESC [ ? 2026 h` and `... l`, also split across reads);
//! the emulator sees them too, and answers DECRQM for the mode.

use memchr::memchr;

use crate::transport::Millis;

/// The longest an update is held open (ms); then what was written so far
/// goes out as though the program had ended it.
pub(super) const LONGEST_UPDATE_MS: u64 = 200;
/// The most bytes held for one update; beyond it the update is let out.
pub(super) const MOST_HELD_BYTES: usize = 4 << 20;

/// The start shared by the sequences that set and reset the mode.
const MODE_2026: &[u8] = b"\x1b[?2026";
const ESC: u8 = 0x1b;

/// What has been seen of the program's output so far.
#[derive(Debug, Default)]
pub(super) struct SynchronizedOutput {
    /// Bytes written inside the open update, not yet fed.
    held: Vec<u8>,
    /// When the open update began; `None` when no update is open.
    opened_at: Option<Millis>,
    /// How far into [`MODE_2026`] the output's last bytes reach.
    matched: usize,
}

impl SynchronizedOutput {
    /// Hands the program's `bytes` to `emulate`, except those written
    /// inside an open update, which wait for its end.
    pub(super) fn pass(&mut self, bytes: &[u8], now: Millis, mut emulate: impl FnMut(&[u8])) {
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.opened_at.is_some() {
                let Some(end) = self.find_mode(rest, b'l') else {
                    self.held.extend_from_slice(rest);
                    if self.held.len() > MOST_HELD_BYTES {
                        self.release(&mut emulate);
                    }
                    return;
                };
                let (update_end, after) = rest.split_at(end);
                self.held.extend_from_slice(update_end);
                self.release(&mut emulate);
                rest = after;
            } else {
                let Some(end) = self.find_mode(rest, b'h') else {
                    emulate(rest);
                    return;
                };
                let (before, after) = rest.split_at(end);
                emulate(before);
                self.opened_at = Some(now);
                rest = after;
            }
        }
    }

    /// When the open update must be let out even if the program does not
    /// end it.
    pub(super) fn deadline(&self) -> Option<Millis> {
        self.opened_at
            .map(|opened| opened.saturating_add(LONGEST_UPDATE_MS))
    }

    /// Lets the open update out if it has been held for long enough.
    pub(super) fn release_if_due(&mut self, now: Millis, mut emulate: impl FnMut(&[u8])) {
        if self.deadline().is_some_and(|due| now >= due) {
            self.release(&mut emulate);
        }
    }

    /// Feeds everything held and closes the update.
    pub(super) fn release(&mut self, emulate: &mut impl FnMut(&[u8])) {
        self.opened_at = None;
        if !self.held.is_empty() {
            emulate(&self.held);
            self.held.clear();
        }
        if self.held.capacity() > MOST_HELD_BYTES {
            self.held = Vec::new();
        }
    }

    /// Where in `bytes` the sequence `MODE_2026` + `last` ends (it may
    /// have begun in earlier bytes), if it does.
    fn find_mode(&mut self, bytes: &[u8], last: u8) -> Option<usize> {
        let mut at = 0;
        while at < bytes.len() {
            if self.matched == 0 {
                let escape = memchr(ESC, bytes.get(at..).unwrap_or_default())?;
                at += escape + 1;
                self.matched = 1;
                continue;
            }
            let byte = bytes.get(at).copied().unwrap_or_default();
            at += 1;
            if self.matched == MODE_2026.len() {
                self.matched = usize::from(byte == ESC);
                if byte == last {
                    return Some(at);
                }
            } else if MODE_2026.get(self.matched) == Some(&byte) {
                self.matched += 1;
            } else {
                self.matched = usize::from(byte == ESC);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes each of `writes` at its time; returns what the emulator got
    /// after each write.
    fn run(gate: &mut SynchronizedOutput, writes: &[(u64, &[u8])]) -> Vec<Vec<u8>> {
        writes
            .iter()
            .map(|(at, bytes)| {
                let mut fed = Vec::new();
                gate.release_if_due(Millis(*at), |b| fed.extend_from_slice(b));
                gate.pass(bytes, Millis(*at), |b| fed.extend_from_slice(b));
                fed
            })
            .collect()
    }

    #[test]
    fn an_update_is_fed_whole_when_it_ends() {
        let mut gate = SynchronizedOutput::default();
        let fed = run(
            &mut gate,
            &[
                (0, b"before\x1b[?2026h\x1b[Htop"),
                (50, b"bottom"),
                (60, b"\x1b[?2026lafter"),
            ],
        );
        assert_eq!(fed[0], b"before\x1b[?2026h");
        assert_eq!(fed[1], b"");
        assert_eq!(fed[2], b"\x1b[Htopbottom\x1b[?2026lafter");
        assert_eq!(gate.deadline(), None);
    }

    #[test]
    fn the_sequences_are_found_when_split_across_reads() {
        let mut gate = SynchronizedOutput::default();
        let fed = run(
            &mut gate,
            &[
                (0, b"a\x1b[?20"),
                (1, b"26hheld\x1b"),
                (2, b"[?202"),
                (3, b"6lb"),
            ],
        );
        assert_eq!(fed[0], b"a\x1b[?20");
        assert_eq!(fed[1], b"26h");
        assert_eq!(fed[2], b"");
        assert_eq!(fed[3], b"held\x1b[?2026lb");
    }

    #[test]
    fn other_modes_and_queries_pass_at_once() {
        let mut gate = SynchronizedOutput::default();
        let bytes: &[u8] = b"\x1b[?2025h\x1b[?2026$p\x1b[?20266h\x1b\x1b[?2004hx";
        let fed = run(&mut gate, &[(0, bytes)]);
        assert_eq!(fed[0], bytes);
        assert_eq!(gate.deadline(), None);
    }

    #[test]
    fn a_second_set_inside_an_update_changes_nothing() {
        let mut gate = SynchronizedOutput::default();
        let fed = run(&mut gate, &[(0, b"\x1b[?2026hA\x1b[?2026hB"), (300, b"")]);
        assert_eq!(fed[0], b"\x1b[?2026h");
        assert_eq!(fed[1], b"A\x1b[?2026hB", "let out at the deadline");
    }

    #[test]
    fn an_update_never_ended_is_let_out_after_the_longest_wait() {
        let mut gate = SynchronizedOutput::default();
        let fed = run(
            &mut gate,
            &[
                (1000, b"\x1b[?2026hhalf"),
                (1000 + LONGEST_UPDATE_MS - 1, b" more"),
                (1000 + LONGEST_UPDATE_MS, b" later"),
            ],
        );
        assert_eq!(fed[1], b"");
        assert_eq!(fed[2], b"half more later", "after the deadline, bytes flow");
        assert_eq!(gate.deadline(), None);
    }

    #[test]
    fn held_bytes_are_bounded() {
        let mut gate = SynchronizedOutput::default();
        let mut fed = 0usize;
        gate.pass(b"\x1b[?2026h", Millis(0), |b| fed += b.len());
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..(MOST_HELD_BYTES / chunk.len() + 2) {
            gate.pass(&chunk, Millis(1), |b| fed += b.len());
            assert!(gate.held.len() <= MOST_HELD_BYTES);
        }
        assert!(fed > MOST_HELD_BYTES, "the flood was let out");
    }
}
