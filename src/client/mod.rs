//! `mosh-client`: the terminal client (UDP, prediction, display).
//!
//! `main` reads the command line and environment (`settings`) with
//! upstream's rules and messages, checks the key and the locale, then runs
//! the `session` event loop on the local terminal (`tty`). The frame it
//! draws is the server's screen (`statesync::CompleteTerminal`) with the
//! client's `overlays` on top: predicted typing (`prediction`) and the
//! `notification` bar, and the connection `status_overlay`. The `escape`
//! key gives local commands; `sockets` hold the UDP sockets, hopping
//! ports when the path goes quiet. `MOSH_LOG` and the network timeout
//! come from `crate::diag`.

pub(crate) mod capabilities;
pub(crate) mod carrier_plan;
pub(crate) mod escape;
pub(crate) mod key_events;
pub(crate) mod keyboard_probe;
pub(crate) mod notification;
pub(crate) mod overlays;
/// Public for the fuzz targets in `fuzz/`, like `handshake` in `bootstrap`.
pub mod prediction;
pub(crate) mod session;
pub mod settings;
pub(crate) mod sockets;
pub(crate) mod ssh_carrier;
pub(crate) mod ssh_master;
pub(crate) mod status_overlay;
pub(crate) mod terminfo;
pub(crate) mod tty;

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};

use capabilities::Capabilities;
pub(crate) use carrier_plan::{CarrierPlan, MasterUse, TransportMode};
use session::{Ending, SessionSetup};
use settings::{ClientEnvironment, Command, ConnectArgs};
pub(crate) use ssh_master::PrivateMaster;

use crate::diag::{client_network_timeout, DiagLog, Role};
use crate::locale::{charset, ctype_variable, is_utf8, Environment};
use crate::wire::{PeerFeatures, ServerOffer, SessionKey};

/// The last line the client prints, as upstream's does.
const EXITING_LINE: &str = "[mosh is exiting.]";

/// Runs the client mode with the arguments after the program name and
/// returns the process exit status.
pub fn main(program: &str, args: Vec<OsString>) -> i32 {
    keep_the_key_private();
    match settings::parse_args(args) {
        Err(e) => {
            eprintln!("{program}: {e}\n");
            eprint!("{}", settings::usage(program));
            1
        }
        Ok(Command::Help) => {
            print!("{}", crate::version::version_text(program));
            print!("\n{}", settings::usage(program));
            0
        }
        Ok(Command::Version) => {
            print!("{}", crate::version::version_text(program));
            0
        }
        Ok(Command::ColorCount) => {
            println!("{}", Capabilities::from_environment().colors.unwrap_or(-1));
            0
        }
        Ok(Command::Connect(args)) => connect(program, &args),
    }
}

/// A client session started by the bootstrap in this same process: what
/// a separate `mosh-client` would read from its arguments and environment
/// arrives here as values.
#[derive(Debug, Clone)]
pub(crate) struct Handover {
    /// The server's address and port, and the `-v` count.
    pub connect: ConnectArgs,
    /// The session key, as `MOSH_KEY` would carry it.
    pub key: String,
    /// The settings a client reads from its environment.
    pub settings: ClientEnvironment,
    /// How to carry the session over ssh, if it may be.
    pub carrier: Option<CarrierPlan>,
    /// What the client announces to a mosh-rs server: what it offered
    /// (scrollback only if the user did not say `--no-scrollback`).
    pub features: PeerFeatures,
}

/// Runs a session handed over in this process; returns the exit status.
pub(crate) fn run_handed_over(program: &str, handover: Handover) -> i32 {
    keep_the_key_private();
    let key = OsString::from(handover.key);
    connect_with(
        program,
        &handover.connect,
        &key,
        handover.settings,
        handover.carrier,
        handover.features,
    )
}

/// Keeps the key out of core dumps and out of reach of the user's other
/// processes (memory, `/proc/PID/environ`) where the system allows.
fn keep_the_key_private() {
    let _ = crate::sys::process::disable_core_dumps();
    let _ = crate::sys::process::forbid_inspection();
}

fn connect(program: &str, args: &ConnectArgs) -> i32 {
    let Some(key_text) = std::env::var_os("MOSH_KEY") else {
        eprintln!("MOSH_KEY environment variable not found.");
        return 1;
    };
    // Children must not inherit the key. The original environment block
    // still holds it (so /proc/PID/environ does), but `forbid_inspection`
    // left that file readable by root alone.
    std::env::remove_var("MOSH_KEY");
    let settings = match ClientEnvironment::read(&|name| std::env::var_os(name)) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    connect_with(program, args, &key_text, settings, None, offered_features())
}

/// `MOSH_SERVER_FEATURES`: the words of the server's `MOSH-RS FEATURES`
/// line, handed on by whatever started this client (as `MOSH_KEY` hands
/// on the key). Removed from the environment once read.
fn offered_features() -> PeerFeatures {
    let words = std::env::var_os(SERVER_FEATURES_VARIABLE).unwrap_or_default();
    std::env::remove_var(SERVER_FEATURES_VARIABLE);
    ServerOffer::from_words(&words.to_string_lossy()).taken(true)
}

/// The variable [`offered_features`] reads.
pub(crate) const SERVER_FEATURES_VARIABLE: &str = "MOSH_SERVER_FEATURES";

fn connect_with(
    program: &str,
    args: &ConnectArgs,
    key_text: &std::ffi::OsStr,
    settings: ClientEnvironment,
    carrier: Option<CarrierPlan>,
    features: PeerFeatures,
) -> i32 {
    let key = match key_text.to_str().map(SessionKey::parse) {
        Some(Ok(key)) => key,
        Some(Err(e)) => {
            eprintln!("{program}: MOSH_KEY is not a valid session key ({e}).");
            return 1;
        }
        None => {
            eprintln!("{program}: MOSH_KEY is not a valid session key (not ASCII).");
            return 1;
        }
    };
    if let Err(advice) = check_locale() {
        eprint!("{advice}");
        return 1;
    }
    let Ok(ip) = args.host.parse::<IpAddr>() else {
        eprintln!(
            "Network exception: Bad IP address ({}): not a numeric address",
            args.host
        );
        println!("{EXITING_LINE}");
        return 1;
    };
    let server = SocketAddr::new(ip, args.port);
    let destination = carrier.as_ref().map_or_else(
        || args.host.clone(),
        |plan| plan.destination.to_string_lossy().into_owned(),
    );
    let env = |name: &str| std::env::var_os(name);
    let diag = DiagLog::from_environment(Role::Client, args.verbose, &env).unwrap_or_else(|why| {
        eprintln!("{why}");
        DiagLog::disabled(Role::Client)
    });
    let caps = Capabilities::detect_terminal(&env).with_term_init(!settings.no_term_init);
    let setup = SessionSetup {
        server,
        key,
        settings,
        caps,
        verbose: args.verbose,
        diag,
        network_timeout_ms: client_network_timeout(&env),
        carrier,
        features,
    };
    let status = match session::run(setup) {
        Ok(ending) => report(ending, &args.host, args.port, &destination),
        Err(e) => {
            eprintln!("Error: {e}\r");
            1
        }
    };
    println!("{EXITING_LINE}");
    status
}

/// Says how the session ended and gives the exit status. `destination`
/// is the host as the user typed it (as far as the client knows).
fn report(ending: Ending, host: &str, port: u16, destination: &str) -> i32 {
    match ending {
        Ending::Clean => 0,
        Ending::CarrierNeedsMoshRs => {
            eprintln!(
                "\nmosh: --transport=ssh needs mosh-rs's mosh-server on {destination}, which \
                 has stock mosh's; `mosh --install-server {destination}` installs it."
            );
            1
        }
        Ending::Unclean => {
            eprint!(
                "\n\nmosh did not shut down cleanly. Please note that the\n\
                 mosh-server process may still be running on the server.\n"
            );
            1
        }
        Ending::NetworkTimeout(seconds) => {
            eprint!(
                "\nmosh-client: nothing heard from the server at {host}:{port} for {seconds} seconds;\n\
                 giving up (MOSH_CLIENT_NETWORK_TIMEOUT={seconds}).\n"
            );
            1
        }
        Ending::NeverConnected => {
            eprint!(
                "\nmosh did not make a successful connection to {host}:{port}.\n\
                 Please verify that UDP port {port} is not firewalled and can reach the server.\n\n\
                 (By default, mosh uses a UDP port between 60000 and 61000. The -p option\n\
                 selects a specific UDP port number.)\n"
            );
            1
        }
    }
}

/// The client needs a UTF-8 locale, like upstream's.
fn check_locale() -> Result<(), String> {
    let env = Environment::from_process();
    if is_utf8(&env) {
        return Ok(());
    }
    let (setting, set) = match ctype_variable(&env) {
        Some((name, value)) => (format!("{name}={value}"), charset(Some(&value))),
        None => ("no locale variables".to_string(), charset(None)),
    };
    Err(format!(
        "mosh-client needs a UTF-8 native locale to run.\n\n\
         Unfortunately, the client's environment ({setting}) specifies\n\
         the character set \"{set}\".\n\n\
         Set LANG or LC_ALL to a UTF-8 locale (for example C.UTF-8) and try again.\n"
    ))
}
