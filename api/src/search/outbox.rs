//! Feeds the search index from the change log (the outbox, written in the same transaction
//! as every change): [`SearchService::sync_now`] applies the changes after the stored cursor
//! in order, in batches, and advances the cursor only after the index has committed them, so
//! a crash or an outage of the backend never loses an update. The worker started by
//! [`SearchService::start_worker`] does this on an interval and retries with backoff.

use super::{SearchIndex, SearchQuery, SearchResults, doc};
use crate::error::AppResult;
use entities::{RecordKind, change, consumer_cursor, offer};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// Name of the node's search indexer in `consumer_cursors`.
pub const CONSUMER: &str = "search";
/// Longest wait between retries after a failure.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Offers whose documents the suggester's first load holds at once (not the catalogue's).
const SUGGEST_LOAD_PART: usize = 1000;
/// Longest a request waits for the suggester's first load, which reads every offer after a
/// start (seconds at national scale); past it the request goes on without suggestions.
const SUGGEST_WAIT: Duration = Duration::from_secs(1);

struct Inner {
    index: Arc<dyn SearchIndex>,
    db: DatabaseConnection,
    batch: u64,
    /// Name of this indexer's cursor.
    consumer: String,
    /// Serialises syncs and rebuilds.
    sync: Mutex<()>,
    wake: Notify,
    /// Suggestions and corrections, kept in step with the index.
    suggest: super::suggest::Suggester,
}

/// The node's search: the index plus the indexer that keeps it in step with the database.
/// Cheap to clone.
#[derive(Clone)]
pub struct SearchService {
    inner: Arc<Inner>,
}

/// What a sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Change-log entries consumed.
    pub changes: u64,
    /// Cursor after the sync.
    pub cursor: i64,
}

impl SearchService {
    /// A service over `index`, reading changes from `db` in batches of `batch`.
    pub fn new(index: Arc<dyn SearchIndex>, db: DatabaseConnection, batch: u64) -> Self {
        Self::with_consumer(index, db, batch, CONSUMER)
    }

    /// Like [`new`](Self::new), keeping its cursor under another consumer name (tools and
    /// tests that index into a second index).
    pub fn with_consumer(
        index: Arc<dyn SearchIndex>,
        db: DatabaseConnection,
        batch: u64,
        consumer: &str,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                index,
                db,
                consumer: consumer.to_string(),
                batch: batch.max(1),
                sync: Mutex::new(()),
                wake: Notify::new(),
                suggest: super::suggest::Suggester::default(),
            }),
        }
    }

    /// The backend.
    pub fn index(&self) -> &Arc<dyn SearchIndex> {
        &self.inner.index
    }

    /// Suggestions and corrections over the indexed offers (see [`super::suggest`]).
    pub fn suggester(&self) -> &super::suggest::Suggester {
        &self.inner.suggest
    }

    /// The database the indexer reads.
    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Loads every indexed offer into the suggester once (at start; later syncs keep it in
    /// step). Call while holding the sync lock.
    async fn load_suggestions(&self) -> AppResult<()> {
        if self.inner.suggest.is_loaded() {
            return Ok(());
        }
        let ids = doc::all_ids(&self.inner.db).await?;
        let suggest = &self.inner.suggest;
        suggest.begin_replace()?;
        for part in ids.chunks(SUGGEST_LOAD_PART) {
            let loaded = doc::load(&self.inner.db, part).await?;
            suggest.add(&loaded.docs)?;
        }
        suggest.finish_replace()
    }

    /// Makes sure the suggester holds the indexed offers.
    async fn ensure_suggestions(&self) -> AppResult<()> {
        if self.inner.suggest.is_loaded() {
            return Ok(());
        }
        let _guard = self.inner.sync.lock().await;
        self.load_suggestions().await
    }

    /// Whether the suggester holds the indexed offers, waiting at most [`SUGGEST_WAIT`] for its
    /// first load. The load goes on in the background when the wait ends, so a search or a
    /// keystroke right after a restart is answered (without suggestions) instead of waiting for
    /// the whole catalogue.
    pub async fn suggestions_ready(&self) -> bool {
        if self.inner.suggest.is_loaded() {
            return true;
        }
        let this = self.clone();
        let load = tokio::spawn(async move { this.ensure_suggestions().await });
        match tokio::time::timeout(SUGGEST_WAIT, load).await {
            Ok(Ok(Ok(()))) => true,
            Ok(Ok(Err(e))) => {
                e.log_if_internal();
                false
            }
            Ok(Err(_)) | Err(_) => false,
        }
    }

    /// Runs a search.
    pub async fn search(&self, query: &SearchQuery) -> AppResult<SearchResults> {
        self.inner.index.search(query).await
    }

    /// The last change-log sequence number applied to the index.
    pub async fn cursor(&self) -> AppResult<i64> {
        Ok(
            consumer_cursor::Entity::find_by_id(self.inner.consumer.as_str())
                .one(&self.inner.db)
                .await?
                .map_or(0, |c| c.seq),
        )
    }

    async fn set_cursor(&self, seq: i64) -> AppResult<()> {
        let db = &self.inner.db;
        let now = chrono::Utc::now();
        match consumer_cursor::Entity::find_by_id(self.inner.consumer.as_str())
            .one(db)
            .await?
        {
            Some(c) => {
                let mut active: consumer_cursor::ActiveModel = c.into();
                active.seq = Set(seq);
                active.updated_at = Set(now);
                active.update(db).await?;
            }
            None => {
                consumer_cursor::ActiveModel {
                    consumer: Set(self.inner.consumer.clone()),
                    seq: Set(seq),
                    updated_at: Set(now),
                }
                .insert(db)
                .await?;
            }
        }
        Ok(())
    }

    /// Applies every change committed so far; returns when the index has caught up (tests
    /// and tools await this instead of sleeping).
    pub async fn sync_now(&self) -> AppResult<SyncReport> {
        let _guard = self.inner.sync.lock().await;
        self.load_suggestions().await?;
        let mut report = SyncReport {
            changes: 0,
            cursor: self.cursor().await?,
        };
        loop {
            let batch = change::Entity::find()
                .filter(change::Column::Seq.gt(report.cursor))
                .order_by_asc(change::Column::Seq)
                .limit(self.inner.batch)
                .all(&self.inner.db)
                .await?;
            let Some(last) = batch.last().map(|c| c.seq) else {
                // Caught up: the suggestions are rebuilt once for every batch applied, and
                // offers indexed without a vector are embedded again when due.
                self.inner.suggest.refresh()?;
                self.embed_again().await?;
                return Ok(report);
            };
            let mut ids = BTreeSet::new();
            let mut organisations = Vec::new();
            for c in &batch {
                match c.record_kind {
                    RecordKind::Offer => {
                        ids.insert(c.record_id.clone());
                    }
                    RecordKind::Organisation => organisations.push(c.record_id.clone()),
                }
            }
            if !organisations.is_empty() {
                let of_orgs: Vec<String> = offer::Entity::find()
                    .select_only()
                    .column(offer::Column::Id)
                    .filter(offer::Column::OrganisationId.is_in(organisations))
                    .into_tuple()
                    .all(&self.inner.db)
                    .await?;
                ids.extend(of_orgs);
            }
            let ids: Vec<String> = ids.into_iter().collect();
            let loaded = doc::load(&self.inner.db, &ids).await?;
            self.inner.suggest.stage(&loaded.docs, &loaded.removed)?;
            self.inner.index.apply(loaded.docs, loaded.removed).await?;
            self.set_cursor(last).await?;
            report.changes += batch.len() as u64;
            report.cursor = last;
        }
    }

    /// Applies again (a batch at a time, one per sync) the offers the index holds without a
    /// vector whose retry is due ([`SearchIndex::unembedded_due`]), as they are now; the embedder gives them their vector
    /// if it is back. Their words did not change, so the suggestions stay.
    async fn embed_again(&self) -> AppResult<()> {
        let part = usize::try_from(self.inner.batch).unwrap_or(usize::MAX);
        let ids = self.inner.index.unembedded_due(part);
        if ids.is_empty() {
            return Ok(());
        }
        let loaded = doc::load(&self.inner.db, &ids).await?;
        self.inner.index.apply(loaded.docs, loaded.removed).await
    }

    /// Rebuilds the index from the database; returns the number of offers indexed.
    pub async fn reindex(&self) -> AppResult<u64> {
        let _guard = self.inner.sync.lock().await;
        let db = &self.inner.db;
        // Everything up to `upto` is in the rows read below; later changes are applied again
        // by the next sync, which is harmless (upserts and deletes are idempotent).
        let upto: Option<i64> = change::Entity::find()
            .select_only()
            .column_as(change::Column::Seq.max(), "seq")
            .into_tuple()
            .one(db)
            .await?
            .flatten();
        let ids = doc::all_ids(db).await?;
        let loaded = doc::load(db, &ids).await?;
        let n = loaded.docs.len() as u64;
        self.inner.suggest.replace(&loaded.docs)?;
        self.inner.index.replace_all(loaded.docs).await?;
        self.set_cursor(upto.unwrap_or(0)).await?;
        Ok(n)
    }

    /// Asks the worker to sync now rather than at its next tick.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Starts the indexer: rebuilds when the index is empty but the cursor is not (a lost
    /// data directory), then syncs every `poll` (or when woken), retrying failures with
    /// exponential backoff. Stops when the service is dropped.
    pub fn start_worker(&self, poll: Duration) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut failures: u32 = 0;
            let mut checked_empty = false;
            loop {
                let Some(inner) = weak.upgrade() else { return };
                let service = SearchService { inner };
                let result = async {
                    if !checked_empty {
                        if service.index().count().await? == 0 && service.cursor().await? > 0 {
                            tracing::warn!(
                                "search index is empty but its cursor is not; rebuilding"
                            );
                            service.reindex().await?;
                        }
                        checked_empty = true;
                    }
                    service.sync_now().await
                }
                .await;
                let wait = match result {
                    Ok(report) => {
                        if report.changes > 0 {
                            tracing::debug!(
                                changes = report.changes,
                                cursor = report.cursor,
                                "search index synced"
                            );
                        }
                        failures = 0;
                        poll
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        let backoff = poll
                            .saturating_mul(2u32.saturating_pow(failures.min(16)))
                            .min(MAX_BACKOFF);
                        tracing::warn!(
                            error = %e.message(),
                            cause = ?e,
                            retry_in_ms = backoff.as_millis() as u64,
                            "search indexing failed; will retry"
                        );
                        backoff
                    }
                };
                let inner = service.inner.clone();
                drop(service);
                let woken = async { inner.wake.notified().await };
                tokio::select! {
                    _ = woken => {},
                    _ = tokio::time::sleep(wait) => {},
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keystroke or a search during the suggester's first load (which holds the indexer for
    /// seconds at national scale) is answered without suggestions, not held until it ends.
    #[tokio::test]
    async fn suggestions_do_not_wait_for_the_whole_first_load() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let index = super::super::embedded::TantivyIndex::open(dir.path())
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        let index: Arc<dyn SearchIndex> = Arc::new(Arc::new(index));
        let db = sea_orm::Database::connect("sqlite::memory:").await?;
        let service = SearchService::new(index, db, 100);
        let first_load = service.inner.sync.lock().await;
        let answer = tokio::time::timeout(3 * SUGGEST_WAIT, service.suggest("herst", 8)).await;
        drop(first_load);
        let suggestions = answer
            .map_err(|_| anyhow::anyhow!("held until the load ended"))?
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        assert!(suggestions.is_empty());
        Ok(())
    }
}
