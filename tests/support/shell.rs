//! Quoting for a POSIX shell, for the command lines tests hand to tmux,
//! ssh and `sh -c`.

/// Quotes `s` as one word for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Quotes each of `words` and joins them with spaces.
pub fn sh_quote(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}
