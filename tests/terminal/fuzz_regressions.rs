//! Inputs the `render` fuzz target found (kept in `fuzz/regressions/`,
//! which `scripts/fuzz.sh` replays too), replayed through the target's own
//! round trip (`fuzz/src/render_round_trip.rs`, included by path).

#[path = "../../fuzz/src/render_round_trip.rs"]
mod render_round_trip;

/// A program set a title with a DEL in it: the emulator kept the DEL,
/// which the renderer (rightly) never sends, so the client's title
/// differed from the server's.
#[test]
fn a_title_with_a_control_character_reaches_the_client_as_the_server_holds_it() {
    render_round_trip::check(include_bytes!(
        "../../fuzz/regressions/render/title-with-a-control-character"
    ));
}
