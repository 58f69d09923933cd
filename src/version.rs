//! Version and licence text shared by every mode's `--version`.

/// The crate version, e.g. `0.1.0`.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The short git commit this binary was built from (`unknown` outside git).
pub(crate) const GIT_COMMIT: &str = env!("MOSH_RS_GIT_COMMIT");
/// The target triple this binary was built for.
pub(crate) const TARGET: &str = env!("MOSH_RS_TARGET");

/// The full `--version` text for a mode started as `program`.
///
/// The first line keeps upstream's shape (`mosh-server (mosh 1.4.0) ...`)
/// so tools that parse it keep working.
pub fn version_text(program: &str) -> String {
    format!(
        "{program} (mosh-rs {VERSION}) [build {GIT_COMMIT}]\n\
         target: {TARGET}\n\
         Copyright the mosh-rs authors. License: MIT OR Apache-2.0.\n\
         Speaks the mosh protocol version 2 (mosh 1.3/1.4).\n"
    )
}
