//! Release checks, in one test binary to keep `make test`'s build time
//! down: the aarch64, ppc64le and riscv64 builds under qemu, the tarballs `make
//! dist` makes, `install.sh` and `make install`, the man pages, shell
//! completion and the conda-forge recipe and the Homebrew formula. `make test` passes the builds
//! and the dist directory in `$MOSH_RS_BIN`, `$MOSH_RS_AARCH64_BIN`,
//! `$MOSH_RS_PPC64LE_BIN`, `$MOSH_RS_RISCV64_BIN`, `$MOSH_RS_DIST_DIR`.

#[path = "../support/mod.rs"]
mod support;
#[path = "../terminal_streams/mod.rs"]
mod terminal_streams;

mod aarch64;
mod completions;
mod conda_recipe;
mod dist;
mod emulated;
mod homebrew;
mod install;
mod man_pages;
mod ppc64le;
mod riscv64;
