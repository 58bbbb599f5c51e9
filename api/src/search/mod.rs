//! Search over public offers: one [`SearchIndex`] interface with two backends of the same
//! semantics, the embedded tantivy index ([`embedded`], default) and Meilisearch ([`meili`],
//! when `MEILI_URL` is set), fed from the change log by [`outbox`].
//!
//! - [`doc`]: the one document type, built from the database.
//! - [`query`]: the one query type, validated.
//! - [`compound`]: Dutch compound splitting over the index's own vocabulary.
//! - [`synonyms`]: synonym groups of the social domain (built in and per node).
//! - [`text`]: Dutch analysis (stop words, stemming, typo budgets) shared by both backends.
//! - [`highlight`]: result highlighting shared by both backends.
//! - [`suggest`]: suggestions while typing and "Bedoelde u …" corrections (both backends).
//! - [`demand`]: unmet search demand, counted anonymously.
//! - [`embed`]: the embeddings client of hybrid search (`search.embedder_url`).
//! - [`vectors`]: the embedded index's offer vectors, searched exactly.
//! - [`hybrid`]: how hybrid search blends words and meaning.

pub mod compound;
pub mod demand;
pub mod doc;
pub mod embed;
pub mod embedded;
pub mod highlight;
pub mod hybrid;
pub mod meili;
mod nearest;
pub mod outbox;
pub mod query;
pub mod suggest;
pub mod synonyms;
pub mod text;
pub mod vectors;

pub use doc::SearchDoc;
pub use outbox::SearchService;
pub use query::{SearchFilter, SearchQuery, SearchResults, SearchSort};

use crate::config::{Config, SearchConfig};
use crate::error::AppResult;
use std::sync::Arc;
use synonyms::Synonyms;

/// A search index of public offers. Both backends implement the same semantics; the
/// contract tests in the `tests` crate hold them to it.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync {
    /// `embedded` or `meilisearch`.
    fn backend(&self) -> &'static str;

    /// Upserts `upserts` and removes `deletes` (offer ids); durable when this returns.
    async fn apply(&self, upserts: Vec<SearchDoc>, deletes: Vec<String>) -> AppResult<()>;

    /// Replaces the whole index with `docs`.
    async fn replace_all(&self, docs: Vec<SearchDoc>) -> AppResult<()>;

    /// Runs a search.
    async fn search(&self, query: &SearchQuery) -> AppResult<SearchResults>;

    /// Number of indexed offers.
    async fn count(&self) -> AppResult<u64>;

    /// Uses `synonyms` from now on (at start and on `reindex`).
    async fn set_synonyms(&self, synonyms: Arc<Synonyms>) -> AppResult<()>;

    /// At most `limit` offers indexed without a vector while the embedder failed whose retry
    /// is due ([`embed::Unembedded`]): the indexer applies them again. None for a backend that
    /// embeds documents itself (Meilisearch retries its own failed tasks).
    fn unembedded_due(&self, _limit: usize) -> Vec<String> {
        Vec::new()
    }
}

/// Opens the backend selected by config: Meilisearch when a URL is set, else the embedded
/// index under `data_dir/search`.
pub async fn open(config: &Config) -> AppResult<Arc<dyn SearchIndex>> {
    let index = open_backend(config)?;
    index
        .set_synonyms(Arc::new(Synonyms::load(&config.search)?))
        .await?;
    Ok(index)
}

/// Reloads the synonyms of `config` into `index` (`reindex`).
pub async fn reload_synonyms(index: &dyn SearchIndex, config: &SearchConfig) -> AppResult<()> {
    index.set_synonyms(Arc::new(Synonyms::load(config)?)).await
}

fn open_backend(config: &Config) -> AppResult<Arc<dyn SearchIndex>> {
    let embedder = embed::Embedder::from_config(&config.search)?.map(Arc::new);
    let ratio = config.search.hybrid_ratio;
    match config.search.meili_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Ok(Arc::new(
            meili::MeiliIndex::new(
                url,
                config.search.meili_api_key.as_deref(),
                &config.search.meili_index,
            )?
            .with_embedder(embedder, &config.search),
        )),
        None => Ok(Arc::new(Arc::new(
            embedded::TantivyIndex::open(&config.data_dir.join("search"))?
                .with_embedder(embedder, ratio),
        ))),
    }
}
