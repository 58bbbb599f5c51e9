//! The Meilisearch backend (meilisearch-sdk), used when `MEILI_URL` is set.
//!
//! Meilisearch has no Dutch stemmer, so documents and queries go through the same analysis as
//! the embedded index ([`super::text::stem_text`]): it matches stems, with its own typo
//! tolerance (one typo from 5 letters, two from 9, the same budget as the embedded index),
//! which also reaches a field of the words as written (`raw`), so a typo that defeats the
//! stemmer ("eenzaamhied") still finds the word, as in the embedded index.
//! Filters, geo radius, sorting and facets map to Meilisearch filter expressions, `_geo`,
//! `sort` and `facets`. Highlighting is shared ([`super::highlight`]). Known difference: only
//! an offer's first location is its `_geo` point, so the radius filter and distance sort of a
//! multi-location offer use that location (reported distances use the nearest one).
//!
//! Synonyms ([`super::synonyms`]) go to the `synonyms` setting over stems (sent with the
//! settings and again on `reindex`), terms of several words included, so a query's `rood staan`
//! finds `schuld` as in the embedded index.
//!
//! Fallback: the same units and the same choice as the embedded index (words no offer holds
//! dropped first, a compound no offer holds whole split, then the largest combination that finds
//! more, later words dropped first), probed with counting searches (`limit` 0); the page is
//! filled with those matches below the full matches, which are fetched first.
//!
//! Compounds ([`super::compound`]): documents carry the stems of their compounds' parts
//! (`parts_s`), split over a vocabulary of the indexed words kept here (loaded from the stored
//! documents' `raw` field at start, grown by each upload); a query compound is sent as its
//! parts, all of which must match (as in the embedded index). Known difference: Meilisearch
//! ranks an offer with the whole compound like one with its parts (no OR within a query); the
//! embedded index ranks the whole word higher.
//!
//! Hybrid search (`search.embedder_url`): the index gets a `rest` embedder named
//! [`EMBEDDER`] at the same endpoint, embedding each document's `meaning` field (the text the
//! embedded index embeds, [`Embedder::passage_text`]) as a passage. The query vector comes from
//! the node's own [`Embedder`] (as a query, cached, with its timeout) and is sent with
//! `hybrid: {embedder, semanticRatio}`, so Meilisearch never embeds a query itself. The blend is
//! tiered as in the embedded index ([`super::hybrid`]): the offers matching every word stay
//! above those found by meaning only (a blend of all of them at ratio 0.5 cost the relevance
//! set recall@5, 0.977 to 0.902: places and postcodes ranked offers "like" them above the
//! ones in them). Without a query vector (the embedder is down) the search is by keywords, as
//! without the setting. Known difference: with a vector, the offers found by meaning take the
//! place of the fallback (no `matched_words`).

use super::compound::Vocabulary;
use super::doc::SearchDoc;
use super::embed::{Embedder, Vector};
use super::highlight;
use super::query::{
    self, FacetValue, Facets, SearchHit, SearchQuery, SearchResults, SearchSort, Unit,
};
use super::synonyms::Synonyms;
use super::{SearchIndex, hybrid, text};
use crate::config::SearchConfig;
use crate::error::{AppError, AppResult};
use crate::geo::distance_km;
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup};
use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    Embedder as EmbedderSetting, EmbedderSource, FacetingSettings, PaginationSetting,
    PrefixSearchSettings, Settings,
};
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for Meilisearch to finish an indexing task.
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
/// Documents per indexing request.
const UPLOAD_CHUNK: usize = 5_000;
const FACETS: [&str; 5] = ["kind", "status", "life_domain", "target_group", "gemeente"];
/// Most matches counted (Meilisearch's default is 1 000).
const MAX_TOTAL_HITS: usize = 1_000_000;
/// Most values counted per facet (Meilisearch's default is 100).
const MAX_FACET_VALUES: usize = 1_000;
/// Name of the index's embedder (hybrid search).
pub const EMBEDDER: &str = "default";

/// A document as stored in Meilisearch.
#[derive(Serialize, Deserialize, Debug)]
struct MeiliDoc {
    /// Primary key: the offer id in hex (Meilisearch keys allow no `:`).
    key: String,
    id: String,
    title: String,
    description: String,
    title_s: String,
    tags_s: String,
    org_s: String,
    area_s: String,
    description_s: String,
    /// Every text field as written (not stemmed), for typos counted on the words as typed.
    raw: String,
    /// Stems of the parts of the compounds in every text field ([`super::compound`]).
    #[serde(default)]
    parts_s: String,
    area: Vec<String>,
    origin: String,
    kind: String,
    status: String,
    life_domain: Vec<String>,
    target_group: Vec<String>,
    gemeente: Vec<String>,
    cost: u32,
    open: bool,
    title_key: String,
    /// The owning organisation's id (network filters).
    #[serde(default)]
    org: String,
    /// Stored attributes (`peer_led`, `mode_online`, ...).
    #[serde(default)]
    attribute: Vec<String>,
    points: Vec<(f64, f64)>,
    #[serde(rename = "_geo", skip_serializing_if = "Option::is_none")]
    geo: Option<Geo>,
    /// The text embedded for hybrid search (not searched by words).
    #[serde(default)]
    meaning: String,
}

#[derive(Serialize, Deserialize, Debug)]
struct Geo {
    lat: f64,
    lng: f64,
}

/// What a hit brings back.
#[derive(Deserialize, Debug)]
struct MeiliHit {
    id: String,
    title: String,
    description: String,
    points: Vec<(f64, f64)>,
}

fn key(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

impl MeiliDoc {
    /// The document of `d`, its compounds split over `vocab` (which already holds its words).
    fn new(d: &SearchDoc, vocab: &mut Vocabulary) -> Self {
        let all = format!(
            "{} {} {} {} {}",
            d.title,
            d.tags_text(),
            d.organisation_name,
            d.area_text(),
            d.description
        );
        MeiliDoc {
            parts_s: text::stem_text(&vocab.parts_text(&all)),
            key: key(&d.id),
            id: d.id.clone(),
            title: d.title.clone(),
            description: d.description.clone(),
            title_s: text::stem_text(&d.title),
            tags_s: text::stem_text(&d.tags_text()),
            org_s: text::stem_text(&d.organisation_name),
            area_s: text::stem_text(&d.area_text()),
            description_s: text::stem_text(&d.description),
            raw: text::raw_text(&all),
            area: d.areas.iter().map(|a| a.code.clone()).collect(),
            origin: d.origin_node.clone(),
            kind: d.kind.as_str().into(),
            status: d.status.as_str().into(),
            life_domain: d.life_domains.iter().map(|v| v.as_str().into()).collect(),
            target_group: d.target_groups.iter().map(|v| v.as_str().into()).collect(),
            gemeente: d.gemeente_codes().map(str::to_string).collect(),
            cost: d.cost_cents,
            open: d.open_places,
            title_key: text::sort_key(&d.title),
            org: d.organisation_id.clone(),
            attribute: d.attributes.clone(),
            points: d.points.clone(),
            geo: d.points.first().map(|&(lat, lng)| Geo { lat, lng }),
            meaning: Embedder::passage_text(d),
        }
    }
}

/// A Meilisearch index of public offers.
pub struct MeiliIndex {
    client: Client,
    index: Index,
    /// Set once the index settings are applied (lazily, so a node starts while Meilisearch is
    /// down and the indexer catches up when it is back).
    ready: tokio::sync::OnceCell<()>,
    /// The words of the indexed offers, for compound splitting; loaded from the index's `raw`
    /// fields when the settings are applied, grown by every upload.
    vocab: std::sync::RwLock<Vocabulary>,
    /// Sent as the `synonyms` setting (over stems).
    synonyms: std::sync::RwLock<Arc<Synonyms>>,
    /// Embeds queries (hybrid search); `None`: keyword search only.
    embedder: Option<Arc<Embedder>>,
    /// The `embedders` setting of hybrid search.
    rest: Option<EmbedderSetting>,
    /// `semanticRatio` of hybrid search.
    ratio: f32,
}

/// The `raw` field of a stored document (loading the vocabulary).
#[derive(Deserialize)]
struct RawOnly {
    #[serde(default)]
    raw: String,
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("meilisearch: {e}"))
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal(anyhow::anyhow!("meilisearch vocabulary lock poisoned"))
}

/// A JSON string literal for a filter expression.
fn lit(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn any_of(field: &str, values: &[&str]) -> Option<String> {
    if values.is_empty() {
        None
    } else {
        let list: Vec<String> = values.iter().map(|v| lit(v)).collect();
        Some(format!("{field} IN [{}]", list.join(", ")))
    }
}

/// `field IN [values]`, which matches nothing when `values` is empty (where [`any_of`] leaves
/// the condition out).
fn among(field: &str, values: &[String]) -> String {
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    any_of(field, &values).unwrap_or_else(|| format!("{field} IN [\"\"]"))
}

impl MeiliIndex {
    /// A client for index `uid` at `url`; nothing is sent until first use.
    pub fn new(url: &str, api_key: Option<&str>, uid: &str) -> AppResult<Self> {
        let client = Client::new(url, api_key).map_err(internal)?;
        let index = client.index(uid);
        Ok(Self {
            client,
            index,
            ready: tokio::sync::OnceCell::new(),
            vocab: std::sync::RwLock::new(Vocabulary::default()),
            synonyms: std::sync::RwLock::default(),
            embedder: None,
            rest: None,
            ratio: 0.0,
        })
    }

    /// Searches by meaning too (see the module docs): `embedder` embeds queries, and the index
    /// gets a `rest` embedder for the endpoint of `config`.
    pub fn with_embedder(mut self, embedder: Option<Arc<Embedder>>, config: &SearchConfig) -> Self {
        self.rest = embedder.as_ref().and(rest_embedder(config));
        self.embedder = embedder;
        self.ratio = config.hybrid_ratio.clamp(0.0, 1.0) as f32;
        self
    }

    /// Applies the index settings (creating the index) once.
    async fn ready(&self) -> AppResult<()> {
        self.ready
            .get_or_try_init(|| self.configure())
            .await
            .map(|_| ())
    }

    async fn configure(&self) -> AppResult<()> {
        let synonyms = self.synonyms.read().map_err(poisoned)?.meili_map();
        let settings = Settings::new()
            .with_synonyms(synonyms)
            .with_searchable_attributes([
                "title_s",
                "tags_s",
                "org_s",
                "area_s",
                "description_s",
                "parts_s",
                "raw",
            ])
            .with_filterable_attributes([
                "key",
                "area",
                "origin",
                "kind",
                "status",
                "life_domain",
                "target_group",
                "gemeente",
                "cost",
                "open",
                "org",
                "attribute",
                "_geo",
            ])
            .with_sortable_attributes(["title_key", "_geo"])
            // Totals and facets count every match, as in the embedded index: past Meilisearch's
            // defaults (1 000 hits, 100 values per facet; there are 342 gemeenten).
            .with_pagination(PaginationSetting {
                max_total_hits: MAX_TOTAL_HITS,
            })
            .with_faceting(FacetingSettings {
                max_values_per_facet: MAX_FACET_VALUES,
                sort_facet_values_by: None,
            })
            .with_displayed_attributes(["id", "title", "description", "points"]);
        let settings = match &self.rest {
            Some(rest) => settings.with_embedders(HashMap::from([(EMBEDDER, rest.clone())])),
            None => settings,
        };
        let task = self.index.set_settings(&settings).await.map_err(internal)?;
        self.wait(task).await?;
        // Words match whole, as in the embedded index: no prefix matching of the last word.
        let task = self
            .index
            .set_prefix_search(PrefixSearchSettings::Disabled)
            .await
            .map_err(internal)?;
        self.wait(task).await?;
        self.load_vocabulary().await
    }

    /// Reads the words of every stored document into the vocabulary (after a restart).
    async fn load_vocabulary(&self) -> AppResult<()> {
        let mut offset = 0;
        loop {
            let page = meilisearch_sdk::documents::DocumentsQuery::new(&self.index)
                .with_fields(["raw"])
                .with_offset(offset)
                .with_limit(UPLOAD_CHUNK)
                .execute::<RawOnly>()
                .await
                .map_err(internal)?;
            let mut vocab = self.vocab.write().map_err(poisoned)?;
            for d in &page.results {
                vocab.add_text(&d.raw);
            }
            offset += page.results.len();
            if page.results.is_empty() || offset >= page.total as usize {
                return Ok(());
            }
        }
    }

    async fn wait(&self, task: TaskInfo) -> AppResult<()> {
        let task = task
            .wait_for_completion(&self.client, None, Some(TASK_TIMEOUT))
            .await
            .map_err(internal)?;
        if task.is_failure() {
            return Err(internal(task.unwrap_failure()));
        }
        Ok(())
    }

    async fn upload(&self, docs: &[SearchDoc]) -> AppResult<()> {
        for chunk in docs.chunks(UPLOAD_CHUNK) {
            let docs: Vec<MeiliDoc> = {
                let mut vocab = self.vocab.write().map_err(poisoned)?;
                for d in chunk {
                    d.add_words_to(&mut vocab);
                }
                chunk.iter().map(|d| MeiliDoc::new(d, &mut vocab)).collect()
            };
            let task = self
                .index
                .add_or_replace(&docs, Some("key"))
                .await
                .map_err(internal)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    /// The stems of the query units; a compound of known words is sent as its parts (which
    /// the `parts_s` field of an offer with the whole compound also holds). The words of a term
    /// of several words go as they are, so that the `synonyms` setting sees the term.
    fn query_text(&self, units: &[Unit]) -> AppResult<String> {
        let vocab = self.vocab.read().map_err(poisoned)?;
        let mut out: Vec<String> = Vec::new();
        for u in units {
            match u.words.as_slice() {
                [w] if !u.part => match vocab.split(&w.raw, true) {
                    Some(parts) => {
                        out.extend(parts.iter().flat_map(|p| text::words(p)).map(|p| p.stem))
                    }
                    None => out.push(w.stem.clone()),
                },
                words => out.extend(words.iter().map(|w| w.stem.clone())),
            }
        }
        Ok(out.join(" "))
    }

    fn filter(q: &SearchQuery) -> String {
        let f = &q.filter;
        let mut parts: Vec<String> = Vec::new();
        if let Some(area) = &f.area {
            parts.push(format!("area = {}", lit(area.as_str())));
        }
        if let Some(origin) = &f.origin_node {
            parts.push(format!("origin = {}", lit(origin)));
        }
        let kinds: Vec<&str> = f.kinds.iter().map(|v| v.as_str()).collect();
        let statuses: Vec<&str> = f.statuses.iter().map(|v| v.as_str()).collect();
        let domains: Vec<&str> = f.life_domains.iter().map(|v| v.as_str()).collect();
        let groups: Vec<&str> = f.target_groups.iter().map(|v| v.as_str()).collect();
        parts.extend(any_of("kind", &kinds));
        parts.extend(any_of("status", &statuses));
        parts.extend(any_of("life_domain", &domains));
        parts.extend(any_of("target_group", &groups));
        if let Some(ids) = &f.organisation_ids {
            parts.push(among("org", ids));
        }
        parts.extend(
            f.attributes
                .iter()
                .map(|a| format!("attribute = {}", lit(a))),
        );
        if f.open_places_only {
            parts.push("open = true".into());
        }
        if f.free_only {
            parts.push("cost = 0".into());
        } else if let Some(max) = f.max_cost_cents {
            parts.push(format!("cost <= {max}"));
        }
        if let Some(n) = q.near
            && let Some(r) = n.radius_km
        {
            parts.push(format!(
                "_geoRadius({}, {}, {})",
                n.lat,
                n.lon,
                (r * 1000.0).round() as u64
            ));
        }
        parts.join(" AND ")
    }

    /// Runs `q` with `units` (every one of which must match) for hits `offset..offset+limit`;
    /// without facets when `limit` is 0 (a count).
    async fn run(
        &self,
        q: &SearchQuery,
        units: &[Unit],
        offset: usize,
        limit: usize,
    ) -> AppResult<meilisearch_sdk::search::SearchResults<MeiliHit>> {
        self.run_with(q, units, offset, limit, None, None).await
    }

    /// [`Self::run`], hybrid with the query `vector` when one is given, among the documents
    /// with the given `keys` only when they are given.
    async fn run_with(
        &self,
        q: &SearchQuery,
        units: &[Unit],
        offset: usize,
        limit: usize,
        vector: Option<&[f32]>,
        keys: Option<&[String]>,
    ) -> AppResult<meilisearch_sdk::search::SearchResults<MeiliHit>> {
        let text = self.query_text(units)?;
        let strategy = MatchingStrategies::ALL;
        let mut filter = Self::filter(q);
        if let Some(keys) = keys {
            let keys = among("key", keys);
            filter = if filter.is_empty() {
                keys
            } else {
                format!("{filter} AND {keys}")
            };
        }
        let geo_sort = q
            .near
            .map(|n| format!("_geoPoint({}, {}):asc", n.lat, n.lon));
        let by_distance =
            q.sort == SearchSort::Distance || (q.words.is_empty() && q.near.is_some());
        let sort: Vec<&str> = match (&geo_sort, by_distance, q.words.is_empty()) {
            (Some(g), true, _) => vec![g.as_str()],
            (_, _, true) => vec!["title_key:asc"],
            _ => vec![],
        };
        let mut search = self.index.search();
        search
            .with_query(&text)
            .with_offset(offset)
            .with_limit(limit)
            .with_show_ranking_score(true)
            .with_matching_strategy(strategy);
        if limit > 0 && keys.is_none() {
            search.with_facets(Selectors::Some(&FACETS));
        }
        if !filter.is_empty() {
            search.with_filter(&filter);
        }
        if !sort.is_empty() {
            search.with_sort(&sort);
        }
        if let Some(v) = vector {
            search.with_hybrid(EMBEDDER, self.ratio).with_vector(v);
        }
        search.execute::<MeiliHit>().await.map_err(internal)
    }

    /// Hybrid search with the query `vector`, tiered as in the embedded index
    /// ([`super::hybrid`]): Meilisearch blends keywords and meaning over the first
    /// `offset + limit + NEAREST` hits; the offers among them that match every word come first
    /// (in blended order, then any full match the blend left out, in keyword order), then the
    /// offers found by meaning only. Returns the page (facets and total of the blend) and the
    /// number of full matches.
    async fn hybrid(
        &self,
        q: &SearchQuery,
        units: &[Unit],
        vector: &[f32],
    ) -> AppResult<(meilisearch_sdk::search::SearchResults<MeiliHit>, u64)> {
        let end = q.offset + q.limit;
        let mut blended = self
            .run_with(q, units, 0, end + hybrid::NEAREST, Some(vector), None)
            .await?;
        let keys: Vec<String> = blended.hits.iter().map(|h| key(&h.result.id)).collect();
        let full_among: HashSet<String> = if keys.is_empty() {
            HashSet::new()
        } else {
            self.run_with(q, units, 0, keys.len(), None, Some(&keys))
                .await?
                .hits
                .into_iter()
                .map(|h| h.result.id)
                .collect()
        };
        let by_words = self.run(q, units, 0, end).await?;
        let full = total_hits(&by_words);
        let (first, meaning_only): (Vec<_>, Vec<_>) = std::mem::take(&mut blended.hits)
            .into_iter()
            .partition(|h| full_among.contains(&h.result.id));
        let listed: HashSet<String> = first.iter().map(|h| h.result.id.clone()).collect();
        let left_out = by_words
            .hits
            .into_iter()
            .filter(|h| !listed.contains(&h.result.id));
        blended.hits = first
            .into_iter()
            .chain(left_out)
            .chain(meaning_only)
            .skip(q.offset)
            .take(q.limit)
            .collect();
        Ok((blended, full))
    }

    /// Number of offers matching `q` with `units`.
    async fn count(&self, q: &SearchQuery, units: &[Unit]) -> AppResult<u64> {
        Ok(total_hits(&self.run(q, units, 0, 0).await?))
    }

    /// [`query::fallback`] with this index's counts.
    async fn fallback(
        &self,
        q: &SearchQuery,
        units: &[Unit],
        full: u64,
    ) -> AppResult<Option<Vec<Unit>>> {
        query::fallback(units, full, &self.vocab, |units| async move {
            self.count(q, &units).await
        })
        .await
    }
}

impl MeiliIndex {
    /// The query vector of hybrid search, when it applies and the embedder answers in time.
    async fn query_vector(&self, q: &SearchQuery) -> Option<Vector> {
        let embedder = self.embedder.as_ref()?;
        if self.rest.is_none() || self.ratio <= 0.0 || q.words.is_empty() {
            return None;
        }
        if q.sort != SearchSort::Relevance {
            return None;
        }
        embedder.query(&q.text).await
    }
}

/// The `rest` embedder setting for the endpoint of `config` (OpenAI-compatible request and
/// response templates); `None` without an endpoint.
fn rest_embedder(config: &SearchConfig) -> Option<EmbedderSetting> {
    let url = config.embedder_url.as_deref().filter(|u| !u.is_empty())?;
    let template = if config.embedder_add_prefixes {
        "passage: {{doc.meaning}}"
    } else {
        "{{doc.meaning}}"
    };
    Some(EmbedderSetting {
        source: EmbedderSource::Rest,
        url: Some(format!("{}/embeddings", url.trim_end_matches('/'))),
        document_template: Some(template.into()),
        request: Some(serde_json::json!({
            "input": ["{{text}}", "{{..}}"],
            "model": config.embedder_model,
            "input_type": "passage",
        })),
        response: Some(serde_json::json!({
            "data": [{"embedding": "{{embedding}}"}, "{{..}}"],
        })),
        ..EmbedderSetting::default()
    })
}

fn total_hits<T>(res: &meilisearch_sdk::search::SearchResults<T>) -> u64 {
    res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64
}

fn facet_values<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    counts: Option<&HashMap<String, usize>>,
) -> Vec<FacetValue<T>> {
    all.iter()
        .map(|v| FacetValue {
            value: *v,
            count: counts
                .and_then(|c| c.get(name(*v)))
                .map_or(0, |n| *n as u64),
        })
        .collect()
}

#[async_trait::async_trait]
impl SearchIndex for MeiliIndex {
    fn backend(&self) -> &'static str {
        "meilisearch"
    }

    async fn apply(&self, upserts: Vec<SearchDoc>, deletes: Vec<String>) -> AppResult<()> {
        self.ready().await?;
        if !deletes.is_empty() {
            let keys: Vec<String> = deletes.iter().map(|id| key(id)).collect();
            let task = self.index.delete_documents(&keys).await.map_err(internal)?;
            self.wait(task).await?;
        }
        self.upload(&upserts).await
    }

    async fn replace_all(&self, docs: Vec<SearchDoc>) -> AppResult<()> {
        self.ready().await?;
        let task = self.index.delete_all_documents().await.map_err(internal)?;
        self.wait(task).await?;
        self.vocab.write().map_err(poisoned)?.clear();
        self.upload(&docs).await
    }

    async fn search(&self, q: &SearchQuery) -> AppResult<SearchResults> {
        self.ready().await?;
        let synonyms = self.synonyms.read().map_err(poisoned)?.clone();
        let units = query::units(&q.words, &synonyms);
        let end = q.offset + q.limit;
        let vector = self.query_vector(q).await;
        let (mut res, full) = match &vector {
            Some(v) => self.hybrid(q, &units, v).await?,
            None => {
                let res = self.run(q, &units, q.offset, q.limit).await?;
                let full = total_hits(&res);
                (res, full)
            }
        };
        let mut matched_words = None;
        // Fewer full matches than the page asks for: add the offers matching the most words,
        // below them, as the embedded index does (see `SearchResults::matched_words`); with a
        // query vector, the offers found by meaning take their place.
        if vector.is_none()
            && full < end as u64
            && let Some(kept) = self.fallback(q, &units, full).await?
        {
            if full == 0 {
                res = self.run(q, &kept, q.offset, q.limit).await?;
                matched_words = (total_hits(&res) > 0)
                    .then(|| kept.iter().flat_map(|u| u.raws()).collect::<Vec<_>>());
            } else {
                // Every full match lies before the end of the page: all of them, then the
                // wider matches that are not among them.
                let first = if q.offset == 0 {
                    res.hits
                } else {
                    self.run(q, &units, 0, end).await?.hits
                };
                let ids: HashSet<String> = first.iter().map(|h| h.result.id.clone()).collect();
                let mut wider = self.run(q, &kept, 0, end + ids.len()).await?;
                let rest = std::mem::take(&mut wider.hits)
                    .into_iter()
                    .filter(|h| !ids.contains(&h.result.id));
                wider.hits = first
                    .into_iter()
                    .chain(rest)
                    .skip(q.offset)
                    .take(q.limit)
                    .collect();
                res = wider;
            }
        }
        let total = total_hits(&res);
        let by_meaning = match vector {
            Some(_) => total.saturating_sub(full),
            None => 0,
        };
        let dist = res.facet_distribution.unwrap_or_default();
        let mut facets = Facets {
            kind: facet_values(OfferKind::ALL, OfferKind::as_str, dist.get("kind")),
            status: facet_values(OfferStatus::ALL, OfferStatus::as_str, dist.get("status")),
            life_domain: facet_values(LifeDomain::ALL, LifeDomain::as_str, dist.get("life_domain")),
            target_group: facet_values(
                TargetGroup::ALL,
                TargetGroup::as_str,
                dist.get("target_group"),
            ),
            gemeente: dist
                .get("gemeente")
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| FacetValue {
                            value: k.clone(),
                            count: *v as u64,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        facets.normalise();
        let hits = res
            .hits
            .into_iter()
            .map(|h| {
                let doc = h.result;
                SearchHit {
                    distance_km: q.near.map(|n| {
                        doc.points
                            .iter()
                            .map(|p| distance_km((n.lat, n.lon), *p))
                            .fold(f64::INFINITY, f64::min)
                    }),
                    score: h.ranking_score.unwrap_or(0.0),
                    highlights: highlight::highlights(&q.words, &doc.title, &doc.description),
                    id: doc.id,
                }
            })
            .collect();
        Ok(SearchResults {
            total,
            hits,
            facets,
            matched_words,
            by_meaning,
        })
    }

    async fn set_synonyms(&self, synonyms: Arc<Synonyms>) -> AppResult<()> {
        let map = synonyms.meili_map();
        *self.synonyms.write().map_err(poisoned)? = synonyms;
        // Before the first use the settings carry them; afterwards send them now.
        if self.ready.initialized() {
            let task = self.index.set_synonyms(&map).await.map_err(internal)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    async fn count(&self) -> AppResult<u64> {
        self.ready().await?;
        let stats = self.index.get_stats().await.map_err(internal)?;
        Ok(stats.number_of_documents as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_embedder_posts_openai_requests_to_the_endpoint() {
        let mut config = SearchConfig::default();
        assert!(rest_embedder(&config).is_none());
        config.embedder_url = Some("http://127.0.0.1:8000/v1/".into());
        config.embedder_model = "e5".into();
        let e = rest_embedder(&config).unwrap();
        assert_eq!(e.source, EmbedderSource::Rest);
        assert_eq!(
            e.url.as_deref(),
            Some("http://127.0.0.1:8000/v1/embeddings")
        );
        assert_eq!(e.document_template.as_deref(), Some("{{doc.meaning}}"));
        let request = e.request.unwrap();
        assert_eq!(request["model"], "e5");
        assert_eq!(request["input"][0], "{{text}}");
        assert_eq!(e.response.unwrap()["data"][0]["embedding"], "{{embedding}}");
        config.embedder_add_prefixes = true;
        assert_eq!(
            rest_embedder(&config).unwrap().document_template.as_deref(),
            Some("passage: {{doc.meaning}}")
        );
    }
}
