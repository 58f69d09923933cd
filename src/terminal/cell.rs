//! One character cell of the screen: a base character with up to three
//! combining marks, its width role (narrow, left or right half of a wide
//! character), and its rendition (attributes and colours).

use std::fmt::Write as _;

/// Where the `i`th combining mark sits in a cell's mark bits.
fn mark_shift(i: usize) -> u32 {
    MARK_BITS * u32::try_from(i).unwrap_or(u32::MAX)
}

/// A foreground or background colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Color {
    /// The terminal's default colour.
    #[default]
    Default,
    /// One of the 16 colours chosen with the short SGR codes (30–37,
    /// 90–97 and their backgrounds): 0..=7 normal, 8..=15 bright.
    Ansi(u8),
    /// A colour chosen by number from the 256-colour palette (`38;5;n`).
    /// Kept apart from [`Color::Ansi`] even for 0..=15: terminals with a
    /// bright palette of their own, and tmux's cells, tell the two apart.
    Indexed(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

/// Character attributes, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Attrs(u8);

impl Attrs {
    /// SGR 1.
    pub const BOLD: Attrs = Attrs(1);
    /// SGR 2.
    pub const FAINT: Attrs = Attrs(1 << 1);
    /// SGR 3.
    pub const ITALIC: Attrs = Attrs(1 << 2);
    /// SGR 4 (and 21); the underline's style and colour are kept in the
    /// row's annex table (see `ExtraRendition`).
    pub const UNDERLINE: Attrs = Attrs(1 << 3);
    /// SGR 5 (and 6, rapid blink).
    pub const BLINK: Attrs = Attrs(1 << 4);
    /// SGR 7.
    pub const INVERSE: Attrs = Attrs(1 << 5);
    /// SGR 8.
    pub const INVISIBLE: Attrs = Attrs(1 << 6);
    /// SGR 9.
    pub const STRIKEOUT: Attrs = Attrs(1 << 7);

    /// No attribute set.
    pub const NONE: Attrs = Attrs(0);

    /// Every attribute with the SGR number that sets it, in SGR order.
    pub const ALL: [(Attrs, u8); 8] = [
        (Attrs::BOLD, 1),
        (Attrs::FAINT, 2),
        (Attrs::ITALIC, 3),
        (Attrs::UNDERLINE, 4),
        (Attrs::BLINK, 5),
        (Attrs::INVERSE, 7),
        (Attrs::INVISIBLE, 8),
        (Attrs::STRIKEOUT, 9),
    ];

    /// Whether every attribute of `other` is set.
    pub fn contains(self, other: Attrs) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets or clears the attributes of `other`.
    pub fn set(&mut self, other: Attrs, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }

    /// The raw bits (for random generation and compact comparisons).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Attributes from raw bits.
    pub fn from_bits(bits: u8) -> Attrs {
        Attrs(bits)
    }
}

/// How a character is drawn: attributes and colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rendition {
    /// Foreground colour.
    pub fg: Color,
    /// Background colour.
    pub bg: Color,
    /// Attributes.
    pub attrs: Attrs,
}

impl Rendition {
    /// The rendition of a cell erased while `self` is the current one:
    /// only the background colour carries over (background colour erase).
    pub fn erased(self) -> Rendition {
        Rendition {
            bg: self.bg,
            ..Rendition::default()
        }
    }
}

const MARK_BITS: u32 = 21;
const MARK_MASK: u64 = (1 << MARK_BITS) - 1;
/// Combining marks kept per cell; more are dropped.
pub const MAX_MARKS: usize = 3;

const WIDE: u8 = 1;
const WIDE_CONTINUATION: u8 = 2;

/// One screen cell. A blank cell holds a space.
///
/// A wide character occupies two cells: the left one holds the character
/// (and reports [`Cell::is_wide`]); the right one is a continuation
/// ([`Cell::is_wide_continuation`]) with the same rendition.
///
/// A cell under a hyperlink, or drawn with extra renditions (underline
/// style and colour, overline), holds the number of its entry in its row's
/// annex table (`Row::annex`); compare cells of different rows with
/// `Row::same_cell`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    ch: char,
    flags: u8,
    rendition: Rendition,
    /// 0 = no annex (no link, default extras), else 1 + the index in
    /// the row's annex table.
    annex: u16,
    /// Up to three combining marks, 21 bits each, 0 = none.
    marks: u64,
}

impl Default for Cell {
    fn default() -> Self {
        Cell::blank(Rendition::default())
    }
}

impl Cell {
    /// A blank cell (a space) drawn with `rendition`.
    pub const fn blank(rendition: Rendition) -> Cell {
        Cell {
            ch: ' ',
            flags: 0,
            rendition,
            annex: 0,
            marks: 0,
        }
    }

    /// A narrow character.
    pub fn narrow(ch: char, rendition: Rendition) -> Cell {
        Cell {
            ch,
            flags: 0,
            rendition,
            annex: 0,
            marks: 0,
        }
    }

    /// The left half of a wide character.
    pub fn wide(ch: char, rendition: Rendition) -> Cell {
        Cell {
            ch,
            flags: WIDE,
            rendition,
            annex: 0,
            marks: 0,
        }
    }

    /// The right half of a wide character.
    pub fn wide_continuation(rendition: Rendition) -> Cell {
        Cell {
            ch: ' ',
            flags: WIDE_CONTINUATION,
            rendition,
            annex: 0,
            marks: 0,
        }
    }

    /// The base character (a space for blank cells and continuations).
    pub fn ch(&self) -> char {
        self.ch
    }

    /// The combining marks after the base character.
    pub fn marks(&self) -> impl Iterator<Item = char> + '_ {
        (0..MAX_MARKS).map_while(move |i| {
            let v = (self.marks >> mark_shift(i)) & MARK_MASK;
            u32::try_from(v)
                .ok()
                .filter(|&v| v != 0)
                .and_then(char::from_u32)
        })
    }

    /// Whether the cell has combining marks.
    pub fn has_marks(&self) -> bool {
        self.marks != 0
    }

    /// Adds a combining mark; returns false (and drops it) when full.
    pub fn push_mark(&mut self, mark: char) -> bool {
        for i in 0..MAX_MARKS {
            let shift = mark_shift(i);
            if (self.marks >> shift) & MARK_MASK == 0 {
                self.marks |= u64::from(mark as u32) << shift;
                return true;
            }
        }
        false
    }

    /// The rendition.
    pub fn rendition(&self) -> Rendition {
        self.rendition
    }

    /// Replaces the rendition.
    pub fn set_rendition(&mut self, rendition: Rendition) {
        self.rendition = rendition;
    }

    /// Whether this is the left half of a wide character.
    pub fn is_wide(&self) -> bool {
        self.flags & WIDE != 0
    }

    /// Whether this is the right half of a wide character.
    pub fn is_wide_continuation(&self) -> bool {
        self.flags & WIDE_CONTINUATION != 0
    }

    /// Columns the character takes: 2 for a wide character, 0 for the
    /// right half of one, 1 otherwise.
    pub fn width(&self) -> usize {
        if self.is_wide() {
            2
        } else if self.is_wide_continuation() {
            0
        } else {
            1
        }
    }

    /// Whether the cell shows nothing but its background: a space without
    /// marks, link or extras that is not part of a wide character.
    pub fn is_blank(&self) -> bool {
        self.ch == ' ' && self.marks == 0 && self.flags == 0 && self.annex == 0
    }

    /// Whether the cell is blank and drawn in the default rendition: what
    /// a terminal shows where nothing was ever written.
    pub fn is_default_blank(&self) -> bool {
        self.is_blank() && self.rendition == Rendition::default()
    }

    /// The character, when the cell is nothing but a printable ASCII
    /// character in the default rendition (no marks, link, extras or width role):
    /// the cell the byte draws on its own.
    #[inline]
    pub fn plain_ascii(&self) -> Option<u8> {
        let byte = u8::try_from(self.ch)
            .ok()
            .filter(|b| (0x20..0x7F).contains(b))?;
        (*self == Cell::narrow(self.ch, Rendition::default())).then_some(byte)
    }

    /// The cell's annex number in its row's table (0 = none).
    pub fn annex_slot(&self) -> u16 {
        self.annex
    }

    /// The same cell with annex number `slot` (0 = none).
    pub fn with_annex_slot(mut self, slot: u16) -> Cell {
        self.annex = slot;
        self
    }

    /// Appends the character and its marks as UTF-8 (nothing for the right
    /// half of a wide character).
    pub fn push_text(&self, out: &mut String) {
        if self.is_wide_continuation() {
            return;
        }
        out.push(self.ch);
        for mark in self.marks() {
            out.push(mark);
        }
    }

    /// The character and its marks as a string.
    pub fn text(&self) -> String {
        let mut s = String::new();
        self.push_text(&mut s);
        s
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.is_wide_continuation() {
            f.write_char(self.ch)?;
            for mark in self.marks() {
                f.write_char(mark)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_small() {
        assert!(std::mem::size_of::<Cell>() <= 24);
    }

    #[test]
    fn marks_are_kept_in_order_up_to_the_limit() {
        let mut cell = Cell::narrow('e', Rendition::default());
        assert!(cell.push_mark('\u{301}'));
        assert!(cell.push_mark('\u{10FFFF}'));
        assert!(cell.push_mark('\u{20DD}'));
        assert!(!cell.push_mark('\u{302}'));
        assert_eq!(cell.text(), "e\u{301}\u{10FFFF}\u{20DD}");
        assert!(cell.has_marks());
    }

    #[test]
    fn a_printed_space_equals_an_erased_cell_of_the_same_rendition() {
        let r = Rendition {
            bg: Color::Indexed(4),
            ..Rendition::default()
        };
        assert_eq!(Cell::narrow(' ', r), Cell::blank(r));
        assert!(Cell::blank(r).is_blank());
        assert!(!Cell::wide_continuation(r).is_blank());
    }

    #[test]
    fn erasing_keeps_only_the_background() {
        let r = Rendition {
            fg: Color::Rgb(1, 2, 3),
            bg: Color::Indexed(200),
            attrs: Attrs::BOLD,
        };
        assert_eq!(
            r.erased(),
            Rendition {
                bg: Color::Indexed(200),
                ..Rendition::default()
            }
        );
    }
}
