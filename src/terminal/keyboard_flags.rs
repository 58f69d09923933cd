//! The progressive keyboard enhancement flags a program asked for (the
//! "kitty keyboard protocol"): one bounded stack per screen, main and
//! alternate, whose top is what the keyboard sends now. `CSI > flags u`
//! pushes, `CSI < n u` pops n, `CSI = flags ; mode u` changes the top
//! (mode 1 sets, 2 adds bits, 3 removes bits), `CSI ? u` asks for the
//! top.

/// Flags beyond the five the protocol defines are dropped.
const KNOWN_FLAGS: u16 = 0b1_1111;

/// Most entries a stack keeps; a push beyond it drops the oldest.
pub(crate) const MAX_DEPTH: usize = 16;

/// One screen's stack of flags, newest last. Empty means flags 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FlagStack(Vec<u8>);

impl FlagStack {
    fn current(&self) -> u8 {
        self.0.last().copied().unwrap_or(0)
    }

    fn push(&mut self, flags: u8) {
        if self.0.len() >= MAX_DEPTH {
            self.0.remove(0);
        }
        self.0.push(flags);
    }

    fn pop(&mut self, count: usize) {
        let keep = self.0.len().saturating_sub(count);
        self.0.truncate(keep);
    }

    fn change(&mut self, flags: u8, mode: u16) {
        let now = self.current();
        let next = match mode {
            2 => now | flags,
            3 => now & !flags,
            _ => flags,
        };
        match self.0.last_mut() {
            Some(top) => *top = next,
            None if next != 0 => self.0.push(next),
            None => {}
        }
    }
}

/// The stacks of both screens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyboardFlags {
    main: FlagStack,
    alternate: FlagStack,
}

/// The flag bits of a parameter, unknown bits dropped.
fn known(flags: u16) -> u8 {
    u8::try_from(flags & KNOWN_FLAGS).unwrap_or(0)
}

impl KeyboardFlags {
    fn stack(&mut self, alternate: bool) -> &mut FlagStack {
        if alternate {
            &mut self.alternate
        } else {
            &mut self.main
        }
    }

    /// The flags in force on the main or the alternate screen.
    pub fn current(&self, alternate: bool) -> u8 {
        if alternate {
            self.alternate.current()
        } else {
            self.main.current()
        }
    }

    /// `CSI > flags u`.
    pub fn push(&mut self, alternate: bool, flags: u16) {
        self.stack(alternate).push(known(flags));
    }

    /// `CSI < count u` (a missing or zero count pops one).
    pub fn pop(&mut self, alternate: bool, count: u16) {
        self.stack(alternate).pop(usize::from(count.max(1)));
    }

    /// `CSI = flags ; mode u` (a missing mode is 1, set).
    pub fn change(&mut self, alternate: bool, flags: u16, mode: u16) {
        self.stack(alternate).change(known(flags), mode);
    }

    /// The answer to `CSI ? u`: `CSI ? flags u`.
    pub fn report(&self, alternate: bool) -> Vec<u8> {
        format!("\x1b[?{}u", self.current(alternate)).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_and_pops_nest_per_screen() {
        let mut flags = KeyboardFlags::default();
        flags.push(false, 1);
        flags.push(false, 3);
        assert_eq!(flags.current(false), 3);
        assert_eq!(flags.current(true), 0, "the alternate screen is apart");
        flags.push(true, 8);
        flags.pop(false, 1);
        assert_eq!(flags.current(false), 1);
        assert_eq!(flags.current(true), 8);
        flags.pop(false, 5);
        assert_eq!(flags.current(false), 0, "popping too far empties it");
    }

    #[test]
    fn a_deep_stack_drops_its_oldest_entry() {
        let mut flags = KeyboardFlags::default();
        flags.push(false, 1);
        for _ in 0..MAX_DEPTH {
            flags.push(false, 2);
        }
        flags.pop(false, u16::try_from(MAX_DEPTH - 1).unwrap());
        assert_eq!(flags.current(false), 2, "the 1 was dropped");
        flags.pop(false, 1);
        assert_eq!(flags.current(false), 0);
    }

    #[test]
    fn changes_set_add_and_remove_bits_of_the_top() {
        let mut flags = KeyboardFlags::default();
        flags.change(false, 5, 1);
        assert_eq!(flags.current(false), 5);
        flags.change(false, 2, 2);
        assert_eq!(flags.current(false), 7);
        flags.change(false, 4, 3);
        assert_eq!(flags.current(false), 3);
        flags.change(false, 0xff, 1);
        assert_eq!(flags.current(false), 31, "unknown bits are dropped");
    }

    #[test]
    fn the_report_names_the_current_flags() {
        let mut flags = KeyboardFlags::default();
        assert_eq!(flags.report(false), b"\x1b[?0u");
        flags.push(false, 1);
        assert_eq!(flags.report(false), b"\x1b[?1u");
    }
}
