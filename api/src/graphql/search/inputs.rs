//! Search inputs: filters and the `near` point or postcode, parsed into search types.

use crate::domain::AreaCode;
use crate::error::{AppError, AppResult};
use crate::graphql::enums::{LifeDomain, OfferKind, OfferStatus, TargetGroup, to_entities};
use crate::search::SearchFilter;
use crate::search::query::NearFields;
use async_graphql::{Enum, InputObject};

/// Filters of a search. Every given filter must hold; values within a list are alternatives.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SearchFilterInput {
    /// Gemeente, wijk or buurt code: offers with a location in that area.
    pub area_code: Option<String>,
    /// Kinds of offer.
    pub kinds: Option<Vec<OfferKind>>,
    /// Life domains the offer works on.
    pub life_domains: Option<Vec<LifeDomain>>,
    /// Target groups the offer is meant for.
    pub target_groups: Option<Vec<TargetGroup>>,
    /// Statuses (ended offers are never indexed).
    pub statuses: Option<Vec<OfferStatus>>,
    /// Only offers without cost.
    #[graphql(default)]
    pub free_only: bool,
    /// Only offers costing at most this many euro cents (free ones included).
    pub max_cost_cents: Option<i32>,
    /// Only offers that can take participants now.
    #[graphql(default)]
    pub open_places_only: bool,
    /// Only offers of this node (federated offers keep their origin).
    pub origin_node: Option<String>,
}

impl SearchFilterInput {
    /// Parses the filter; errors name the field under `filter`.
    pub fn parse(self) -> AppResult<SearchFilter> {
        let area = self
            .area_code
            .as_deref()
            .map(AreaCode::parse)
            .transpose()
            .map_err(|e| e.in_field("filter.areaCode"))?;
        let max_cost_cents = match self.max_cost_cents {
            Some(n) if n < 0 => {
                return Err(AppError::field(
                    "filter.maxCostCents",
                    "must not be negative",
                ));
            }
            other => other.map(|n| n as u32),
        };
        Ok(SearchFilter {
            area,
            kinds: to_entities(&self.kinds.unwrap_or_default()),
            life_domains: to_entities(&self.life_domains.unwrap_or_default()),
            target_groups: to_entities(&self.target_groups.unwrap_or_default()),
            statuses: to_entities(&self.statuses.unwrap_or_default()),
            free_only: self.free_only,
            max_cost_cents,
            open_places_only: self.open_places_only,
            origin_node: self.origin_node.filter(|o| !o.trim().is_empty()),
            ..SearchFilter::default()
        })
    }
}

/// Where to search around: a point or a Dutch postcode (its 4-digit area's centroid).
#[derive(InputObject, Clone, Debug, Default)]
pub struct NearInput {
    /// Latitude (WGS84), with `lon`.
    pub lat: Option<f64>,
    /// Longitude (WGS84), with `lat`.
    pub lon: Option<f64>,
    /// A postcode such as `6663 AB` or `6663`, instead of a point.
    pub postcode: Option<String>,
    /// Only offers with a location within this many kilometres.
    pub radius_km: Option<f64>,
}

impl From<NearInput> for NearFields {
    fn from(n: NearInput) -> Self {
        NearFields {
            lat: n.lat,
            lon: n.lon,
            postcode: n.postcode,
            radius_km: n.radius_km,
        }
    }
}

/// Order of search results.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SearchSort {
    /// Best match first; without query text, nearest first when `near` is given, else by title.
    #[default]
    Relevance,
    /// Nearest location first (needs `near`).
    Distance,
}

impl From<SearchSort> for crate::search::SearchSort {
    fn from(s: SearchSort) -> Self {
        match s {
            SearchSort::Relevance => Self::Relevance,
            SearchSort::Distance => Self::Distance,
        }
    }
}
