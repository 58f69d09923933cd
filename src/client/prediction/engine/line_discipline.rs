//! What the pty's line discipline (sent by a mosh-rs server) tells the
//! predictions, beyond upstream's guard of a tentative epoch after each
//! Return:
//!
//! - input hidden (canonical mode, echo off: `read -s`, `getpass`,
//!   `sudo`): nothing typed is ever predicted or shown, not even in a
//!   confirmed epoch, and the cursor stays where the server has it;
//! - the kernel echoes (canonical mode, echo on: `cat`, a cooked-mode
//!   program): typing is trusted to appear as typed;
//! - a program reads raw keys (readline, editors): it is trusted once it
//!   has echoed a few predictions in a row, and no longer after a wrong
//!   one, learned per program name.
//!
//! Trusted echo lets the first key typed into a fresh prompt show at once
//! (its epoch starts confirmed) instead of a round trip later. Without a
//! discipline (a stock server) nothing here changes anything.

use std::collections::HashMap;

use super::PredictionEngine;
use crate::wire::LineDiscipline;

/// Confirmed predictions in a row after which a raw-mode program is
/// trusted to echo what is typed.
const TRUST_AFTER_CONFIRMATIONS: u32 = 3;
/// Programs remembered at most (the table is cleared when full).
const MAX_PROGRAMS: usize = 64;

/// The line discipline as last heard, and what each raw-mode program has
/// shown of itself.
#[derive(Clone, Debug, Default)]
pub(crate) struct EchoKnowledge {
    discipline: Option<LineDiscipline>,
    /// Confirmations in a row, per program name.
    echoed_in_a_row: HashMap<String, u32>,
}

impl EchoKnowledge {
    /// Typing is read a line at a time and not echoed.
    pub(super) fn input_hidden(&self) -> bool {
        self.discipline
            .as_ref()
            .is_some_and(LineDiscipline::hides_input)
    }

    /// What is typed will show as typed: the kernel echoes, or a raw-mode
    /// program that has echoed every recent prediction reads the keys.
    pub(super) fn echo_trusted(&self) -> bool {
        let Some(discipline) = self.discipline.as_ref() else {
            return false;
        };
        if discipline.canonical {
            return discipline.echo;
        }
        !discipline.program.is_empty()
            && self
                .echoed_in_a_row
                .get(&discipline.program)
                .is_some_and(|n| *n >= TRUST_AFTER_CONFIRMATIONS)
    }

    /// A prediction was confirmed (`true`) or proved wrong (`false`)
    /// while the current program read the keys in raw mode.
    pub(super) fn learn(&mut self, echoed: bool) {
        let Some(discipline) = self.discipline.as_ref() else {
            return;
        };
        if discipline.canonical || discipline.program.is_empty() {
            return;
        }
        if !self.echoed_in_a_row.contains_key(&discipline.program)
            && self.echoed_in_a_row.len() >= MAX_PROGRAMS
        {
            self.echoed_in_a_row.clear();
        }
        let count = self
            .echoed_in_a_row
            .entry(discipline.program.clone())
            .or_insert(0);
        *count = if echoed { count.saturating_add(1) } else { 0 };
    }
}

impl PredictionEngine {
    /// The pty's line discipline, as the newest server state says (`None`
    /// from a stock server).
    pub fn set_line_discipline(&mut self, discipline: Option<&LineDiscipline>) {
        if self.echo.discipline.as_ref() == discipline {
            return;
        }
        self.echo.discipline = discipline.cloned();
        if self.echo.input_hidden() {
            self.reset();
        }
    }

    /// Starts the current epoch confirmed when typing is known to show as
    /// typed and nothing is outstanding, so the first key into a fresh
    /// prompt shows at once.
    pub(super) fn trust_a_fresh_epoch(&mut self) {
        let fresh = self.prediction_epoch > self.confirmed_epoch && !self.is_active();
        if fresh && self.echo.echo_trusted() {
            self.confirmed_epoch = self.prediction_epoch;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discipline(echo: bool, canonical: bool, program: &str) -> Option<LineDiscipline> {
        Some(LineDiscipline {
            echo,
            canonical,
            program: program.into(),
        })
    }

    #[test]
    fn the_kernel_echo_is_trusted_and_hidden_input_never() {
        let mut k = EchoKnowledge::default();
        assert!(!k.echo_trusted() && !k.input_hidden(), "a stock server");
        k.discipline = discipline(true, true, "cat");
        assert!(k.echo_trusted());
        k.discipline = discipline(false, true, "sudo");
        assert!(!k.echo_trusted() && k.input_hidden());
    }

    #[test]
    fn a_raw_mode_program_is_trusted_after_echoing_and_not_after_a_miss() {
        let mut k = EchoKnowledge {
            discipline: discipline(false, false, "bash"),
            ..EchoKnowledge::default()
        };
        for _ in 0..TRUST_AFTER_CONFIRMATIONS {
            assert!(!k.echo_trusted());
            k.learn(true);
        }
        assert!(k.echo_trusted());
        k.discipline = discipline(false, false, "vim");
        assert!(!k.echo_trusted(), "another program is learned on its own");
        k.discipline = discipline(false, false, "bash");
        k.learn(false);
        assert!(!k.echo_trusted(), "bash stopped echoing");
    }

    #[test]
    fn the_table_of_programs_stays_bounded() {
        let mut k = EchoKnowledge::default();
        for n in 0..10 * MAX_PROGRAMS {
            k.discipline = discipline(false, false, &format!("p{n}"));
            k.learn(true);
        }
        assert!(k.echoed_in_a_row.len() <= MAX_PROGRAMS);
    }
}
