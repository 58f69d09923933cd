//! The history (scrollback) part of the server-to-client state, between
//! mosh-rs peers that announced it.
//!
//! The server's terminal keeps the lines that leave the top of its
//! primary screen in a log shared by every copy of the state. A state
//! holds only a number, `published`: the lines before it are part of the
//! state, and a diff carries the lines between the two states' numbers —
//! as text, or as a reference to a row of the screen the diff starts
//! from, which the client already has.
//!
//! `publish` moves the number forward just before the transport sends,
//! a bounded step at a time, so a diff stays a few datagrams long however
//! much scrolled by. While a flood outruns the log (more lines waiting
//! than it keeps, still growing), nothing is published; when it stops,
//! the lines that fell out are skipped in one jump (the client shows one
//! marker) and the newest ones follow.

use std::sync::Arc;

use crate::terminal::history::HistoryHandle;
use crate::terminal::{Framebuffer, HistoryLine, Row};
use crate::wire::{HistoryDelta, HistoryWireLine, WireError};

/// Bytes of line text published in one step (one frame's diff): a few
/// datagrams once compressed.
const STEP_BYTES: usize = 8 * 1024;

/// The server's side: its log and how far the state has published it.
#[derive(Clone, Debug)]
pub(crate) struct HistoryFeed {
    log: HistoryHandle,
    /// The client announced scrollback.
    wanted: bool,
    /// The lines before this number are part of the state.
    published: u64,
    /// The log's end at the last `publish`, to tell a running flood.
    end_seen: u64,
    /// The server holds output not yet fed to the terminal: a flood is
    /// running even if the log did not grow since the last `publish`.
    output_held: bool,
}

impl HistoryFeed {
    /// A feed from `log`, publishing nothing until a client wants it.
    pub(crate) fn new(log: HistoryHandle) -> HistoryFeed {
        HistoryFeed {
            log,
            wanted: false,
            published: 0,
            end_seen: 0,
            output_held: false,
        }
    }

    /// The number the state has published up to.
    pub(crate) fn published(&self) -> u64 {
        self.published
    }

    /// A client announced scrollback (or, `false`, a new client has not
    /// yet): it receives what the log still holds, oldest first.
    pub(crate) fn set_wanted(&mut self, wanted: bool) {
        if wanted && !self.wanted {
            self.published = self.log.borrow().start();
        }
        self.wanted = wanted;
    }

    /// How many lines the log holds.
    pub(crate) fn held_lines(&self) -> u64 {
        let log = self.log.borrow();
        log.end().saturating_sub(log.start())
    }

    /// Whether the server holds output back from the terminal for now
    /// (a flood fed in batches): while it does, the flood counts as
    /// running.
    pub(crate) fn set_output_held(&mut self, held: bool) {
        self.output_held = held;
    }

    /// Whether lines wait to be published.
    pub(crate) fn has_unpublished(&self) -> bool {
        self.wanted && self.published < self.log.borrow().end()
    }

    /// Publishes the next step of lines, unless a flood is running.
    pub(crate) fn publish(&mut self) {
        if !self.wanted {
            return;
        }
        let log = self.log.borrow();
        let end = log.end();
        let growing = end != self.end_seen || self.output_held;
        self.end_seen = end;
        let waiting = end.saturating_sub(self.published);
        if waiting == 0 || (growing && waiting > log.limit() as u64) {
            return;
        }
        let mut next = self.published.max(log.start());
        let mut bytes = 0;
        while next < end && (bytes < STEP_BYTES || next == self.published) {
            bytes += log.line(next).map_or(0, |line| line.text.len());
            next += 1;
        }
        self.published = next;
    }

    /// The history event turning a state published up to `from` (whose
    /// screen is `base`) into this one; `None` when nothing changed.
    pub(crate) fn delta_from(&self, from: u64, base: &Framebuffer) -> Option<HistoryDelta> {
        if !self.wanted || from >= self.published {
            return None;
        }
        let log = self.log.borrow();
        let first = from.max(log.start()).min(self.published);
        let lines = (first..self.published)
            .map(|n| wire_line(n, &log, base))
            .collect();
        Some(HistoryDelta { first, lines })
    }
}

/// Line `n` as sent: a reference to a row of `base` when the log's row is
/// that very row, else its text.
fn wire_line(
    n: u64,
    log: &crate::terminal::history::HistoryLog,
    base: &Framebuffer,
) -> HistoryWireLine {
    if let Some(row) = log.recent_row(n) {
        if let Some(index) = row_index(base, row) {
            return HistoryWireLine::BaseRow(index);
        }
    }
    let line = log.line_owned(n).unwrap_or_else(|| HistoryLine::plain(""));
    HistoryWireLine::Text {
        text: line.text.into_vec(),
        wrapped: line.wrapped,
    }
}

fn row_index(screen: &Framebuffer, row: &Arc<Row>) -> Option<u32> {
    (0..screen.height())
        .find(|&r| screen.row_handle(r).is_some_and(|h| Arc::ptr_eq(h, row)))
        .and_then(|r| u32::try_from(r).ok())
}

/// The client's side: how far its history reaches, and the lines the
/// diff that made this state brought (for the client to show once).
#[derive(Clone, Debug, Default)]
pub(crate) struct ReceivedHistory {
    /// The lines before this number are part of the state.
    pub end: u64,
    /// The number of the first line in `lines`.
    pub first: u64,
    /// The lines the last diff brought.
    pub lines: Vec<HistoryLine>,
}

impl ReceivedHistory {
    /// A new state made from a copy: it has brought no lines yet.
    pub(crate) fn forget_lines(&mut self) {
        self.lines.clear();
        self.first = self.end;
    }

    /// Takes in a history event; `base` is the screen before the diff.
    pub(crate) fn apply(
        &mut self,
        delta: HistoryDelta,
        base: &Framebuffer,
    ) -> Result<(), WireError> {
        if delta.first < self.end {
            return Err(WireError::Protobuf("history starts before the state's"));
        }
        let mut lines = Vec::with_capacity(delta.lines.len());
        for line in delta.lines.iter() {
            lines.push(match line {
                HistoryWireLine::Text { text, wrapped } => HistoryLine {
                    text: text.as_slice().into(),
                    wrapped: *wrapped,
                },
                HistoryWireLine::BaseRow(r) => {
                    let row = usize::try_from(*r)
                        .ok()
                        .filter(|&r| r < base.height())
                        .ok_or(WireError::Protobuf("history names a row off the screen"))?;
                    crate::terminal::history_line::encode_row(base.row(row))
                }
            });
        }
        self.first = delta.first;
        self.end = delta.end();
        self.lines = lines;
        Ok(())
    }

    /// What the client has not shown yet, given that it has shown the
    /// lines before `shown`: how many were skipped, and the new lines.
    pub(crate) fn unseen(&self, shown: u64) -> (u64, &[HistoryLine]) {
        if self.end <= shown {
            return (0, &[]);
        }
        let skipped = self.first.saturating_sub(shown);
        let already = usize::try_from(shown.saturating_sub(self.first)).unwrap_or(usize::MAX);
        (skipped, self.lines.get(already..).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use crate::statesync::{CompleteTerminal, HostState};
    use crate::transport::SyncState;
    use crate::wire::{decode_host_message, HistoryWireLine, HostEvent, PeerFeatures};

    const WANTS: PeerFeatures = PeerFeatures {
        scrollback: true,
        discipline: false,
        marks: false,
        mouse_pixels: false,
        keys: false,
        styles: false,
        clipboard: false,
    };

    /// A server terminal keeping `limit` lines for a client that asked.
    fn server(cols: usize, rows: usize, limit: u64) -> CompleteTerminal {
        let mut t = CompleteTerminal::new(cols, rows);
        t.keep_history(limit);
        t.set_peer_features(WANTS);
        t
    }

    fn numbered(from: u32, to: u32) -> Vec<u8> {
        (from..=to)
            .flat_map(|n| format!("line {n}\r\n").into_bytes())
            .collect()
    }

    /// A client and the server's copy of the state it holds.
    struct Replica {
        client: CompleteTerminal,
        sent: CompleteTerminal,
    }

    impl Replica {
        fn of(server: &CompleteTerminal) -> Replica {
            Replica {
                client: CompleteTerminal::new(
                    server.framebuffer().width(),
                    server.framebuffer().height(),
                ),
                sent: server.clone(),
            }
        }
    }

    /// Publishes and sends until nothing is left, as the transport
    /// would; returns the texts the client was given and the skips.
    fn drain(server: &mut CompleteTerminal, replica: &mut Replica) -> (u64, Vec<String>) {
        let client = &mut replica.client;
        let (mut skipped, mut texts, mut shown) = (0, Vec::new(), client.history_end());
        for _ in 0..10_000 {
            server.publish();
            client.apply_diff(&server.diff_from(&replica.sent)).unwrap();
            replica.sent = server.clone();
            let (skip, lines) = client.unseen_history(shown);
            skipped += skip;
            texts.extend(
                lines
                    .iter()
                    .map(|l| String::from_utf8_lossy(&l.text).into_owned()),
            );
            shown = client.history_end();
            if !server.has_unpublished() {
                break;
            }
        }
        assert!(*client == *server, "the client state differs");
        (skipped, texts)
    }

    #[test]
    fn lines_that_scroll_off_reach_the_client_once_in_order() {
        let mut server = server(20, 5, 1000);
        let mut client = Replica::of(&server);
        let mut all = Vec::new();
        for (from, to) in [(1, 3), (4, 40), (41, 41), (42, 300)] {
            server.host_output(&numbered(from, to), &mut Vec::new());
            let (skipped, texts) = drain(&mut server, &mut client);
            assert_eq!(skipped, 0);
            all.extend(texts);
        }
        // The 5-row screen keeps lines 297..=300 and the cursor's row.
        let expected: Vec<String> = (1..=296).map(|n| format!("line {n}")).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn rows_the_client_already_has_are_sent_by_reference() {
        let mut server = server(20, 5, 1000);
        let mut replica = Replica::of(&server);
        server.host_output(&numbered(1, 4), &mut Vec::new());
        drain(&mut server, &mut replica);
        let mut client = replica.client;
        let before = server.clone();
        server.host_output(&numbered(5, 6), &mut Vec::new());
        server.publish();
        let diff = server.diff_from(&before);
        let events = decode_host_message(&diff).unwrap();
        let Some(HostEvent::History(delta)) = events.first() else {
            panic!("no history first: {events:?}");
        };
        assert_eq!(
            delta.lines,
            [HistoryWireLine::BaseRow(0), HistoryWireLine::BaseRow(1)]
        );
        client.apply_diff(&diff).unwrap();
        let (_, lines) = client.unseen_history(before.history_end());
        let texts: Vec<&[u8]> = lines.iter().map(|l| &l.text[..]).collect();
        assert_eq!(texts, [&b"line 1"[..], b"line 2"]);
    }

    #[test]
    fn a_flood_is_held_back_and_then_skipped_in_one_jump() {
        let mut server = server(20, 5, 100);
        let mut client = Replica::of(&server);
        let before = server.clone();
        server.host_output(&numbered(1, 5000), &mut Vec::new());
        server.publish();
        assert!(
            server.diff_from(&before).len() < 200,
            "a running flood was sent"
        );
        let (skipped, texts) = drain(&mut server, &mut client);
        assert_eq!(skipped, 4996 - 100);
        let expected: Vec<String> = (4897..=4996).map(|n| format!("line {n}")).collect();
        assert_eq!(texts, expected);
    }

    #[test]
    fn a_flood_fed_in_batches_is_skipped_in_one_jump() {
        let mut server = server(20, 5, 100);
        let mut replica = Replica::of(&server);
        let (mut skipped, mut texts, mut shown) = (0, Vec::new(), 0);
        for batch in 0..20 {
            // Frames go out while the session holds the next batch back.
            server.set_output_held(true);
            for _ in 0..3 {
                server.publish();
                let client = &mut replica.client;
                client.apply_diff(&server.diff_from(&replica.sent)).unwrap();
                replica.sent = server.clone();
                let (skip, lines) = client.unseen_history(shown);
                skipped += u64::from(skip > 0);
                texts.extend(lines.iter().map(|l| l.text.to_vec()));
                shown = client.history_end();
            }
            server.host_output(
                &numbered(batch * 500 + 1, batch * 500 + 500),
                &mut Vec::new(),
            );
            server.set_output_held(false);
        }
        let (skip, rest) = drain(&mut server, &mut replica);
        skipped += u64::from(skip > 0);
        assert_eq!(skipped, 1, "one marker for one flood");
        assert!(texts.is_empty(), "lines were sent while the flood ran");
        let expected: Vec<String> = (9897..=9996).map(|n| format!("line {n}")).collect();
        assert_eq!(rest, expected);
    }

    #[test]
    fn nothing_is_sent_to_a_client_that_did_not_ask() {
        let mut server = CompleteTerminal::new(20, 5);
        server.keep_history(1000);
        let before = server.clone();
        server.host_output(&numbered(1, 50), &mut Vec::new());
        server.publish();
        assert!(!server.has_unpublished());
        let events = decode_host_message(&server.diff_from(&before)).unwrap();
        assert!(!events.iter().any(|e| matches!(e, HostEvent::History(_))));
        assert_eq!(server.history_lines(), 0, "lines kept for nobody");
    }

    #[test]
    fn a_diff_naming_a_row_off_the_screen_is_an_error() {
        let mut client = CompleteTerminal::new(20, 5);
        let diff =
            crate::wire::encode_host_message(&[HostEvent::History(crate::wire::HistoryDelta {
                first: 0,
                lines: vec![HistoryWireLine::BaseRow(5)],
            })]);
        assert!(client.apply_diff(&diff).is_err());
    }
}
