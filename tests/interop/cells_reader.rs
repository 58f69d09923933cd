//! The self-checks of `support/cells.rs` (the `capture-pane -e` cell
//! reader): colour forms, combining marks, blanks and attributes. They
//! live in one binary so they run once, not in every binary that links
//! the support module.

use crate::support::cells::*;

#[test]
fn colours_keep_their_form_until_asked_for_moshs() {
    let s = Screen::parse("\x1b[91mB\x1b[38;5;9mC\x1b[38;5;1mD\x1b[31mE");
    let fg: Vec<Colour> = s.rows[0].iter().map(|c| c.style.fg).collect();
    assert_eq!(
        fg,
        [
            Colour::Bright(1),
            Colour::Palette(9),
            Colour::Palette(1),
            Colour::Ansi(1)
        ]
    );
    let m: Vec<Colour> = s.as_mosh_writes().rows[0]
        .iter()
        .map(|c| c.style.fg)
        .collect();
    assert_eq!(
        m,
        [
            Colour::Palette(9),
            Colour::Palette(9),
            Colour::Ansi(1),
            Colour::Ansi(1)
        ]
    );
}

#[test]
fn combining_marks_join_their_base_and_blanks_are_trimmed() {
    let s = Screen::parse("e\u{301}日x  \n\n\n");
    assert_eq!(s.rows.len(), 1);
    let texts: Vec<&str> = s.rows[0].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["e\u{301}", "日", "x"]);
}

#[test]
fn a_blank_shows_only_its_background() {
    let want = Screen::parse("\x1b[38;5;250;48;5;234m \x1b[0mx\n\x1b[48;5;235m \x1b[0mx");
    let got = Screen::parse("\x1b[48;5;234m \x1b[0mx\n\x1b[48;5;234m \x1b[0mx");
    let found = want.differences(&got, 9);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("row 1 col 0"), "{found:?}");
    let reverse = Screen::parse("\x1b[7;31m \x1b[0mx");
    let found = reverse.differences(&Screen::parse("\x1b[7m \x1b[0mx"), 9);
    assert_eq!(
        found.len(),
        1,
        "under reverse the foreground shows: {found:?}"
    );
}

#[test]
fn attributes_come_and_go() {
    let s = Screen::parse("\x1b[1;4mA\x1b[22mB\x1b[0;4:3mC\x1b[24mD\x1b[44m \x1b[0m ");
    let attrs: Vec<Vec<&str>> = s.rows[0]
        .iter()
        .map(|c| c.style.attrs.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(attrs, [vec!["1", "4"], vec!["4"], vec!["4:3"], vec![]]);
    assert_eq!(s.rows[0].len(), 4, "trailing blanks go, coloured or not");
    let s = Screen::parse("\x1b[44m \x1b[0mx\x1b[7m ");
    assert_eq!(s.rows[0].len(), 3, "inner and reverse blanks stay");
    assert_eq!(s.rows[0][0].style.bg, Colour::Ansi(4));
}
