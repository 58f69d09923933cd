//! The option table: every option of the `mosh` command line as an
//! [`Opt`], its names and kind for `getopt`, and [`Raw`], the values as
//! given, before any check.

use std::ffi::OsString;

use crate::bootstrap::getopt::{Kind, Setting, Spec};

/// One option of the `mosh` command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opt {
    Client,
    Server,
    Predict,
    PredictOverwrite,
    Port,
    Always,
    Never,
    Family,
    Inet,
    Inet6,
    PortShort,
    Ssh,
    SshPty,
    Init,
    Local,
    Help,
    Version,
    FakeProxy,
    BindServer,
    RemoteIp,
    InstallServer,
    Force,
    Verbose,
    Attach,
    Transport,
    Scrollback,
}

impl Opt {
    /// Every option, in the order of the table `getopt` reads.
    pub(super) const ALL: [Opt; 26] = [
        Opt::Client,
        Opt::Server,
        Opt::Predict,
        Opt::PredictOverwrite,
        Opt::Port,
        Opt::Always,
        Opt::Never,
        Opt::Family,
        Opt::Inet,
        Opt::Inet6,
        Opt::PortShort,
        Opt::Ssh,
        Opt::SshPty,
        Opt::Init,
        Opt::Local,
        Opt::Help,
        Opt::Version,
        Opt::FakeProxy,
        Opt::BindServer,
        Opt::RemoteIp,
        Opt::InstallServer,
        Opt::Force,
        Opt::Verbose,
        Opt::Attach,
        Opt::Transport,
        Opt::Scrollback,
    ];

    /// The option's names (canonical first) and what it takes.
    fn spec(self) -> Spec {
        let (names, kind): (&'static [&'static str], Kind) = match self {
            Opt::Client => (&["client"], Kind::Value),
            Opt::Server => (&["server"], Kind::Value),
            Opt::Predict => (&["predict"], Kind::Value),
            Opt::PredictOverwrite => (&["predict-overwrite", "o"], Kind::Negatable),
            Opt::Port => (&["port"], Kind::Value),
            Opt::Always => (&["a"], Kind::Flag),
            Opt::Never => (&["n"], Kind::Flag),
            Opt::Family => (&["family"], Kind::Value),
            Opt::Inet => (&["4"], Kind::Flag),
            Opt::Inet6 => (&["6"], Kind::Flag),
            Opt::PortShort => (&["p"], Kind::Value),
            Opt::Ssh => (&["ssh"], Kind::Value),
            Opt::SshPty => (&["ssh-pty"], Kind::Negatable),
            Opt::Init => (&["init"], Kind::Negatable),
            Opt::Local => (&["local"], Kind::Flag),
            Opt::Help => (&["help"], Kind::Flag),
            // Upstream accepts `--ver` for `--version`; `--verbose` must not
            // make those abbreviations ambiguous, so they are exact names.
            Opt::Version => (&["version", "ver", "vers", "versi", "versio"], Kind::Flag),
            Opt::FakeProxy => (&["fake-proxy"], Kind::Negatable),
            Opt::BindServer => (&["bind-server"], Kind::Value),
            Opt::RemoteIp => (&["experimental-remote-ip"], Kind::Value),
            Opt::InstallServer => (&["install-server"], Kind::Flag),
            Opt::Force => (&["force"], Kind::ExactFlag),
            Opt::Verbose => (&["verbose", "v"], Kind::Flag),
            Opt::Attach => (&["attach"], Kind::OptionalValue),
            Opt::Transport => (&["transport"], Kind::Value),
            Opt::Scrollback => (&["no-scrollback"], Kind::ExactFlag),
        };
        Spec { names, kind }
    }

    /// The table `getopt` reads: entry `i` is `Opt::ALL[i]`.
    pub(super) fn table() -> [Spec; 26] {
        Opt::ALL.map(Opt::spec)
    }
}

/// Option values as given, before they are checked.
#[derive(Debug, Default)]
pub(super) struct Raw {
    pub(super) client: Option<OsString>,
    pub(super) server: Option<OsString>,
    pub(super) predict: Option<OsString>,
    pub(super) predict_overwrite: bool,
    pub(super) port: Option<OsString>,
    pub(super) family: Option<OsString>,
    pub(super) ssh: Option<OsString>,
    pub(super) ssh_pty: Option<bool>,
    pub(super) init: Option<bool>,
    pub(super) scrollback: Option<bool>,
    pub(super) local: bool,
    pub(super) help: bool,
    pub(super) version: bool,
    pub(super) fake_proxy: bool,
    pub(super) bind_server: Option<OsString>,
    pub(super) remote_ip: Option<OsString>,
    pub(super) install_server: bool,
    pub(super) force: bool,
    pub(super) verbose: u32,
    pub(super) attach: Option<Option<OsString>>,
    pub(super) transport: Option<OsString>,
}

impl Raw {
    /// Records one occurrence of `opt`.
    pub(super) fn apply(&mut self, opt: Opt, setting: Setting) {
        let on = setting != Setting::Off;
        let value = match setting {
            Setting::Value(v) => Some(v),
            _ => None,
        };
        match opt {
            Opt::Client => self.client = value,
            Opt::Server => self.server = value,
            Opt::Predict => self.predict = value,
            Opt::PredictOverwrite => self.predict_overwrite = on,
            Opt::Port | Opt::PortShort => self.port = value,
            Opt::Always => self.predict = Some("always".into()),
            Opt::Never => self.predict = Some("never".into()),
            Opt::Family => self.family = value,
            Opt::Inet => self.family = Some("inet".into()),
            Opt::Inet6 => self.family = Some("inet6".into()),
            Opt::Ssh => self.ssh = value,
            Opt::SshPty => self.ssh_pty = Some(on),
            Opt::Init => self.init = Some(on),
            Opt::Local => self.local = true,
            Opt::Help => self.help = true,
            Opt::Version => self.version = true,
            Opt::FakeProxy => self.fake_proxy = on,
            Opt::BindServer => self.bind_server = value,
            Opt::RemoteIp => self.remote_ip = value,
            Opt::InstallServer => self.install_server = true,
            Opt::Force => self.force = true,
            Opt::Verbose => self.verbose = self.verbose.saturating_add(1),
            Opt::Attach => self.attach = Some(value),
            Opt::Transport => self.transport = value,
            Opt::Scrollback => self.scrollback = Some(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_option_once_in_declaration_order() {
        for (position, opt) in Opt::ALL.iter().enumerate() {
            assert_eq!(*opt as usize, position, "{opt:?}");
        }
        assert_eq!(Opt::ALL.last(), Some(&Opt::Scrollback));
    }
}
