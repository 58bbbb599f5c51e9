//! `wijkwijzer doctor`: checks what a node depends on (database, migrations, search backend,
//! peers, OpenID Connect provider), one line each, beside a running node (read-only).

use crate::config::{Config, PeerConfig};
use crate::federation::sync::{FEED_QUERY, Peers};
use migration::MigratorTrait;
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// One check: what was checked and either what was found or why it failed.
pub struct Check {
    pub name: String,
    pub outcome: Result<String, String>,
}

/// Runs every check that `config` calls for, in order.
pub async fn run(config: &Config) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut check = |name: String, outcome| checks.push(Check { name, outcome });
    match database(config).await {
        Ok(db) => {
            check("database".into(), Ok(backend_name(config).into()));
            check("migrations".into(), migrations(&db).await);
        }
        Err(cause) => check("database".into(), Err(cause)),
    }
    check("search".into(), search(config).await);
    let timeout = Duration::from_secs(config.federation.timeout_secs);
    match Peers::new(&config.federation.peers, timeout) {
        Ok(peers) => {
            for peer in &config.federation.peers {
                check(
                    format!("peer {}", peer.id),
                    peer_feed(config, &peers, peer).await,
                );
            }
        }
        Err(e) => check("peers".into(), Err(cause(e))),
    }
    if let Some(issuer) = config.auth.issuer.as_deref() {
        check("openid connect".into(), discovery(issuer, timeout).await);
    }
    checks
}

fn backend_name(config: &Config) -> &'static str {
    if config.database_url().starts_with("sqlite:") {
        "sqlite: connected, answers"
    } else {
        "postgres: connected, answers"
    }
}

/// Connects and pings.
async fn database(config: &Config) -> Result<DatabaseConnection, String> {
    let (db, _) = crate::db::connect(&config.database_url(), 1)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    db.ping().await.map_err(|e| format!("no answer: {e}"))?;
    Ok(db)
}

/// Fails when migrations are pending (the node applies them at start; `migrate` does too).
async fn migrations(db: &DatabaseConnection) -> Result<String, String> {
    let pending = migration::Migrator::get_pending_migrations(db)
        .await
        .map_err(|e| format!("cannot read the migration table: {e}"))?;
    if pending.is_empty() {
        return Ok("none pending".into());
    }
    let names: Vec<String> = pending.iter().map(|m| m.name().to_string()).collect();
    Err(format!(
        "{} pending ({}); run `wijkwijzer migrate`",
        names.len(),
        names.join(", ")
    ))
}

/// Meilisearch answers `/health`, or the embedded index opens read-only.
async fn search(config: &Config) -> Result<String, String> {
    if let Some(url) = config.search.meili_url.as_deref().filter(|u| !u.is_empty()) {
        let client =
            meilisearch_sdk::client::Client::new(url, config.search.meili_api_key.as_deref())
                .map_err(|e| format!("Meilisearch at {url}: {e}"))?;
        let health = client
            .health()
            .await
            .map_err(|e| format!("Meilisearch at {url}: {e}"))?;
        return Ok(format!("Meilisearch at {url}: {}", health.status));
    }
    let dir = config.data_dir.join("search");
    if !dir.exists() {
        return Ok(format!(
            "embedded index at {} not built yet (the node builds it at start)",
            dir.display()
        ));
    }
    let docs = crate::search::embedded::TantivyIndex::count_read_only(&dir)
        .map_err(|e| format!("embedded index at {}: {}", dir.display(), cause(e)))?;
    Ok(format!(
        "embedded index at {}: {docs} documents",
        dir.display()
    ))
}

/// Reads one entry of the peer's change feed with this node's credentials: the peer is
/// reachable, accepts them, and is the node it is configured as.
async fn peer_feed(config: &Config, peers: &Peers, peer: &PeerConfig) -> Result<String, String> {
    let node = crate::domain::NodeId::parse(&config.node.id).map_err(|e| e.message())?;
    let Some(p) = peers.get(&peer.id) else {
        return Err("not configured".into());
    };
    let data = p
        .call(
            peers,
            &node,
            FEED_QUERY,
            serde_json::json!({"since": 0, "first": 1}),
        )
        .await
        .map_err(cause)?;
    let answered = data["changeFeed"]["node"].as_str().unwrap_or("");
    if answered != peer.id {
        return Err(format!(
            "{} answers as node '{answered}', not '{}'",
            peer.base_url, peer.id
        ));
    }
    Ok(format!("{} reachable, credentials accepted", peer.base_url))
}

/// The provider's discovery document is served and names this issuer.
async fn discovery(issuer: &str, timeout: Duration) -> Result<String, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())?;
    let response = http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?
        .error_for_status()
        .map_err(|e| format!("{url}: {e}"))?;
    let doc: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("{url}: not JSON: {e}"))?;
    let named = doc["issuer"].as_str().unwrap_or("");
    if named.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(format!("{url} names issuer '{named}', not '{issuer}'"));
    }
    Ok(format!("{url} served"))
}

/// The full cause of an error (an internal error's own text, not "internal error").
fn cause(e: crate::error::AppError) -> String {
    match e {
        crate::error::AppError::Internal(inner) => format!("{inner:#}"),
        other => other.message(),
    }
}
