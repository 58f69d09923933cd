//! Numeric parameters of a control sequence (`CSI 1;38:5:208 m`): a bounded
//! list of values grouped by `;`, with `:` sub-parameters kept in the group
//! of the value they follow.

/// Most values a sequence keeps; further ones are dropped.
pub(crate) const MAX_PARAMS: usize = 32;

/// Largest value a parameter can hold; bigger numbers are clamped to it.
pub(crate) const MAX_PARAM_VALUE: u16 = u16::MAX;

/// The parameters of one control sequence. A missing value reads as 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    values: [u16; MAX_PARAMS],
    /// Bit `i` set: value `i` followed a `:` and belongs to the group of
    /// value `i - 1`.
    sub_parameter: u32,
    len: usize,
    /// The value being read, not yet pushed.
    current: u16,
    /// Whether a digit, `;` or `:` has been seen since the last push.
    pending: bool,
    next_is_sub: bool,
}

impl Params {
    /// Empties the list for a new sequence.
    pub fn clear(&mut self) {
        self.len = 0;
        self.sub_parameter = 0;
        self.current = 0;
        self.pending = false;
        self.next_is_sub = false;
    }

    /// Adds one decimal digit to the value being read, clamping.
    pub(crate) fn push_digit(&mut self, digit: u8) {
        let d = u16::from(digit.wrapping_sub(b'0'));
        self.current = self
            .current
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .unwrap_or(MAX_PARAM_VALUE);
        self.pending = true;
    }

    /// Ends the value being read at a `;` (new group) or `:` (sub-parameter).
    pub(crate) fn push_separator(&mut self, colon: bool) {
        self.push_current();
        self.next_is_sub = colon;
        self.pending = true;
    }

    /// Ends the last value when the sequence is complete.
    pub fn finish(&mut self) {
        if self.pending {
            self.push_current();
        }
        self.pending = false;
    }

    fn push_current(&mut self) {
        if self.len < MAX_PARAMS {
            if let Some(slot) = self.values.get_mut(self.len) {
                *slot = self.current;
            }
            if self.next_is_sub && self.len > 0 {
                self.sub_parameter |= 1 << self.len;
            }
            self.len += 1;
        }
        self.current = 0;
        self.next_is_sub = false;
    }

    /// Number of values, sub-parameters included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the sequence had no parameters at all.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The groups of values: each `;`-separated parameter with its
    /// `:` sub-parameters.
    pub fn groups(&self) -> Groups<'_> {
        Groups {
            params: self,
            next: 0,
        }
    }

    /// The first value of group `n`, or `default` when it is missing or 0
    /// (the convention of nearly every control function).
    pub fn arg(&self, n: usize, default: u16) -> u16 {
        match self.groups().nth(n).and_then(|g| g.first().copied()) {
            Some(0) | None => default,
            Some(v) => v,
        }
    }

    fn values(&self) -> &[u16] {
        self.values.get(..self.len).unwrap_or(&[])
    }
}

/// Iterator over the `;`-separated groups of a [`Params`].
pub(crate) struct Groups<'a> {
    params: &'a Params,
    next: usize,
}

impl<'a> Iterator for Groups<'a> {
    type Item = &'a [u16];

    fn next(&mut self) -> Option<&'a [u16]> {
        let values = self.params.values();
        let start = self.next;
        if start >= values.len() {
            return None;
        }
        let mut end = start + 1;
        while end < values.len() && self.params.sub_parameter & (1 << end) != 0 {
            end += 1;
        }
        self.next = end;
        values.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Params {
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

    #[test]
    fn groups_split_on_semicolons_and_keep_colon_sub_parameters() {
        let p = parse("1;38:2::10:20:30;4");
        let groups: Vec<&[u16]> = p.groups().collect();
        assert_eq!(groups, vec![&[1][..], &[38, 2, 0, 10, 20, 30], &[4]]);
    }

    #[test]
    fn empty_values_read_as_zero_and_defaults_apply() {
        let p = parse(";5");
        assert_eq!(p.len(), 2);
        assert_eq!(p.arg(0, 1), 1);
        assert_eq!(p.arg(1, 1), 5);
        assert_eq!(p.arg(7, 3), 3);
        assert!(parse("").is_empty());
    }

    #[test]
    fn huge_values_are_clamped() {
        let p = parse("99999999999999999999;70000");
        assert_eq!(p.arg(0, 1), MAX_PARAM_VALUE);
        assert_eq!(p.arg(1, 1), MAX_PARAM_VALUE);
    }

    #[test]
    fn values_beyond_the_limit_are_dropped() {
        let text = vec!["7"; 100].join(";");
        let p = parse(&text);
        assert_eq!(p.len(), MAX_PARAMS);
        assert_eq!(p.groups().count(), MAX_PARAMS);
    }
}
