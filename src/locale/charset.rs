//! Whether the session runs in a UTF-8 locale, and the client's `-l`
//! locale settings applied when the server's own is not.
//!
//! mosh-rs is linked against musl, whose `setlocale` does not read the
//! system's locale files, so the decision is made from the variables the
//! way a user reads them: the first non-empty of `LC_ALL`, `LC_CTYPE`,
//! `LANG` names the locale, and its codeset (`lang_REGION.CODESET@mod`)
//! must be UTF-8 (`UTF-8`, `utf8`, any case). `C`, `POSIX` and no
//! setting at all mean US-ASCII.

use std::ffi::OsString;

use super::environment::Environment;

/// Every variable that takes part in choosing a locale.
pub(crate) const LOCALE_VARIABLES: [&str; 15] = [
    "LANG",
    "LANGUAGE",
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
    "LC_ALL",
];

/// The variable that decides the character set, as `(name, value)`.
pub(crate) fn ctype_variable(env: &Environment) -> Option<(&'static str, String)> {
    ["LC_ALL", "LC_CTYPE", "LANG"].into_iter().find_map(|name| {
        env.get_str(name)
            .filter(|v| !v.is_empty())
            .map(|v| (name, v))
    })
}

/// The character set a locale name selects, as a person would name it.
pub fn charset(locale: Option<&str>) -> String {
    let Some(name) = locale else {
        return "US-ASCII".to_string();
    };
    if name == "C" || name == "POSIX" {
        return "US-ASCII".to_string();
    }
    let codeset = name
        .split_once('.')
        .map(|(_, rest)| rest.split('@').next().unwrap_or(rest));
    match codeset {
        Some(c) if normalized(c) == "utf8" => "UTF-8".to_string(),
        Some(c) if !c.is_empty() => c.to_string(),
        _ => format!("the default of {name} (not UTF-8)"),
    }
}

fn normalized(codeset: &str) -> String {
    codeset
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the environment selects a UTF-8 locale.
pub(crate) fn is_utf8(env: &Environment) -> bool {
    charset(ctype_variable(env).map(|(_, v)| v).as_deref()) == "UTF-8"
}

/// Makes `env` UTF-8 if it can: unchanged when it already is; otherwise
/// every locale variable is replaced by the client's `-l` assignments.
/// Returns the explanation to show when neither is UTF-8.
pub(crate) fn ensure_utf8(env: &mut Environment, client_vars: &[OsString]) -> Result<(), String> {
    if is_utf8(env) {
        return Ok(());
    }
    let native = describe(env);
    for name in LOCALE_VARIABLES {
        env.remove(name);
    }
    for assignment in client_vars {
        env.assign(assignment);
    }
    if is_utf8(env) {
        return Ok(());
    }
    let client = describe(env);
    Err(format!(
        "mosh-server needs a UTF-8 locale to run, and none is set.\n\n\
         The server's environment ({}) selects the character set \"{}\";\n\
         the settings passed by the client ({}) select \"{}\".\n\n\
         Set LANG or LC_ALL to a UTF-8 locale (for example C.UTF-8) on the server\n\
         or on the client, then start the session again.\n",
        native.0, native.1, client.0, client.1
    ))
}

fn describe(env: &Environment) -> (String, String) {
    match ctype_variable(env) {
        Some((name, value)) => (format!("{name}={value}"), charset(Some(&value))),
        None => ("no locale variables".to_string(), charset(None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets_as_a_user_reads_them() {
        assert_eq!(charset(Some("en_US.UTF-8")), "UTF-8");
        assert_eq!(charset(Some("C.utf8")), "UTF-8");
        assert_eq!(charset(Some("de_DE.utf-8@euro")), "UTF-8");
        assert_eq!(charset(Some("C")), "US-ASCII");
        assert_eq!(charset(Some("POSIX")), "US-ASCII");
        assert_eq!(charset(None), "US-ASCII");
        assert_eq!(charset(Some("en_US.ISO-8859-1")), "ISO-8859-1");
        assert!(charset(Some("en_US")).contains("not UTF-8"));
    }

    #[test]
    fn lc_all_beats_lc_ctype_beats_lang_and_empty_values_are_skipped() {
        let env =
            Environment::from_pairs([("LANG", "C"), ("LC_CTYPE", "en_US.UTF-8"), ("LC_ALL", "")]);
        assert!(is_utf8(&env));
        let env = Environment::from_pairs([("LANG", "en_US.UTF-8"), ("LC_ALL", "C")]);
        assert!(!is_utf8(&env));
    }

    #[test]
    fn a_utf8_server_ignores_the_client_settings() {
        let mut env = Environment::from_pairs([("LANG", "C.UTF-8")]);
        ensure_utf8(&mut env, &["LANG=fr_FR.ISO-8859-1".into()]).unwrap();
        assert_eq!(env.get_str("LANG").as_deref(), Some("C.UTF-8"));
    }

    #[test]
    fn client_settings_replace_a_non_utf8_locale() {
        let mut env =
            Environment::from_pairs([("LANG", "C"), ("LC_MESSAGES", "C"), ("HOME", "/h")]);
        ensure_utf8(&mut env, &["LC_CTYPE=en_US.UTF-8".into()]).unwrap();
        assert_eq!(env.get_str("LC_CTYPE").as_deref(), Some("en_US.UTF-8"));
        assert_eq!(env.get("LANG"), None);
        assert_eq!(env.get("LC_MESSAGES"), None);
        assert_eq!(env.get_str("HOME").as_deref(), Some("/h"));
    }

    #[test]
    fn neither_utf8_is_an_explained_error() {
        let mut env = Environment::from_pairs([("LANG", "C")]);
        let err = ensure_utf8(&mut env, &["LANG=en_US.ISO-8859-1".into()]).unwrap_err();
        assert!(err.contains("LANG=C"), "{err}");
        assert!(err.contains("\"US-ASCII\""), "{err}");
        assert!(err.contains("LANG=en_US.ISO-8859-1"), "{err}");
        assert!(err.contains("\"ISO-8859-1\""), "{err}");
        let err = ensure_utf8(&mut Environment::default(), &[]).unwrap_err();
        assert!(err.contains("no locale variables"), "{err}");
    }
}
