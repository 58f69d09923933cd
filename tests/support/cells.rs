//! The cells of a tmux pane as `capture-pane -p -e -N` writes them: each
//! row's characters (a base character with its combining marks; a wide
//! character once) with the style tmux keeps for it, read back from the
//! SGR sequences tmux writes. Comparing cells rather than the dump's bytes
//! ignores how tmux spells a style (`\e[0m\e[39m` or `\e[39m`), and keeps
//! what the bytes would hide: which of the forms a colour came in (tmux
//! keeps `91` and `38;5;9` apart) and any attribute tmux knows.
//!
//! Rows are trimmed of trailing blanks without attributes, whatever
//! their colours, and screens of trailing empty rows: tmux never shows
//! the cells an erase with a background colour (`\e[44m\e[K`) leaves,
//! not even with `-N`, while a client may draw the same cells as coloured
//! spaces, so trailing blanks can only be compared as blanks.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;

/// A colour as tmux keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colour {
    /// The default colour (39/49).
    #[default]
    Default,
    /// 30–37 / 40–47.
    Ansi(u8),
    /// 90–97 / 100–107 (its index less 8).
    Bright(u8),
    /// `38;5;N` / `48;5;N`.
    Palette(u8),
    /// `38;2;R;G;B` / `48;2;R;G;B`.
    Rgb(u8, u8, u8),
}

impl Colour {
    /// The colour in the form mosh writes it: mosh's framebuffer (ours and
    /// upstream's) keeps one palette index, however a program chose it,
    /// and writes an index below 8 as 30–37 and every other as `38;5;N`
    /// (upstream's `Renditions::sgr`). So `38;5;1` from a program shows as
    /// `31` through any session, and `91` as `38;5;9`.
    pub fn as_mosh_writes(self) -> Colour {
        match self {
            Colour::Palette(n) if n < 8 => Colour::Ansi(n),
            Colour::Bright(n) => Colour::Palette(n + 8),
            other => other,
        }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Colour::Default => write!(f, "default"),
            Colour::Ansi(n) => write!(f, "ansi{n}"),
            Colour::Bright(n) => write!(f, "bright{n}"),
            Colour::Palette(n) => write!(f, "256:{n}"),
            Colour::Rgb(r, g, b) => write!(f, "#{r:02x}{g:02x}{b:02x}"),
        }
    }
}

/// How a cell is drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// Foreground colour.
    pub fg: Colour,
    /// Background colour.
    pub bg: Colour,
    /// Attribute codes as tmux writes them (`1`, `4`, `4:3`, ...),
    /// with anything unknown kept verbatim.
    pub attrs: BTreeSet<String>,
}

impl Style {
    /// Whether this is the default style.
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }

    /// The style with its colours in the form mosh writes them.
    pub fn as_mosh_writes(&self) -> Style {
        Style {
            fg: self.fg.as_mosh_writes(),
            bg: self.bg.as_mosh_writes(),
            attrs: self.attrs.clone(),
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fg={} bg={}", self.fg, self.bg)?;
        if !self.attrs.is_empty() {
            let attrs: Vec<&str> = self.attrs.iter().map(String::as_str).collect();
            write!(f, " sgr={}", attrs.join(","))?;
        }
        Ok(())
    }
}

/// One cell: its text (a character and its combining marks) and style.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    /// The character and its combining marks.
    pub text: String,
    /// How it is drawn.
    pub style: Style,
}

impl Cell {
    /// Whether the two cells look the same. A blank without attributes
    /// shows only its background: tmux keeps a foreground colour for it
    /// when a program prints spaces, but not when a client erases the
    /// same run (`\e[X`), and neither can be seen.
    pub fn looks_like(&self, other: &Cell) -> bool {
        if self.text != other.text {
            return false;
        }
        let blank = |c: &Cell| c.text == " " && c.style.attrs.is_empty();
        if blank(self) && blank(other) {
            self.style.bg == other.style.bg
        } else {
            self.style == other.style
        }
    }
}

/// A pane's cells, row by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    /// The rows, each trimmed of trailing blanks without attributes.
    pub rows: Vec<Vec<Cell>>,
}

impl Screen {
    /// Reads a `capture-pane -p -e [-N]` dump.
    pub fn parse(capture: &str) -> Screen {
        let mut style = Style::default();
        let mut rows: Vec<Vec<Cell>> = capture
            .split('\n')
            .map(|line| parse_row(line, &mut style))
            .collect();
        while rows.last().is_some_and(Vec::is_empty) {
            rows.pop();
        }
        Screen { rows }
    }

    /// The screen with every colour in the form mosh writes it.
    pub fn as_mosh_writes(&self) -> Screen {
        let rows = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| Cell {
                        text: c.text.clone(),
                        style: c.style.as_mosh_writes(),
                    })
                    .collect()
            })
            .collect();
        Screen { rows }
    }

    /// Row `i`'s text (empty past the end).
    pub fn row_text(&self, i: usize) -> String {
        self.rows
            .get(i)
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .unwrap_or_default()
    }

    /// The text of every row, numbered, for failure messages.
    pub fn show(&self) -> String {
        (0..self.rows.len())
            .map(|i| format!("{i:2}|{}|\n", self.row_text(i)))
            .collect()
    }

    /// Where `self` (what was expected) and `got` differ, row by row, at
    /// most `limit` cells; empty when they are the same.
    pub fn differences(&self, got: &Screen, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..self.rows.len().max(got.rows.len()) {
            let (a, b) = (row_of(self, i), row_of(got, i));
            if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.looks_like(y)) {
                continue;
            }
            if self.row_text(i) != got.row_text(i) {
                out.push(format!(
                    "row {i}: text differs\n   expected |{}|\n   got      |{}|",
                    self.row_text(i),
                    got.row_text(i)
                ));
            } else {
                out.extend(style_differences(i, a, b));
            }
            if out.len() >= limit {
                out.truncate(limit);
                out.push("...".to_string());
                break;
            }
        }
        out
    }
}

fn row_of(screen: &Screen, i: usize) -> &[Cell] {
    screen.rows.get(i).map(Vec::as_slice).unwrap_or(&[])
}

/// The cells of one row whose style differs (the texts being the same).
fn style_differences(row: usize, a: &[Cell], b: &[Cell]) -> Vec<String> {
    let mut col = 0;
    let mut out = Vec::new();
    for (x, y) in a.iter().zip(b) {
        if !x.looks_like(y) {
            out.push(format!(
                "row {row} col {col} {:?}: expected {}, got {}",
                x.text, x.style, y.style
            ));
        }
        col += x
            .text
            .chars()
            .next()
            .map_or(1, mosh_rs::terminal::char_width);
    }
    out
}

fn parse_row(line: &str, style: &mut Style) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            let mut seq = String::new();
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&d) {
                        if d == 'm' {
                            apply_sgr(style, &seq);
                        }
                        break;
                    }
                    seq.push(d);
                }
            }
            continue;
        }
        if c == '\r' {
            continue;
        }
        let zero_width = mosh_rs::terminal::char_width(c) == 0 && !c.is_control();
        match cells.last_mut() {
            Some(last) if zero_width => last.text.push(c),
            _ => cells.push(Cell {
                text: c.to_string(),
                style: style.clone(),
            }),
        }
    }
    while cells
        .last()
        .is_some_and(|c| c.text == " " && c.style.attrs.is_empty())
    {
        cells.pop();
    }
    cells
}

/// Applies one SGR sequence's parameters (`1;38;5;9`) to `style`.
fn apply_sgr(style: &mut Style, params: &str) {
    let params: Vec<&str> = if params.is_empty() {
        vec!["0"]
    } else {
        params.split(';').collect()
    };
    let mut i = 0;
    while i < params.len() {
        i += apply_one(style, &params[i..]);
    }
}

/// Applies the parameter at the head of `params`; how many it used.
fn apply_one(style: &mut Style, params: &[&str]) -> usize {
    let code = params[0];
    if let Some((colour, used)) = extended_colour(params) {
        match code.split(':').next() {
            Some("38") => style.fg = colour,
            Some("48") => style.bg = colour,
            _ => {
                style.attrs.insert(format!("58={colour}"));
            }
        }
        return used;
    }
    match code.parse::<u8>() {
        Ok(n) => apply_number(style, n),
        Err(_) => apply_tagged(style, code),
    }
    1
}

/// A `38`/`48`/`58` colour in either form, and how many parameters it took.
fn extended_colour(params: &[&str]) -> Option<(Colour, usize)> {
    let head = params[0];
    let base = head.split(':').next()?;
    if !matches!(base, "38" | "48" | "58") {
        return None;
    }
    let byte = |s: Option<&&str>| s.and_then(|s| s.parse::<u8>().ok());
    if head.contains(':') {
        let parts: Vec<&str> = head.split(':').collect();
        let colour = match parts.get(1) {
            Some(&"5") => Colour::Palette(byte(parts.get(2))?),
            Some(&"2") => {
                let rgb = &parts[parts.len().saturating_sub(3)..];
                Colour::Rgb(byte(rgb.first())?, byte(rgb.get(1))?, byte(rgb.get(2))?)
            }
            _ => return None,
        };
        return Some((colour, 1));
    }
    match params.get(1) {
        Some(&"5") => Some((Colour::Palette(byte(params.get(2))?), 3)),
        Some(&"2") => Some((
            Colour::Rgb(
                byte(params.get(2))?,
                byte(params.get(3))?,
                byte(params.get(4))?,
            ),
            5,
        )),
        _ => None,
    }
}

fn apply_number(style: &mut Style, n: u8) {
    let attrs = &mut style.attrs;
    match n {
        0 => *style = Style::default(),
        30..=37 => style.fg = Colour::Ansi(n - 30),
        39 => style.fg = Colour::Default,
        40..=47 => style.bg = Colour::Ansi(n - 40),
        49 => style.bg = Colour::Default,
        90..=97 => style.fg = Colour::Bright(n - 90),
        100..=107 => style.bg = Colour::Bright(n - 100),
        22 => {
            attrs.remove("1");
            attrs.remove("2");
        }
        24 => attrs.retain(|a| a != "4" && !a.starts_with("4:")),
        23 | 25 | 27 | 28 | 29 => {
            attrs.remove(&(n - 20).to_string());
        }
        55 => {
            attrs.remove("53");
        }
        _ => {
            attrs.insert(n.to_string());
        }
    }
}

/// A parameter with sub-parameters (`4:3`), kept as written; `4:0` ends
/// any underline.
fn apply_tagged(style: &mut Style, code: &str) {
    if code == "4:0" {
        style.attrs.retain(|a| a != "4" && !a.starts_with("4:"));
    } else {
        style.attrs.insert(code.to_string());
    }
}
