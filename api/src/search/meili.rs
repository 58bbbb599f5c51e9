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

use super::doc::SearchDoc;
use super::highlight;
use super::query::{FacetValue, Facets, SearchHit, SearchQuery, SearchResults, SearchSort};
use super::{SearchIndex, text};
use crate::error::{AppError, AppResult};
use crate::geo::distance_km;
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup};
use meilisearch_sdk::client::Client;
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, PaginationSetting, PrefixSearchSettings, Settings,
};
use meilisearch_sdk::task_info::TaskInfo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
    points: Vec<(f64, f64)>,
    #[serde(rename = "_geo", skip_serializing_if = "Option::is_none")]
    geo: Option<Geo>,
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

impl From<&SearchDoc> for MeiliDoc {
    fn from(d: &SearchDoc) -> Self {
        MeiliDoc {
            key: key(&d.id),
            id: d.id.clone(),
            title: d.title.clone(),
            description: d.description.clone(),
            title_s: text::stem_text(&d.title),
            tags_s: text::stem_text(&d.tags_text()),
            org_s: text::stem_text(&d.organisation_name),
            area_s: text::stem_text(&d.area_text()),
            description_s: text::stem_text(&d.description),
            raw: text::raw_text(&format!(
                "{} {} {} {} {}",
                d.title,
                d.tags_text(),
                d.organisation_name,
                d.area_text(),
                d.description
            )),
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
            points: d.points.clone(),
            geo: d.points.first().map(|&(lat, lng)| Geo { lat, lng }),
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
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("meilisearch: {e}"))
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

impl MeiliIndex {
    /// A client for index `uid` at `url`; nothing is sent until first use.
    pub fn new(url: &str, api_key: Option<&str>, uid: &str) -> AppResult<Self> {
        let client = Client::new(url, api_key).map_err(internal)?;
        let index = client.index(uid);
        Ok(Self {
            client,
            index,
            ready: tokio::sync::OnceCell::new(),
        })
    }

    /// Applies the index settings (creating the index) once.
    async fn ready(&self) -> AppResult<()> {
        self.ready
            .get_or_try_init(|| self.configure())
            .await
            .map(|_| ())
    }

    async fn configure(&self) -> AppResult<()> {
        let settings = Settings::new()
            .with_searchable_attributes([
                "title_s",
                "tags_s",
                "org_s",
                "area_s",
                "description_s",
                "raw",
            ])
            .with_filterable_attributes([
                "area",
                "origin",
                "kind",
                "status",
                "life_domain",
                "target_group",
                "gemeente",
                "cost",
                "open",
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
        let task = self.index.set_settings(&settings).await.map_err(internal)?;
        self.wait(task).await?;
        // Words match whole, as in the embedded index: no prefix matching of the last word.
        let task = self
            .index
            .set_prefix_search(PrefixSearchSettings::Disabled)
            .await
            .map_err(internal)?;
        self.wait(task).await
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
            let docs: Vec<MeiliDoc> = chunk.iter().map(MeiliDoc::from).collect();
            let task = self
                .index
                .add_or_replace(&docs, Some("key"))
                .await
                .map_err(internal)?;
            self.wait(task).await?;
        }
        Ok(())
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

    async fn run(
        &self,
        q: &SearchQuery,
        strategy: MatchingStrategies,
    ) -> AppResult<meilisearch_sdk::search::SearchResults<MeiliHit>> {
        let text = q
            .words
            .iter()
            .map(|w| w.stem.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let filter = Self::filter(q);
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
            .with_offset(q.offset)
            .with_limit(q.limit)
            .with_facets(Selectors::Some(&FACETS))
            .with_show_ranking_score(true)
            .with_matching_strategy(strategy);
        if !filter.is_empty() {
            search.with_filter(&filter);
        }
        if !sort.is_empty() {
            search.with_sort(&sort);
        }
        search.execute::<MeiliHit>().await.map_err(internal)
    }
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
        self.upload(&docs).await
    }

    async fn search(&self, q: &SearchQuery) -> AppResult<SearchResults> {
        self.ready().await?;
        let mut res = self.run(q, MatchingStrategies::ALL).await?;
        if res.hits.is_empty() && q.offset == 0 && q.words.len() > 1 {
            // No offer has every word: drop words from the end until some match.
            res = self.run(q, MatchingStrategies::LAST).await?;
        }
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
            total: res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64,
            hits,
            facets,
        })
    }

    async fn count(&self) -> AppResult<u64> {
        self.ready().await?;
        let stats = self.index.get_stats().await.map_err(internal)?;
        Ok(stats.number_of_documents as u64)
    }
}
