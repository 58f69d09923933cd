//! Shell words in both directions: splitting `--ssh=COMMAND` into an
//! argument vector the way upstream's wrapper does (Perl's
//! `Text::ParseWords::shellwords`), and quoting words for the remote
//! shell so each arrives as exactly one argument.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// `--ssh` could not be split: a quote is never closed or a backslash ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unbalanced;

/// Splits `line` into words: blanks separate words; `"…"` groups and
/// drops a backslash before any character; `'…'` groups and keeps
/// backslashes (a backslash still protects the next character from ending
/// the quote); outside quotes a backslash makes the next character plain.
/// Quotes next to other text join it into one word; `""` is an empty word.
pub fn split(line: &OsStr) -> Result<Vec<OsString>, Unbalanced> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        i += 1;
        match byte {
            b if is_blank(b) => {
                if let Some(done) = word.take() {
                    words.push(OsString::from_vec(done));
                }
            }
            b'\\' => {
                let &next = bytes.get(i).ok_or(Unbalanced)?;
                i += 1;
                word.get_or_insert_with(Vec::new).push(next);
            }
            b'"' | b'\'' => {
                let (content, after) = quoted(bytes, i, byte)?;
                word.get_or_insert_with(Vec::new).extend(content);
                i = after;
            }
            other => word.get_or_insert_with(Vec::new).push(other),
        }
    }
    if let Some(done) = word {
        words.push(OsString::from_vec(done));
    }
    Ok(words)
}

/// The content of a quote opened just before `start`, and the index after
/// its closing quote.
fn quoted(bytes: &[u8], start: usize, quote: u8) -> Result<(Vec<u8>, usize), Unbalanced> {
    let mut content = Vec::new();
    let mut i = start;
    loop {
        let &byte = bytes.get(i).ok_or(Unbalanced)?;
        i += 1;
        if byte == quote {
            return Ok((content, i));
        }
        if byte == b'\\' {
            let &next = bytes.get(i).ok_or(Unbalanced)?;
            i += 1;
            if quote == b'\'' {
                content.push(b'\\');
            }
            content.push(next);
        } else {
            content.push(byte);
        }
    }
}

/// Perl's `\s`: space, tab, newline, vertical tab, form feed, return.
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Quotes each word for a POSIX shell (`'…'`, with `'` written as
/// `'\''`) and joins them with spaces.
pub fn quote<S: AsRef<OsStr>>(words: &[S]) -> OsString {
    let mut out = Vec::new();
    for (n, word) in words.iter().enumerate() {
        if n > 0 {
            out.push(b' ');
        }
        out.push(b'\'');
        for &byte in word.as_ref().as_bytes() {
            if byte == b'\'' {
                out.extend_from_slice(b"'\\''");
            } else {
                out.push(byte);
            }
        }
        out.push(b'\'');
    }
    OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(OsStr::new(line))
            .unwrap()
            .into_iter()
            .map(|w| w.into_string().unwrap())
            .collect()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(
            words("  ssh  -p 2222\t-v \n"),
            vec!["ssh", "-p", "2222", "-v"]
        );
        assert!(words("   ").is_empty());
    }

    #[test]
    fn quotes_group_and_join_adjacent_text() {
        assert_eq!(
            words(r#"ssh -i "/tmp/my key" -o'User x'y "" end"#),
            vec!["ssh", "-i", "/tmp/my key", "-oUser xy", "", "end"]
        );
    }

    #[test]
    fn backslashes_follow_perl_parse_words() {
        assert_eq!(words(r"a\ b"), vec!["a b"]);
        assert_eq!(words(r#""a\"b\\c\d""#), vec![r#"a"b\cd"#]);
        assert_eq!(words(r"'it\'s'"), vec![r"it\'s"]);
    }

    #[test]
    fn unbalanced_lines_are_refused() {
        for line in [r#"ssh "oops"#, "ssh 'oops", r"ssh \"] {
            assert_eq!(split(OsStr::new(line)), Err(Unbalanced), "{line}");
        }
    }

    #[test]
    fn quoting_survives_a_real_shell() {
        let tricky = ["plain", "two words", "it's", "", "$HOME `x` \\ \"q\"", "*"];
        let script = format!(
            "for a in {}; do printf '<%s>' \"$a\"; done",
            quote(&tricky).to_str().unwrap()
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let expected: String = tricky.iter().map(|w| format!("<{w}>")).collect();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    }

    #[test]
    fn split_undoes_quote() {
        let tricky = ["a b", "it's", "x\"y", "back\\slash", ""];
        let back = split(&quote(&tricky)).unwrap();
        assert_eq!(back, tricky);
    }
}
