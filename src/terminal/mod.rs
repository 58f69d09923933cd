//! The terminal model shared by client and server: parser, emulator,
//! framebuffer and display renderer. It knows nothing of the network.
//!
//! * `Parser` turns bytes into actions for a `Perform` implementation
//!   (the DEC VT500 state machine, UTF-8 aware).
//! * [`Emulator`] applies them to a [`Framebuffer`]: feed it a program's
//!   output with [`Emulator::feed`], collect what the terminal answers the
//!   program with [`Emulator::take_host_replies`], change its size with
//!   [`Emulator::resize`], read the screen with [`Emulator::framebuffer`].
//! * [`Framebuffer`] is the screen state. `Clone` is cheap (rows are
//!   shared until written) and `==` skips shared rows; equality covers
//!   what a viewer sees (see the type's documentation).
//! * [`render`] turns "what the terminal shows" into "what it should show"
//!   as escape bytes (`render(Some(&old), &new, &caps)`), or repaints from
//!   scratch (`render(None, &new, &caps)`); [`RenderCaps`] says what the
//!   receiving terminal supports. The server's screen diff and the client's
//!   drawing both use it.
//! * [`scrollback`] writes the session's history into the user's own
//!   terminal scrollback when the client draws on the primary screen.
//! * `char_width` is the one width function (compiled-in Unicode table).
//! * `mosh-rs emulate` ([`emulate_cmd`]) runs stdin through the emulator.
//!
//! Indexing and truncating casts are denied here (outside tests): the
//! terminal reads whatever a program writes.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::cast_possible_truncation)
)]

mod capture;
pub mod cell;
pub mod clipboard;
pub(crate) mod display;
pub mod emulate_cmd;
pub mod emulator;
pub mod extra_rendition;
pub mod framebuffer;
mod functions;
pub mod history;
pub mod history_line;
pub(crate) mod hyperlink;
mod keyboard_flags;
pub(crate) mod modes;
pub(crate) mod params;
pub mod parser;
mod print;
pub mod prompt_mark;
pub(crate) mod row;
mod scroll_count;
mod scroll_skip;
pub(crate) mod sgr;
pub(crate) mod utf8;
pub(crate) mod width;
mod width_table;

pub use cell::{Attrs, Cell, Color, Rendition};
pub use clipboard::Clipboard;
pub use display::{render, scrollback, RenderCaps};
pub use emulator::Emulator;
pub use extra_rendition::{ExtraCaps, ExtraRendition, UnderlineStyle};
pub use framebuffer::Framebuffer;
pub use history::{HistoryHandle, HistoryLog, RECENT_ROWS};
pub use history_line::{encode_row, HistoryLine, HistoryLineRef};
pub use hyperlink::Hyperlink;
pub use modes::{Modes, MouseEncoding, MouseReporting};
pub(crate) use params::Params;
pub(crate) use parser::{Parser, Perform};
pub use row::Row;
pub use width::{char_width, UNICODE_VERSION};
