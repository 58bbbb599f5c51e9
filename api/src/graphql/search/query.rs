//! The `searchOffers` query.

use super::inputs::{NearInput, SearchFilterInput, SearchSort};
use super::types::{
    GemeenteCount, KindCount, LifeDomainCount, SearchFacets, SearchHighlight, SearchHit,
    SearchResult, StatusCount, TargetGroupCount,
};
use crate::error::AppError;
use crate::graphql::app;
use crate::graphql::offer::Offer;
use crate::read_model::OfferBundle;
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
        })
    }
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
    let names: HashMap<String, String> = area::Entity::find()
        .filter(area::Column::Code.is_in(codes))
        .all(db)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect();
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
