//! SGR (Select Graphic Rendition, `CSI ... m`): applying its parameters to
//! a rendition, and writing the shortest SGR that turns one rendition into
//! another. Extended colours are accepted in both the `38;5;n` and the
//! `38:5:n` / `38:2::r:g:b` forms; output uses the semicolon forms, which
//! every terminal (and mosh 1.4's own emulator) understands. The extra
//! renditions (underline style `4:n` and `21`, underline colour `58`/`59`,
//! overline `53`/`55`) are written only to a terminal that can show them
//! (see `ExtraCaps`), in the forms such terminals read: `4:3`,
//! `58:5:n`, `58:2::r:g:b`. Mosh 1.4's emulator ignores a whole sequence
//! with a `:` in it, so they never reach a stock client.

use super::cell::{Attrs, Color, Rendition};
use super::extra_rendition::{ExtraRendition, UnderlineStyle};
use super::params::{Params, MAX_PARAMS};

/// Applies the SGR parameters `params` to `pen` and `extra`.
pub fn apply_sgr(params: &Params, pen: &mut Rendition, extra: &mut ExtraRendition) {
    let mut groups: [&[u16]; MAX_PARAMS] = [&[]; MAX_PARAMS];
    let mut count = 0;
    for (slot, group) in groups.iter_mut().zip(params.groups()) {
        *slot = group;
        count += 1;
    }
    if count == 0 {
        *pen = Rendition::default();
        *extra = ExtraRendition::default();
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
                        _ => extra.underline_color = color,
                    }
                }
            }
            4 => match group.get(1).copied().unwrap_or(1) {
                0 => set_underline(pen, extra, None),
                // Styles past 5 (none defined) draw as a straight line.
                n => set_underline(
                    pen,
                    extra,
                    Some(UnderlineStyle::from_sgr(n).unwrap_or_default()),
                ),
            },
            0 => {
                *pen = Rendition::default();
                *extra = ExtraRendition::default();
            }
            21 => set_underline(pen, extra, Some(UnderlineStyle::Double)),
            24 => set_underline(pen, extra, None),
            53 => extra.overline = true,
            55 => extra.overline = false,
            59 => extra.underline_color = Color::Default,
            _ => apply_simple(code, pen),
        }
        i += 1;
    }
}

/// Underlines in `style`, or (None) ends the underline. A cell that is not
/// underlined keeps the default style, so equal-looking cells compare equal.
fn set_underline(pen: &mut Rendition, extra: &mut ExtraRendition, style: Option<UnderlineStyle>) {
    pen.attrs.set(Attrs::UNDERLINE, style.is_some());
    extra.underline_style = style.unwrap_or_default();
}

/// One SGR code that takes no arguments and changes only the base
/// rendition.
fn apply_simple(code: u16, pen: &mut Rendition) {
    match code {
        1 => pen.attrs.set(Attrs::BOLD, true),
        2 => pen.attrs.set(Attrs::FAINT, true),
        3 => pen.attrs.set(Attrs::ITALIC, true),
        5 | 6 => pen.attrs.set(Attrs::BLINK, true),
        7 => pen.attrs.set(Attrs::INVERSE, true),
        8 => pen.attrs.set(Attrs::INVISIBLE, true),
        9 => pen.attrs.set(Attrs::STRIKEOUT, true),
        22 => {
            pen.attrs.set(Attrs::BOLD, false);
            pen.attrs.set(Attrs::FAINT, false);
        }
        23 => pen.attrs.set(Attrs::ITALIC, false),
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
    let none = ExtraRendition::default();
    write_full_sgr_change(out, (from, none), (to, none));
}

/// [`write_sgr_change`] for renditions with their extras, which the caller
/// has already reduced to what the terminal can show. With default extras
/// on both sides the output is exactly `write_sgr_change`'s.
pub fn write_full_sgr_change(
    out: &mut Vec<u8>,
    from: (Rendition, ExtraRendition),
    to: (Rendition, ExtraRendition),
) {
    if from == to {
        return;
    }
    let ((from, from_extra), (to, to_extra)) = (from, to);
    let removed = Attrs::from_bits(from.attrs.bits() & !to.attrs.bits());
    // Turning bold off also turns faint off (SGR 22), so a reset is the
    // simple answer whenever anything must be removed.
    let reset = removed != Attrs::NONE;
    let (base, base_extra) = if reset {
        (Rendition::default(), ExtraRendition::default())
    } else {
        (from, from_extra)
    };
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
    let restyled = to_extra.underline_style != base_extra.underline_style;
    for (attr, code) in Attrs::ALL {
        let underline_restyled = attr == Attrs::UNDERLINE && restyled;
        if to.attrs.contains(attr) && (!base.attrs.contains(attr) || underline_restyled) {
            sep(out);
            push_num(out, u16::from(code));
            if attr == Attrs::UNDERLINE && to_extra.underline_style != UnderlineStyle::Single {
                out.push(b':');
                push_num(out, u16::from(to_extra.underline_style.sgr()));
            }
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
    if to_extra.underline_color != base_extra.underline_color {
        sep(out);
        push_underline_color(out, to_extra.underline_color);
    }
    if to_extra.overline != base_extra.overline {
        sep(out);
        out.extend_from_slice(if to_extra.overline { b"53" } else { b"55" });
    }
    out.push(b'm');
}

/// SGR 58 in its colon forms (`58:5:n`, `58:2::r:g:b`), or 59 for the
/// default.
fn push_underline_color(out: &mut Vec<u8>, color: Color) {
    match color {
        Color::Default => out.extend_from_slice(b"59"),
        Color::Ansi(n) | Color::Indexed(n) => {
            out.extend_from_slice(b"58:5:");
            push_num(out, u16::from(n));
        }
        Color::Rgb(r, g, b) => {
            out.extend_from_slice(b"58:2::");
            push_num(out, u16::from(r));
            out.push(b':');
            push_num(out, u16::from(g));
            out.push(b':');
            push_num(out, u16::from(b));
        }
    }
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
        full_sgr(text).0
    }

    fn full_sgr(text: &str) -> (Rendition, ExtraRendition) {
        let (mut pen, mut extra) = Default::default();
        apply_sgr(&params(text), &mut pen, &mut extra);
        (pen, extra)
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
        let (mut pen, mut extra) = full_sgr("1;31;4:3;58:5:1;53");
        apply_sgr(&params(""), &mut pen, &mut extra);
        assert_eq!(pen, Rendition::default());
        assert_eq!(extra, ExtraRendition::default());
        assert_eq!(full_sgr("4:3;58;2;1;2;3;53;0"), Default::default());
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
        let (pen, extra) = full_sgr("4:3");
        assert!(pen.attrs.contains(Attrs::UNDERLINE));
        assert_eq!(extra.underline_style, UnderlineStyle::Curly);
        let (pen, extra) = full_sgr("21");
        assert!(pen.attrs.contains(Attrs::UNDERLINE));
        assert_eq!(extra.underline_style, UnderlineStyle::Double);
        assert_eq!(full_sgr("4:5").1.underline_style, UnderlineStyle::Dashed);
        assert_eq!(full_sgr("4:3;4").1.underline_style, UnderlineStyle::Single);
        for off in ["4:3;4:0", "4:4;24", "21;24"] {
            assert_eq!(full_sgr(off), Default::default(), "{off}");
        }
    }

    #[test]
    fn underline_colours_and_overline() {
        assert_eq!(full_sgr("58;5;9").1.underline_color, Color::Indexed(9));
        assert_eq!(full_sgr("58:5:9").1.underline_color, Color::Indexed(9));
        let red = Color::Rgb(255, 0, 0);
        assert_eq!(full_sgr("58:2::255:0:0").1.underline_color, red);
        assert_eq!(full_sgr("58;2;255;0;0").1.underline_color, red);
        assert_eq!(
            full_sgr("58;2;255;0;0;59").1.underline_color,
            Color::Default
        );
        assert!(full_sgr("53").1.overline);
        assert!(!full_sgr("53;55").1.overline);
        assert_eq!(full_sgr("53").0, Rendition::default());
    }

    #[test]
    fn extras_are_written_only_when_they_differ() {
        let written = |from: &str, to: &str| {
            let mut out = Vec::new();
            write_full_sgr_change(&mut out, full_sgr(from), full_sgr(to));
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written("", "4:3;58:2::255:0:0"), "\x1b[4:3;58:2::255:0:0m");
        assert_eq!(written("4:3", "4:3;53"), "\x1b[53m");
        assert_eq!(written("4:3", "4"), "\x1b[4m");
        assert_eq!(written("4", "21"), "\x1b[4:2m");
        assert_eq!(written("58;5;1", "58;5;1;1"), "\x1b[1m");
        assert_eq!(written("4:3;58;5;1", ""), "\x1b[0m");
        assert_eq!(written("1;53", "1"), "\x1b[55m");
        assert_eq!(written("1;58;5;2", "1"), "\x1b[59m");
        let mut plain = Vec::new();
        write_sgr_change(&mut plain, Rendition::default(), sgr("4:3;58;5;1;53"));
        assert_eq!(plain, b"\x1b[4m", "without extras: today's bytes");
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
                let (mut pen, mut extra) = (from, ExtraRendition::default());
                apply_sgr(&params(inner), &mut pen, &mut extra);
                assert_eq!(pen, to, "{from:?} -> {to:?} via {text:?}");
            }
        }
    }

    #[test]
    fn written_changes_with_extras_parse_back() {
        let samples = [
            "",
            "4",
            "4:3",
            "21;58;5;1",
            "4:4;58:2::1:2:3;53",
            "53;1",
            "58;5;200",
            "4:5;31",
            "1;4:3;58;2;255;0;0",
        ]
        .map(full_sgr);
        for &from in &samples {
            for &to in &samples {
                let mut out = Vec::new();
                write_full_sgr_change(&mut out, from, to);
                assert_eq!(out.is_empty(), from == to);
                let text = std::str::from_utf8(&out).unwrap();
                let inner = text.trim_start_matches("\x1b[").trim_end_matches('m');
                let (mut pen, mut extra) = from;
                if !out.is_empty() {
                    apply_sgr(&params(inner), &mut pen, &mut extra);
                }
                assert_eq!((pen, extra), to, "{from:?} -> {to:?} via {text:?}");
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
