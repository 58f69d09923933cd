//! The terminal model shared by client and server: parser, emulator,
//! framebuffer and display renderer. It knows nothing of the network.
//!
//! * [`parser`]: bytes -> actions (the DEC VT500 state machine).
//! * [`width`]: the compiled-in column width of every character.

pub mod params;
pub mod parser;
pub mod utf8;
pub mod width;
mod width_table;

pub use params::Params;
pub use parser::{Parser, Perform};
pub use width::{char_width, UNICODE_VERSION};
