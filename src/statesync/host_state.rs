//! What the server's event loop needs from the server-to-client state:
//! take the program's output, turn user keystrokes into bytes for the
//! program, resize, and keep the echo ack. The complete terminal
//! (`complete_terminal.rs`) is what the server uses; the byte-forwarding
//! `HostStream` also implements it, for test harnesses.

use crate::transport::SyncState;
use crate::wire::{LineDiscipline, PeerFeatures};

/// The server's side of the host state.
pub trait HostState: SyncState {
    /// A blank state of `cols` x `rows`.
    fn blank(cols: u16, rows: u16) -> Self;

    /// Applies output of the program; answers the terminal owes the
    /// program (e.g. to a cursor-position query) are appended to `replies`.
    fn host_output(&mut self, bytes: &[u8], replies: &mut Vec<u8>);

    /// Translates keys the user typed into the bytes the program reads
    /// (e.g. cursor keys in application mode), appended to `to_host`.
    fn user_keys(&mut self, keys: &[u8], to_host: &mut Vec<u8>);

    /// Resizes the screen.
    fn resize(&mut self, cols: u16, rows: u16);

    /// Records that the input of user state `num` reached the program.
    fn register_input(&mut self, num: u64, now: u64);

    /// Forgets every user state number (a new client starts counting
    /// from 0 again): the echo ack goes back to 0.
    fn forget_input(&mut self);

    /// Updates the echo ack; true if it changed.
    fn update_echo_ack(&mut self, now: u64) -> bool;

    /// When the echo ack next needs updating, if ever.
    fn echo_ack_deadline(&self) -> Option<u64>;

    /// The client announced what it can do beyond stock mosh (a mosh-rs
    /// client; a stock one never does). A new client (`forget_input`)
    /// starts with none.
    fn set_peer_features(&mut self, _features: PeerFeatures) {}

    /// Keeps up to `lines` lines that leave the top of the screen from
    /// when a client first announces scrollback (0: none).
    fn keep_history(&mut self, _lines: u64) {}

    /// The pty's line discipline now; kept in the state only when the
    /// client announced it uses it.
    fn set_line_discipline(&mut self, _discipline: LineDiscipline) {}

    /// Whether the client announced it uses the line discipline.
    fn wants_line_discipline(&self) -> bool {
        false
    }

    /// Whether the server holds some of the program's output back for a
    /// moment (see the session's output batch): history waits for it.
    fn set_output_held(&mut self, _held: bool) {}

    /// How many clipboard copies the program made were dropped for being
    /// over the cap.
    fn dropped_clipboard_copies(&self) -> u64 {
        0
    }

    /// How many lines of scrollback are held.
    fn history_lines(&self) -> u64 {
        0
    }
}
