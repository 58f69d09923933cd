//! Renditions beyond the cell's own few bytes: the underline's style
//! (SGR `4:n`, `21`), its colour (`58`/`59`) and overline (`53`/`55`).
//! They are rare, so a cell does not carry them: it refers to an entry of
//! its row's annex table (see `Row`), as it does for a hyperlink, and a
//! cell printed in the default extras costs nothing more than before.

use super::cell::Color;

/// How an underline is drawn (the `n` of SGR `4:n`). It only shows on a
/// cell whose attributes include `Attrs::UNDERLINE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnderlineStyle {
    /// `4`, `4:1`: a straight line (what every terminal draws).
    #[default]
    Single,
    /// `4:2`, `21`.
    Double,
    /// `4:3`: the undercurl of spell checkers and diagnostics.
    Curly,
    /// `4:4`.
    Dotted,
    /// `4:5`.
    Dashed,
}

impl UnderlineStyle {
    /// The style of SGR `4:n` for `n` in 1..=5 (None for others; `4:0`
    /// turns the underline off and is handled by the caller).
    pub fn from_sgr(n: u16) -> Option<UnderlineStyle> {
        match n {
            1 => Some(UnderlineStyle::Single),
            2 => Some(UnderlineStyle::Double),
            3 => Some(UnderlineStyle::Curly),
            4 => Some(UnderlineStyle::Dotted),
            5 => Some(UnderlineStyle::Dashed),
            _ => None,
        }
    }

    /// The `n` of SGR `4:n`.
    pub fn sgr(self) -> u8 {
        match self {
            UnderlineStyle::Single => 1,
            UnderlineStyle::Double => 2,
            UnderlineStyle::Curly => 3,
            UnderlineStyle::Dotted => 4,
            UnderlineStyle::Dashed => 5,
        }
    }
}

/// The renditions a cell keeps in its row's annex table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExtraRendition {
    /// The underline's style (meaningful while the cell is underlined).
    pub underline_style: UnderlineStyle,
    /// The underline's colour (`Color::Default`: the text colour).
    pub underline_color: Color,
    /// A line over the character (SGR 53).
    pub overline: bool,
}

impl ExtraRendition {
    /// Whether nothing differs from the default (the common case, which
    /// needs no annex entry).
    pub fn is_default(&self) -> bool {
        *self == ExtraRendition::default()
    }
}

/// Which extras a receiving terminal can show (from the peer's announced
/// features, or the user's terminfo); the others are left out of the
/// output, so an underline of any style is drawn as a plain one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtraCaps {
    /// Styled underlines (`4:n`; terminfo `Smulx`).
    pub underline_styles: bool,
    /// Underline colours (`58`; terminfo `Setulc`).
    pub underline_color: bool,
    /// Overline (`53`; terminfo `Smol`).
    pub overline: bool,
}

impl ExtraCaps {
    /// Every extra (a mosh-rs peer that announced them).
    pub const ALL: ExtraCaps = ExtraCaps {
        underline_styles: true,
        underline_color: true,
        overline: true,
    };

    /// What of `extra` the terminal can show; the rest set to default.
    pub fn visible(self, extra: ExtraRendition) -> ExtraRendition {
        ExtraRendition {
            underline_style: if self.underline_styles {
                extra.underline_style
            } else {
                UnderlineStyle::Single
            },
            underline_color: if self.underline_color {
                extra.underline_color
            } else {
                Color::Default
            },
            overline: self.overline && extra.overline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_without_the_extras_sees_a_plain_underline() {
        let extra = ExtraRendition {
            underline_style: UnderlineStyle::Curly,
            underline_color: Color::Rgb(255, 0, 0),
            overline: true,
        };
        assert!(ExtraCaps::default().visible(extra).is_default());
        assert_eq!(ExtraCaps::ALL.visible(extra), extra);
        let styles_only = ExtraCaps {
            underline_styles: true,
            ..ExtraCaps::default()
        };
        assert_eq!(
            styles_only.visible(extra),
            ExtraRendition {
                underline_style: UnderlineStyle::Curly,
                ..ExtraRendition::default()
            }
        );
    }

    #[test]
    fn styles_round_trip_through_their_sgr_numbers() {
        for n in 1..=5 {
            assert_eq!(
                UnderlineStyle::from_sgr(n).map(|s| u16::from(s.sgr())),
                Some(n)
            );
        }
        assert_eq!(UnderlineStyle::from_sgr(0), None);
        assert_eq!(UnderlineStyle::from_sgr(6), None);
    }
}
