//! Loads the configuration ([`Config::load`]: defaults, the optional file, the environment) and
//! refuses one that would only fail later, with one clear line per problem: an unknown key
//! (naming the nearest known one), a config file that `WIJK_CONFIG` names but that does not
//! exist, a bad value, and every invalid peer. Also renders the effective configuration with its
//! secrets redacted, for `wijkwijzer check-config`.

use crate::config::Config;
use crate::domain::NodeId;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use std::collections::HashSet;
use std::fmt;

/// Everything wrong with a configuration, one problem a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblems(pub Vec<String>);

impl fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for ConfigProblems {}

impl Config {
    /// Loads defaults, the optional file and the environment, and refuses what would only fail
    /// later (see [`crate::config_check`]): unknown keys, a `WIJK_CONFIG` file that does not
    /// exist, bad values, invalid peers. One line per problem.
    pub fn load() -> Result<Self, ConfigProblems> {
        let named = std::env::var("WIJK_CONFIG").ok();
        let file = named.clone().unwrap_or_else(|| "wijkwijzer.toml".into());
        if named.is_some() && !std::path::Path::new(&file).is_file() {
            return Err(ConfigProblems(vec![format!(
                "WIJK_CONFIG names {file}, which does not exist"
            )]));
        }
        let mut figment = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("WIJK__").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        if let Ok(url) = std::env::var("MEILI_URL") {
            figment = figment.merge(Serialized::default("search.meili_url", url));
        }
        if let Ok(key) = std::env::var("MEILI_API_KEY") {
            figment = figment.merge(Serialized::default("search.meili_api_key", key));
        }
        Self::checked(figment)
    }

    /// The defaults and one TOML file, without the environment (the quickstart test runs the
    /// README's files this way); checked as [`Config::load`] checks.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigProblems> {
        if !path.is_file() {
            return Err(ConfigProblems(vec![format!(
                "{} does not exist",
                path.display()
            )]));
        }
        Self::checked(
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(path)),
        )
    }

    fn checked(figment: Figment) -> Result<Self, ConfigProblems> {
        let config: Config = figment.extract().map_err(crate::config_check::explain)?;
        let problems = crate::config_check::problems(&config);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigProblems(problems))
        }
    }
}

/// The lines of a figment error: the key as written (no `default.` profile prefix), where it
/// came from, and for an unknown key the nearest known one.
pub fn explain(err: figment::Error) -> ConfigProblems {
    ConfigProblems(err.into_iter().map(|e| explain_one(&e)).collect())
}

fn explain_one(e: &figment::Error) -> String {
    use figment::error::Kind;
    let source = e
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(figment::Source::File(path)) => format!(" in {}", path.display()),
            _ => format!(" in {}", m.name),
        })
        .unwrap_or_default();
    match &e.kind {
        Kind::UnknownField(field, expected) => {
            let mut path = e.path.clone();
            if path.last() != Some(field) {
                path.push(field.clone());
            }
            let key = path.join(".");
            match nearest(&path, expected) {
                Some(known) => format!("unknown key `{key}`{source}; did you mean `{known}`?"),
                None => format!(
                    "unknown key `{key}`{source}; known keys here: {}",
                    expected.join(", ")
                ),
            }
        }
        kind => {
            let key = e.path.join(".");
            if key.is_empty() {
                format!("{kind}{source}")
            } else {
                format!("`{key}`{source}: {kind}")
            }
        }
    }
}

/// The known key closest to the last segment of `path`: among its siblings first, then anywhere
/// in the configuration (a top-level `bind` is `server.bind`).
fn nearest(path: &[String], siblings: &[&str]) -> Option<String> {
    let (last, parent) = path.split_last()?;
    let close = |candidate: &str| {
        let d = strsim::damerau_levenshtein(last, candidate);
        (d <= (last.len() / 3).max(2)).then_some(d)
    };
    let parent = parent.join(".");
    let sibling = siblings
        .iter()
        .filter_map(|s| close(s).map(|d| (d, *s)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| join(&parent, s));
    sibling.or_else(|| {
        known_keys()
            .into_iter()
            .filter_map(|k| {
                let leaf = k.rsplit('.').next().unwrap_or(&k).to_string();
                close(&leaf).map(|d| (d, k))
            })
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k)
    })
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Every key of the default configuration, dotted (`server.bind`).
fn known_keys() -> Vec<String> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        if let serde_json::Value::Object(map) = value {
            for (k, v) in map {
                let key = join(prefix, k);
                walk(&key, v, out);
                out.push(key);
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(Config::default()) {
        walk("", &value, &mut out);
    }
    out
}

/// What is wrong with a configuration that parsed: bad node id, invalid peers.
pub fn problems(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = NodeId::parse(&config.node.id) {
        out.push(format!("`node.id`: {}", e.message()));
    }
    if !(1..=3650).contains(&config.offers.stale_after_days) {
        out.push("`offers.stale_after_days`: must be between 1 and 3650 days".into());
    }
    out.extend(search_problems(&config.search));
    let mut seen = HashSet::new();
    for (i, peer) in config.federation.peers.iter().enumerate() {
        let at = format!("federation.peers[{i}] (id `{}`)", peer.id);
        if let Err(e) = NodeId::parse(&peer.id) {
            out.push(format!("{at}: `id`: {}", e.message()));
        }
        if peer.id == config.node.id {
            out.push(format!("{at}: a peer cannot have this node's own id"));
        }
        if !seen.insert(peer.id.as_str()) {
            out.push(format!("{at}: the id is listed twice"));
        }
        match url::Url::parse(&peer.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => out.push(format!(
                "{at}: `base_url` {:?} is not an http(s) URL such as https://nhn.wijkwijzer.example",
                peer.base_url
            )),
        }
        let secret = peer.secret.as_deref().is_some_and(|s| !s.is_empty());
        let outbound = secret || (peer.token_url.is_some() && peer.client_id.is_some());
        let inbound = secret || peer.inbound_client_id.is_some();
        if !outbound || !inbound {
            out.push(format!(
                "{at}: no credentials: set `secret`, or `token_url` with `client_id` (calls to the \
                 peer) and `inbound_client_id` (calls from it)"
            ));
        }
    }
    out
}

/// What is wrong with the hybrid search settings.
fn search_problems(search: &crate::config::SearchConfig) -> Vec<String> {
    let mut out = Vec::new();
    if !(0.0..=1.0).contains(&search.hybrid_ratio) {
        out.push("`search.hybrid_ratio`: must be between 0 and 1".into());
    }
    if !(10..=60_000).contains(&search.embedder_timeout_ms) {
        out.push("`search.embedder_timeout_ms`: must be between 10 and 60000".into());
    }
    if let Some(url) = search.embedder_url.as_deref().filter(|u| !u.is_empty()) {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => out.push(format!(
                "`search.embedder_url`: {url:?} is not an http(s) URL such as \
                 http://127.0.0.1:8000/v1"
            )),
        }
        if search.embedder_model.trim().is_empty() {
            out.push("`search.embedder_model`: must not be empty with `embedder_url`".into());
        }
    }
    out
}

/// The effective configuration as TOML, secrets replaced by `<redacted>`.
pub fn redacted_toml(config: &Config) -> String {
    let mut value = serde_json::to_value(config).unwrap_or_default();
    redact(&mut value);
    match toml::to_string_pretty(&value) {
        Ok(s) => s,
        Err(e) => format!("# cannot render the configuration: {e}\n"),
    }
}

/// Whether a key holds a secret (a shared secret, client secret, API key, password, key list,
/// an SMTP URL with its credentials).
fn is_secret(key: &str) -> bool {
    key.contains("secret")
        || key.contains("password")
        || key.ends_with("api_key")
        || key == "keys"
        || key == "smtp_url"
}

fn redact(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (k, v) in map.iter_mut() {
                if is_secret(k) && !(v.is_string() && v.as_str() == Some("")) {
                    *v = serde_json::Value::String("<redacted>".into());
                } else {
                    redact(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Figment;
    use figment::providers::{Format, Serialized, Toml};

    fn load(toml: &str) -> Result<Config, ConfigProblems> {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(toml))
            .extract::<Config>()
            .map_err(explain)
    }

    fn problem(toml: &str) -> String {
        match load(toml) {
            Ok(_) => panic!("{toml:?} was accepted"),
            Err(p) => p.to_string(),
        }
    }

    #[test]
    fn unknown_keys_name_the_nearest_known_key() {
        let p = problem("[server]\nbnid = \"0.0.0.0:8080\"\n");
        assert!(
            p.contains("`server.bnid`") && p.contains("`server.bind`"),
            "{p}"
        );
        let p = problem("[sever]\nbind = \"0.0.0.0:8080\"\n");
        assert!(
            p.contains("`sever`") && p.contains("did you mean `server`"),
            "{p}"
        );
        let p = problem("bnid = \"0.0.0.0:8080\"\n");
        assert!(
            p.contains("`server.bind`"),
            "a swap of two letters is one step: {p}"
        );
        let p = problem("bind = \"0.0.0.0:8080\"\n");
        assert!(p.contains("`bind`") && p.contains("`server.bind`"), "{p}");
        let p = problem(
            "[[federation.peers]]\nid = \"nhn\"\nbase_url = \"http://x\"\nsecret = \"s\"\ninterval = 5\n",
        );
        assert!(p.contains("interval") && p.contains("interval_secs"), "{p}");
        assert!(!p.contains("default."), "no profile prefix: {p}");
    }

    #[test]
    fn a_far_unknown_key_lists_the_known_ones() {
        let p = problem("[log]\nzzzzzzzz = 1\n");
        assert!(p.contains("known keys here: format"), "{p}");
    }

    #[test]
    fn bad_values_name_their_key() {
        let p = problem("[server]\nws_connections_per_user = \"many\"\n");
        assert!(p.contains("`server.ws_connections_per_user`"), "{p}");
        assert!(!p.contains("default."), "{p}");
    }

    #[test]
    fn bad_hybrid_settings_name_their_key() {
        let config = load(
            "[search]\nembedder_url = \"localhost:8000\"\nhybrid_ratio = 1.5\n\
             embedder_timeout_ms = 0\nembedder_model = \" \"\n",
        )
        .unwrap();
        let p = problems(&config).join("\n");
        for key in [
            "`search.embedder_url`",
            "`search.embedder_model`",
            "`search.hybrid_ratio`",
            "`search.embedder_timeout_ms`",
        ] {
            assert!(p.contains(key), "{key} in {p}");
        }
        let good = load("[search]\nembedder_url = \"http://127.0.0.1:8000/v1\"\n").unwrap();
        assert!(problems(&good).is_empty(), "{:?}", problems(&good));
    }

    #[test]
    fn invalid_peers_are_refused_each_with_a_line() {
        let config = load(
            "[node]\nid = \"nijmegen\"\n\
             [[federation.peers]]\nid = \"nijmegen\"\nbase_url = \"http://a.example\"\nsecret = \"s\"\n\
             [[federation.peers]]\nid = \"nhn\"\nbase_url = \"nhn.example\"\nsecret = \"s\"\n\
             [[federation.peers]]\nid = \"nhn\"\nbase_url = \"https://b.example\"\n",
        )
        .expect("parses");
        let p = problems(&config);
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(p[0].contains("own id"), "{p:#?}");
        assert!(
            p[1].contains("base_url") && p[1].contains("nhn.example"),
            "{p:#?}"
        );
        assert!(p[2].contains("listed twice"), "{p:#?}");
        assert!(p[3].contains("no credentials"), "{p:#?}");
    }

    #[test]
    fn a_valid_configuration_has_no_problems() {
        let config = load(
            "[[federation.peers]]\nid = \"nhn\"\nbase_url = \"https://nhn.example\"\nsecret = \"s\"\n",
        )
        .expect("parses");
        assert_eq!(problems(&config), Vec::<String>::new());
    }

    #[test]
    fn secrets_are_redacted() {
        let mut config = load(
            "[[federation.peers]]\nid = \"nhn\"\nbase_url = \"https://nhn.example\"\nsecret = \"hunter2\"\n",
        )
        .expect("parses");
        config.auth.client_secret = "oidc-hunter3".into();
        let out = redacted_toml(&config);
        assert!(
            !out.contains("hunter2") && !out.contains("hunter3"),
            "{out}"
        );
        assert!(
            out.contains("<redacted>") && out.contains("nhn.example"),
            "{out}"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
    fn peers_come_from_the_environment_and_a_named_file_must_exist() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "WIJK__FEDERATION__PEERS",
                r#"[{id="nhn", base_url="https://nhn.example", secret="s", interval_secs=5}]"#,
            );
            let config = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(config.federation.peers.len(), 1);
            assert_eq!(config.federation.peers[0].id, "nhn");
            assert_eq!(config.federation.peers[0].interval_secs, 5);
            jail.set_env("WIJK_CONFIG", "missing.toml");
            let err = Config::load().expect_err("missing file").to_string();
            assert!(
                err.contains("missing.toml") && err.contains("does not exist"),
                "{err}"
            );
            jail.clear_env();
            jail.set_env("WIJK__SERVER__BNID", "0.0.0.0:1");
            let err = Config::load().expect_err("unknown env key").to_string();
            assert!(
                err.contains("server.bnid") && err.contains("server.bind"),
                "{err}"
            );
            Ok(())
        });
    }
}
