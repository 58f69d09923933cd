//! Column width of a character: 0 for combining and zero-width characters,
//! 2 for East Asian Wide/Fullwidth (which includes emoji presentation), 1
//! otherwise. The table is compiled in (see `width_table.rs`), so client and
//! server agree whatever the C library of either machine says.

pub use super::width_table::UNICODE_VERSION;
use super::width_table::WIDTH_RANGES;

/// The number of terminal columns `c` occupies when printed: 0, 1 or 2.
///
/// Controls are not printed by the emulator; this returns 1 for them.
pub fn char_width(c: char) -> usize {
    let cp = c as u32;
    if cp < 0x300 {
        return 1;
    }
    match WIDTH_RANGES.binary_search_by(|&(first, last, _)| {
        if last < cp {
            std::cmp::Ordering::Less
        } else if first > cp {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => WIDTH_RANGES.get(i).map_or(1, |&(_, _, w)| usize::from(w)),
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_latin_are_narrow() {
        for c in ' '..='~' {
            assert_eq!(char_width(c), 1, "{c:?}");
        }
        assert_eq!(char_width('é'), 1);
        assert_eq!(char_width('\u{00AD}'), 1, "soft hyphen has a glyph");
    }

    #[test]
    fn combining_and_format_characters_take_no_column() {
        for c in [
            '\u{0301}', '\u{20DD}', '\u{200B}', '\u{200D}', '\u{FE0F}', '\u{1160}',
        ] {
            assert_eq!(char_width(c), 0, "{:04X}", c as u32);
        }
    }

    #[test]
    fn east_asian_wide_fullwidth_and_emoji_take_two_columns() {
        for c in [
            '中',
            'Ａ',
            '\u{3000}',
            '😀',
            '✅',
            '\u{1F3FB}',
            '가',
            '\u{20000}',
        ] {
            assert_eq!(char_width(c), 2, "{:04X}", c as u32);
        }
    }

    #[test]
    fn text_presentation_symbols_and_regional_indicators_stay_narrow() {
        for c in ['☀', '\u{1F1E6}', '\u{E000}', 'ह', '\u{0903}'] {
            assert_eq!(char_width(c), 1, "{:04X}", c as u32);
        }
    }

    #[test]
    fn table_is_sorted_and_disjoint() {
        for pair in WIDTH_RANGES.windows(2) {
            assert!(pair[0].1 < pair[1].0, "{pair:?}");
        }
        for &(first, last, w) in WIDTH_RANGES {
            assert!(first <= last && (w == 0 || w == 2));
        }
        assert!(UNICODE_VERSION.starts_with("14.") || UNICODE_VERSION.starts_with("15."));
    }
}
