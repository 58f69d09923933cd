//! SGR (Select Graphic Rendition, `CSI ... m`): applying its parameters to
//! a rendition, and writing the shortest SGR that turns one rendition into
//! another. Extended colours are accepted in both the `38;5;n` and the
//! `38:5:n` / `38:2::r:g:b` forms; output uses the semicolon forms, which
//! every terminal (and mosh 1.4's own emulator) understands.

use super::cell::{Attrs, Color, Rendition};
use super::params::{Params, MAX_PARAMS};

/// Applies the SGR parameters `params` to `pen`.
pub fn apply_sgr(params: &Params, pen: &mut Rendition) {
    let mut groups: [&[u16]; MAX_PARAMS] = [&[]; MAX_PARAMS];
    let mut count = 0;
    for (slot, group) in groups.iter_mut().zip(params.groups()) {
        *slot = group;
        count += 1;
    }
    if count == 0 {
        *pen = Rendition::default();
        return;
    }
    let groups = groups.get(..count).unwrap_or(&[]);
    let mut i = 0;
    while let Some(group) = groups.get(i) {
        let code = group.first().copied().unwrap_or(0);
        match code {
            38 | 48 | 58 => {
                let (color, used) = if group.len() > 1 {
                    (color_from_colon_form(group.get(1..).unwrap_or(&[])), 0)
                } else {
                    color_from_semicolon_form(groups.get(i + 1..).unwrap_or(&[]))
                };
                i += used;
                if let Some(color) = color {
                    match code {
                        38 => pen.fg = color,
                        48 => pen.bg = color,
                        _ => {} // underline colour: accepted, not kept
                    }
                }
            }
            4 => {
                let style = group.get(1).copied().unwrap_or(1);
                pen.attrs.set(Attrs::UNDERLINE, style != 0);
            }
            _ => apply_simple(code, pen),
        }
        i += 1;
    }
}

/// One SGR code that takes no arguments.
fn apply_simple(code: u16, pen: &mut Rendition) {
    match code {
        0 => *pen = Rendition::default(),
        1 => pen.attrs.set(Attrs::BOLD, true),
        2 => pen.attrs.set(Attrs::FAINT, true),
        3 => pen.attrs.set(Attrs::ITALIC, true),
        5 | 6 => pen.attrs.set(Attrs::BLINK, true),
        7 => pen.attrs.set(Attrs::INVERSE, true),
        8 => pen.attrs.set(Attrs::INVISIBLE, true),
        9 => pen.attrs.set(Attrs::STRIKEOUT, true),
        21 => pen.attrs.set(Attrs::UNDERLINE, true),
        22 => {
            pen.attrs.set(Attrs::BOLD, false);
            pen.attrs.set(Attrs::FAINT, false);
        }
        23 => pen.attrs.set(Attrs::ITALIC, false),
        24 => pen.attrs.set(Attrs::UNDERLINE, false),
        25 => pen.attrs.set(Attrs::BLINK, false),
        27 => pen.attrs.set(Attrs::INVERSE, false),
        28 => pen.attrs.set(Attrs::INVISIBLE, false),
        29 => pen.attrs.set(Attrs::STRIKEOUT, false),
        30..=37 => pen.fg = Color::Ansi(low_byte(code - 30)),
        39 => pen.fg = Color::Default,
        40..=47 => pen.bg = Color::Ansi(low_byte(code - 40)),
        49 => pen.bg = Color::Default,
        90..=97 => pen.fg = Color::Ansi(low_byte(code - 90 + 8)),
        100..=107 => pen.bg = Color::Ansi(low_byte(code - 100 + 8)),
        _ => {}
    }
}

/// The low byte of an SGR code already known to be small.
fn low_byte(n: u16) -> u8 {
    let [low, _] = n.to_le_bytes();
    low
}

fn byte(value: Option<&u16>) -> Option<u8> {
    value.and_then(|&v| u8::try_from(v).ok())
}

/// `5:n`, `2:r:g:b` or `2:cs:r:g:b` (after the 38/48).
fn color_from_colon_form(args: &[u16]) -> Option<Color> {
    match args {
        [5, n, ..] => byte(Some(n)).map(Color::Indexed),
        [2, _, r, g, b, ..] | [2, r, g, b] => {
            Some(Color::Rgb(byte(Some(r))?, byte(Some(g))?, byte(Some(b))?))
        }
        _ => None,
    }
}

/// `;5;n` or `;2;r;g;b` following a 38/48: the colour and how many
/// following groups it used.
fn color_from_semicolon_form(rest: &[&[u16]]) -> (Option<Color>, usize) {
    let value = |i: usize| rest.get(i).and_then(|g| g.first());
    match value(0) {
        Some(5) => (byte(value(1)).map(Color::Indexed), 2.min(rest.len())),
        Some(2) => {
            let color = match (byte(value(1)), byte(value(2)), byte(value(3))) {
                (Some(r), Some(g), Some(b)) => Some(Color::Rgb(r, g, b)),
                _ => None,
            };
            (color, 4.min(rest.len()))
        }
        _ => (None, 0),
    }
}

fn push_color(out: &mut Vec<u8>, color: Color, base: u16) {
    match color {
        Color::Default => push_num(out, base + 9),
        Color::Ansi(n) if n < 8 => push_num(out, base + u16::from(n)),
        Color::Ansi(n) => push_num(out, base + 60 + u16::from(n.saturating_sub(8))),
        Color::Indexed(n) => {
            push_num(out, base + 8);
            out.extend_from_slice(b";5;");
            push_num(out, u16::from(n));
        }
        Color::Rgb(r, g, b) => {
            push_num(out, base + 8);
            out.extend_from_slice(b";2;");
            push_num(out, u16::from(r));
            out.push(b';');
            push_num(out, u16::from(g));
            out.push(b';');
            push_num(out, u16::from(b));
        }
    }
}

/// Appends the decimal digits of `n`.
pub fn push_num(out: &mut Vec<u8>, n: u16) {
    let mut digits = [0u8; 5];
    let mut len = 0;
    let mut n = n;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (n % 10) as u8; // ok: a digit
        }
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits.iter().take(len).rev());
}

/// Appends an SGR sequence that changes a terminal drawing with `from` to
/// drawing with `to`; nothing when they are equal. Attributes that must be
/// turned off are handled by a reset when that is shorter.
pub fn write_sgr_change(out: &mut Vec<u8>, from: Rendition, to: Rendition) {
    if from == to {
        return;
    }
    let removed = Attrs::from_bits(from.attrs.bits() & !to.attrs.bits());
    // Turning bold off also turns faint off (SGR 22), so a reset is the
    // simple answer whenever anything must be removed.
    let reset = removed != Attrs::NONE;
    let base = if reset { Rendition::default() } else { from };
    out.extend_from_slice(b"\x1b[");
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b';');
        }
        first = false;
    };
    if reset {
        sep(out);
        out.push(b'0');
    }
    for (attr, code) in Attrs::ALL {
        if to.attrs.contains(attr) && !base.attrs.contains(attr) {
            sep(out);
            push_num(out, u16::from(code));
        }
    }
    if to.fg != base.fg {
        sep(out);
        push_color(out, to.fg, 30);
    }
    if to.bg != base.bg {
        sep(out);
        push_color(out, to.bg, 40);
    }
    out.push(b'm');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> Params {
        let mut p = Params::default();
        for b in text.bytes() {
            match b {
                b';' => p.push_separator(false),
                b':' => p.push_separator(true),
                _ => p.push_digit(b),
            }
        }
        p.finish();
        p
    }

    fn sgr(text: &str) -> Rendition {
        let mut pen = Rendition::default();
        apply_sgr(&params(text), &mut pen);
        pen
    }

    #[test]
    fn basic_attributes_and_colours() {
        let pen = sgr("1;3;4;31;42");
        assert!(pen.attrs.contains(Attrs::BOLD));
        assert!(pen.attrs.contains(Attrs::ITALIC));
        assert!(pen.attrs.contains(Attrs::UNDERLINE));
        assert_eq!(pen.fg, Color::Ansi(1));
        assert_eq!(pen.bg, Color::Ansi(2));
        assert_eq!(sgr("91;107").fg, Color::Ansi(9));
        assert_eq!(sgr("91;107").bg, Color::Ansi(15));
    }

    #[test]
    fn a_colour_is_written_in_the_form_the_program_chose() {
        let written = |text: &str| {
            let mut out = Vec::new();
            write_sgr_change(&mut out, Rendition::default(), sgr(text));
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written("38;5;9"), "\x1b[38;5;9m");
        assert_eq!(written("48;5;3"), "\x1b[48;5;3m");
        assert_eq!(written("91"), "\x1b[91m");
        assert_eq!(written("31;104"), "\x1b[31;104m");
        assert_ne!(sgr("38;5;1"), sgr("31"));
    }

    #[test]
    fn empty_and_zero_reset() {
        let mut pen = sgr("1;31");
        apply_sgr(&params(""), &mut pen);
        assert_eq!(pen, Rendition::default());
        assert_eq!(sgr("1;0"), Rendition::default());
    }

    #[test]
    fn twenty_two_clears_bold_and_faint() {
        assert_eq!(sgr("1;2;22").attrs, Attrs::NONE);
    }

    #[test]
    fn extended_colours_in_both_forms() {
        assert_eq!(sgr("38;5;208").fg, Color::Indexed(208));
        assert_eq!(sgr("48;2;1;2;3").bg, Color::Rgb(1, 2, 3));
        assert_eq!(sgr("38:5:208").fg, Color::Indexed(208));
        assert_eq!(sgr("38:2::10:20:30").fg, Color::Rgb(10, 20, 30));
        assert_eq!(sgr("38:2:10:20:30").fg, Color::Rgb(10, 20, 30));
    }

    #[test]
    fn extended_colour_arguments_are_not_read_as_attributes() {
        // The 5 of "38;5;1" must not turn blink on, nor the 1 bold.
        let pen = sgr("38;5;1;4");
        assert_eq!(pen.fg, Color::Indexed(1));
        assert_eq!(pen.attrs, Attrs::UNDERLINE);
        let pen = sgr("48;2;7;8;9;1");
        assert_eq!(pen.bg, Color::Rgb(7, 8, 9));
        assert_eq!(pen.attrs, Attrs::BOLD);
        assert_eq!(sgr("58;5;3;9").attrs, Attrs::STRIKEOUT);
    }

    #[test]
    fn out_of_range_colours_are_ignored() {
        assert_eq!(sgr("38;5;256").fg, Color::Default);
        assert_eq!(sgr("38;2;1;2;300").fg, Color::Default);
        assert_eq!(sgr("38;5").fg, Color::Default);
    }

    #[test]
    fn underline_styles() {
        assert!(sgr("4:3").attrs.contains(Attrs::UNDERLINE));
        assert!(!sgr("4;4:0").attrs.contains(Attrs::UNDERLINE));
    }

    #[test]
    fn written_changes_parse_back() {
        let samples = [
            Rendition::default(),
            sgr("1;2;31;42"),
            sgr("3;4;5;7;8;9"),
            sgr("38;5;200;48;2;1;2;3"),
            sgr("95;104"),
            sgr("38;5;9;48;5;1"),
            sgr("1"),
            sgr("2"),
        ];
        for &from in &samples {
            for &to in &samples {
                let mut out = Vec::new();
                write_sgr_change(&mut out, from, to);
                if from == to {
                    assert!(out.is_empty());
                    continue;
                }
                let text = std::str::from_utf8(&out).unwrap();
                let inner = text.trim_start_matches("\x1b[").trim_end_matches('m');
                let mut pen = from;
                apply_sgr(&params(inner), &mut pen);
                assert_eq!(pen, to, "{from:?} -> {to:?} via {text:?}");
            }
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        let mut out = Vec::new();
        for n in [0u16, 7, 10, 255, 65535] {
            out.clear();
            push_num(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
