//! The locale and the environment it is read from, shared by the client,
//! the server and the bootstrap (a layer below all three, so none of them
//! imports another for it).
//!
//! `environment` holds a set of variables as a value; `charset` decides
//! from `LC_ALL`, `LC_CTYPE` and `LANG` whether a session is UTF-8, and
//! lists the variables that take part in choosing a locale.

pub(crate) mod charset;
pub(crate) mod environment;

pub use charset::charset;
pub(crate) use charset::{ctype_variable, ensure_utf8, is_utf8, LOCALE_VARIABLES};
pub(crate) use environment::Environment;
