//! Counting, at memory speed, the scrolls of plain text written on the
//! bottom row of the scroll region, for the flood skipper's jump: every
//! line feed scrolls, and so does every autowrap. When the text cannot
//! wrap, the count is the number of line feeds, which a vectorised search
//! counts; whether it can wrap is decided from where its carriage returns
//! fall, without visiting each one. Tabs jump to tab stops anywhere on
//! the row, so text with tabs, and text that may wrap (long lines), is
//! left to the caller to follow exactly.

/// The line feeds in `bytes`, plain text written from column `col` with
/// no wrap pending, when the text surely cannot wrap on a row `width`
/// columns wide: no stretch after a carriage return (or after `col`,
/// before the first one) is more than `width` bytes. `None` when it might
/// wrap (the test is cheap and errs that way), or holds a tab.
pub(super) fn line_feeds_without_wraps(bytes: &[u8], col: usize, width: usize) -> Option<usize> {
    if memchr::memchr(b'\t', bytes).is_some() {
        return None;
    }
    let line_feeds = || memchr::memchr_iter(b'\n', bytes).count();
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return (col.saturating_add(bytes.len()) <= width).then(line_feeds);
    };
    let last = memchr::memrchr(b'\r', bytes)?;
    if col.saturating_add(first) > width || bytes.len() - last - 1 > width {
        return None;
    }
    // Every stretch of `half` bytes from the first carriage return to the
    // last holds one, so no two are more than `2 * half - 2` bytes apart.
    let half = (width.saturating_add(2) / 2).max(1);
    let middle = bytes.get(first..=last)?;
    middle
        .chunks(half)
        .all(|stretch| stretch.contains(&b'\r'))
        .then(line_feeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same count, one byte at a time.
    fn slowly(bytes: &[u8], col: usize, width: usize) -> Option<usize> {
        let mut run = col;
        let mut line_feeds = 0;
        for &b in bytes {
            match b {
                b'\t' => return None,
                b'\r' => run = 0,
                b'\n' => line_feeds += 1,
                _ => {
                    run += 1;
                    if run > width {
                        return None;
                    }
                }
            }
        }
        Some(line_feeds)
    }

    #[test]
    fn a_count_is_given_only_when_no_line_wraps() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut counted = 0;
        for _ in 0..20_000 {
            let width = 1 + next(100);
            let col = next(width);
            let len = next(400);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next(30) {
                    0..=2 => b'\r',
                    3..=5 => b'\n',
                    6 if next(20) == 0 => b'\t',
                    _ => b'a',
                })
                .collect();
            let fast = line_feeds_without_wraps(&bytes, col, width);
            if fast.is_some() {
                assert_eq!(
                    fast,
                    slowly(&bytes, col, width),
                    "{width} {col} {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
            counted += usize::from(fast.is_some());
        }
        assert!(counted > 2000, "{counted} texts counted");
    }

    #[test]
    fn lines_as_seq_prints_them_are_counted() {
        let text: Vec<u8> = (0..1000)
            .flat_map(|i| format!("{i}\r\n").into_bytes())
            .collect();
        assert_eq!(line_feeds_without_wraps(&text, 0, 80), Some(1000));
        assert_eq!(line_feeds_without_wraps(&text, 0, 2), None, "\"100\" wraps");
        assert_eq!(line_feeds_without_wraps(b"ab\r\ncd\r\n", 0, 4), Some(2));
        assert_eq!(
            line_feeds_without_wraps(&text, 0, usize::MAX),
            Some(1000),
            "no autowrap"
        );
        assert_eq!(line_feeds_without_wraps(b"a\tb\r\n", 0, 80), None);
        assert_eq!(line_feeds_without_wraps(b"abc", 78, 80), None);
    }
}
