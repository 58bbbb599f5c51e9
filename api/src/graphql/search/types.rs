//! Search results: hits with highlights and distance, facet counts.

use crate::graphql::enums::{LifeDomain, OfferKind, OfferStatus, TargetGroup};
use crate::graphql::offer::Offer;
use async_graphql::SimpleObject;

/// A part of a hit with the words that matched the query in `<mark>…</mark>`.
#[derive(SimpleObject)]
pub struct SearchHighlight {
    /// `title` or `description`.
    pub field: String,
    /// HTML-escaped text (a fragment, for the description) with matches marked.
    pub fragment: String,
}

/// One search hit.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// Relevance score of the backend (higher is better; only comparable within one search).
    pub score: f64,
    /// Kilometres to the offer's nearest location, when `near` was given.
    pub distance_km: Option<f64>,
    /// The offer.
    pub offer: Offer,
    /// Title and description with matched words marked.
    pub highlights: Vec<SearchHighlight>,
}

/// Number of matching offers of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// The kind.
    pub value: OfferKind,
    /// Matching offers.
    pub count: u64,
}

/// Number of matching offers working on one life domain.
#[derive(SimpleObject)]
pub struct LifeDomainCount {
    /// The life domain.
    pub value: LifeDomain,
    /// Matching offers.
    pub count: u64,
}

/// Number of matching offers for one target group.
#[derive(SimpleObject)]
pub struct TargetGroupCount {
    /// The target group.
    pub value: TargetGroup,
    /// Matching offers.
    pub count: u64,
}

/// Number of matching offers with one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status.
    pub value: OfferStatus,
    /// Matching offers.
    pub count: u64,
}

/// Number of matching offers with a location in one gemeente.
#[derive(SimpleObject)]
pub struct GemeenteCount {
    /// Gemeente code (`GM0268`).
    pub code: String,
    /// Gemeente name, where known.
    pub name: Option<String>,
    /// Matching offers.
    pub count: u64,
}

/// Facet counts over all matching offers (every page), most frequent first.
#[derive(SimpleObject)]
pub struct SearchFacets {
    /// By kind.
    pub kind: Vec<KindCount>,
    /// By life domain (an offer counts once per domain).
    pub life_domain: Vec<LifeDomainCount>,
    /// By target group (an offer counts once per group).
    pub target_group: Vec<TargetGroupCount>,
    /// By status.
    pub status: Vec<StatusCount>,
    /// By gemeente of the locations.
    pub gemeente: Vec<GemeenteCount>,
}

/// The answer to `searchOffers`.
#[derive(SimpleObject)]
pub struct SearchResult {
    /// Offers matching (all pages).
    pub total_count: u64,
    /// The requested page of hits.
    pub hits: Vec<SearchHit>,
    /// Facet counts over all matching offers.
    pub facets: SearchFacets,
    /// The backend that answered: `embedded` or `meilisearch`.
    pub backend: String,
    /// True when no offer matched every word of the query and the hits match only the
    /// words in `matchedWords` (the first ones of the query).
    pub partial_match: bool,
    /// The query words the hits match (lower case, accents folded); all of them unless
    /// `partialMatch`.
    pub matched_words: Vec<String>,
    /// "Bedoelde u …": when the query found no or few offers, a close query text (typos
    /// corrected against the index's words and the synonym list) that finds more.
    pub did_you_mean: Option<String>,
}

/// The outcome of a rebuild.
#[derive(SimpleObject)]
pub struct ReindexResult {
    /// Offers in the rebuilt index.
    pub indexed: u64,
    /// Backend rebuilt.
    pub backend: String,
}

/// What a suggestion is.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestionKind {
    /// An offer (its title); `value` is the offer id.
    Offer,
    /// An organisation with public offers; `value` is the organisation id.
    Organisation,
    /// A gemeente, wijk or buurt; `value` is its CBS code (for `filter.areaCode`).
    Area,
    /// A life domain; `value` is its value (as in `LifeDomain`, lower case).
    LifeDomain,
    /// A target group; `value` is its value (as in `TargetGroup`, lower case).
    TargetGroup,
}

impl From<crate::search::suggest::SuggestionKind> for SuggestionKind {
    fn from(k: crate::search::suggest::SuggestionKind) -> Self {
        use crate::search::suggest::SuggestionKind as K;
        match k {
            K::Offer => Self::Offer,
            K::Organisation => Self::Organisation,
            K::Area => Self::Area,
            K::LifeDomain => Self::LifeDomain,
            K::TargetGroup => Self::TargetGroup,
        }
    }
}

/// A suggestion for a search box.
#[derive(SimpleObject)]
pub struct Suggestion {
    /// What it is.
    pub kind: SuggestionKind,
    /// What to show, in Dutch (areas with their level: `Lent (wijk)`).
    pub label: String,
    /// Offer id, organisation id, area code or life domain / target group value.
    pub value: String,
    /// The search text to use for it.
    pub query: String,
}

impl From<crate::search::suggest::Suggestion> for Suggestion {
    fn from(s: crate::search::suggest::Suggestion) -> Self {
        Self {
            kind: s.kind.into(),
            label: s.label,
            value: s.value,
            query: s.query,
        }
    }
}

/// A search text that found no or few offers, with how often it was searched.
#[derive(SimpleObject)]
pub struct UnmetSearch {
    /// The query text, normalised (lower case, accents folded).
    pub query: String,
    /// Gemeente code of the searches; none when they named no place.
    pub gemeente_code: Option<String>,
    /// Gemeente name, where known.
    pub gemeente_name: Option<String>,
    /// Searches over the period.
    pub searches: i64,
}
