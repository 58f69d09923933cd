//! `--local`: start the server on this machine without ssh, as upstream
//! does (through `sh`, from the home directory, without
//! `SSH_CONNECTION`). Unlike upstream, the host is resolved to a numeric
//! address first, so `mosh --local localhost` works: the server binds to
//! it and the client connects to it.

use std::ffi::OsString;
use std::process::Command;

use super::options::Options;
use super::remote_command::{
    bind_arguments, locale_assignments, server_arguments, server_command_line, split_user_host,
};
use super::resolve::{numeric_host, resolve};

/// The command that starts the local server, and the address the client
/// will connect to.
pub(crate) fn local_server(
    options: &Options,
    server: &OsString,
    colors: u32,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<(Command, String), String> {
    let user_host = options.user_host.to_string_lossy();
    let (_, host) = split_user_host(&user_host);
    let first = resolve(host, 0, options.family)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("could not find an address for {host}"))?;
    let ip = numeric_host(&first);
    let bind = bind_arguments(&options.bind_server, Some(&ip));
    let args = server_arguments(options, colors, bind, locale_assignments(env));
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(server_command_line(server, &args))
        .env_remove("SSH_CONNECTION");
    if let Some(home) = env("HOME").filter(|h| std::path::Path::new(h).is_dir()) {
        command.current_dir(home);
    }
    Ok((command, ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::options::session_options as options;

    #[test]
    fn the_local_server_binds_to_the_resolved_host() {
        let o = options(&["--local", "-4", "localhost", "--", "true"]);
        let env = |name: &str| (name == "LANG").then(|| OsString::from("C.UTF-8"));
        let (command, ip) = local_server(&o, &"mosh-server".into(), 8, &env).unwrap();
        assert_eq!(ip, "127.0.0.1");
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-c",
                "mosh-server 'new' '-c' '8' '-i' '127.0.0.1' '-l' 'LANG=C.UTF-8' '--' 'true'"
            ]
        );
        assert!(command
            .get_envs()
            .any(|(k, v)| k == "SSH_CONNECTION" && v.is_none()));
    }

    #[test]
    fn an_unresolvable_host_is_an_error() {
        let o = options(&["--local", "-6", "127.0.0.1"]);
        assert!(local_server(&o, &"mosh-server".into(), 8, &|_| None).is_err());
    }
}
