//! The terminal emulator: a parser feeding a framebuffer. It maps each
//! control function the parser recognises onto the framebuffer, and
//! collects the answers a terminal sends back to the host (device status
//! and attribute reports), which the server writes into the pty.
//!
//! With a history log attached ([`Emulator::keep_history`]) the lines
//! that leave the top of the primary screen are kept in it (see
//! `capture`).

use std::sync::Arc;

use super::clipboard::{ClipboardRequest, MAX_CLIPBOARD_BASE64};
use super::extra_rendition::ExtraRendition;
use super::framebuffer::{truncate_chars, Charset, Framebuffer, MAX_TITLE_CHARS};
use super::history::HistoryHandle;
use super::hyperlink::Hyperlink;
use super::keyboard_flags::KeyboardFlags;
use super::modes::{MouseEncoding, MouseReporting, MAX_CURSOR_STYLE};
use super::params::Params;
use super::parser::{Parser, Perform};
use super::prompt_mark::{acceptable, is_prompt_mark};
use super::scroll_skip;
use super::sgr::{apply_sgr, push_num};

/// Most bytes of unread answers kept for the host; later ones are dropped.
pub const MAX_HOST_REPLIES: usize = 64 * 1024;

/// Primary device attributes: a VT220 (the answer mosh gives).
const PRIMARY_DA: &[u8] = b"\x1b[?62c";
/// Secondary device attributes (the answer mosh gives).
const SECONDARY_DA: &[u8] = b"\x1b[>1;10;0c";

/// A terminal: parser state plus framebuffer plus pending answers.
///
/// A copy shares the original's history log (if any): feed only one of
/// them.
#[derive(Debug)]
pub struct Emulator {
    parser: Parser,
    terminal: Terminal,
}

impl Clone for Emulator {
    fn clone(&self) -> Emulator {
        let mut terminal = self.terminal.clone();
        // A framebuffer's copy has no log; an emulator's shares it.
        terminal.fb.scrollback = self.terminal.fb.scrollback.shared();
        Emulator {
            parser: self.parser.clone(),
            terminal,
        }
    }
}

/// The part of the emulator that performs parser actions.
#[derive(Clone, Debug)]
struct Terminal {
    fb: Framebuffer,
    replies: Vec<u8>,
    /// DECSET 2026 (synchronized output) is set: the program is drawing
    /// an update (the server holds it back; here it is only reported).
    synchronized_output: bool,
    /// Shell integration marks (OSC 133) and the current directory (OSC
    /// 7) are kept, for a viewer that shows them.
    keep_marks: bool,
    /// DECSET 1016 (mouse pixel positions) is kept, for a viewer that
    /// passes it on.
    keep_mouse_pixels: bool,
    /// Underline styles and colours and overline are kept, for a viewer
    /// that shows them; otherwise an underline of any style is a plain one.
    keep_styles: bool,
    /// Titles and icon names saved by XTWINOPS 22, newest last.
    title_stack: Vec<(Arc<str>, Arc<str>)>,
    /// The keyboard protocol's flags are shown in the modes and its
    /// query (`CSI ? u`) answered, for a viewer that passes them on.
    keep_keyboard: bool,
    /// The keyboard protocol's flag stacks, per screen: followed for
    /// every viewer, so a client that attaches later gets the flags the
    /// program asked for before.
    keyboard: KeyboardFlags,
    /// Clipboard copies dropped for being over the cap.
    dropped_copies: u64,
}

/// Most titles saved by XTWINOPS 22 (as xterm keeps); older ones go.
const MAX_SAVED_TITLES: usize = 10;

impl Emulator {
    /// A blank terminal of `width` columns and `height` rows.
    pub fn new(width: usize, height: usize) -> Emulator {
        Emulator::with_framebuffer(Framebuffer::new(width, height))
    }

    /// A terminal showing `framebuffer`, with the parser in its ground
    /// state (and no history log, as a framebuffer's copy has none).
    pub fn with_framebuffer(framebuffer: Framebuffer) -> Emulator {
        Emulator {
            parser: Parser::new(),
            terminal: Terminal {
                fb: framebuffer,
                replies: Vec::new(),
                synchronized_output: false,
                keep_marks: false,
                keep_mouse_pixels: false,
                keep_styles: false,
                title_stack: Vec::new(),
                keep_keyboard: false,
                keyboard: KeyboardFlags::default(),
                dropped_copies: 0,
            },
        }
    }

    /// Runs bytes from the host (a program's output) through the terminal.
    /// Plain lines that would scroll off unseen are skipped, see
    /// [`scroll_skip`](super::scroll_skip).
    pub fn feed(&mut self, bytes: &[u8]) {
        let lines = self.terminal.fb.height();
        // A flood of plain text fills whole reads; look at their two ends
        // only, so other output pays next to nothing.
        let head = scroll_skip::plain_prefix(bytes);
        let (head, rest) = bytes.split_at(head);
        if scroll_skip::is_long(head, lines) {
            self.feed_plain_run(head);
        } else {
            self.parser.advance(&mut self.terminal, head);
        }
        let tail = rest.len() - scroll_skip::plain_suffix(rest);
        let (rest, tail) = rest.split_at(tail);
        self.parser.advance(&mut self.terminal, rest);
        if scroll_skip::is_long(tail, lines) {
            self.feed_plain_run(tail);
        } else {
            self.parser.advance(&mut self.terminal, tail);
        }
    }

    /// Feeds a run of plain text, skipping what scrolls off unseen.
    fn feed_plain_run(&mut self, run: &[u8]) {
        let settled = self.finish_sequence(run);
        let run = run.get(settled..).unwrap_or_default();
        let skip = if self.parser.is_ground() {
            scroll_skip::plan(&self.terminal.fb, run)
        } else {
            None
        };
        let Some(skip) = skip else {
            self.parser.advance(&mut self.terminal, run);
            return;
        };
        let drawn = run.get(..skip.bytes.start).unwrap_or_default();
        let rest = run.get(skip.bytes.end..).unwrap_or_default();
        self.parser.advance(&mut self.terminal, drawn);
        self.terminal.fb.skip_lines(&skip);
        self.parser.advance(&mut self.terminal, rest);
    }

    /// Feeds the start of `bytes` one byte at a time until the parser is
    /// back in the ground state, for a sequence begun before a run of
    /// plain text (`ESC [ 0 m`); gives up after a sequence's usual length.
    /// Returns how many bytes were fed.
    fn finish_sequence(&mut self, bytes: &[u8]) -> usize {
        const USUAL_SEQUENCE: usize = 32;
        let mut fed = 0;
        for byte in bytes.chunks(1).take(USUAL_SEQUENCE) {
            if self.parser.is_ground() {
                break;
            }
            self.parser.advance(&mut self.terminal, byte);
            fed += 1;
        }
        fed
    }

    /// Runs bytes through the terminal drawing every line (the reference
    /// the skipping is checked against).
    #[cfg(test)]
    pub(super) fn feed_without_skipping(&mut self, bytes: &[u8]) {
        self.parser.advance(&mut self.terminal, bytes);
    }

    /// The answers the terminal has for the host since the last call
    /// (device status reports and device attributes), in order.
    pub fn take_host_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.terminal.replies)
    }

    /// Puts `copy` on the clipboard, as a program's OSC 52 would (a
    /// client that received the copy beside the screen).
    pub fn set_clipboard(&mut self, copy: super::Clipboard) {
        self.terminal.fb.set_clipboard(copy);
    }

    /// How many clipboard copies (OSC 52) were dropped so far for being
    /// longer than [`MAX_CLIPBOARD_BASE64`](super::clipboard::MAX_CLIPBOARD_BASE64).
    pub fn dropped_clipboard_copies(&self) -> u64 {
        self.terminal.dropped_copies
    }

    /// Keeps the lines that leave the top of the primary screen from now
    /// on in `log` (replacing any log kept so far). The log's numbering is
    /// moved up to [`Framebuffer::history_end`] if it is behind, so a
    /// line's number is the same in the log and in every state.
    pub fn keep_history(&mut self, log: HistoryHandle) {
        self.terminal.fb.attach_history(log);
    }

    /// The history log lines go to, if one is attached.
    pub fn history(&self) -> Option<&HistoryHandle> {
        self.terminal.fb.history_log()
    }

    /// Keeps shell integration marks (OSC 133) and the current directory
    /// (OSC 7) from now on, or ignores them (the default: only a viewer
    /// that forwards them to the user's terminal needs them).
    pub fn keep_marks(&mut self, keep: bool) {
        self.terminal.keep_marks = keep;
    }

    /// Keeps DECSET 1016 (SGR mouse reports in pixels) from now on, or
    /// ignores it (the default: only a viewer that passes the mode on to
    /// the user's terminal needs it).
    pub fn keep_mouse_pixels(&mut self, keep: bool) {
        self.terminal.keep_mouse_pixels = keep;
        if !keep {
            self.terminal.fb.modes.mouse_pixels = false;
        }
    }

    /// Shows the keyboard protocol's flags and answers its query from
    /// now on, or shows flags 0 and leaves the query unanswered (the
    /// default: only a viewer that passes the flags on to a user's
    /// terminal that has the protocol needs them). The program's pushes
    /// and pops are followed either way.
    pub fn keep_keyboard_protocol(&mut self, keep: bool) {
        self.terminal.keep_keyboard = keep;
        self.terminal.show_keyboard_flags();
    }

    /// Keeps underline styles and colours and overline (SGR `4:n`, `21`,
    /// `58`, `53`) from now on, or draws every underline as a plain one
    /// (the default: only a viewer that shows them needs them, and cells
    /// that differ in nothing a stock viewer sees stay equal for it).
    pub fn keep_styles(&mut self, keep: bool) {
        self.terminal.keep_styles = keep;
        if !keep {
            self.terminal.fb.pen_extra = ExtraRendition::default();
        }
    }

    /// Changes the size; see [`Framebuffer::resize`].
    pub fn resize(&mut self, width: usize, height: usize) {
        self.terminal.fb.resize(width, height);
    }

    /// The current state.
    pub fn framebuffer(&self) -> &Framebuffer {
        &self.terminal.fb
    }

    /// Whether the parser is between sequences.
    pub fn is_ground(&self) -> bool {
        self.parser.is_ground()
    }
}

impl Terminal {
    fn reply(&mut self, bytes: &[u8]) {
        if self.replies.len() + bytes.len() <= MAX_HOST_REPLIES {
            self.replies.extend_from_slice(bytes);
        }
    }

    /// CPR: the absolute position (as xterm reports it, also in origin
    /// mode); `private` answers DECXCPR (`CSI ? 6 n`).
    fn cursor_position_report(&mut self, private: bool) {
        let (row, col) = self.fb.cursor();
        let mut out = b"\x1b[".to_vec();
        if private {
            out.push(b'?');
        }
        push_num(&mut out, clamp_u16(row + 1));
        out.push(b';');
        push_num(&mut out, clamp_u16(col + 1));
        out.push(b'R');
        self.reply(&out);
    }

    fn set_ansi_mode(&mut self, mode: u16, on: bool) {
        if mode == 4 {
            self.fb.draw.insert_mode = on;
        }
    }

    fn set_dec_mode(&mut self, mode: u16, on: bool) {
        let fb = &mut self.fb;
        if let Some(reporting) = MouseReporting::from_decset(mode) {
            fb.modes.mouse_reporting = if on { reporting } else { MouseReporting::Off };
            return;
        }
        if let Some(encoding) = MouseEncoding::from_decset(mode) {
            fb.modes.mouse_encoding = if on { encoding } else { MouseEncoding::Default };
            return;
        }
        match mode {
            1 => fb.modes.application_cursor_keys = on,
            3 => fb.column_mode_reset(),
            5 => fb.modes.reverse_video = on,
            6 => fb.set_origin_mode(on),
            7 => fb.draw.autowrap = on,
            25 => fb.cursor_visible = on,
            47 | 1047 => {
                if on {
                    fb.enter_alternate_screen(false);
                } else {
                    fb.leave_alternate_screen(false);
                }
            }
            1048 => {
                if on {
                    fb.save_cursor();
                } else {
                    fb.restore_cursor();
                }
            }
            1049 => {
                if on {
                    fb.enter_alternate_screen(true);
                } else {
                    fb.leave_alternate_screen(true);
                }
            }
            66 => fb.modes.application_keypad = on,
            1004 => fb.modes.focus_events = on,
            1007 => fb.modes.alternate_scroll = on,
            2004 => fb.modes.bracketed_paste = on,
            1016 if self.keep_mouse_pixels => fb.modes.mouse_pixels = on,
            2026 => self.synchronized_output = on,
            _ => {}
        }
        if matches!(mode, 47 | 1047 | 1049) {
            self.show_keyboard_flags();
        }
    }

    /// XTWINOPS 22 (save) and 23 (restore) of the title (`which` 2), the
    /// icon name (1) or both (0).
    fn title_stack(&mut self, op: u16, which: u16) {
        let fb = &mut self.fb;
        match op {
            22 => {
                if self.title_stack.len() >= MAX_SAVED_TITLES {
                    self.title_stack.remove(0);
                }
                self.title_stack
                    .push((Arc::clone(&fb.title), Arc::clone(&fb.icon_name)));
            }
            23 => {
                let Some((title, icon_name)) = self.title_stack.pop() else {
                    return;
                };
                if which != 1 {
                    fb.title = title;
                }
                if which != 2 {
                    fb.icon_name = icon_name;
                }
            }
            _ => {}
        }
    }

    /// DECRQM for a DEC private mode (`CSI ? mode $ p`), answered for the
    /// modes a program asks about before relying on them.
    fn report_dec_mode(&mut self, mode: u16) {
        const SET: u16 = 1;
        const RESET: u16 = 2;
        let state = match mode {
            2026 if self.synchronized_output => SET,
            2026 => RESET,
            _ => return,
        };
        let mut out = b"\x1b[?".to_vec();
        push_num(&mut out, mode);
        out.push(b';');
        push_num(&mut out, state);
        out.extend_from_slice(b"$y");
        self.reply(&out);
    }

    fn csi_private(&mut self, params: &Params, marker: u8, final_byte: u8) {
        match (marker, final_byte) {
            (b'?', b'h') | (b'?', b'l') => {
                for group in params.groups() {
                    let mode = group.first().copied().unwrap_or(0);
                    self.set_dec_mode(mode, final_byte == b'h');
                }
            }
            (b'>', b'c') if params.arg(0, 0) == 0 => self.reply(SECONDARY_DA),
            (b'>' | b'<' | b'=', b'u') => self.keyboard_protocol(params, marker),
            (b'?', b'u') if self.keep_keyboard => self.keyboard_protocol(params, marker),
            (b'?', b'n') if params.arg(0, 0) == 6 => self.cursor_position_report(true),
            _ => {}
        }
    }

    /// The keyboard protocol's push, pop, change and query.
    fn keyboard_protocol(&mut self, params: &Params, marker: u8) {
        let alternate = self.fb.draw.alternate_screen();
        match marker {
            b'>' => self.keyboard.push(alternate, params.arg(0, 0)),
            b'<' => self.keyboard.pop(alternate, params.arg(0, 1)),
            b'=' => self
                .keyboard
                .change(alternate, params.arg(0, 0), params.arg(1, 1)),
            _ => {
                let report = self.keyboard.report(alternate);
                self.reply(&report);
            }
        }
        self.show_keyboard_flags();
    }

    /// Puts the flags in force on the shown screen into the modes (0
    /// for a viewer that does not keep them).
    fn show_keyboard_flags(&mut self) {
        let alternate = self.fb.draw.alternate_screen();
        self.fb.modes.keyboard_flags = if self.keep_keyboard {
            self.keyboard.current(alternate)
        } else {
            0
        };
    }

    fn csi_plain(&mut self, params: &Params, final_byte: u8) {
        let n = |i: usize| usize::from(params.arg(i, 1));
        let fb = &mut self.fb;
        match final_byte {
            b'A' => fb.cursor_up(n(0)),
            b'B' => fb.cursor_down(n(0)),
            b'C' => fb.cursor_forward(n(0)),
            b'a' => fb.cursor_relative(0, n(0)),
            b'e' => fb.cursor_relative(n(0), 0),
            b'D' => fb.cursor_backward(n(0)),
            b'E' => {
                fb.cursor_down(n(0));
                fb.carriage_return();
            }
            b'F' => {
                fb.cursor_up(n(0));
                fb.carriage_return();
            }
            b'G' | b'`' => fb.column_position(n(0)),
            b'H' | b'f' => fb.cursor_position(n(0), n(1)),
            b'd' => fb.line_position(n(0)),
            b'I' => fb.tab_forward(n(0)),
            b'Z' => fb.tab_backward(n(0)),
            b'J' => fb.erase_display(params.arg(0, 0)),
            b'K' => fb.erase_line(params.arg(0, 0)),
            b'X' => fb.erase_chars(n(0)),
            b'@' => fb.insert_chars(n(0)),
            b'P' => fb.delete_chars(n(0)),
            b'L' => fb.insert_lines(n(0)),
            b'M' => fb.delete_lines(n(0)),
            b'S' => fb.scroll_up(n(0)),
            b'T' if params.len() <= 1 => fb.scroll_down(n(0)),
            b'b' => fb.repeat_last(n(0)),
            b'g' => fb.clear_tab_stops(params.arg(0, 0)),
            b'r' => {
                fb.set_scroll_region(usize::from(params.arg(0, 0)), usize::from(params.arg(1, 0)))
            }
            b's' => fb.save_cursor(),
            b'u' => fb.restore_cursor(),
            b'm' => {
                apply_sgr(params, &mut fb.pen, &mut fb.pen_extra);
                if !self.keep_styles {
                    fb.pen_extra = ExtraRendition::default();
                }
            }
            b'h' | b'l' => {
                for group in params.groups() {
                    let mode = group.first().copied().unwrap_or(0);
                    self.set_ansi_mode(mode, final_byte == b'h');
                }
            }
            b'n' => match params.arg(0, 0) {
                5 => self.reply(b"\x1b[0n"),
                6 => self.cursor_position_report(false),
                _ => {}
            },
            b'c' if params.arg(0, 0) == 0 => self.reply(PRIMARY_DA),
            b't' => self.title_stack(params.arg(0, 0), params.arg(1, 0)),
            _ => {}
        }
    }

    fn osc(&mut self, payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        let (command, rest) = match text.split_once(';') {
            Some((c, r)) => (c, r),
            None => return,
        };
        match command {
            "0" | "1" | "2" => {
                // No terminal shows a control character in a title, and
                // the renderer never sends one: keep what can be shown.
                let shown: String = rest.chars().filter(|c| !c.is_control()).collect();
                let value: Arc<str> = Arc::from(truncate_chars(&shown, MAX_TITLE_CHARS));
                if command != "2" {
                    self.fb.icon_name = Arc::clone(&value);
                }
                if command != "1" {
                    self.fb.title = value;
                }
                self.fb.title_set = true;
            }
            "8" => match rest.split_once(';') {
                Some((_, "")) => self.fb.pen_link = None,
                Some(_) => {
                    if let Some(link) = Hyperlink::from_osc(rest) {
                        self.fb.pen_link = Some(Arc::new(link));
                    }
                }
                None => {}
            },
            "7" if self.keep_marks && acceptable(rest) => {
                self.fb.working_directory = Arc::from(rest);
            }
            "133" if self.keep_marks && is_prompt_mark(rest) => self.fb.add_prompt_mark(rest),
            "52" => {
                // A query is never kept: no viewer may ask its own
                // terminal, which would answer with the user's clipboard.
                if let Some(ClipboardRequest::Set(copy)) = ClipboardRequest::parse(rest) {
                    if copy.data.len() > MAX_CLIPBOARD_BASE64 {
                        self.clipboard_too_long();
                    } else if copy != self.fb.clipboard {
                        // The same copy again changed nothing: it is
                        // sent once.
                        self.fb.clipboard = copy;
                    }
                }
            }
            _ => {}
        }
    }
}

fn clamp_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl Perform for Terminal {
    fn print(&mut self, c: char) {
        self.fb.print_char(c);
    }

    fn print_ascii(&mut self, run: &[u8]) {
        self.fb.print_ascii(run);
    }

    fn execute(&mut self, control: u32) {
        let fb = &mut self.fb;
        match control {
            0x07 => fb.bell_count = fb.bell_count.wrapping_add(1),
            0x08 => fb.cursor_backward(1),
            0x09 => fb.tab_forward(1),
            0x0A..=0x0C | 0x84 => fb.index(),
            0x0D => fb.carriage_return(),
            0x0E => fb.draw.shift_out = true,
            0x0F => fb.draw.shift_out = false,
            0x85 => fb.next_line(),
            0x88 => fb.set_tab_stop(),
            0x8D => fb.reverse_index(),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], final_byte: u8) {
        match intermediates {
            [] => self.csi_plain(params, final_byte),
            [marker @ (b'?' | b'>' | b'<' | b'=')] => self.csi_private(params, *marker, final_byte),
            [b'!'] if final_byte == b'p' => self.fb.soft_reset(),
            [b'?', b'$'] if final_byte == b'p' => self.report_dec_mode(params.arg(0, 0)),
            [b' '] if final_byte == b'q' => {
                let style = params.arg(0, 0);
                if let Ok(style @ 0..=MAX_CURSOR_STYLE) = u8::try_from(style) {
                    self.fb.modes.cursor_style = style;
                }
            }
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8) {
        let fb = &mut self.fb;
        match (intermediates, final_byte) {
            ([], b'7') => fb.save_cursor(),
            ([], b'8') => fb.restore_cursor(),
            ([], b'c') => {
                fb.full_reset();
                self.synchronized_output = false;
                self.keyboard = KeyboardFlags::default();
                self.show_keyboard_flags();
            }
            ([], b'D') => fb.index(),
            ([], b'E') => fb.next_line(),
            ([], b'H') => fb.set_tab_stop(),
            ([], b'M') => fb.reverse_index(),
            ([], b'=') => fb.modes.application_keypad = true,
            ([], b'>') => fb.modes.application_keypad = false,
            ([b'#'], b'8') => fb.alignment_test(),
            ([b'('], set) | ([b')'], set) => {
                let charset = if set == b'0' {
                    Charset::DecGraphics
                } else {
                    Charset::Ascii
                };
                let slot = usize::from(intermediates.first() == Some(&b')'));
                if let Some(g) = fb.draw.charsets.get_mut(slot) {
                    *g = charset;
                }
            }
            _ => {}
        }
    }

    fn osc_dispatch(&mut self, payload: &[u8]) {
        self.osc(payload);
    }

    fn clipboard_too_long(&mut self) {
        self.dropped_copies = self.dropped_copies.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::cell::{Attrs, Color, Rendition};
    use crate::terminal::modes::Modes;

    fn run(width: usize, height: usize, bytes: &[u8]) -> Emulator {
        let mut e = Emulator::new(width, height);
        e.feed(bytes);
        e
    }

    fn lines(e: &Emulator) -> Vec<String> {
        e.framebuffer().text().lines().map(str::to_owned).collect()
    }

    fn line(e: &Emulator, row: usize) -> String {
        lines(e).get(row).cloned().unwrap_or_default()
    }

    fn cursor(e: &Emulator) -> (usize, usize) {
        e.framebuffer().cursor()
    }

    #[test]
    fn last_column_sets_pending_wrap_and_the_next_character_wraps() {
        let mut e = run(5, 3, b"abcde");
        assert_eq!(cursor(&e), (0, 4));
        assert!(e.framebuffer().pending_wrap());
        e.feed(b"f");
        assert_eq!(lines(&e), ["abcde", "f", ""]);
        assert_eq!(cursor(&e), (1, 1));
        assert!(e.framebuffer().row(0).wrapped());
        e.feed(b"\x1b[1;5H\x1b[44m\x1b[K\x1b[m");
        assert!(
            e.framebuffer().row(0).wrapped(),
            "a partial erase keeps the wrap"
        );
        e.feed(b"\x1b[1;1H\x1b[K");
        assert!(
            !e.framebuffer().row(0).wrapped(),
            "a whole-row erase ends it"
        );
    }

    #[test]
    fn carriage_return_cancels_pending_wrap() {
        let e = run(5, 3, b"abcde\rX");
        assert_eq!(lines(&e), ["Xbcde", "", ""]);
    }

    #[test]
    fn wrapping_at_the_bottom_scrolls() {
        let e = run(3, 2, b"abcdefg");
        assert_eq!(lines(&e), ["def", "g"]);
    }

    #[test]
    fn without_autowrap_the_last_column_is_overwritten() {
        let e = run(5, 2, b"\x1b[?7labcdefgh");
        assert_eq!(lines(&e), ["abcdh", ""]);
        assert_eq!(cursor(&e), (0, 4));
        let e = run(5, 2, b"\x1b[?7labcd\xe4\xb8\xadX");
        assert_eq!(
            line(&e, 0),
            "abcdX",
            "a wide character that cannot fit is dropped"
        );
    }

    #[test]
    fn wide_character_at_the_margin_moves_to_the_next_row() {
        let e = run(5, 2, "abcd中".as_bytes());
        assert_eq!(lines(&e), ["abcd", "中"]);
        assert_eq!(cursor(&e), (1, 2));
        let e = run(6, 2, "abcd中".as_bytes());
        assert_eq!(line(&e, 0), "abcd中");
        assert_eq!(cursor(&e), (0, 5));
        assert!(e.framebuffer().pending_wrap());
    }

    #[test]
    fn combining_marks_join_the_previous_character() {
        let e = run(10, 2, "e\u{301}中\u{302}x".as_bytes());
        assert_eq!(line(&e, 0), "e\u{301}中\u{302}x");
        assert_eq!(cursor(&e), (0, 4));
        let e = run(10, 2, "\u{301}a".as_bytes());
        assert_eq!(
            line(&e, 0),
            "\u{a0}\u{301}a",
            "nothing to combine with at column 0: shown on a no-break space"
        );
        let e = run(10, 3, "abc\r\n\u{302}\r\ndef".as_bytes());
        assert_eq!(lines(&e), ["abc", "\u{a0}\u{302}", "def"]);
        let e = run(3, 2, "abc\u{301}".as_bytes());
        assert_eq!(
            line(&e, 0),
            "abc\u{301}",
            "pending wrap: the mark joins the last column"
        );
    }

    #[test]
    fn cursor_motion_is_clamped() {
        let mut e = run(10, 5, b"\x1b[3;4H");
        assert_eq!(cursor(&e), (2, 3));
        e.feed(b"\x1b[2A");
        assert_eq!(cursor(&e), (0, 3));
        e.feed(b"\x1b[9A\x1b[99B");
        assert_eq!(cursor(&e), (4, 3));
        e.feed(b"\x1b[99C");
        assert_eq!(cursor(&e), (4, 9));
        e.feed(b"\x1b[3D");
        assert_eq!(cursor(&e), (4, 6));
        e.feed(b"\x1b[2G");
        assert_eq!(cursor(&e), (4, 1));
        e.feed(b"\x1b[7`");
        assert_eq!(cursor(&e), (4, 6));
        e.feed(b"\x1b[2d");
        assert_eq!(cursor(&e), (1, 6));
        e.feed(b"\x1b[2E");
        assert_eq!(cursor(&e), (3, 0));
        e.feed(b"\x1b[F");
        assert_eq!(cursor(&e), (2, 0));
        e.feed(b"\x1b[3a\x1b[e");
        assert_eq!(cursor(&e), (3, 3));
        e.feed(b"\x1b[0;0f");
        assert_eq!(cursor(&e), (0, 0));
        e.feed(b"\x1b[99;99H");
        assert_eq!(cursor(&e), (4, 9));
        e.feed(b"\x08\x08");
        assert_eq!(cursor(&e), (4, 7));
    }

    #[test]
    fn vertical_motion_stops_at_the_margins() {
        let mut e = run(10, 10, b"\x1b[3;6r\x1b[5;1H\x1b[9A");
        assert_eq!(cursor(&e), (2, 0));
        e.feed(b"\x1b[9B");
        assert_eq!(cursor(&e), (5, 0));
        e.feed(b"\x1b[8;1H\x1b[9B");
        assert_eq!(
            cursor(&e),
            (9, 0),
            "below the region the screen is the limit"
        );
    }

    fn bg_of(e: &Emulator, row: usize, col: usize) -> Color {
        e.framebuffer().cell(row, col).rendition().bg
    }

    #[test]
    fn erase_in_display_uses_the_background_colour() {
        let fill = b"aaaa\r\nbbbb\r\ncccc";
        let mut e = run(4, 3, fill);
        e.feed(b"\x1b[2;2H\x1b[44m\x1b[J");
        assert_eq!(lines(&e), ["aaaa", "b", ""]);
        assert_eq!(bg_of(&e, 2, 3), Color::Ansi(4));
        assert_eq!(bg_of(&e, 1, 1), Color::Ansi(4));
        assert_eq!(bg_of(&e, 1, 0), Color::Default);
        let mut e = run(4, 3, fill);
        e.feed(b"\x1b[2;2H\x1b[1J");
        assert_eq!(lines(&e), ["", "  bb", "cccc"]);
        e.feed(b"\x1b[2J");
        assert_eq!(lines(&e), ["", "", ""]);
        assert_eq!(cursor(&e), (1, 1), "ED does not move the cursor");
    }

    #[test]
    fn erase_in_line_and_erase_characters() {
        let mut e = run(6, 1, b"abcdef\x1b[3G\x1b[K");
        assert_eq!(line(&e, 0), "ab");
        e.feed(b"\rabcdef\x1b[3G\x1b[1K");
        assert_eq!(line(&e, 0), "   def");
        e.feed(b"\x1b[2K");
        assert_eq!(line(&e, 0), "");
        e.feed(b"\rabcdef\x1b[2G\x1b[2X");
        assert_eq!(line(&e, 0), "a  def");
        e.feed(b"\x1b[99X");
        assert_eq!(line(&e, 0), "a");
    }

    #[test]
    fn insert_and_delete_characters() {
        let mut e = run(6, 1, b"abcdef\x1b[2G\x1b[2@");
        assert_eq!(line(&e, 0), "a  bcd");
        e.feed(b"\x1b[3P");
        assert_eq!(line(&e, 0), "acd");
        e.feed(b"\x1b[1;1H\x1b[4hXY\x1b[4l");
        assert_eq!(line(&e, 0), "XYacd", "insert mode shifts the row");
    }

    #[test]
    fn insert_and_delete_lines_inside_the_region() {
        let mut e = run(3, 4, b"111\r\n222\r\n333\r\n444\x1b[2;1H\x1b[L");
        assert_eq!(lines(&e), ["111", "", "222", "333"]);
        e.feed(b"\x1b[2M");
        assert_eq!(lines(&e), ["111", "333", "", ""]);
        let mut e = run(3, 4, b"111\r\n222\r\n333\r\n444\x1b[2;3r\x1b[4;1H\x1b[L");
        assert_eq!(
            lines(&e),
            ["111", "222", "333", "444"],
            "outside the region: no-op"
        );
        e.feed(b"\x1b[2;1H\x1b[M");
        assert_eq!(lines(&e), ["111", "333", "", "444"]);
    }

    #[test]
    fn scroll_up_and_down() {
        let mut e = run(3, 3, b"111\r\n222\r\n333\x1b[S");
        assert_eq!(lines(&e), ["222", "333", ""]);
        e.feed(b"\x1b[2T");
        assert_eq!(lines(&e), ["", "", "222"]);
    }

    #[test]
    fn index_reverse_index_and_next_line() {
        let mut e = run(3, 3, b"111\r\n222\r\n333\x1bD");
        assert_eq!(lines(&e), ["222", "333", ""]);
        e.feed(b"\x1b[1;2H\x1bM");
        assert_eq!(lines(&e), ["", "222", "333"]);
        assert_eq!(cursor(&e), (0, 1));
        e.feed(b"\x1bE");
        assert_eq!(cursor(&e), (1, 0));
        e.feed("\u{85}".as_bytes());
        assert_eq!(cursor(&e), (2, 0));
    }

    #[test]
    fn scroll_region_confines_scrolling_and_homes_the_cursor() {
        let mut e = run(3, 4, b"111\r\n222\r\n333\r\n444\x1b[2;3r");
        assert_eq!(cursor(&e), (0, 0));
        e.feed(b"\x1b[3;1H\nX");
        assert_eq!(lines(&e), ["111", "333", "X", "444"]);
        e.feed(b"\x1b[3;2r");
        e.feed(b"\x1b[1;1H\x1b[4;1H\n");
        assert_eq!(
            cursor(&e),
            (3, 0),
            "invalid region ignored; bottom row stays"
        );
    }

    #[test]
    fn origin_mode_addresses_relative_to_the_region() {
        let mut e = run(5, 6, b"\x1b[2;4r\x1b[?6h");
        assert_eq!(cursor(&e), (1, 0));
        e.feed(b"\x1b[9;9H");
        assert_eq!(cursor(&e), (3, 4));
        e.feed(b"\x1b[2;1H\x1b[6n\x1b[?6n");
        assert_eq!(
            e.take_host_replies(),
            b"\x1b[3;1R\x1b[?3;1R",
            "reports are absolute, as in xterm"
        );
        e.feed(b"\x1b[?6l");
        assert_eq!(cursor(&e), (0, 0));
    }

    #[test]
    fn tabs_set_clear_forward_and_back() {
        let mut e = run(30, 1, b"\tA");
        assert_eq!(cursor(&e), (0, 9));
        e.feed(b"\x1b[3g\x1b[1;5H\x1bH\x1b[1;12H\x1bH\r\tB\tC\tD");
        assert_eq!(line(&e, 0), "    B   A  C                 D");
        e.feed(b"\x1b[Z");
        assert_eq!(cursor(&e), (0, 11));
        e.feed(b"\x1b[2Z");
        assert_eq!(cursor(&e), (0, 0));
        e.feed(b"\x1b[2I");
        assert_eq!(cursor(&e), (0, 11));
        e.feed(b"\x1b[g\r\x1b[2I");
        assert_eq!(cursor(&e), (0, 29), "the stop at column 11 was cleared");
    }

    #[test]
    fn repeat_prints_the_last_character_again() {
        let e = run(10, 2, b"ab\x1b[3b");
        assert_eq!(line(&e, 0), "abbbb");
        let e = run(10, 2, "中\x1b[2b".as_bytes());
        assert_eq!(line(&e, 0), "中中中");
    }

    #[test]
    fn save_and_restore_cursor() {
        let mut e = run(10, 4, b"\x1b[2;3H\x1b[1;31m\x1b7\x1b[m\x1b[4;1H\x1b8x");
        assert_eq!(cursor(&e), (1, 3));
        let cell = *e.framebuffer().cell(1, 2);
        assert!(cell.rendition().attrs.contains(Attrs::BOLD));
        assert_eq!(cell.rendition().fg, Color::Ansi(1));
        e.feed(b"\x1b[3;5H\x1b[s\x1b[H\x1b[u");
        assert_eq!(cursor(&e), (2, 4));
        e.feed(b"\x1b[?7l\x1b7\x1b[?7h\x1b8abcdefghijkl");
        assert_eq!(
            line(&e, 2),
            "    abcdel",
            "DECSC saves autowrap, as xterm does"
        );
    }

    #[test]
    fn the_cursor_shape_is_kept_and_reset() {
        let mut e = run(10, 2, b"\x1b[5 q");
        assert_eq!(e.framebuffer().modes().cursor_style, 5);
        e.feed(b"\x1b[9 q\x1b[q");
        assert_eq!(e.framebuffer().modes().cursor_style, 5, "not a shape");
        e.feed(b"\x1b[ q");
        assert_eq!(e.framebuffer().modes().cursor_style, 0);
        e.feed(b"\x1b[2 q\x1bc");
        assert_eq!(e.framebuffer().modes().cursor_style, 0, "RIS");
    }

    #[test]
    fn prompt_marks_and_the_directory_are_kept_only_when_asked() {
        let bytes = b"x\x1b]133;A\x07\x1b]7;file://h/d\x1b\\\x1b]133;Z\x07";
        let e = run(10, 2, bytes);
        assert!(e.framebuffer().row(0).marks().is_empty());
        assert_eq!(e.framebuffer().working_directory(), "");
        let mut e = Emulator::new(10, 2);
        e.keep_marks(true);
        e.feed(bytes);
        let marks = e.framebuffer().row(0).marks();
        assert_eq!(marks.len(), 1, "unknown kinds are dropped");
        assert_eq!((marks[0].col, &*marks[0].text), (1, "A"));
        assert_eq!(e.framebuffer().working_directory(), "file://h/d");
        e.feed(b"\x1b[2J");
        assert!(
            e.framebuffer().row(0).marks().is_empty(),
            "erased with the row"
        );
    }

    #[test]
    fn the_title_stack_saves_and_restores_titles() {
        let mut e = run(10, 2, b"\x1b]0;one\x07\x1b[22;0t\x1b]0;two\x07");
        assert_eq!(e.framebuffer().title(), "two");
        e.feed(b"\x1b[23;0t");
        assert_eq!(e.framebuffer().title(), "one");
        assert_eq!(e.framebuffer().icon_name(), "one");
        e.feed(b"\x1b[22t\x1b]2;three\x07\x1b]1;icon\x07\x1b[23;2t");
        assert_eq!(e.framebuffer().title(), "one", "title restored");
        assert_eq!(e.framebuffer().icon_name(), "icon", "icon name kept");
        e.feed(b"\x1b[23t");
        assert_eq!(
            e.framebuffer().title(),
            "one",
            "an empty stack changes nothing"
        );
        for _ in 0..1000 {
            e.feed(b"\x1b[22t");
        }
        assert!(e.terminal.title_stack.len() <= MAX_SAVED_TITLES);
    }

    #[test]
    fn decrqm_reports_synchronized_output() {
        let mut e = run(10, 2, b"\x1b[?2026$p");
        assert_eq!(e.take_host_replies(), b"\x1b[?2026;2$y");
        e.feed(b"\x1b[?2026h\x1b[?2026$p");
        assert_eq!(e.take_host_replies(), b"\x1b[?2026;1$y");
        e.feed(b"\x1b[?2026l\x1b[?2026$p\x1b[?2026h\x1bc\x1b[?2026$p");
        assert_eq!(e.take_host_replies(), b"\x1b[?2026;2$y\x1b[?2026;2$y");
        e.feed(b"\x1b[?1234$p\x1b[2026$p");
        assert!(e.take_host_replies().is_empty(), "unknown modes: no answer");
    }

    #[test]
    fn modes_reach_the_framebuffer() {
        let mut e = run(10, 2, b"\x1b[?1h\x1b[?5h\x1b[?25l\x1b[?1002h\x1b[?1006h");
        e.feed(b"\x1b[?1004h\x1b[?2004h\x1b=\x1b[?1007h");
        let m = *e.framebuffer().modes();
        assert!(m.application_cursor_keys && m.reverse_video && m.focus_events);
        assert!(m.bracketed_paste && m.application_keypad && m.alternate_scroll);
        assert_eq!(m.mouse_reporting, MouseReporting::ButtonEvent);
        assert_eq!(m.mouse_encoding, MouseEncoding::Sgr);
        assert!(!e.framebuffer().cursor_visible());
        e.feed(b"\x1b[?1l\x1b[?5l\x1b[?25h\x1b[?1000l\x1b[?1006l\x1b[?1004;2004l\x1b>");
        assert_eq!(
            *e.framebuffer().modes(),
            Modes::default().with_alternate_scroll()
        );
        assert!(e.framebuffer().cursor_visible());
    }

    impl Modes {
        fn with_alternate_scroll(mut self) -> Modes {
            self.alternate_scroll = true;
            self
        }
    }

    #[test]
    fn alternate_screen_keeps_the_primary_one() {
        let mut e = run(5, 3, b"main\x1b[2;3H\x1b[?1049h");
        assert_eq!(lines(&e), ["", "", ""]);
        assert!(e.framebuffer().draw_state().alternate_screen());
        e.feed(b"\x1b[Halt\x1b[?1049l");
        assert_eq!(lines(&e), ["main", "", ""]);
        assert_eq!(cursor(&e), (1, 2), "1049 restores the cursor");
        e.feed(b"\x1b[?47hzz\x1b[?47l");
        assert_eq!(line(&e, 0), "main");
        assert_eq!(cursor(&e), (1, 4), "47 does not restore the cursor");
    }

    #[test]
    fn rendition_is_applied_to_printed_cells() {
        let e = run(10, 1, b"\x1b[1;4;38;5;200;48;2;1;2;3mA\x1b[mB");
        let a = e.framebuffer().cell(0, 0).rendition();
        assert_eq!(a.fg, Color::Indexed(200));
        assert_eq!(a.bg, Color::Rgb(1, 2, 3));
        assert!(a.attrs.contains(Attrs::BOLD) && a.attrs.contains(Attrs::UNDERLINE));
        assert_eq!(e.framebuffer().cell(0, 1).rendition(), Rendition::default());
    }

    #[test]
    fn status_and_attribute_queries_are_answered() {
        let mut e = run(10, 5, b"\x1b[3;7H\x1b[6n\x1b[5n\x1b[c\x1b[>c\x1b[0c");
        assert_eq!(
            e.take_host_replies(),
            b"\x1b[3;7R\x1b[0n\x1b[?62c\x1b[>1;10;0c\x1b[?62c"
        );
        assert!(e.take_host_replies().is_empty());
    }

    #[test]
    fn replies_are_bounded() {
        let mut e = Emulator::new(10, 5);
        let flood = b"\x1b[5n".repeat(MAX_HOST_REPLIES);
        e.feed(&flood);
        assert!(e.take_host_replies().len() <= MAX_HOST_REPLIES);
    }

    #[test]
    fn keyboard_protocol_flags_follow_the_shown_screen_and_answer_the_query() {
        let mut t = Emulator::new(10, 3);
        t.keep_keyboard_protocol(true);
        t.feed(b"\x1b[>1u");
        assert_eq!(t.framebuffer().modes().keyboard_flags, 1);
        t.feed(b"\x1b[?1049h\x1b[?u");
        assert_eq!(t.framebuffer().modes().keyboard_flags, 0);
        assert_eq!(t.take_host_replies(), b"\x1b[?0u");
        t.feed(b"\x1b[>8u\x1b[=3;2u\x1b[?u");
        assert_eq!(t.take_host_replies(), b"\x1b[?11u");
        t.feed(b"\x1b[?1049l");
        assert_eq!(t.framebuffer().modes().keyboard_flags, 1);
        t.feed(b"\x1b[<u");
        assert_eq!(t.framebuffer().modes().keyboard_flags, 0);
        t.feed(b"\x1b[>1u\x1bc");
        assert_eq!(
            t.framebuffer().modes().keyboard_flags,
            0,
            "a reset clears it"
        );
    }

    #[test]
    fn keyboard_flags_are_followed_but_shown_and_answered_only_when_kept() {
        let mut t = Emulator::new(10, 3);
        t.feed(b"\x1b[>1u\x1b[?u");
        assert_eq!(t.framebuffer().modes().keyboard_flags, 0);
        assert!(t.take_host_replies().is_empty());
        t.keep_keyboard_protocol(false);
        assert_eq!(t.framebuffer().modes().keyboard_flags, 0);
        t.keep_keyboard_protocol(true);
        assert_eq!(
            t.framebuffer().modes().keyboard_flags,
            1,
            "a viewer that keeps them later gets the flags pushed before"
        );
    }

    #[test]
    fn full_reset_keeps_only_the_bell_count() {
        let mut e = run(5, 2, b"ab\x07\x1b]0;t\x07\x1b[?25l\x1b[31m\x1b[2;2r\x1bc");
        let fb = e.framebuffer();
        assert_eq!(lines(&e), ["", ""]);
        assert_eq!(fb.bell_count(), 1);
        assert_eq!(fb.title(), "");
        assert!(fb.cursor_visible());
        assert_eq!(fb.rendition(), Rendition::default());
        assert_eq!(fb.draw_state().scroll_region(), (0, 1));
        e.feed(b"\x07");
        assert_eq!(e.framebuffer().bell_count(), 2);
    }

    #[test]
    fn soft_reset_keeps_the_screen() {
        let e = run(5, 3, b"ab\x1b[4h\x1b[?6h\x1b[31m\x1b[?25l\x1b[!p");
        let fb = e.framebuffer();
        assert_eq!(line(&e, 0), "ab");
        assert!(!fb.draw_state().insert_mode() && !fb.draw_state().origin_mode());
        assert!(fb.cursor_visible());
        assert_eq!(fb.rendition(), Rendition::default());
    }

    #[test]
    fn alignment_test_fills_the_screen() {
        let e = run(3, 2, b"\x1b[1;2r\x1b#8");
        assert_eq!(lines(&e), ["EEE", "EEE"]);
        assert_eq!(cursor(&e), (0, 0));
    }

    #[test]
    fn every_selection_is_kept_a_repeat_changes_nothing_and_a_query_is_ignored() {
        for selection in ["c", "p", "s", "0", "7", "ps", ""] {
            let mut e = run(5, 2, format!("\x1b]52;{selection};aGk=\x07").as_bytes());
            let copy = e.framebuffer().clipboard_copy().clone();
            assert_eq!((&*copy.selection, &*copy.data), (selection, "aGk="));
            e.feed(format!("\x1b]52;{selection};aGk=\x07").as_bytes());
            let again = e.framebuffer().clipboard_copy();
            assert!(
                Arc::ptr_eq(&again.data, &copy.data),
                "a repeat is a new copy"
            );
            e.feed(format!("\x1b]52;{selection};?\x07").as_bytes());
            assert_eq!(e.framebuffer().clipboard_copy(), &copy);
        }
    }

    #[test]
    fn a_copy_over_the_cap_is_dropped_and_counted() {
        let mut e = run(5, 2, b"\x1b]52;c;b2xk\x07");
        let mut big = b"\x1b]52;c;".to_vec();
        big.extend(std::iter::repeat_n(b'A', MAX_CLIPBOARD_BASE64));
        big.push(0x07);
        e.feed(&big);
        assert_eq!(e.framebuffer().clipboard().len(), MAX_CLIPBOARD_BASE64);
        assert_eq!(e.dropped_clipboard_copies(), 0);
        big.insert(10, b'A');
        e.feed(&big);
        e.feed(b"ok");
        assert_eq!(e.framebuffer().clipboard().len(), MAX_CLIPBOARD_BASE64);
        assert_eq!(e.dropped_clipboard_copies(), 1);
        assert_eq!(lines(&e)[0], "ok");
    }

    #[test]
    fn titles_clipboard_and_bell() {
        let mut e = run(5, 2, b"\x1b]0;both\x07");
        assert_eq!(e.framebuffer().title(), "both");
        assert_eq!(e.framebuffer().icon_name(), "both");
        e.feed("\x1b]2;t\u{e9}\x1b\\\x1b]1;icon\x07".as_bytes());
        assert_eq!(e.framebuffer().title(), "t\u{e9}");
        assert_eq!(e.framebuffer().icon_name(), "icon");
        e.feed(b"\x1b]52;c;aGVsbG8=\x07\x1b]52;c;?\x07\x07\x07");
        assert_eq!(e.framebuffer().clipboard(), "aGVsbG8=");
        assert_eq!(e.framebuffer().bell_count(), 2);
        let long = format!("\x1b]2;{}\x07", "x".repeat(1000));
        e.feed(long.as_bytes());
        assert_eq!(e.framebuffer().title().len(), MAX_TITLE_CHARS);
    }

    #[test]
    fn hyperlinks_mark_the_characters_printed_under_them() {
        let mut e = run(20, 2, b"a\x1b]8;id=1;http://x/\x1b\\bc\x1b]8;;\x1b\\d");
        let fb = e.framebuffer();
        assert!(fb.cell_link(0, 0).is_none());
        assert_eq!(fb.cell_link(0, 1).map(|l| l.uri()), Some("http://x/"));
        assert_eq!(fb.cell_link(0, 2).map(|l| l.params()), Some("id=1"));
        assert!(fb.cell_link(0, 3).is_none());
        assert!(fb.hyperlink().is_none());
        e.feed("\x1b]8;;http://y/\x07中\x1b[K\x1b]8;;http://\u{e9}\x07z".as_bytes());
        let fb = e.framebuffer();
        assert_eq!(fb.cell_link(0, 4).map(|l| l.uri()), Some("http://y/"));
        assert_eq!(
            fb.cell_link(0, 6).map(|l| l.uri()),
            Some("http://y/"),
            "a link that is not ASCII is ignored"
        );
        e.feed(b"\x1b[!p");
        assert!(e.framebuffer().hyperlink().is_none());
    }

    #[test]
    fn line_drawing_character_set() {
        let e = run(10, 1, b"\x1b(0lqqk\x1b(B q\x0e\x1b)0x\x0fx");
        assert_eq!(line(&e, 0), "┌──┐ q│x");
    }

    #[test]
    fn resize_keeps_contents_and_the_cursor_row() {
        let mut e = run(5, 4, b"11111\r\n22222\r\n333");
        e.resize(3, 2);
        assert_eq!(lines(&e), ["222", "333"]);
        assert_eq!(cursor(&e), (1, 2));
        e.resize(6, 3);
        assert_eq!(lines(&e), ["222", "333", ""]);
        let mut e = run(5, 4, b"11111\x1b[1;3r");
        e.resize(5, 2);
        assert_eq!(
            lines(&e),
            ["11111", ""],
            "blank rows below the cursor go first"
        );
        assert_eq!(e.framebuffer().draw_state().scroll_region(), (0, 1));
    }

    #[test]
    fn copies_share_rows_until_written() {
        let mut e = run(80, 24, b"hello\r\nworld");
        let copy = e.framebuffer().clone();
        assert_eq!(&copy, e.framebuffer());
        for r in 0..24 {
            assert!(Arc::ptr_eq(
                copy.row_handle(r).unwrap(),
                e.framebuffer().row_handle(r).unwrap()
            ));
        }
        e.feed(b"!");
        assert_ne!(&copy, e.framebuffer());
        assert!(!Arc::ptr_eq(
            copy.row_handle(1).unwrap(),
            e.framebuffer().row_handle(1).unwrap()
        ));
        assert!(Arc::ptr_eq(
            copy.row_handle(0).unwrap(),
            e.framebuffer().row_handle(0).unwrap()
        ));
        assert_eq!(line(&Emulator::with_framebuffer(copy), 1), "world");
    }

    #[test]
    fn equality_ignores_hidden_state_but_not_visible_state() {
        let a = run(10, 3, b"x");
        let b = run(10, 3, b"x\x1b[2;3r\x1b[1;2H\x1b[4h\x1bH");
        assert_eq!(a.framebuffer(), b.framebuffer());
        let c = run(10, 3, b"x\x1b[?2004h");
        assert_ne!(a.framebuffer(), c.framebuffer());
        let d = run(10, 3, b"x\x07");
        assert_ne!(a.framebuffer(), d.framebuffer());
    }
}
