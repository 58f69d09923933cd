//! A reader of compiled terminfo entries, so the client learns the few
//! capabilities it needs (colour count, back-colour erase, erase-characters,
//! alternate screen and keypad strings) without linking ncurses.
//!
//! Both the legacy format (magic 0o432, 16-bit numbers) and the extended
//! number format (magic 0o1036, 32-bit numbers) are read, including the
//! extended (user-defined) capability section. Every read is bounds-checked:
//! a corrupt file is an error, never a panic.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

const MAGIC_LEGACY: u16 = 0o432;
const MAGIC_NUMBERS_32: u16 = 0o1036;
/// Compiled entries are small (xterm-256color is about 4 KiB); anything
/// much larger is not a terminfo file.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Standard capabilities the client asks for, by their index in the
/// compiled tables (the order fixed by the terminfo format).
const BOOLEAN_INDEX: &[(&str, usize)] = &[("am", 1), ("xenl", 4), ("bce", 28)];
const NUMBER_INDEX: &[(&str, usize)] = &[("cols", 0), ("lines", 2), ("colors", 13)];
const STRING_INDEX: &[(&str, usize)] = &[
    ("clear", 5),
    ("el", 6),
    ("cup", 10),
    ("smcup", 28),
    ("ech", 37),
    ("sgr0", 39),
    ("rmcup", 40),
    ("rmkx", 88),
    ("smkx", 89),
];

/// Why a terminfo file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TermInfoError {
    /// The file ended before a section it announces.
    Truncated,
    /// The first two bytes are not a terminfo magic number.
    BadMagic(u16),
    /// A count or size in the header is negative or impossible.
    BadHeader,
}

impl fmt::Display for TermInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TermInfoError::Truncated => write!(f, "terminfo entry is truncated"),
            TermInfoError::BadMagic(m) => write!(f, "not a terminfo entry (magic {m:#o})"),
            TermInfoError::BadHeader => write!(f, "terminfo entry has an invalid header"),
        }
    }
}

impl std::error::Error for TermInfoError {}

/// A value of an extended (user-defined) capability.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Extended {
    Flag(bool),
    Number(i32),
    Text(Vec<u8>),
}

/// One parsed terminfo entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TermInfo {
    names: String,
    booleans: Vec<bool>,
    numbers: Vec<Option<i32>>,
    strings: Vec<Option<Vec<u8>>>,
    extended: HashMap<String, Extended>,
}

impl TermInfo {
    /// Parses a compiled entry.
    pub fn parse(bytes: &[u8]) -> Result<TermInfo, TermInfoError> {
        let mut reader = Reader { bytes, pos: 0 };
        let magic = reader.u16()?;
        let number_width = match magic {
            MAGIC_LEGACY => 2,
            MAGIC_NUMBERS_32 => 4,
            other => return Err(TermInfoError::BadMagic(other)),
        };
        let names_len = reader.count()?;
        let bool_count = reader.count()?;
        let number_count = reader.count()?;
        let string_count = reader.count()?;
        let table_len = reader.count()?;

        let names = reader.take(names_len)?;
        let names = String::from_utf8_lossy(names.strip_suffix(&[0]).unwrap_or(names)).into();
        let booleans = reader.take(bool_count)?.iter().map(|&b| b == 1).collect();
        reader.align_even();
        let numbers = reader.numbers(number_count, number_width)?;
        let offsets = reader.offsets(string_count)?;
        let table = reader.take(table_len)?;
        let strings = offsets.iter().map(|&o| string_at(table, o)).collect();

        let mut entry = TermInfo {
            names,
            booleans,
            numbers,
            strings,
            extended: HashMap::new(),
        };
        reader.align_even();
        if reader.remaining() > 0 {
            // A damaged extended section loses only the extended names.
            if let Ok(extended) = read_extended(&mut reader, number_width) {
                entry.extended = extended;
            }
        }
        Ok(entry)
    }

    /// Reads and parses the entry at `path`.
    pub fn read(path: &Path) -> Result<TermInfo, String> {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{}: too large for a terminfo entry",
                path.display()
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        TermInfo::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    #[cfg(test)]
    /// The entry's names line, e.g. `xterm-256color|xterm with 256 colors`.
    pub fn names(&self) -> &str {
        &self.names
    }

    /// A boolean capability; absent means false.
    pub(crate) fn flag(&self, name: &str) -> bool {
        if let Some(index) = lookup(BOOLEAN_INDEX, name) {
            return self.booleans.get(index).copied().unwrap_or(false);
        }
        matches!(self.extended.get(name), Some(Extended::Flag(true)))
    }

    /// A numeric capability, if present.
    pub fn number(&self, name: &str) -> Option<i32> {
        if let Some(index) = lookup(NUMBER_INDEX, name) {
            return self.numbers.get(index).copied().flatten();
        }
        match self.extended.get(name) {
            Some(Extended::Number(n)) => Some(*n),
            _ => None,
        }
    }

    /// A string capability, if present.
    pub fn string(&self, name: &str) -> Option<&[u8]> {
        if let Some(index) = lookup(STRING_INDEX, name) {
            return self.strings.get(index).and_then(|s| s.as_deref());
        }
        match self.extended.get(name) {
            Some(Extended::Text(s)) => Some(s),
            _ => None,
        }
    }
}

fn lookup(table: &[(&str, usize)], name: &str) -> Option<usize> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, i)| i)
}

/// A NUL-terminated string starting at `offset` in `table`; negative
/// offsets mean absent or cancelled.
fn string_at(table: &[u8], offset: i32) -> Option<Vec<u8>> {
    let start = usize::try_from(offset).ok()?;
    let rest = table.get(start..)?;
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Some(rest[..end].to_vec())
}

fn read_extended(
    reader: &mut Reader<'_>,
    number_width: usize,
) -> Result<HashMap<String, Extended>, TermInfoError> {
    let bool_count = reader.count()?;
    let number_count = reader.count()?;
    let string_count = reader.count()?;
    let _table_entries = reader.count()?;
    let table_len = reader.count()?;

    let booleans: Vec<bool> = reader.take(bool_count)?.iter().map(|&b| b == 1).collect();
    reader.align_even();
    let numbers = reader.numbers(number_count, number_width)?;
    let value_offsets = reader.offsets(string_count)?;
    let name_offsets = reader.offsets(bool_count + number_count + string_count)?;
    let table = reader.take(table_len)?;

    // Names follow the string values in the table: they start one past the
    // end of the last string value.
    let names_start = value_offsets
        .iter()
        .filter_map(|&o| {
            let s = string_at(table, o)?;
            Some(usize::try_from(o).ok()? + s.len() + 1)
        })
        .max()
        .unwrap_or(0);
    let names_table = table.get(names_start..).unwrap_or(&[]);
    let name = |i: usize| {
        name_offsets
            .get(i)
            .and_then(|&o| string_at(names_table, o))
            .map(|n| String::from_utf8_lossy(&n).into_owned())
    };

    let mut extended = HashMap::new();
    for (i, &flag) in booleans.iter().enumerate() {
        if let Some(n) = name(i) {
            extended.insert(n, Extended::Flag(flag));
        }
    }
    for (i, number) in numbers.iter().enumerate() {
        if let (Some(n), Some(v)) = (name(bool_count + i), number) {
            extended.insert(n, Extended::Number(*v));
        }
    }
    for (i, &offset) in value_offsets.iter().enumerate() {
        if let (Some(n), Some(v)) = (
            name(bool_count + number_count + i),
            string_at(table, offset),
        ) {
            extended.insert(n, Extended::Text(v));
        }
    }
    Ok(extended)
}

/// A cursor over the little-endian fields of a compiled entry.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], TermInfoError> {
        let end = self.pos.checked_add(len).ok_or(TermInfoError::BadHeader)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(TermInfoError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self) -> Result<u16, TermInfoError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn i16(&mut self) -> Result<i16, TermInfoError> {
        let b = self.take(2)?;
        Ok(i16::from_le_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, TermInfoError> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A header count: a non-negative 16-bit value.
    fn count(&mut self) -> Result<usize, TermInfoError> {
        usize::try_from(self.i16()?).map_err(|_| TermInfoError::BadHeader)
    }

    fn numbers(&mut self, count: usize, width: usize) -> Result<Vec<Option<i32>>, TermInfoError> {
        (0..count)
            .map(|_| {
                let value = if width == 4 {
                    self.i32()?
                } else {
                    i32::from(self.i16()?)
                };
                Ok((value >= 0).then_some(value))
            })
            .collect()
    }

    fn offsets(&mut self, count: usize) -> Result<Vec<i32>, TermInfoError> {
        (0..count).map(|_| Ok(i32::from(self.i16()?))).collect()
    }

    fn align_even(&mut self) {
        if self.pos % 2 == 1 && self.pos < self.bytes.len() {
            self.pos += 1;
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}

/// The directories searched for `term`'s entry, in ncurses' order:
/// `$TERMINFO`, `~/.terminfo`, `$TERMINFO_DIRS` (an empty element means
/// the system directories), then the system directories.
pub(crate) fn search_dirs(env: &dyn Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    const SYSTEM: &[&str] = &["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"];
    let mut dirs = Vec::new();
    if let Some(dir) = env("TERMINFO").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(home) = env("HOME").filter(|d| !d.is_empty()) {
        dirs.push(Path::new(&home).join(".terminfo"));
    }
    if let Some(list) = env("TERMINFO_DIRS") {
        for part in std::env::split_paths(&list) {
            if part.as_os_str().is_empty() {
                dirs.extend(SYSTEM.iter().map(PathBuf::from));
            } else {
                dirs.push(part);
            }
        }
    }
    dirs.extend(SYSTEM.iter().map(PathBuf::from));
    dirs
}

/// Finds and reads `term`'s entry, trying both directory layouts
/// (`x/xterm` and the hexadecimal `78/xterm`).
pub fn load(term: &str, env: &dyn Fn(&str) -> Option<OsString>) -> Option<TermInfo> {
    let first = *term.as_bytes().first()?;
    if term.contains('/') || term.starts_with('.') {
        return None;
    }
    let letter_dir = char::from(first).to_string();
    let hex_dir = format!("{first:02x}");
    search_dirs(env).iter().find_map(|dir| {
        [&letter_dir, &hex_dir]
            .iter()
            .map(|sub| dir.join(sub).join(term))
            .find_map(|path| TermInfo::read(&path).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system_env(name: &str) -> Option<OsString> {
        match name {
            "HOME" => Some("/nonexistent".into()),
            _ => None,
        }
    }

    #[test]
    fn reads_xterm_256color_from_the_system_database() {
        let Some(entry) = load("xterm-256color", &system_env) else {
            eprintln!("SKIPPED: no xterm-256color entry on this machine");
            return;
        };
        assert!(entry.names().starts_with("xterm-256color"));
        assert_eq!(entry.number("colors"), Some(256));
        assert!(entry.flag("bce"));
        assert!(entry.flag("am"));
        assert_eq!(entry.string("ech"), Some(&b"\x1b[%p1%dX"[..]));
        assert_eq!(entry.string("smkx"), Some(&b"\x1b[?1h\x1b="[..]));
        assert_eq!(entry.string("rmkx"), Some(&b"\x1b[?1l\x1b>"[..]));
        assert!(entry
            .string("smcup")
            .is_some_and(|s| s.starts_with(b"\x1b[?1049h")));
    }

    #[test]
    fn reads_extended_capabilities() {
        let Some(entry) = load("xterm-256color", &system_env) else {
            eprintln!("SKIPPED: no xterm-256color entry on this machine");
            return;
        };
        // xterm's entries define the user capability `XT` (xterm titles).
        assert!(entry.flag("XT"));
        assert!(!entry.flag("no-such-capability"));
    }

    #[test]
    fn vt100_has_no_colours_or_ech() {
        let Some(entry) = load("vt100", &system_env) else {
            eprintln!("SKIPPED: no vt100 entry on this machine");
            return;
        };
        assert_eq!(entry.number("colors"), None);
        assert_eq!(entry.string("ech"), None);
        assert!(!entry.flag("bce"));
    }

    fn synthetic_legacy_entry() -> Vec<u8> {
        synthetic_entry(MAGIC_LEGACY)
    }

    fn synthetic_entry(magic: u16) -> Vec<u8> {
        let mut bytes = Vec::new();
        let names = b"toy|a toy terminal\0";
        let header = [magic as i16, names.len() as i16, 29, 14, 41, 6];
        for h in header {
            bytes.extend_from_slice(&h.to_le_bytes());
        }
        bytes.extend_from_slice(names);
        let mut bools = vec![0u8; 29];
        bools[28] = 1; // bce
        bytes.extend_from_slice(&bools);
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        for i in 0..14i16 {
            let value: i32 = if i == 13 { 88 } else { -1 };
            if magic == MAGIC_NUMBERS_32 {
                bytes.extend_from_slice(&value.to_le_bytes());
            } else {
                bytes.extend_from_slice(&(value as i16).to_le_bytes());
            }
        }
        for i in 0..41i16 {
            let offset: i16 = if i == 37 { 0 } else { -1 };
            bytes.extend_from_slice(&offset.to_le_bytes());
        }
        bytes.extend_from_slice(b"ECH!\0\0");
        bytes
    }

    #[test]
    fn parses_a_hand_built_legacy_entry() {
        let entry = TermInfo::parse(&synthetic_legacy_entry()).unwrap();
        assert_eq!(entry.names(), "toy|a toy terminal");
        assert!(entry.flag("bce"));
        assert!(!entry.flag("am"));
        assert_eq!(entry.number("colors"), Some(88));
        assert_eq!(entry.number("cols"), None);
        assert_eq!(entry.string("ech"), Some(&b"ECH!"[..]));
        assert_eq!(entry.string("smcup"), None);
    }

    #[test]
    fn parses_the_32_bit_number_format() {
        let entry = TermInfo::parse(&synthetic_entry(MAGIC_NUMBERS_32)).unwrap();
        assert_eq!(entry.number("colors"), Some(88));
        assert_eq!(entry.string("ech"), Some(&b"ECH!"[..]));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = synthetic_legacy_entry();
        for len in 0..full.len() - 6 {
            assert!(TermInfo::parse(&full[..len]).is_err(), "length {len}");
        }
    }

    #[test]
    fn random_corruption_never_panics() {
        let full = synthetic_legacy_entry();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = full.clone();
            let index = (state as usize) % bytes.len();
            bytes[index] = (state >> 32) as u8;
            let _ = TermInfo::parse(&bytes);
        }
    }

    #[test]
    fn rejects_wrong_magic() {
        assert_eq!(
            TermInfo::parse(&[0x1a, 0x02, 0, 0]),
            Err(TermInfoError::BadMagic(0x021a))
        );
    }

    #[test]
    fn search_order_follows_ncurses() {
        let env = |name: &str| -> Option<OsString> {
            match name {
                "TERMINFO" => Some("/a".into()),
                "HOME" => Some("/home/u".into()),
                "TERMINFO_DIRS" => Some("/b::/c".into()),
                _ => None,
            }
        };
        let dirs = search_dirs(&env);
        let expected: Vec<PathBuf> = [
            "/a",
            "/home/u/.terminfo",
            "/b",
            "/etc/terminfo",
            "/lib/terminfo",
            "/usr/share/terminfo",
            "/c",
            "/etc/terminfo",
            "/lib/terminfo",
            "/usr/share/terminfo",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(dirs, expected);
    }
}
