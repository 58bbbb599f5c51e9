//! The `searchOffers` query.

use super::inputs::{NearInput, SearchFilterInput, SearchSort};
use super::types::{
    GemeenteCount, KindCount, LifeDomainCount, SearchFacets, SearchHighlight, SearchHit,
    SearchResult, StatusCount, Suggestion, TargetGroupCount, UnmetSearch,
};
use crate::error::AppError;
use crate::graphql::offer::Offer;
use crate::graphql::{actor, app};
use crate::read_model::OfferBundle;
use crate::search::demand;
use crate::search::query::{self as q, NearFields};
use crate::services::page;
use async_graphql::{Context, Object, Result};
use entities::{area, offer};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches public offers: full text over title, description, organisation, area names,
    /// kind, life domains and target groups (Dutch stemming; one typo allowed from 5 letters,
    /// two from 9), with filters, an optional point or postcode (`near`, with a radius and
    /// distance sort), facet counts, paging (`first`, `offset`) and highlighting.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn search_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for, e.g. \"wandelgroep angst Lent\"; empty lists all.")]
        query: Option<String>,
        filter: Option<SearchFilterInput>,
        near: Option<NearInput>,
        #[graphql(desc = "Result order; RELEVANCE when not given.")] sort: Option<SearchSort>,
        #[graphql(desc = "Page size (default and maximum from the node's limits).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Hits to skip (0 when not given).")] offset: Option<i32>,
    ) -> Result<SearchResult> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)? as usize;
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(crate::error::AppError::field("offset", "must not be negative").into());
        }
        let filter = filter.unwrap_or_default().parse()?;
        let near = near
            .map(|n| NearFields::from(n).parse(&state.gazetteer))
            .transpose()
            .map_err(|e| e.in_field("near"))?;
        let search = q::SearchQuery::new(
            query.as_deref(),
            filter,
            near,
            sort.unwrap_or_default().into(),
            offset as usize,
            limit.max(1),
        )?;
        let results = state.search.search(&search).await?;
        let did_you_mean = state.search.did_you_mean(&search, &results).await?;
        demand::note(
            &state.search,
            &state.gazetteer,
            &search,
            &results,
            state.config.search.demand_retention_weeks,
        )
        .await;
        let matched_words = results
            .matched_words
            .clone()
            .unwrap_or_else(|| search.words.iter().map(|w| w.raw.clone()).collect());

        let ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
        let offers = OfferBundle::search_hits(&state.db, &ids).await?;
        let hits = hits(results.hits, offers);
        let facets = facets(&state.db, results.facets).await?;
        Ok(SearchResult {
            total_count: results.total,
            hits,
            facets,
            backend: state.search.index().backend().to_string(),
            partial_match: results.matched_words.is_some(),
            matched_words,
            did_you_mean,
        })
    }

    /// Suggestions for a search box while typing: offer titles, organisations, areas
    /// (gemeente, wijk, buurt), life domains and target groups whose label has a word starting
    /// with `prefix` (case and accents ignored: `taalcaf` finds `Taalcafé`). Public records
    /// only; none for the first seconds after a node starts while it loads them. An empty or
    /// over-long prefix (over 60 characters) is `BAD_USER_INPUT`.
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What has been typed so far.")] prefix: String,
        #[graphql(desc = "How many suggestions (1 to 20; 8 when not given).")] first: Option<i32>,
    ) -> Result<Vec<Suggestion>> {
        let first = first.unwrap_or(8);
        let state = app(ctx)?;
        Ok(state
            .search
            .suggest(&prefix, first)
            .await?
            .into_iter()
            .map(Suggestion::from)
            .collect())
    }

    /// The most frequent searches that found no or few offers over the last `weeks` weeks
    /// (this one included), most first, for one gemeente (code) or all; anonymous counts per
    /// normalised text (no user, IP or session is stored). Node admins and organisation
    /// editors only (`FORBIDDEN` for others).
    async fn unmet_search_demand(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Gemeente code (`GM0268`); all gemeenten when not given.")]
        gemeente: Option<String>,
        #[graphql(desc = "Weeks to look back (1 to 52; 8 when not given).")] weeks: Option<i32>,
    ) -> Result<Vec<UnmetSearch>> {
        let weeks = weeks.unwrap_or(8);
        if !actor(ctx)?.may_see_search_demand() {
            return Err(AppError::Forbidden(
                "only node admins and organisation editors see unmet search demand".into(),
            )
            .into());
        }
        let state = app(ctx)?;
        let gemeente = gemeente
            .as_deref()
            .map(crate::domain::AreaCode::parse)
            .transpose()
            .map_err(|e| e.in_field("gemeente"))?
            .map(|c| c.gemeente());
        let today = chrono::Utc::now().date_naive();
        let rows = demand::top(&state.db, gemeente.as_deref(), weeks, today).await?;
        let codes: Vec<&str> = rows.iter().map(|r| r.gemeente_code.as_str()).collect();
        let names = area_names(&state.db, codes).await?;
        Ok(rows
            .into_iter()
            .map(|r| UnmetSearch {
                query: r.query_text,
                gemeente_name: names.get(&r.gemeente_code).cloned(),
                gemeente_code: Some(r.gemeente_code).filter(|c| !c.is_empty()),
                searches: r.searches,
            })
            .collect())
    }
}

/// Names of the areas with `codes`.
async fn area_names(db: &DatabaseConnection, codes: Vec<&str>) -> Result<HashMap<String, String>> {
    Ok(area::Entity::find()
        .filter(area::Column::Code.is_in(codes))
        .all(db)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// Hits with their offers, in hit order; a hit whose offer stopped being public since the last
/// sync (not among `offers`) is left out.
fn hits(hits: Vec<q::SearchHit>, offers: Vec<OfferBundle>) -> Vec<SearchHit> {
    let mut offers: HashMap<String, offer::Model> = offers
        .into_iter()
        .map(|b| (b.offer.id.clone(), b.offer))
        .collect();
    hits.into_iter()
        .filter_map(|h| {
            let o = offers.remove(&h.id)?;
            Some(SearchHit {
                score: h.score,
                distance_km: h.distance_km.map(|d| (d * 100.0).round() / 100.0),
                offer: Offer(o),
                highlights: h
                    .highlights
                    .into_iter()
                    .map(|x| SearchHighlight {
                        field: x.field.to_string(),
                        fragment: x.fragment,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The facet counts, with the names of the gemeenten (one statement).
async fn facets(db: &DatabaseConnection, f: q::Facets) -> Result<SearchFacets> {
    let codes: Vec<&str> = f.gemeente.iter().map(|g| g.value.as_str()).collect();
    let names = area_names(db, codes).await?;
    Ok(SearchFacets {
        kind: f
            .kind
            .into_iter()
            .map(|v| KindCount {
                value: v.value.into(),
                count: v.count,
            })
            .collect(),
        life_domain: f
            .life_domain
            .into_iter()
            .map(|v| LifeDomainCount {
                value: v.value.into(),
                count: v.count,
            })
            .collect(),
        target_group: f
            .target_group
            .into_iter()
            .map(|v| TargetGroupCount {
                value: v.value.into(),
                count: v.count,
            })
            .collect(),
        status: f
            .status
            .into_iter()
            .map(|v| StatusCount {
                value: v.value.into(),
                count: v.count,
            })
            .collect(),
        gemeente: f
            .gemeente
            .into_iter()
            .map(|v| GemeenteCount {
                name: names.get(&v.value).cloned(),
                code: v.value,
                count: v.count,
            })
            .collect(),
    })
}
