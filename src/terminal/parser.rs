//! The DEC VT500-series parser (Paul Williams' state machine, as documented
//! at vt100.net), turning a byte stream into actions for a `Perform`
//! implementation. It knows nothing about screens.
//!
//! Input is decoded as UTF-8 first (invalid sequences become U+FFFD); the
//! state machine then runs on characters. C1 controls are recognised when
//! they arrive UTF-8 encoded (U+0080..U+009F), as xterm does in UTF-8 mode.
//! Every buffer is bounded: parameters are clamped, intermediates and OSC
//! payloads are capped, DCS and SOS/PM/APC payloads are not stored.

use super::clipboard::MAX_CLIPBOARD_BASE64;
use super::params::Params;
use super::utf8::{Step, Utf8Decoder};

/// Most intermediate (and private-marker) bytes kept; a sequence with more
/// is ignored.
pub(crate) const MAX_INTERMEDIATES: usize = 2;

/// Most bytes of an OSC payload kept; the rest is dropped.
pub const MAX_OSC_LEN: usize = 64 * 1024;

/// Most bytes of a clipboard OSC (`52;Pc;Pd`) kept: a copy of
/// [`MAX_CLIPBOARD_BASE64`] and its selections. A longer one is dropped
/// whole (a cut copy would be a wrong one), see
/// [`Perform::clipboard_too_long`].
pub const MAX_CLIPBOARD_OSC_LEN: usize = MAX_CLIPBOARD_BASE64 + 32;

/// How an OSC 52 payload starts.
const CLIPBOARD_OSC: &[u8] = b"52;";

/// Receives the parser's actions.
pub(crate) trait Perform {
    /// A graphic character to display.
    fn print(&mut self, c: char);

    /// A run of printable ASCII (0x20..=0x7E); the fast path.
    fn print_ascii(&mut self, run: &[u8]) {
        for &b in run {
            self.print(char::from(b));
        }
    }

    /// A C0 control (0x00..=0x1F) or C1 control (0x80..=0x9F).
    fn execute(&mut self, control: u32);

    /// A complete control sequence `CSI <intermediates> <params> <final>`.
    /// Private markers (`?`, `>`, `<`, `=`) come first in `intermediates`.
    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], final_byte: u8);

    /// A complete escape sequence `ESC <intermediates> <final>`.
    fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8);

    /// A complete OSC string (without the introducer and terminator),
    /// truncated to [`MAX_OSC_LEN`] bytes; a clipboard one (`52;`) may
    /// be up to [`MAX_CLIPBOARD_OSC_LEN`] and is never truncated.
    fn osc_dispatch(&mut self, payload: &[u8]);

    /// A clipboard OSC longer than [`MAX_CLIPBOARD_OSC_LEN`] ended: it
    /// was dropped.
    fn clipboard_too_long(&mut self) {}

    /// Start of a device control string; its data follows through
    /// [`Perform::dcs_put`] and ends with [`Perform::dcs_unhook`].
    fn dcs_hook(&mut self, _params: &Params, _intermediates: &[u8], _final_byte: u8) {}

    /// One character of device control string data.
    fn dcs_put(&mut self, _c: char) {}

    /// End of a device control string.
    fn dcs_unhook(&mut self) {}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    EscapeIntermediate,
    CsiEntry,
    CsiParam,
    CsiIntermediate,
    CsiIgnore,
    DcsEntry,
    DcsParam,
    DcsIntermediate,
    DcsPassthrough,
    DcsIgnore,
    OscString,
    SosPmApcString,
}

/// The parser state carried between calls to [`Parser::advance`].
#[derive(Clone, Debug)]
pub(crate) struct Parser {
    state: State,
    utf8: Utf8Decoder,
    params: Params,
    intermediates: [u8; MAX_INTERMEDIATES],
    intermediate_len: usize,
    /// More intermediates arrived than fit: ignore the sequence.
    intermediates_overflow: bool,
    osc: Vec<u8>,
    /// More of the OSC string arrived than is kept.
    osc_overflow: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

fn is_printable_ascii(b: u8) -> bool {
    (0x20..0x7F).contains(&b)
}

/// Length of the run of printable ASCII (0x20..=0x7E) at the start of
/// `bytes`, eight bytes at a time.
pub(super) fn printable_ascii_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // A byte below 0x20, or above 0x7E (bit-twiddling "hasless" and
        // "hasmore" tests, exact for these bounds; adding 127 - 0x7E = 1
        // to each byte sets its top bit exactly when it exceeds 0x7E).
        let below = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        let above = (w.wrapping_add(ONES) | w) & HIGHS;
        if below | above != 0 {
            break;
        }
        n += 8;
    }
    n + bytes
        .get(n..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| is_printable_ascii(b))
        .count()
}

/// C0 controls that are executed in most states (all but CAN, SUB, ESC).
fn is_executable_c0(cp: u32) -> bool {
    cp <= 0x17 || cp == 0x19 || (0x1C..=0x1F).contains(&cp)
}

impl Parser {
    /// A parser in the ground state.
    pub fn new() -> Parser {
        Parser {
            state: State::Ground,
            utf8: Utf8Decoder::default(),
            params: Params::default(),
            intermediates: [0; MAX_INTERMEDIATES],
            intermediate_len: 0,
            intermediates_overflow: false,
            osc: Vec::new(),
            osc_overflow: false,
        }
    }

    /// Whether the parser is between sequences (nothing half-read).
    pub(crate) fn is_ground(&self) -> bool {
        self.state == State::Ground && !self.utf8.in_sequence()
    }

    /// Feeds bytes, calling `performer` for every complete action.
    pub fn advance<P: Perform>(&mut self, performer: &mut P, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            if self.state == State::Ground && !self.utf8.in_sequence() {
                let rest = bytes.get(i..).unwrap_or(&[]);
                let run = printable_ascii_prefix(rest);
                if run > 0 {
                    performer.print_ascii(rest.get(..run).unwrap_or(&[]));
                    i += run;
                    continue;
                }
                // In ground every C0 control but ESC simply executes.
                if let Some(&b) = rest.first() {
                    if b < 0x20 && b != 0x1B {
                        performer.execute(u32::from(b));
                        i += 1;
                        continue;
                    }
                }
            }
            let Some(&byte) = bytes.get(i) else { break };
            if byte < 0x80 && !self.utf8.in_sequence() {
                self.input(performer, u32::from(byte));
                i += 1;
                continue;
            }
            match self.utf8.push(byte) {
                Step::Pending => i += 1,
                Step::Char(c) => {
                    self.input(performer, u32::from(c));
                    i += 1;
                }
                Step::Invalid { reprocess } => {
                    self.input(performer, 0xFFFD);
                    if !reprocess {
                        i += 1;
                    }
                }
            }
        }
    }

    /// One decoded character through the state machine.
    fn input<P: Perform>(&mut self, p: &mut P, cp: u32) {
        if self.anywhere(p, cp) {
            return;
        }
        match self.state {
            State::Ground => self.ground(p, cp),
            State::Escape => self.escape(p, cp),
            State::EscapeIntermediate => self.escape_intermediate(p, cp),
            State::CsiEntry | State::CsiParam | State::CsiIntermediate | State::CsiIgnore => {
                self.csi(p, cp)
            }
            State::DcsEntry | State::DcsParam | State::DcsIntermediate => self.dcs_header(p, cp),
            State::DcsPassthrough => self.dcs_passthrough(p, cp),
            State::DcsIgnore | State::SosPmApcString => {}
            State::OscString => self.osc_string(p, cp),
        }
    }

    /// The transitions that apply in every state. Returns whether `cp` was
    /// consumed.
    fn anywhere<P: Perform>(&mut self, p: &mut P, cp: u32) -> bool {
        match cp {
            0x18 | 0x1A => {
                self.abort_string(p);
                p.execute(cp);
                self.state = State::Ground;
            }
            0x1B => {
                self.leave_string(p);
                self.enter_escape();
            }
            0x07 if self.state == State::OscString => {
                self.leave_string(p);
                self.state = State::Ground;
            }
            0x9C => {
                self.leave_string(p);
                self.state = State::Ground;
            }
            0x90 => {
                self.leave_string(p);
                self.enter_sequence(State::DcsEntry);
            }
            0x9B => {
                self.leave_string(p);
                self.enter_sequence(State::CsiEntry);
            }
            0x9D => {
                self.leave_string(p);
                self.enter_osc();
            }
            0x98 | 0x9E | 0x9F => {
                self.leave_string(p);
                self.state = State::SosPmApcString;
            }
            0x80..=0x9F => {
                self.leave_string(p);
                p.execute(cp);
                self.state = State::Ground;
            }
            _ => return false,
        }
        true
    }

    /// Ends an OSC or DCS string normally (dispatching it).
    fn leave_string<P: Perform>(&mut self, p: &mut P) {
        match self.state {
            State::OscString => {
                if self.osc_overflow && self.osc.starts_with(CLIPBOARD_OSC) {
                    p.clipboard_too_long();
                } else {
                    p.osc_dispatch(&self.osc);
                }
                self.osc.clear();
                self.shrink_osc_buffer();
            }
            State::DcsPassthrough => p.dcs_unhook(),
            _ => {}
        }
    }

    /// Ends an OSC or DCS string by cancellation (CAN/SUB): nothing is
    /// dispatched.
    fn abort_string<P: Perform>(&mut self, p: &mut P) {
        match self.state {
            State::OscString => {
                self.osc.clear();
                self.shrink_osc_buffer();
            }
            State::DcsPassthrough => p.dcs_unhook(),
            _ => {}
        }
    }

    fn shrink_osc_buffer(&mut self) {
        if self.osc.capacity() > 4096 {
            self.osc = Vec::new();
        }
    }

    fn clear_sequence(&mut self) {
        self.params.clear();
        self.intermediate_len = 0;
        self.intermediates_overflow = false;
    }

    fn enter_escape(&mut self) {
        self.clear_sequence();
        self.state = State::Escape;
    }

    fn enter_sequence(&mut self, state: State) {
        self.clear_sequence();
        self.state = state;
    }

    fn enter_osc(&mut self) {
        self.osc.clear();
        self.osc_overflow = false;
        self.state = State::OscString;
    }

    fn collect(&mut self, cp: u32) {
        match self.intermediates.get_mut(self.intermediate_len) {
            Some(slot) => {
                *slot = ascii(cp);
                self.intermediate_len += 1;
            }
            None => self.intermediates_overflow = true,
        }
    }

    fn intermediates(&self) -> &[u8] {
        self.intermediates
            .get(..self.intermediate_len)
            .unwrap_or(&[])
    }

    fn ground<P: Perform>(&mut self, p: &mut P, cp: u32) {
        if cp < 0x20 {
            p.execute(cp);
        } else if cp == 0x7F {
            // DEL is ignored.
        } else if let Some(c) = char::from_u32(cp) {
            p.print(c);
        }
    }

    fn escape<P: Perform>(&mut self, p: &mut P, cp: u32) {
        match cp {
            _ if is_executable_c0(cp) => p.execute(cp),
            0x20..=0x2F => {
                self.collect(cp);
                self.state = State::EscapeIntermediate;
            }
            0x5B => self.enter_sequence(State::CsiEntry),
            0x5D => self.enter_osc(),
            0x50 => self.enter_sequence(State::DcsEntry),
            0x58 | 0x5E | 0x5F => self.state = State::SosPmApcString,
            0x30..=0x7E => {
                p.esc_dispatch(&[], ascii(cp));
                self.state = State::Ground;
            }
            0x7F => {}
            _ => self.state = State::Ground,
        }
    }

    fn escape_intermediate<P: Perform>(&mut self, p: &mut P, cp: u32) {
        match cp {
            _ if is_executable_c0(cp) => p.execute(cp),
            0x20..=0x2F => self.collect(cp),
            0x30..=0x7E => {
                if !self.intermediates_overflow {
                    p.esc_dispatch(self.intermediates(), ascii(cp));
                }
                self.state = State::Ground;
            }
            0x7F => {}
            _ => self.state = State::Ground,
        }
    }

    fn csi<P: Perform>(&mut self, p: &mut P, cp: u32) {
        if is_executable_c0(cp) {
            p.execute(cp);
            return;
        }
        let state = self.state;
        match cp {
            0x7F => {}
            0x40..=0x7E => {
                if state != State::CsiIgnore && !self.intermediates_overflow {
                    self.params.finish();
                    p.csi_dispatch(&self.params, self.intermediates(), ascii(cp));
                }
                self.state = State::Ground;
            }
            _ if state == State::CsiIgnore => {
                if cp > 0x7F {
                    self.state = State::Ground;
                }
            }
            0x30..=0x39 if state != State::CsiIntermediate => {
                self.params.push_digit(ascii(cp));
                self.state = State::CsiParam;
            }
            0x3A | 0x3B if state != State::CsiIntermediate => {
                self.params.push_separator(cp == 0x3A);
                self.state = State::CsiParam;
            }
            0x3C..=0x3F if state == State::CsiEntry => {
                self.collect(cp);
                self.state = State::CsiParam;
            }
            0x20..=0x2F => {
                self.collect(cp);
                self.state = State::CsiIntermediate;
            }
            0x30..=0x3F => self.state = State::CsiIgnore,
            // A non-ASCII character ends the sequence unrecognised.
            _ => self.state = State::Ground,
        }
    }

    fn dcs_header<P: Perform>(&mut self, p: &mut P, cp: u32) {
        let state = self.state;
        match cp {
            _ if cp < 0x20 || cp == 0x7F => {}
            0x40..=0x7E => {
                if self.intermediates_overflow {
                    self.state = State::DcsIgnore;
                } else {
                    self.params.finish();
                    p.dcs_hook(&self.params, self.intermediates(), ascii(cp));
                    self.state = State::DcsPassthrough;
                }
            }
            0x30..=0x39 if state != State::DcsIntermediate => {
                self.params.push_digit(ascii(cp));
                self.state = State::DcsParam;
            }
            0x3A | 0x3B if state != State::DcsIntermediate => {
                self.params.push_separator(cp == 0x3A);
                self.state = State::DcsParam;
            }
            0x3C..=0x3F if state == State::DcsEntry => {
                self.collect(cp);
                self.state = State::DcsParam;
            }
            0x20..=0x2F => {
                self.collect(cp);
                self.state = State::DcsIntermediate;
            }
            _ => self.state = State::DcsIgnore,
        }
    }

    fn dcs_passthrough<P: Perform>(&mut self, p: &mut P, cp: u32) {
        if cp == 0x7F {
            return;
        }
        if let Some(c) = char::from_u32(cp) {
            p.dcs_put(c);
        }
    }

    fn osc_string<P: Perform>(&mut self, _p: &mut P, cp: u32) {
        if cp < 0x20 {
            return; // C0 controls other than BEL/CAN/SUB/ESC are ignored
        }
        let Some(c) = char::from_u32(cp) else { return };
        let mut buf = [0u8; 4];
        let encoded = c.encode_utf8(&mut buf).as_bytes();
        let limit = if self.osc.starts_with(CLIPBOARD_OSC) {
            MAX_CLIPBOARD_OSC_LEN
        } else {
            MAX_OSC_LEN
        };
        if self.osc.len() + encoded.len() <= limit {
            self.osc.extend_from_slice(encoded);
        } else {
            self.osc_overflow = true;
        }
    }
}

/// `cp` as a byte. Every caller has matched `cp` against an ASCII range
/// first, so the fallback is never taken.
fn ascii(cp: u32) -> u8 {
    u8::try_from(cp).unwrap_or(b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records actions as readable strings.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Perform for Log {
        fn print(&mut self, c: char) {
            match self.0.last_mut() {
                Some(last) if last.starts_with("print:") => last.push(c),
                _ => self.0.push(format!("print:{c}")),
            }
        }
        fn execute(&mut self, control: u32) {
            self.0.push(format!("exec:{control:02x}"));
        }
        fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], final_byte: u8) {
            let groups: Vec<String> = params
                .groups()
                .map(|g| {
                    g.iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(":")
                })
                .collect();
            self.0.push(format!(
                "csi:{}{}{}",
                String::from_utf8_lossy(intermediates),
                groups.join(";"),
                char::from(final_byte)
            ));
        }
        fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8) {
            self.0.push(format!(
                "esc:{}{}",
                String::from_utf8_lossy(intermediates),
                char::from(final_byte)
            ));
        }
        fn osc_dispatch(&mut self, payload: &[u8]) {
            self.0
                .push(format!("osc:{}", String::from_utf8_lossy(payload)));
        }
        fn clipboard_too_long(&mut self) {
            self.0.push("clipboard too long".to_string());
        }
        fn dcs_hook(&mut self, _params: &Params, intermediates: &[u8], final_byte: u8) {
            self.0.push(format!(
                "hook:{}{}",
                String::from_utf8_lossy(intermediates),
                char::from(final_byte)
            ));
        }
        fn dcs_put(&mut self, c: char) {
            self.0.push(format!("put:{c}"));
        }
        fn dcs_unhook(&mut self) {
            self.0.push("unhook".to_string());
        }
    }

    fn run(bytes: &[u8]) -> Vec<String> {
        let mut parser = Parser::new();
        let mut log = Log::default();
        parser.advance(&mut log, bytes);
        log.0
    }

    /// The same input fed one byte at a time must give the same actions.
    fn run_bytewise(bytes: &[u8]) -> Vec<String> {
        let mut parser = Parser::new();
        let mut log = Log::default();
        for b in bytes {
            parser.advance(&mut log, std::slice::from_ref(b));
        }
        log.0
    }

    #[test]
    fn text_and_controls() {
        assert_eq!(
            run(b"ab\r\ncd"),
            ["print:ab", "exec:0d", "exec:0a", "print:cd"]
        );
    }

    #[test]
    fn csi_with_parameters_private_marker_and_sub_parameters() {
        assert_eq!(run(b"\x1b[1;2H"), ["csi:1;2H"]);
        assert_eq!(run(b"\x1b[?1049h"), ["csi:?1049h"]);
        assert_eq!(run(b"\x1b[38:2::1:2:3m"), ["csi:38:2:0:1:2:3m"]);
        assert_eq!(run(b"\x1b[!p"), ["csi:!p"]);
        assert_eq!(run(b"\x1b[>c"), ["csi:>c"]);
    }

    #[test]
    fn c0_controls_execute_inside_sequences() {
        assert_eq!(run(b"\x1b[1\n;2H"), ["exec:0a", "csi:1;2H"]);
        assert_eq!(run(b"\x1b\x08c"), ["exec:08", "esc:c"]);
    }

    #[test]
    fn malformed_csi_is_ignored_up_to_its_final_byte() {
        assert_eq!(run(b"\x1b[1?2hX"), ["print:X"]);
        assert_eq!(run(b"\x1b[1 2hX"), ["print:X"]);
        assert_eq!(run(b"\x1b[1;2\"\"\"pX"), ["print:X"]);
    }

    #[test]
    fn cancel_and_substitute_abort_a_sequence() {
        assert_eq!(run(b"\x1b[12\x18X"), ["exec:18", "print:X"]);
        assert_eq!(run(b"\x1b]0;t\x1aX"), ["exec:1a", "print:X"]);
    }

    #[test]
    fn escape_sequences_with_intermediates() {
        assert_eq!(run(b"\x1b#8\x1b(B\x1b7"), ["esc:#8", "esc:(B", "esc:7"]);
    }

    #[test]
    fn osc_ends_with_bel_or_st_and_keeps_utf8() {
        assert_eq!(run(b"\x1b]0;h\xc3\xa9\x07x"), ["osc:0;hé", "print:x"]);
        assert_eq!(run(b"\x1b]2;t\x1b\\x"), ["osc:2;t", "esc:\\", "print:x"]);
        assert_eq!(run("\u{9d}1;i\u{9c}".as_bytes()), ["osc:1;i"]);
    }

    #[test]
    fn osc_payload_is_capped() {
        let mut input = b"\x1b]2;".to_vec();
        input.extend(std::iter::repeat_n(b'A', MAX_OSC_LEN * 3));
        input.push(0x07);
        let log = run(&input);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].len(), "osc:".len() + MAX_OSC_LEN);
    }

    #[test]
    fn a_clipboard_osc_is_whole_up_to_its_cap_and_dropped_beyond() {
        let copy = |len: usize| {
            let mut input = b"\x1b]52;c;".to_vec();
            input.extend(std::iter::repeat_n(b'A', len));
            input.extend_from_slice(b"\x07x");
            run(&input)
        };
        let fits = MAX_CLIPBOARD_OSC_LEN - "52;c;".len();
        let log = copy(fits);
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].len(), "osc:52;c;".len() + fits);
        assert_eq!(copy(fits + 1), ["clipboard too long", "print:x"]);
    }

    #[test]
    fn dcs_is_passed_through_and_sos_pm_apc_are_swallowed() {
        assert_eq!(
            run(b"\x1bP1$qm\x1b\\"),
            ["hook:$q", "put:m", "unhook", "esc:\\"]
        );
        assert_eq!(run(b"\x1b_hidden\x07stuff\x1b\\ok"), ["esc:\\", "print:ok"]);
        assert_eq!(run(b"\x1bXsos\x1b\\ok"), ["esc:\\", "print:ok"]);
    }

    #[test]
    fn utf8_c1_controls_are_recognised() {
        assert_eq!(run("\u{9b}2J".as_bytes()), ["csi:2J"]);
        assert_eq!(run("\u{85}".as_bytes()), ["exec:85"]);
    }

    #[test]
    fn invalid_utf8_prints_replacement_characters() {
        assert_eq!(run(b"a\xffb\xe2\x82c"), ["print:a\u{FFFD}b\u{FFFD}c"]);
        assert_eq!(run(b"\xe2\x82\n"), ["print:\u{FFFD}", "exec:0a"]);
        assert_eq!(run(b"\xe2\x1b[m"), ["print:\u{FFFD}", "csi:m"]);
    }

    #[test]
    fn split_input_gives_the_same_actions() {
        let input: &[u8] =
            b"x\xe4\xb8\xad\x1b[38;5;1m\x1b]0;ti\xc3\xa9\x07\x1bP$q\x1b\\\xf0\x9f\x98\x80\xffz";
        assert_eq!(run(input), run_bytewise(input));
    }

    #[test]
    fn printable_prefix_matches_a_plain_scan() {
        let mut state = 7u64;
        for _ in 0..5000 {
            let mut bytes = Vec::new();
            for _ in 0..(state % 40) {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                let r = (state >> 33) as u8;
                bytes.push(if r % 9 == 0 { r } else { 0x20 + r % 0x5F });
            }
            let plain = bytes.iter().take_while(|&&b| is_printable_ascii(b)).count();
            assert_eq!(printable_ascii_prefix(&bytes), plain, "{bytes:x?}");
        }
    }

    #[test]
    fn del_is_ignored() {
        assert_eq!(run(b"a\x7fb\x1b[\x7f1m"), ["print:ab", "csi:1m"]);
    }
}
