//! Becoming the client: counting the terminal's colours before the server
//! starts (`mosh-client -c`), then running the client — in this process
//! (our own client, which gets its settings as a value) or by exec (any
//! other `--client`, which gets the session key and settings in its
//! environment, never in an argument vector, as upstream's wrapper does).

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use super::child_environment::ChildEnvironment;
use super::handshake::Endpoint;
use super::peers::Client;
use crate::client::prediction::PredictionDisplay;
use crate::client::settings::{ClientEnvironment, ConnectArgs};
use crate::client::{CarrierPlan, Handover, SERVER_FEATURES_VARIABLE};
use crate::wire::ServerOffer;

/// The terminal's colour count as the client reports it (0 when unknown).
pub(crate) fn color_count(client: &Client, child_env: &ChildEnvironment) -> Result<u32, String> {
    match client {
        Client::Builtin => {
            let caps = crate::client::capabilities::Capabilities::from_environment();
            Ok(caps.colors.map_or(0, |c| u32::try_from(c).unwrap_or(0)))
        }
        Client::External(program) => external_color_count(program, child_env),
    }
}

fn external_color_count(program: &OsStr, child_env: &ChildEnvironment) -> Result<u32, String> {
    let shown = program.to_string_lossy();
    let mut command = Command::new(program);
    child_env.apply(&mut command);
    let output = command
        .arg("-c")
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("Can't count colors: cannot run {shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "Can't count colors: `{shown} -c` failed ({})",
            output.status
        ));
    }
    Ok(parse_color_count(&output.stdout))
}

/// Upstream's rule: a plain non-negative number, anything else counts as 0.
fn parse_color_count(text: &[u8]) -> u32 {
    std::str::from_utf8(text)
        .ok()
        .map(|t| t.strip_suffix('\n').unwrap_or(t))
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// What the client needs besides the endpoint.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    /// `MOSH_PREDICTION_DISPLAY`.
    pub predict: PredictionDisplay,
    /// `-o`: `MOSH_PREDICTION_OVERWRITE=yes` (also set in the environment
    /// of everything the bootstrap starts).
    pub predict_overwrite: bool,
    /// Unset: `MOSH_NO_TERM_INIT=1`.
    pub term_init: bool,
    /// The bootstrap's arguments, shown in the client's `-#` argument.
    pub typed_args: Vec<OsString>,
    /// `--verbose` count, passed on as `-v` when `MOSH_LOG` is set (that
    /// is where our client writes the detail; a stock client would write
    /// it over the session's screen).
    pub verbose: u32,
    /// How the built-in client may carry the session over ssh.
    pub carrier: Option<CarrierPlan>,
    /// The user wants scrollback (`--no-scrollback` unset); it is used
    /// when the server offers it.
    pub scrollback: bool,
}

/// The client's arguments: `-# ARGS |`, the address and the port.
pub(crate) fn client_arguments(endpoint: &Endpoint, typed_args: &[OsString]) -> Vec<OsString> {
    let mut shown = OsString::from("-# ");
    for (n, arg) in typed_args.iter().enumerate() {
        if n > 0 {
            shown.push(" ");
        }
        shown.push(arg);
    }
    shown.push(" |");
    vec![
        shown,
        OsString::from(&endpoint.ip),
        OsString::from(endpoint.port.to_string()),
    ]
}

/// The client's environment additions.
pub(crate) fn client_environment(
    endpoint: &Endpoint,
    settings: &ClientSettings,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MOSH_KEY", endpoint.key.clone()),
        (
            "MOSH_PREDICTION_DISPLAY",
            settings.predict.name().to_string(),
        ),
    ];
    if !settings.term_init {
        env.push(("MOSH_NO_TERM_INIT", "1".to_string()));
    }
    let taken = endpoint.offer.taken(settings.scrollback);
    if taken.any() {
        // Only a mosh-rs server offers anything; a stock client ignores it.
        let offer = ServerOffer {
            scrollback: taken.scrollback,
            discipline: taken.discipline,
            marks: taken.marks,
            mouse_pixels: taken.mouse_pixels,
            keys: taken.keys,
            styles: taken.styles,
            clipboard: taken.clipboard,
        };
        env.push((SERVER_FEATURES_VARIABLE, offer.words()));
    }
    env
}

/// The settings the built-in client gets as a value: the user's own
/// (escape key, title prefix, ...) read from this process's environment,
/// with the bootstrap's choices on top, as an exec'd client would see
/// them.
pub(crate) fn builtin_settings(settings: &ClientSettings) -> ClientEnvironment {
    let user = ClientEnvironment::read_preferences(&|name| std::env::var_os(name));
    ClientEnvironment {
        prediction: settings.predict,
        predict_overwrite: user.predict_overwrite || settings.predict_overwrite,
        no_term_init: user.no_term_init || !settings.term_init,
        ..user
    }
}

/// Runs the client and returns its exit status (or, after a successful
/// exec, never returns).
pub(crate) fn hand_over(
    program: &str,
    client: &Client,
    endpoint: &Endpoint,
    settings: &ClientSettings,
    child_env: &ChildEnvironment,
) -> i32 {
    let logging = std::env::var_os(crate::diag::LOG_VARIABLE).is_some_and(|p| !p.is_empty());
    let verbose = if logging { settings.verbose.min(3) } else { 0 };
    match client {
        Client::Builtin => {
            let handover = Handover {
                connect: ConnectArgs {
                    host: endpoint.ip.clone(),
                    port: endpoint.port,
                    verbose,
                },
                key: endpoint.key.clone(),
                settings: builtin_settings(settings),
                carrier: settings.carrier.clone(),
                features: endpoint.offer.taken(settings.scrollback),
            };
            crate::client::run_handed_over("mosh-client", handover)
        }
        Client::External(path) => {
            let mut args = client_arguments(endpoint, &settings.typed_args);
            args.splice(0..0, (0..verbose).map(|_| OsString::from("-v")));
            let mut command = Command::new(path);
            command.arg0(path).args(&args);
            child_env.apply(&mut command);
            for (name, value) in client_environment(endpoint, settings) {
                command.env(name, value);
            }
            let err = command.exec();
            eprintln!("{program}: Cannot exec {}: {err}", path.to_string_lossy());
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            ip: "127.0.0.1".into(),
            port: 60001,
            key: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            offer: ServerOffer::default(),
        }
    }

    #[test]
    fn colour_counts_follow_upstream_rules() {
        assert_eq!(parse_color_count(b"256\n"), 256);
        assert_eq!(parse_color_count(b"8"), 8);
        for junk in [&b""[..], b"-1\n", b"lots\n", b" 8\n"] {
            assert_eq!(parse_color_count(junk), 0);
        }
    }

    #[test]
    fn an_external_client_counts_colours() {
        let script = std::env::temp_dir().join(format!("mosh-rs-colors-{}", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\n[ \"$1\" = -c ] && echo 88\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let child_env = ChildEnvironment::new(false);
        let count = color_count(&Client::External(script.clone().into()), &child_env);
        std::fs::remove_file(&script).unwrap();
        assert_eq!(count, Ok(88));
        let missing = color_count(
            &Client::External("/nonexistent/mosh-client".into()),
            &child_env,
        );
        assert!(missing.unwrap_err().contains("Can't count colors"));
    }

    #[test]
    fn the_key_is_in_the_environment_and_never_in_the_arguments() {
        let settings = ClientSettings {
            predict: PredictionDisplay::Never,
            predict_overwrite: false,
            term_init: false,
            verbose: 0,
            typed_args: vec!["-n".into(), "host".into()],
            carrier: None,
            scrollback: true,
        };
        let args = client_arguments(&endpoint(), &settings.typed_args);
        assert_eq!(
            args,
            ["-# -n host |", "127.0.0.1", "60001"].map(OsString::from)
        );
        assert!(args
            .iter()
            .all(|a| !a.to_string_lossy().contains(&endpoint().key)));
        let env = client_environment(&endpoint(), &settings);
        assert_eq!(
            env,
            vec![
                ("MOSH_KEY", endpoint().key),
                ("MOSH_PREDICTION_DISPLAY", "never".to_string()),
                ("MOSH_NO_TERM_INIT", "1".to_string()),
            ]
        );
    }
}
