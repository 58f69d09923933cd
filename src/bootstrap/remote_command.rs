//! The command lines the bootstrap builds: the server's arguments
//! (`new -c COLOURS [-s | -i IP] [-p PORT] -l VAR=… [-- command…]`), the
//! remote shell command that runs them, ssh's own argument vector and the
//! fake ProxyCommand, all as upstream's wrapper builds them.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use super::options::{BindServer, Options, RemoteIp};
use super::resolve::Family;
use super::shell_words;
use crate::locale::LOCALE_VARIABLES;

/// `NAME=value` for every locale variable that is set, in
/// [`LOCALE_VARIABLES`] order (the order upstream passes them with `-l`).
pub(crate) fn locale_assignments(env: &dyn Fn(&str) -> Option<OsString>) -> Vec<OsString> {
    LOCALE_VARIABLES
        .iter()
        .filter_map(|name| {
            env(name).map(|value| {
                let mut assignment = OsString::from(format!("{name}="));
                assignment.push(value);
                assignment
            })
        })
        .collect()
}

/// The server's bind arguments for `--bind-server`. With `--local` the
/// default binds to `local_host` (the address the client will use).
pub(crate) fn bind_arguments(bind: &BindServer, local_host: Option<&str>) -> Vec<OsString> {
    match (bind, local_host) {
        (BindServer::Ssh, None) => vec!["-s".into()],
        (BindServer::Ssh, Some(host)) => vec!["-i".into(), host.into()],
        (BindServer::Any, _) => Vec::new(),
        (BindServer::Ip(ip), _) => vec!["-i".into(), ip.clone()],
    }
}

/// The arguments after the server program: `new -c COLOURS …`.
pub(crate) fn server_arguments(
    options: &Options,
    colors: u32,
    bind: Vec<OsString>,
    locale: Vec<OsString>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(id) = &options.attach {
        // `attach [ID]` ignores the `new …` words that follow.
        args.push("attach".into());
        args.extend(id.iter().map(OsString::from));
    }
    args.extend(["new".into(), "-c".into(), colors.to_string().into()]);
    args.extend((0..options.verbose.min(3)).map(|_| OsString::from("-v")));
    args.extend(bind);
    if let Some(port) = &options.port {
        args.push("-p".into());
        args.push(port.text.clone().into());
    }
    for assignment in locale {
        args.push("-l".into());
        args.push(assignment);
    }
    if !options.command.is_empty() {
        args.push("--".into());
        args.extend(options.command.iter().cloned());
    }
    args
}

/// A remote printer of `$SSH_CONNECTION` as a `MOSH SSH_CONNECTION` line,
/// run by `sh` because the login shell may not be a POSIX shell; it ends
/// with `; ` so the server command can follow.
pub(crate) fn ssh_connection_printer() -> OsString {
    let script =
        r#"[ -n "$SSH_CONNECTION" ] && printf "\nMOSH SSH_CONNECTION %s\n" "$SSH_CONNECTION""#;
    let mut printer = OsString::from("sh -c ");
    printer.push(shell_words::quote(&[script]));
    printer.push(" ; ");
    printer
}

/// `SERVER 'arg' 'arg' …`: the server command is left unquoted (it may
/// carry its own options or a `~`), its arguments are quoted.
pub(crate) fn server_command_line(server: &OsStr, args: &[OsString]) -> OsString {
    let mut line = server.to_owned();
    line.push(" ");
    line.push(shell_words::quote(args));
    line
}

/// ssh's argument vector: the `--ssh` words, `-n` (unless ssh must feed
/// the remote's stdin), `-tt` (unless `--no-ssh-pty`), `-4`/`-6` for
/// `--experimental-remote-ip=remote`, the session's own ControlMaster
/// options (`master`), the ProxyCommand for `proxy`, then
/// `USER@HOST -- REMOTE_COMMAND`. With the ProxyCommand, ssh must not go
/// through an existing master (it would not run the ProxyCommand that
/// tells the address): `-S none`, unless the session's own master is
/// new and so certainly connects afresh.
pub(crate) fn ssh_argv(
    options: &Options,
    user_host: &OsStr,
    proxy_command: Option<OsString>,
    feeds_stdin: bool,
    master: &[OsString],
    remote_command: OsString,
) -> Vec<OsString> {
    let mut argv = options.ssh.clone();
    if !feeds_stdin {
        argv.push("-n".into());
    }
    if options.ssh_pty && !feeds_stdin {
        argv.push("-tt".into());
    }
    if options.remote_ip == RemoteIp::Remote {
        match options.family {
            Family::Inet => argv.push("-4".into()),
            Family::Inet6 => argv.push("-6".into()),
            _ => {}
        }
    }
    argv.extend_from_slice(master);
    if let Some(proxy) = proxy_command {
        if master.is_empty() {
            argv.push("-S".into());
            argv.push("none".into());
        }
        argv.push("-o".into());
        let mut setting = OsString::from("ProxyCommand=");
        setting.push(proxy);
        argv.push(setting);
    }
    argv.push(user_host.to_owned());
    argv.push("--".into());
    argv.push(remote_command);
    argv
}

/// The ProxyCommand that makes ssh connect through this binary:
/// `'EXE' mosh '--family=F' --fake-proxy -- %h %p`. A `%` in the path is
/// doubled so ssh does not expand it.
pub(crate) fn proxy_command(exe: &Path, family: Family) -> OsString {
    let exe_escaped = escape_percent(exe.as_os_str());
    let mut command = shell_words::quote(&[
        exe_escaped.as_os_str(),
        OsStr::new("mosh"),
        OsStr::new(&format!("--family={family}")),
    ]);
    command.push(" --fake-proxy -- %h %p");
    command
}

fn escape_percent(text: &OsStr) -> OsString {
    let mut out = Vec::with_capacity(text.len());
    for &byte in text.as_bytes() {
        out.push(byte);
        if byte == b'%' {
            out.push(b'%');
        }
    }
    OsString::from_vec(out)
}

/// Splits `[user@]host` at its last `@`: `("user@", "host")`.
pub(crate) fn split_user_host(user_host: &str) -> (&str, &str) {
    match user_host.rfind('@') {
        Some(at) => user_host.split_at(at + 1),
        None => ("", user_host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::options::session_options as options;
    use crate::bootstrap::options::{parse, Request};

    fn strings(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn server_arguments_follow_upstream_order() {
        let o = options(&["-p", "60001:60005", "host", "--", "sh", "-c", "echo 'x y'"]);
        let locale = vec!["LANG=C.UTF-8".into(), "LC_ALL=en_US.UTF-8".into()];
        let args = server_arguments(&o, 256, bind_arguments(&o.bind_server, None), locale);
        assert_eq!(
            strings(&args),
            [
                "new",
                "-c",
                "256",
                "-s",
                "-p",
                "60001:60005",
                "-l",
                "LANG=C.UTF-8",
                "-l",
                "LC_ALL=en_US.UTF-8",
                "--",
                "sh",
                "-c",
                "echo 'x y'"
            ]
        );
    }

    #[test]
    fn bind_arguments_cover_every_choice() {
        assert_eq!(strings(&bind_arguments(&BindServer::Ssh, None)), ["-s"]);
        assert_eq!(
            strings(&bind_arguments(&BindServer::Ssh, Some("127.0.0.1"))),
            ["-i", "127.0.0.1"]
        );
        assert!(bind_arguments(&BindServer::Any, Some("127.0.0.1")).is_empty());
        assert_eq!(
            strings(&bind_arguments(&BindServer::Ip("10.0.0.2".into()), None)),
            ["-i", "10.0.0.2"]
        );
    }

    #[test]
    fn locale_assignments_keep_order_and_skip_unset() {
        let env = |name: &str| match name {
            "LC_ALL" => Some(OsString::from("C.UTF-8")),
            "LANG" => Some(OsString::from("en_US.UTF-8")),
            _ => None,
        };
        assert_eq!(
            strings(&locale_assignments(&env)),
            ["LANG=en_US.UTF-8", "LC_ALL=C.UTF-8"]
        );
    }

    #[test]
    fn ssh_argv_has_upstream_shape() {
        let o = options(&["--ssh=ssh -p 2222", "me@host"]);
        let proxy = proxy_command(Path::new("/opt/my bin/mosh-rs"), o.family);
        let argv = ssh_argv(
            &o,
            OsStr::new("me@host"),
            Some(proxy),
            false,
            &[],
            "CMD".into(),
        );
        assert_eq!(
            strings(&argv),
            [
                "ssh",
                "-p",
                "2222",
                "-n",
                "-tt",
                "-S",
                "none",
                "-o",
                "ProxyCommand='/opt/my bin/mosh-rs' 'mosh' '--family=prefer-inet' --fake-proxy -- %h %p",
                "me@host",
                "--",
                "CMD"
            ]
        );
        let o = options(&["--no-ssh-pty", "-4", "--experimental-remote-ip=remote", "h"]);
        let argv = ssh_argv(&o, OsStr::new("h"), None, false, &[], "CMD".into());
        assert_eq!(strings(&argv), ["ssh", "-n", "-4", "h", "--", "CMD"]);
        let o = options(&["h"]);
        let argv = ssh_argv(&o, OsStr::new("h"), None, true, &[], "CMD".into());
        assert_eq!(strings(&argv), ["ssh", "h", "--", "CMD"]);
    }

    #[test]
    fn the_sessions_own_master_replaces_dash_s_none() {
        let o = options(&["h"]);
        let proxy = proxy_command(Path::new("/bin/mosh-rs"), o.family);
        let master = [OsString::from("-o"), OsString::from("ControlPath=/run/m")];
        let argv = strings(&ssh_argv(
            &o,
            OsStr::new("h"),
            Some(proxy),
            false,
            &master,
            "C".into(),
        ));
        assert!(!argv.contains(&"none".to_string()), "{argv:?}");
        let at = argv.iter().position(|w| w == "ControlPath=/run/m").unwrap();
        assert!(at < argv.iter().position(|w| w == "h").unwrap());
    }

    #[test]
    fn percent_signs_in_the_path_survive_ssh_expansion() {
        let proxy = proxy_command(Path::new("/x%y/mosh-rs"), Family::Inet);
        assert!(proxy
            .to_str()
            .unwrap()
            .starts_with("'/x%%y/mosh-rs' 'mosh' '--family=inet'"));
    }

    #[test]
    fn the_remote_command_runs_in_a_real_shell() {
        let args: Vec<OsString> = vec!["new".into(), "it's".into(), "a b".into()];
        let mut line = ssh_connection_printer();
        line.push(server_command_line(OsStr::new("printf '<%s>'"), &args));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .env("SSH_CONNECTION", "10.0.0.9 5 10.0.0.1 22")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "\nMOSH SSH_CONNECTION 10.0.0.9 5 10.0.0.1 22\n<new><it's><a b>"
        );
    }

    #[test]
    fn user_and_host_split_at_the_last_at_sign() {
        assert_eq!(split_user_host("a@b@host"), ("a@b@", "host"));
        assert_eq!(split_user_host("host"), ("", "host"));
    }

    #[test]
    fn attach_puts_attach_and_the_id_before_new() {
        let o = options(&["--attach=ab12cd34", "host"]);
        let args = strings(&server_arguments(&o, 8, vec![], vec![]));
        assert_eq!(args[..4], ["attach", "ab12cd34", "new", "-c"]);
        let o = options(&["--attach", "host"]);
        let args = strings(&server_arguments(&o, 8, vec![], vec![]));
        assert_eq!(args[..3], ["attach", "new", "-c"]);
        assert_eq!(o.user_host, "host");
        let plain = strings(&server_arguments(&options(&["host"]), 8, vec![], vec![]));
        assert_eq!(plain[0], "new");
    }

    #[test]
    fn attach_refuses_bad_ids_and_commands() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        for bad in [&["--attach=../x", "h"][..], &["--attach", "h", "ls"][..]] {
            match parse("mosh", &args(bad), &|_| None) {
                Request::Finish(f) => assert_eq!(f.status, 255, "{bad:?}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }
}
