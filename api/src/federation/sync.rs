//! Pulls peers' change feeds: on an interval per peer and on demand, whole pages per
//! transaction (several while catching up), resuming from the stored cursor after any failure
//! or restart.

use super::mirror;
use super::peer_auth::{NODE_HEADER, OutboundCredentials};
use super::protocol::{FEED_VERSION, FeedPage};
use crate::config::PeerConfig;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use chrono::{DateTime, Utc};
use entities::peer_sync;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::task::AbortOnDropHandle;

/// Most pages pulled from one peer in one sync run.
const MAX_PAGES_PER_RUN: usize = 1000;

/// Feed entries applied in one transaction while catching up: consecutive pages are applied
/// together up to this many ([`mirror::apply_all`]). Each new offer lands at a random place in
/// every list index, so a transaction of a thousand rewrites most of those indexes' pages, and
/// five thousand cost little more (a fresh mirror of a 100,000-offer peer: 32.4 s against
/// 41.0 s one page at a time).
const ENTRIES_PER_TRANSACTION: usize = 5000;

/// One page of a peer's change feed.
pub const FEED_QUERY: &str =
    "query($since: Int!, $first: Int!) { changeFeed(since: $since, first: $first) }";

/// A configured peer: how to reach it, and a lock so syncs of one peer never overlap.
pub struct Peer {
    pub config: PeerConfig,
    credentials: OutboundCredentials,
    lock: Mutex<()>,
    /// When this node's puller will next pull the peer's feed (none for on-demand peers).
    next_pull: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// All peers of this node.
pub struct Peers {
    http: reqwest::Client,
    by_id: HashMap<String, Peer>,
}

impl Peers {
    /// Builds the peer set from configuration.
    pub fn new(configs: &[PeerConfig], timeout: Duration) -> AppResult<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AppError::Internal(e.into()))?;
        let by_id = configs
            .iter()
            .map(|c| {
                let peer = Peer {
                    config: c.clone(),
                    credentials: OutboundCredentials::new(c.clone()),
                    lock: Mutex::new(()),
                    next_pull: std::sync::Mutex::new(None),
                };
                (c.id.clone(), peer)
            })
            .collect();
        Ok(Self { http, by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Peer> {
        self.by_id.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }

    /// The `HTTP client` used for peer calls.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

impl crate::services::referral::commands::KnownPeers for Peers {
    fn is_peer(&self, node: &str) -> bool {
        self.by_id.contains_key(node)
    }
}

impl Peer {
    /// When the background puller will next pull this peer's feed: `interval_secs` after a
    /// success, doubling after each failure up to 15 minutes; `None` for peers pulled on demand
    /// only (`interval_secs = 0`) or before the first pull.
    pub fn next_pull_at(&self) -> Option<DateTime<Utc>> {
        *self.next_pull.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_next_pull(&self, at: DateTime<Utc>) {
        *self.next_pull.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
    }

    /// POSTs a GraphQL request to the peer as this node (node header and credentials), through
    /// the peer set's HTTP client, and returns its `data`; transport failures, non-JSON answers
    /// and GraphQL errors are errors.
    pub async fn call(
        &self,
        peers: &Peers,
        node_id: &crate::domain::NodeId,
        query: &str,
        variables: serde_json::Value,
    ) -> AppResult<serde_json::Value> {
        let (status, body) = self.post(peers, node_id, query, variables).await?;
        let mut value = self.answer_json(status, &body)?;
        Ok(value["data"].take())
    }

    /// [`Peer::call`] whose `data` is read straight into `T` (a feed page of thousands of
    /// records, without building a JSON tree first). An answer with GraphQL errors, or one
    /// that does not fit `T`, is read again as JSON, to report the peer's errors, or else what
    /// did not fit.
    pub async fn call_as<T: serde::de::DeserializeOwned>(
        &self,
        peers: &Peers,
        node_id: &crate::domain::NodeId,
        query: &str,
        variables: serde_json::Value,
    ) -> AppResult<T> {
        #[derive(serde::Deserialize)]
        struct Answer<T> {
            data: T,
            #[serde(default)]
            errors: Option<serde::de::IgnoredAny>,
        }
        let (status, body) = self.post(peers, node_id, query, variables).await?;
        match serde_json::from_slice::<Answer<T>>(&body) {
            Ok(answer) => {
                if answer.errors.is_some() {
                    self.answer_json(status, &body)?;
                }
                Ok(answer.data)
            }
            Err(e) => {
                self.answer_json(status, &body)?;
                Err(AppError::Internal(anyhow::anyhow!(
                    "peer {} sent an unreadable answer: {e}",
                    self.config.id
                )))
            }
        }
    }

    /// The HTTP status and body of the peer's answer to a GraphQL request.
    async fn post(
        &self,
        peers: &Peers,
        node_id: &crate::domain::NodeId,
        query: &str,
        variables: serde_json::Value,
    ) -> AppResult<(reqwest::StatusCode, axum::body::Bytes)> {
        let http = &peers.http;
        let url = format!("{}/graphql", self.config.base_url.trim_end_matches('/'));
        let body = serde_json::json!({"query": query, "variables": variables});
        let unreachable = |e: reqwest::Error| {
            AppError::Internal(anyhow::anyhow!(
                "peer {} unreachable: {}",
                self.config.id,
                transport_cause(&e)
            ))
        };
        let response = http
            .post(&url)
            .header(NODE_HEADER, node_id.as_str())
            .header(
                reqwest::header::AUTHORIZATION,
                self.credentials.authorization(http).await?,
            )
            .json(&body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        Ok((status, body))
    }

    /// A peer's answer as JSON; no JSON, or GraphQL errors in it, are errors.
    fn answer_json(
        &self,
        status: reqwest::StatusCode,
        body: &[u8],
    ) -> AppResult<serde_json::Value> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "peer {} sent no JSON (HTTP {status}): {e}",
                self.config.id
            ))
        })?;
        if let Some(errors) = value.get("errors") {
            return Err(AppError::Internal(anyhow::anyhow!(
                "{}",
                refusal_text(&self.config.id, errors)
            )));
        }
        Ok(value)
    }
}

/// The innermost cause of a failed call, which names what went wrong ("Connection refused",
/// "failed to lookup address information"), or that it timed out.
fn transport_cause(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer within federation.timeout_secs".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// How a peer's GraphQL errors read in this node's status: a refusal of this node's
/// credentials says what to check, anything else is quoted.
fn refusal_text(peer: &str, errors: &serde_json::Value) -> String {
    let code = errors[0]["extensions"]["code"].as_str().unwrap_or("");
    match code {
        "UNAUTHENTICATED" => format!(
            "peer {peer} did not accept this node's credentials (UNAUTHENTICATED): check that both \
             nodes configure the same `secret` for each other, or the peer's `inbound_client_id`"
        ),
        "FORBIDDEN" => format!(
            "peer {peer} does not know this node (FORBIDDEN): is this node in its federation.peers?"
        ),
        _ => format!("peer {peer} refused the request: {errors}"),
    }
}

/// What pulling peers' feeds needs: the services' context, the peer set and the feed page size.
#[derive(Clone)]
pub struct Puller {
    pub ctx: Ctx,
    pub peers: Arc<Peers>,
    /// Changes asked for per feed page (`federation.page_size`).
    pub page_size: u64,
    /// Backlog from which a sync suspends the list indexes (`federation.bulk_load_min_changes`).
    pub bulk_load_min_changes: u64,
}

impl Puller {
    /// Fetches one page of `peer`'s feed after `since`.
    pub async fn fetch(&self, peer: &Peer, since: i64) -> AppResult<FeedPage> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            change_feed: FeedPage,
        }
        let page = peer
            .call_as::<Data>(
                &self.peers,
                &self.ctx.node_id,
                FEED_QUERY,
                serde_json::json!({"since": since, "first": self.page_size}),
            )
            .await?
            .change_feed;
        if page.version != FEED_VERSION {
            return Err(AppError::Internal(anyhow::anyhow!(
                "peer {} speaks feed version {}",
                peer.config.id,
                page.version
            )));
        }
        if page.next_cursor < since {
            return Err(AppError::Internal(anyhow::anyhow!(
                "peer {} moved its cursor backwards",
                peer.config.id
            )));
        }
        Ok(page)
    }

    async fn load_status(&self, peer_id: &str) -> AppResult<peer_sync::Model> {
        Ok(peer_sync::Entity::find_by_id(peer_id)
            .one(&self.ctx.db)
            .await?
            .unwrap_or(peer_sync::Model {
                peer_id: peer_id.to_string(),
                cursor: 0,
                head_seq: 0,
                records_applied: 0,
                last_attempt_at: None,
                last_success_at: None,
                last_error: None,
            }))
    }

    async fn save_status(
        db: &impl sea_orm::ConnectionTrait,
        status: &peer_sync::Model,
    ) -> AppResult<()> {
        let exists = peer_sync::Entity::find_by_id(status.peer_id.as_str())
            .one(db)
            .await?
            .is_some();
        let active = status.clone().into_active_model().reset_all();
        if exists {
            active.update(db).await?;
        } else {
            active.insert(db).await?;
        }
        Ok(())
    }

    /// Pulls everything new from one peer. Pages are applied and the cursor past them stored
    /// in one transaction (several pages while catching up, see [`ENTRIES_PER_TRANSACTION`]),
    /// so a failure at any point loses nothing and the next run resumes.
    pub async fn sync_peer(&self, peer_id: &str) -> AppResult<peer_sync::Model> {
        let peer = self.peers.get(peer_id).ok_or_else(|| peer_gone(peer_id))?;
        let _guard = peer.lock.lock().await;
        let mut status = self.load_status(peer_id).await?;
        status.last_attempt_at = Some(Utc::now());
        let result = self.pull_pages(peer, &mut status).await;
        match result {
            Ok(()) => {
                status.last_success_at = Some(Utc::now());
                status.last_error = None;
            }
            Err(ref e) => {
                let message = super::failure_text(e);
                tracing::warn!(peer = peer_id, error = %message, "peer sync failed");
                status.last_error = Some(message);
            }
        }
        Self::save_status(&self.ctx.db, &status).await?;
        result.map(|()| status)
    }

    /// Pulls and applies up to [`MAX_PAGES_PER_RUN`] pages; a large backlog is written with
    /// the list indexes of what it fills suspended ([`Self::worth_bulk_load`]), and they are
    /// created again before this returns, whether the pages applied or not.
    async fn pull_pages(&self, peer: &Peer, status: &mut peer_sync::Model) -> AppResult<()> {
        let pages = self
            .fetch_pages(peer, status.cursor, MAX_PAGES_PER_RUN)
            .await?;
        if !self.worth_bulk_load(&pages, status).await? {
            return self.apply_feed(peer, status, pages).await;
        }
        // Dropped unrestored (this sync cancelled), it creates them again on its own.
        let suspended = db::bulk_load::suspend(&self.ctx.db, mirror::BULK_TABLES).await?;
        let applied = self.apply_feed(peer, status, pages).await;
        let (count, started) = (suspended.names().len(), std::time::Instant::now());
        let restored = suspended.restore().await;
        if restored.is_ok() && count > 0 {
            tracing::info!(
                peer = %peer.config.id,
                indexes = count,
                rebuild_ms = started.elapsed().as_millis() as u64,
                "list indexes suspended for a large backlog created again"
            );
        }
        applied.and(restored.map_err(AppError::from))
    }

    /// Whether the backlog `pages` start is worth writing with the list indexes suspended:
    /// at least `bulk_load_min_changes` changes, and no fewer than the offers stored (creating
    /// an index sorts the whole table).
    async fn worth_bulk_load(
        &self,
        pages: &mirror::CheckedPages,
        status: &peer_sync::Model,
    ) -> AppResult<bool> {
        let backlog = u64::try_from(pages.head_seq().saturating_sub(status.cursor)).unwrap_or(0);
        if self.bulk_load_min_changes == 0 || backlog < self.bulk_load_min_changes {
            return Ok(false);
        }
        let stored = entities::offer::Entity::find().count(&self.ctx.db).await?;
        Ok(backlog >= stored)
    }

    /// Applies `pages` and the pages after them, each batch in one transaction, up to the
    /// budget of a run.
    async fn apply_feed(
        &self,
        peer: &Peer,
        status: &mut peer_sync::Model,
        mut pages: mirror::CheckedPages,
    ) -> AppResult<()> {
        let mut budget = MAX_PAGES_PER_RUN;
        while let Some(last) = pages.last() {
            budget = budget.saturating_sub(pages.pages());
            // The next pages are fetched and checked on another task while these are written:
            // their cursor is already known, so the peer's work, reading its answer and this
            // node's writes overlap instead of taking turns. A failed apply drops the fetched
            // pages (the cursor only moves with a commit).
            let next = (last.has_more && budget > 0).then(|| {
                let (puller, id, since) = (self.clone(), peer.config.id.clone(), last.next_cursor);
                AbortOnDropHandle::new(tokio::spawn(async move {
                    let peer = puller.peers.get(&id).ok_or_else(|| peer_gone(&id))?;
                    puller.fetch_pages(peer, since, budget).await
                }))
            });
            let started = std::time::Instant::now();
            self.apply_pages(status, &pages).await?;
            let applied = started.elapsed();
            let Some(next) = next else { break };
            pages = next.await.map_err(|e| AppError::Internal(e.into()))??;
            // Which side of the pipeline waits: a wait near zero means the writes are slower
            // than the peer's feed.
            tracing::debug!(
                peer = %peer.config.id,
                apply_ms = applied.as_millis() as u64,
                waited_ms = (started.elapsed() - applied).as_millis() as u64,
                "feed pages applied"
            );
        }
        Ok(())
    }

    /// Fetches consecutive pages after `since` (at least one, at most `max_pages`) until the
    /// feed ends or they hold [`ENTRIES_PER_TRANSACTION`] entries, and checks them.
    async fn fetch_pages(
        &self,
        peer: &Peer,
        since: i64,
        max_pages: usize,
    ) -> AppResult<mirror::CheckedPages> {
        let first = self.fetch(peer, since).await?;
        let mut entries = first.entries.len();
        let mut pages = vec![first];
        while let Some(last) = pages.last()
            && last.has_more
            && entries < ENTRIES_PER_TRANSACTION
            && pages.len() < max_pages
        {
            let page = self.fetch(peer, last.next_cursor).await?;
            entries += page.entries.len();
            pages.push(page);
        }
        mirror::CheckedPages::check(&peer.config.id, self.ctx.node_id.as_str(), &pages)
    }

    /// Applies consecutive checked pages and moves the stored cursor past them, in one
    /// transaction; `status` changes only when it commits, so a failed page leaves the cursor
    /// where the stored records are.
    async fn apply_pages(
        &self,
        status: &mut peer_sync::Model,
        pages: &mirror::CheckedPages,
    ) -> AppResult<()> {
        let txn = db::begin_write(&self.ctx.db).await?;
        let stats = mirror::apply_all(&txn, pages).await?;
        let mut applied = status.clone();
        if let Some(last) = pages.last() {
            applied.cursor = last.next_cursor;
            applied.head_seq = last.head_seq.max(last.next_cursor);
        }
        applied.records_applied += (stats.upserts + stats.deletes) as i64;
        Self::save_status(&txn, &applied).await?;
        txn.commit().await?;
        *status = applied;
        Ok(())
    }

    pub fn spawn_workers(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut pullers = Vec::new();
        for id in self.peers.ids().map(str::to_string).collect::<Vec<_>>() {
            let Some(interval) = self
                .peers
                .get(&id)
                .map(|p| p.config.interval_secs)
                .filter(|i| *i > 0)
            else {
                continue;
            };
            let puller = self.clone();
            pullers.push(tokio::spawn(async move {
                let mut failures = 0u32;
                loop {
                    let wait = match puller.sync_peer(&id).await {
                        Ok(_) => {
                            failures = 0;
                            Duration::from_secs(interval)
                        }
                        Err(_) => {
                            failures = failures.saturating_add(1);
                            Duration::from_secs((interval << failures.min(10)).min(900))
                        }
                    };
                    if let Some(peer) = puller.peers.get(&id) {
                        peer.set_next_pull(Utc::now() + wait);
                    }
                    tokio::time::sleep(wait).await;
                }
            }));
        }
        pullers
    }
}

/// The error for a peer that is not (or no longer) configured.
fn peer_gone(id: &str) -> AppError {
    AppError::NotFound(format!("peer {id}"))
}

/// Shared handle type stored in the app state.
pub type SharedPeers = Arc<Peers>;
