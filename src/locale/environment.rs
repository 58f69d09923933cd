//! The process environment as a value: an ordered set of variables that
//! the client, the server and the bootstrap read and edit without touching
//! the process's own environment.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// An ordered set of environment variables, edited without touching the
/// process's own environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Environment {
    vars: Vec<(OsString, OsString)>,
}

impl Environment {
    /// The environment this process was started with.
    pub(crate) fn from_process() -> Environment {
        Environment {
            vars: std::env::vars_os().collect(),
        }
    }

    #[cfg(test)]
    /// An environment made of these pairs.
    pub(crate) fn from_pairs<K: Into<OsString>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Environment {
        let mut env = Environment::default();
        for (k, v) in pairs {
            env.set(k, v);
        }
        env
    }

    /// The value of `name`, if set (possibly empty).
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_os_str())
    }

    /// The value of `name` as text, if set.
    pub(crate) fn get_str(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string_lossy().into_owned())
    }

    /// Sets `name` to `value`, replacing any earlier value in place.
    pub fn set(&mut self, name: impl Into<OsString>, value: impl Into<OsString>) {
        let name = name.into();
        let value = value.into();
        match self.vars.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name, value)),
        }
    }

    /// Applies a `NAME=VALUE` assignment; text without `=` is ignored.
    pub(crate) fn assign(&mut self, assignment: &OsStr) {
        let bytes = assignment.as_bytes();
        if let Some(eq) = bytes.iter().position(|&b| b == b'=') {
            let (name, value) = (&bytes[..eq], &bytes[eq + 1..]);
            if !name.is_empty() {
                self.set(OsStr::from_bytes(name), OsStr::from_bytes(value));
            }
        }
    }

    /// Removes `name`.
    pub fn remove(&mut self, name: &str) {
        self.vars.retain(|(k, _)| k != name);
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(OsString, OsString)] {
        &self.vars
    }
}
