//! Speculative local echo: what typing will do to the screen, shown
//! before the server could echo it, and withdrawn within a round trip if
//! the server's screen says otherwise.
//!
//! [`PredictionEngine`] is sans-IO: the client hands it each typed byte
//! with the screen as shown, tells it what the transport knows (states
//! sent, acked, echo-acked; the frame interval), and asks it to judge
//! ([`PredictionEngine::cull`]) and draw ([`PredictionEngine::apply`])
//! on each new frame.
//!
//! The engine is public (the client is its only caller) so that the
//! fuzz target in `fuzz/` can drive it with random screens and keys.

mod display_mode;
mod engine;
mod input;
mod overlay;

pub use display_mode::PredictionDisplay;
pub(crate) use engine::PASTE_THRESHOLD;
pub use engine::{PredictionEngine, PredictionOutcomes};
