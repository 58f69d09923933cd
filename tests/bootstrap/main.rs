//! The start-up tests, one binary: the `mosh` wrapper with --local,
//! through sshd, a ProxyCommand and --install-server (`bootstrap_*`),
//! and the command lines of all three programs against upstream's
//! (`*_cli`).

#[path = "../support/mod.rs"]
mod support;

mod bootstrap_cli;
mod bootstrap_install;
mod bootstrap_local;
mod bootstrap_proxy;
mod bootstrap_ssh;
mod client_cli;
mod server_cli;
