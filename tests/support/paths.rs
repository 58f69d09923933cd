//! Where the stock mosh 1.4 programs live (Debian's `mosh` package), the
//! peers every interop test compares with or talks to.

/// The stock Perl wrapper, `mosh`.
pub const STOCK_MOSH: &str = "/usr/bin/mosh";
/// The stock `mosh-client`.
pub const STOCK_CLIENT: &str = "/usr/bin/mosh-client";
/// The stock `mosh-server`.
pub const STOCK_SERVER: &str = "/usr/bin/mosh-server";
