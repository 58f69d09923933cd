//! The prediction engine: guesses what each keystroke will do to the
//! screen, shows the guesses when the link is slow, and takes them back
//! as soon as the server's screen disagrees.
//!
//! Predictions are grouped in epochs. A keystroke whose effect is hard to
//! foresee (Return, a control key, an escape sequence, the last column)
//! starts a new, tentative epoch; its predictions stay hidden until one of
//! them is confirmed by the server's screen, so a program that stops
//! echoing (a password prompt) never shows a typed character. A wrong
//! prediction in a tentative epoch kills that epoch; a wrong one in a
//! confirmed epoch throws every prediction away.
//!
//! With a mosh-rs server the engine also knows the pty's line discipline
//! (`line_discipline`): at a password prompt nothing typed is shown, and
//! where typing is known to be echoed a fresh epoch starts confirmed.
//!
//! Whether predictions are shown at all depends on
//! [`PredictionDisplay`]: adaptively, they appear when the frame interval
//! says the round trip is slow or when a prediction stayed pending for
//! long (a glitch), and they are underlined on slower links still, each
//! switch with hysteresis so the display does not flicker.
//!
//! This file holds the engine's state and what the client tells it and
//! asks of it; `predicting` makes the guesses, `judging` holds them
//! against the server's screen (`scrolling` first moves them with it),
//! and `display_policy` decides when they are shown.

mod display_policy;
mod judging;
mod line_discipline;
mod predicting;
mod scrolling;

use super::display_mode::PredictionDisplay;
use super::input::{InputDecoder, Keystroke};
use super::overlay::{CellPrediction, CursorPrediction, RowPredictions};
use crate::terminal::{Framebuffer, Row};
use line_discipline::EchoKnowledge;

/// More pending cursor predictions than this means the server is not
/// answering at all; start over rather than grow.
const MAX_CURSOR_PREDICTIONS: usize = 1024;
/// A read of more bytes than this is a paste: no predictions for it.
pub(crate) const PASTE_THRESHOLD: usize = 100;

/// How the predictions fared so far, for the status view and the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PredictionOutcomes {
    /// Predicted cells the server's screen confirmed.
    pub cells_confirmed: u64,
    /// Predicted cells the server's screen contradicted (or that expired).
    pub cells_wrong: u64,
    /// Epochs thrown away because a prediction in them was wrong.
    pub epochs_discarded: u64,
}

/// Guesses the effect of typing on the screen. All times are `now`
/// milliseconds from the caller's clock.
#[derive(Clone, Debug)]
pub struct PredictionEngine {
    display: PredictionDisplay,
    overwrite: bool,
    decoder: InputDecoder,
    keystrokes: Vec<Keystroke>,
    rows: Vec<RowPredictions>,
    /// The newest is last; never empty while predicting.
    cursors: Vec<CursorPrediction>,
    /// Newest user state number sent before the current keystrokes.
    frame_sent: u64,
    /// Newest user state the server acknowledged receiving.
    frame_acked: u64,
    /// Newest user state the server says reached the program (echo ack).
    frame_echo_acked: u64,
    prediction_epoch: u64,
    confirmed_epoch: u64,
    /// Underline predictions.
    flagging: bool,
    /// Show predictions because the round trip is slow.
    srtt_trigger: bool,
    /// Show predictions because some took long to confirm; counts down
    /// with quick confirmations.
    glitch_trigger: u32,
    last_quick_confirmation: u64,
    /// The transport's frame interval (ms), half the smoothed RTT.
    send_interval: u64,
    last_size: (usize, usize),
    /// Where the server's screen has its cursor, as last seen.
    server_cursor: Option<(usize, usize)>,
    /// The epoch a Return started and the server's cursor at that time.
    newline: Option<(u64, (usize, usize))>,
    outcomes: PredictionOutcomes,
    /// The pty's line discipline and what programs echo.
    echo: EchoKnowledge,
    /// The rows of the screen last judged against, to see it scroll.
    rows_judged: Vec<std::sync::Arc<Row>>,
}

impl PredictionEngine {
    /// An engine with nothing predicted.
    pub fn new(display: PredictionDisplay, overwrite: bool) -> PredictionEngine {
        PredictionEngine {
            display,
            overwrite,
            decoder: InputDecoder::default(),
            keystrokes: Vec::new(),
            rows: Vec::new(),
            cursors: Vec::new(),
            frame_sent: 0,
            frame_acked: 0,
            frame_echo_acked: 0,
            prediction_epoch: 1,
            confirmed_epoch: 0,
            flagging: false,
            srtt_trigger: false,
            glitch_trigger: 0,
            last_quick_confirmation: 0,
            send_interval: 250,
            last_size: (0, 0),
            server_cursor: None,
            newline: None,
            outcomes: PredictionOutcomes::default(),
            echo: EchoKnowledge::default(),
            rows_judged: Vec::new(),
        }
    }

    // ----- what the transport says -----

    /// The newest user state sent; keystrokes that follow are in a later one.
    pub fn set_frame_sent(&mut self, num: u64) {
        self.frame_sent = num;
    }

    /// The newest user state the server acknowledged.
    pub fn set_frame_acked(&mut self, num: u64) {
        self.frame_acked = num;
    }

    /// The server's echo ack: the newest user state the program has seen.
    pub fn set_echo_acked(&mut self, num: u64) {
        self.frame_echo_acked = num;
    }

    /// The transport's frame interval (ms).
    pub fn set_send_interval(&mut self, ms: u64) {
        self.send_interval = ms;
    }

    /// The server's newest screen has its cursor at `(row, col)`.
    pub fn set_server_cursor(&mut self, cursor: (usize, usize)) {
        self.server_cursor = Some(cursor);
    }

    // ----- state, for the display and tests -----

    /// How the predictions fared so far.
    pub fn outcomes(&self) -> PredictionOutcomes {
        self.outcomes
    }

    /// The newest epoch a correct prediction confirmed.
    pub(crate) fn confirmed_epoch(&self) -> u64 {
        self.confirmed_epoch
    }

    /// Whether any prediction is outstanding.
    pub(crate) fn is_active(&self) -> bool {
        !self.cursors.is_empty()
            || self
                .rows
                .iter()
                .any(|r| r.cells.iter().any(CellPrediction::is_active))
    }

    // ----- showing -----

    /// Draws the predictions that are due onto `fb`.
    pub fn apply(&self, fb: &mut Framebuffer) {
        if !self.is_showing() || self.echo.input_hidden() {
            return;
        }
        for cursor in &self.cursors {
            cursor.apply(fb, self.confirmed_epoch);
        }
        for row in &self.rows {
            row.apply(fb, self.confirmed_epoch, self.flagging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::display_policy::{GLITCH_REPAIR_COUNT, TIMING_CHECK_INTERVAL};
    use super::*;
    use crate::terminal::{Attrs, Emulator};

    /// A screen 20x5 showing what `bytes` draw.
    fn screen(bytes: &[u8]) -> Framebuffer {
        let mut e = Emulator::new(20, 5);
        e.feed(bytes);
        e.framebuffer().clone()
    }

    /// An 80x5 screen showing what `bytes` draw.
    fn wide_screen(bytes: &[u8]) -> Framebuffer {
        let mut e = Emulator::new(80, 5);
        e.feed(bytes);
        e.framebuffer().clone()
    }

    fn first_line(fb: &Framebuffer) -> String {
        fb.text().lines().next().unwrap_or_default().to_string()
    }

    fn shown(engine: &PredictionEngine, fb: &Framebuffer) -> Framebuffer {
        let mut out = fb.clone();
        engine.apply(&mut out);
        out
    }

    /// An engine on a 100 ms frame interval (a 200 ms round trip) that
    /// has seen `$ a` confirmed, so its epoch is live; returns it with
    /// the server's screen and the next user state number.
    fn confirmed_on_slow_link(display: PredictionDisplay) -> (PredictionEngine, Framebuffer) {
        let mut engine = PredictionEngine::new(display, false);
        engine.set_send_interval(100);
        let prompt = screen(b"$ ");
        engine.cull(&prompt, 0);
        engine.set_frame_sent(0);
        engine.new_user_byte(b'a', &prompt, 0);
        assert_eq!(
            first_line(&shown(&engine, &prompt)),
            "$",
            "the first guess of an epoch stays hidden"
        );
        let echoed = screen(b"$ a");
        engine.set_echo_acked(1);
        engine.cull(&echoed, 200);
        (engine, echoed)
    }

    #[test]
    fn typing_shows_underlined_at_once_after_the_epoch_is_confirmed() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        let before = shown(&engine, &server);
        engine.new_user_byte(b'b', &before, 210);
        engine.new_user_byte(b'c', &before, 220);
        let now = shown(&engine, &server);
        assert_eq!(first_line(&now), "$ abc");
        assert_eq!(now.cursor(), (0, 5));
        assert!(now.cell(0, 3).rendition().attrs.contains(Attrs::UNDERLINE));
        assert!(now.cell(0, 4).rendition().attrs.contains(Attrs::UNDERLINE));
        assert!(!now.cell(0, 2).rendition().attrs.contains(Attrs::UNDERLINE));

        // The server echoes; the predictions are judged right and retire.
        let echoed = screen(b"$ abc");
        engine.set_echo_acked(2);
        engine.cull(&echoed, 420);
        assert!(!engine.is_active());
        assert_eq!(shown(&engine, &echoed), echoed);
    }

    #[test]
    fn a_wrong_guess_disappears_once_the_server_has_seen_the_key() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'x', &server, 210);
        assert_eq!(first_line(&shown(&engine, &server)), "$ ax");
        // Not yet processed: the guess stays.
        engine.cull(&server, 300);
        assert_eq!(first_line(&shown(&engine, &server)), "$ ax");
        // The program showed something else.
        let actual = screen(b"$ aX");
        engine.set_echo_acked(2);
        engine.cull(&actual, 420);
        assert_eq!(shown(&engine, &actual), actual);
        assert!(!engine.is_active());
    }

    #[test]
    fn a_password_prompt_never_shows_typed_characters() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'\r', &server, 210);
        let prompt = screen(b"$ a\r\nPassword: ");
        engine.set_echo_acked(2);
        engine.cull(&prompt, 400);
        let mut frame = 2;
        let mut now = 500;
        for &b in b"hunter2" {
            engine.set_frame_sent(frame);
            let before = shown(&engine, &prompt);
            engine.new_user_byte(b, &before, now);
            assert_eq!(shown(&engine, &prompt), prompt, "nothing typed shows");
            frame += 1;
            now += 100;
            engine.set_echo_acked(frame);
            engine.cull(&prompt, now + 200);
            assert_eq!(shown(&engine, &prompt), prompt);
        }
    }

    #[test]
    fn insert_and_overwrite_in_the_middle_of_a_line() {
        for (overwrite, expected) in [(false, "$ aZbc"), (true, "$ aZc")] {
            let (mut engine, _) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
            engine.overwrite = overwrite;
            engine.set_frame_sent(1);
            // The server's line is `$ abc` with the cursor on the `b`.
            let server = screen(b"$ abc\x1b[4G");
            engine.new_user_byte(b'Z', &server, 210);
            let out = shown(&engine, &server);
            assert_eq!(first_line(&out), expected, "overwrite={overwrite}");
            assert_eq!(out.cursor(), (0, 4));
            let echoed = screen(format!("{expected}\x1b[5G").as_bytes());
            engine.set_echo_acked(2);
            engine.cull(&echoed, 400);
            assert!(!engine.is_active(), "overwrite={overwrite}");
            assert_eq!(shown(&engine, &echoed), echoed);
        }
    }

    #[test]
    fn typing_straight_into_a_new_prompt_follows_the_servers_cursor() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.set_server_cursor(server.cursor());
        engine.new_user_byte(b'\r', &server, 210);
        // The program answered with a new prompt; the echo ack of the
        // Return has not arrived yet.
        let prompt = screen(b"$ a\r\nout\r\n$ ");
        engine.set_server_cursor(prompt.cursor());
        engine.cull(&prompt, 400);
        engine.set_frame_sent(2);
        engine.new_user_byte(b'l', &prompt, 410);
        assert_eq!(shown(&engine, &prompt), prompt, "a new epoch stays hidden");
        // The server echoes the `l` where the prompt left the cursor.
        let echoed = screen(b"$ a\r\nout\r\n$ l");
        engine.set_server_cursor(echoed.cursor());
        engine.set_echo_acked(3);
        engine.cull(&echoed, 700);
        engine.set_frame_sent(3);
        engine.new_user_byte(b's', &echoed, 710);
        let out = shown(&engine, &echoed);
        assert_eq!(out.text().lines().nth(2), Some("$ ls"), "confirmed at once");
        assert_eq!(out.cursor(), (2, 4));
    }

    #[test]
    fn backspace_and_arrows_move_the_predicted_cursor() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        for &b in b"bcd" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 210);
        }
        for &b in b"\x1b[D\x1b[D\x7f" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 220);
        }
        let out = shown(&engine, &server);
        assert_eq!(first_line(&out), "$ acd");
        assert_eq!(out.cursor(), (0, 3));
        for &b in b"\x1b[C" {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 230);
        }
        assert_eq!(shown(&engine, &server).cursor(), (0, 4));
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        for &b in "漢字".as_bytes() {
            let before = shown(&engine, &server);
            engine.new_user_byte(b, &before, 210);
        }
        let out = shown(&engine, &server);
        assert_eq!(first_line(&out), "$ a漢字");
        assert_eq!(out.cursor(), (0, 7));
        let echoed = screen("$ a漢字".as_bytes());
        engine.set_echo_acked(2);
        engine.cull(&echoed, 400);
        assert!(!engine.is_active());
        for &b in b"\x7f" {
            let before = shown(&engine, &echoed);
            engine.new_user_byte(b, &before, 410);
        }
        engine.set_frame_sent(2);
        let out = shown(&engine, &echoed);
        assert_eq!(out.cursor(), (0, 5));
    }

    #[test]
    fn adaptive_display_follows_the_frame_interval_with_hysteresis() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Adaptive, false);
        let fb = screen(b"$ ");
        let at = |ms: u64, engine: &mut PredictionEngine| {
            engine.set_send_interval(ms);
            engine.cull(&fb, 0);
            (engine.is_showing(), engine.is_flagging())
        };
        assert_eq!(at(20, &mut engine), (false, false));
        assert_eq!(at(30, &mut engine), (false, false));
        assert_eq!(at(31, &mut engine), (true, false));
        assert_eq!(at(25, &mut engine), (true, false), "hysteresis");
        assert_eq!(at(81, &mut engine), (true, true));
        assert_eq!(at(60, &mut engine), (true, true), "hysteresis");
        assert_eq!(at(50, &mut engine), (true, false));
        assert_eq!(at(20, &mut engine), (false, false));
    }

    #[test]
    fn a_slow_confirmation_on_a_fast_link_turns_the_display_on() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Adaptive, false);
        engine.set_send_interval(20);
        let fb = wide_screen(b"$ ");
        engine.cull(&fb, 0);
        engine.new_user_byte(b'a', &fb, 0);
        engine.cull(&fb, 100);
        assert!(!engine.is_showing());
        assert_eq!(engine.wait_time(), Some(TIMING_CHECK_INTERVAL));
        engine.cull(&fb, 300);
        assert!(engine.is_showing(), "pending for 300 ms is a glitch");
        assert!(!engine.is_flagging());
        engine.cull(&fb, 5_000);
        engine.cull(&fb, 5_050);
        assert!(engine.is_flagging(), "pending for 5 s also underlines");

        // Quick confirmations, at least 150 ms apart, cure it.
        let mut frame = 1;
        let mut now = 6_000;
        let mut text = String::from("$ a");
        engine.set_echo_acked(1);
        engine.cull(&wide_screen(text.as_bytes()), now);
        for _ in 0..(2 * GLITCH_REPAIR_COUNT) {
            engine.set_frame_sent(frame);
            let server = wide_screen(text.as_bytes());
            engine.new_user_byte(b'x', &server, now);
            text.push('x');
            frame += 1;
            now += 160;
            engine.set_echo_acked(frame);
            engine.cull(&wide_screen(text.as_bytes()), now);
        }
        assert!(!engine.is_showing());
    }

    #[test]
    fn never_shows_nothing_and_always_shows_on_fast_links() {
        let fb = screen(b"$ ");
        let mut never = PredictionEngine::new(PredictionDisplay::Never, false);
        never.new_user_byte(b'a', &fb, 0);
        assert!(!never.is_active());
        let (mut always, server) = {
            let mut engine = PredictionEngine::new(PredictionDisplay::Always, false);
            engine.set_send_interval(20);
            engine.cull(&fb, 0);
            engine.new_user_byte(b'a', &fb, 0);
            engine.set_echo_acked(1);
            let echoed = screen(b"$ a");
            engine.cull(&echoed, 10);
            (engine, echoed)
        };
        always.set_frame_sent(1);
        always.new_user_byte(b'b', &server, 20);
        let out = shown(&always, &server);
        assert_eq!(first_line(&out), "$ ab");
        assert!(!out.cell(0, 3).rendition().attrs.contains(Attrs::UNDERLINE));
    }

    #[test]
    fn a_resize_or_a_paste_sized_reset_forgets_everything() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'b', &server, 210);
        assert!(engine.is_active());
        let mut bigger = server.clone();
        bigger.resize(30, 5);
        engine.cull(&bigger, 220);
        assert!(!engine.is_active());
        assert_eq!(shown(&engine, &bigger), bigger);
    }

    #[test]
    fn an_unanswered_stream_of_keys_stays_bounded() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Always, false);
        let fb = screen(b"$ ");
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for i in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            engine.set_frame_sent(i);
            engine.new_user_byte(seed as u8, &fb, i);
        }
        assert!(engine.cursors.len() <= MAX_CURSOR_PREDICTIONS);
        assert!(engine.rows.len() <= fb.height());
    }

    fn discipline(echo: bool, canonical: bool, program: &str) -> crate::wire::LineDiscipline {
        crate::wire::LineDiscipline {
            echo,
            canonical,
            program: program.into(),
        }
    }

    /// Row `row` of the screen `engine` shows over `fb`.
    fn shown_row(engine: &PredictionEngine, fb: &Framebuffer, row: usize) -> String {
        shown(engine, fb)
            .text()
            .lines()
            .nth(row)
            .unwrap_or_default()
            .to_string()
    }

    /// Types `line` and Return into `engine` on a slow link, then lets
    /// the server answer with `answer` (a fresh prompt); returns the
    /// screen of the answer and the next frame number.
    fn type_a_line_and_get_a_prompt(
        engine: &mut PredictionEngine,
        server: &Framebuffer,
        line: &[u8],
        answer: &[u8],
        mut frame: u64,
        now: u64,
    ) -> (Framebuffer, u64) {
        for &b in line.iter().chain(b"\r") {
            engine.set_frame_sent(frame);
            let before = shown(engine, server);
            engine.new_user_byte(b, &before, now);
            frame += 1;
        }
        let prompt = screen(answer);
        engine.set_echo_acked(frame);
        engine.cull(&prompt, now + 200);
        (prompt, frame)
    }

    #[test]
    fn where_the_kernel_echoes_the_first_key_into_a_fresh_prompt_shows_at_once() {
        for (known, expected) in [(false, "$"), (true, "$ x")] {
            let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
            if known {
                engine.set_line_discipline(Some(&discipline(true, true, "cat")));
            }
            let (prompt, frame) =
                type_a_line_and_get_a_prompt(&mut engine, &server, b"", b"$ a\r\n$ ", 1, 300);
            engine.set_frame_sent(frame);
            engine.new_user_byte(b'x', &prompt, 600);
            let second_row = shown_row(&engine, &prompt, 1);
            assert_eq!(second_row.trim_end(), expected, "known: {known}");
        }
    }

    #[test]
    fn typing_the_instant_the_prompt_is_drawn_shows_at_once() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_line_discipline(Some(&discipline(true, true, "cat")));
        engine.set_frame_sent(1);
        engine.new_user_byte(b'\r', &server, 300);
        // The answer is drawn before the server's echo ack covers the
        // Return, so the Return's guesses are still outstanding.
        let prompt = screen(b"$ a\r\nout\r\n$ ");
        engine.set_server_cursor(prompt.cursor());
        engine.cull(&prompt, 500);
        engine.set_frame_sent(2);
        engine.new_user_byte(b'x', &prompt, 510);
        let third_row = shown_row(&engine, &prompt, 2);
        assert_eq!(third_row.trim_end(), "$ x");
        // Then the echo ack comes with the echoed key: nothing is undone.
        let echoed = screen(b"$ a\r\nout\r\n$ x");
        engine.set_echo_acked(3);
        engine.cull(&echoed, 720);
        assert_eq!(shown(&engine, &echoed), echoed);
        assert_eq!(engine.outcomes().epochs_discarded, 0);
    }

    #[test]
    fn a_raw_mode_program_is_trusted_once_it_echoed() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_line_discipline(Some(&discipline(false, false, "bash")));
        // `ab` confirmed at the prompt: bash echoes what is typed.
        engine.set_frame_sent(1);
        let mut shown_now = shown(&engine, &server);
        for (n, &b) in b"bcd".iter().enumerate() {
            engine.new_user_byte(b, &shown_now, 210 + n as u64);
            shown_now = shown(&engine, &server);
        }
        let echoed = screen(b"$ abcd");
        engine.set_echo_acked(2);
        engine.cull(&echoed, 420);
        assert!(engine.echo.echo_trusted(), "three keys echoed");
        let (prompt, frame) =
            type_a_line_and_get_a_prompt(&mut engine, &echoed, b"", b"$ abcd\r\n$ ", 2, 500);
        engine.set_frame_sent(frame);
        engine.new_user_byte(b'x', &prompt, 800);
        let second_row = shown_row(&engine, &prompt, 1);
        assert_eq!(second_row.trim_end(), "$ x");

        // A program not seen before starts tentative, as without a discipline.
        engine.set_line_discipline(Some(&discipline(false, false, "python3")));
        let (prompt, frame) = type_a_line_and_get_a_prompt(
            &mut engine,
            &prompt,
            b"",
            b"$ abcd\r\n$ x\r\n>>> ",
            frame + 1,
            900,
        );
        engine.set_frame_sent(frame);
        engine.new_user_byte(b'y', &prompt, 1200);
        let third_row = shown_row(&engine, &prompt, 2);
        assert_eq!(third_row.trim_end(), ">>>");
    }

    #[test]
    fn a_line_typed_at_the_bottom_row_is_confirmed_as_the_screen_scrolls() {
        let mut engine = PredictionEngine::new(PredictionDisplay::Adaptive, false);
        engine.set_send_interval(100);
        engine.set_line_discipline(Some(&discipline(false, false, "bash")));
        let mut server = Emulator::new(20, 5);
        server.feed(b"1\r\n2\r\n3\r\n4\r\n$ ");
        let (mut frame, mut now) = (0, 0);
        for round in 0..2 {
            let prompt = server.framebuffer().clone();
            engine.set_server_cursor(prompt.cursor());
            engine.cull(&prompt, now);
            for &b in b"echo" {
                engine.set_frame_sent(frame);
                let before = shown(&engine, &prompt);
                engine.new_user_byte(b, &before, now);
                frame += 1;
            }
            if round > 0 {
                // Bash has echoed every key so far: the line shows at once.
                assert_eq!(shown_row(&engine, &prompt, 4).trim_end(), "$ echo");
            }
            engine.set_frame_sent(frame);
            engine.new_user_byte(b'\r', &shown(&engine, &prompt), now);
            frame += 1;
            // One frame brings the echo, the output and a new prompt.
            server.feed(b"echo\r\n\r\n$ ");
            let answer = server.framebuffer().clone();
            engine.set_echo_acked(frame);
            engine.set_server_cursor(answer.cursor());
            engine.cull(&answer, now + 200);
            now += 1000;
        }
        assert_eq!(engine.outcomes().epochs_discarded, 0);
        assert_eq!(engine.outcomes().cells_confirmed, 8);
    }

    #[test]
    fn hidden_input_shows_nothing_even_in_a_confirmed_epoch() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_frame_sent(1);
        engine.new_user_byte(b'b', &server, 210);
        assert_eq!(
            first_line(&shown(&engine, &server)),
            "$ ab",
            "confirmed epoch"
        );
        // The program turned echo off without printing anything.
        engine.set_line_discipline(Some(&discipline(false, true, "bash")));
        assert_eq!(shown(&engine, &server), server);
        for (n, &b) in b"secret".iter().enumerate() {
            engine.set_frame_sent(2 + n as u64);
            engine.new_user_byte(b, &server, 300 + n as u64);
            let frame = shown(&engine, &server);
            assert_eq!(frame, server, "a typed character showed");
            assert_eq!(frame.cursor(), server.cursor(), "the cursor ran ahead");
        }
    }

    #[test]
    fn a_wrong_guess_in_cooked_mode_is_taken_back_once_the_server_answers() {
        let (mut engine, server) = confirmed_on_slow_link(PredictionDisplay::Adaptive);
        engine.set_line_discipline(Some(&discipline(true, true, "cat")));
        let (prompt, frame) =
            type_a_line_and_get_a_prompt(&mut engine, &server, b"", b"$ a\r\n", 1, 300);
        engine.set_frame_sent(frame);
        engine.new_user_byte(b'q', &prompt, 600);
        assert!(shown_row(&engine, &prompt, 1).starts_with('q'));
        // The program had changed what a `q` does: the server shows `Q`.
        let actual = screen(b"$ a\r\nQ");
        engine.set_echo_acked(frame + 1);
        engine.cull(&actual, 800);
        assert_eq!(shown(&engine, &actual), actual);
    }
}
