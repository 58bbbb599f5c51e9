//! What a search asks and answers, independent of the backend: [`SearchQuery`] (parsed and
//! validated here, the one place for search input rules) and [`SearchResults`].

use super::compound::Vocabulary;
use super::synonyms::Synonyms;
use super::text::{self, QueryWord};
use crate::domain::{AreaCode, Postcode};
use crate::error::{AppError, AppResult};
use crate::geo::{self, Gazetteer};
use entities::{LifeDomain, OfferKind, OfferStatus, TargetGroup};

/// Largest radius accepted, in kilometres.
pub const MAX_RADIUS_KM: f64 = 300.0;
/// Longest query text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Largest `offset + limit` accepted (deep paging is not a search use case).
pub const MAX_WINDOW: usize = 1000;

/// Filters on indexed offers. Every given filter must hold; values within a list are
/// alternatives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchFilter {
    /// Gemeente, wijk or buurt code: offers with a location in that area.
    pub area: Option<AreaCode>,
    pub kinds: Vec<OfferKind>,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    pub statuses: Vec<OfferStatus>,
    /// Only offers without cost.
    pub free_only: bool,
    /// Only offers costing at most this many euro cents (free ones included).
    pub max_cost_cents: Option<u32>,
    /// Only offers that can take participants now.
    pub open_places_only: bool,
    /// Only offers of this node.
    pub origin_node: Option<String>,
    /// Only offers of one of these organisations (a network's members); `Some` of an empty
    /// list matches nothing.
    pub organisation_ids: Option<Vec<String>>,
    /// Stored attributes every offer must have (`peer_led`, `mode_online`, `wheelchair`, ...;
    /// see `domain::funding`).
    pub attributes: Vec<String>,
}

/// A point to search around.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    /// Only offers with a location within this many kilometres.
    pub radius_km: Option<f64>,
}

/// Result order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SearchSort {
    /// Best match first (by title when there is no query text).
    #[default]
    Relevance,
    /// Nearest location first (needs a point).
    Distance,
}

/// A validated search.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    /// The text as typed (trimmed).
    pub text: String,
    /// Analysed words of `text`; empty means "everything that passes the filters".
    pub words: Vec<QueryWord>,
    pub filter: SearchFilter,
    pub near: Option<Near>,
    pub sort: SearchSort,
    pub offset: usize,
    pub limit: usize,
}

/// A point or a postcode, as given by a client.
#[derive(Clone, Debug, Default)]
pub struct NearFields {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub postcode: Option<String>,
    pub radius_km: Option<f64>,
}

impl NearFields {
    /// Parses into a point; a postcode resolves to its 4-digit area's centroid.
    pub fn parse(&self, gazetteer: &Gazetteer) -> AppResult<Near> {
        let (lat, lon) = match (self.lat, self.lon, self.postcode.as_deref()) {
            (Some(lat), Some(lon), None) => geo::check_point(lat, lon)?,
            (None, None, Some(raw)) => {
                let pc = Postcode::parse(raw).map_err(|e| e.in_field("postcode"))?;
                let area = gazetteer
                    .postcode(&pc)
                    .map_err(|e| e.in_field("postcode"))?;
                (area.lat, area.lon)
            }
            (Some(_), None, None) => return Err(AppError::field("lon", "is required with lat")),
            (None, Some(_), None) => return Err(AppError::field("lat", "is required with lon")),
            (None, None, None) => {
                return Err(AppError::field(
                    "postcode",
                    "give a postcode or lat and lon",
                ));
            }
            _ => {
                return Err(AppError::field(
                    "postcode",
                    "give either a postcode or lat and lon, not both",
                ));
            }
        };
        if let Some(r) = self.radius_km
            && !(r > 0.0 && r <= MAX_RADIUS_KM)
        {
            return Err(AppError::field(
                "radiusKm",
                format!("must be more than 0 and at most {MAX_RADIUS_KM}"),
            ));
        }
        Ok(Near {
            lat,
            lon,
            radius_km: self.radius_km,
        })
    }
}

impl SearchQuery {
    /// The circle every offer must have a location in: `(lat, lon, radius_km)`, when the
    /// search has a radius.
    pub fn circle(&self) -> Option<(f64, f64, f64)> {
        self.near
            .and_then(|n| n.radius_km.map(|r| (n.lat, n.lon, r)))
    }

    /// Validates a search. `near` must already be parsed (see [`NearFields::parse`]).
    pub fn new(
        text: Option<&str>,
        filter: SearchFilter,
        near: Option<Near>,
        sort: SearchSort,
        offset: usize,
        limit: usize,
    ) -> AppResult<Self> {
        let text = text.unwrap_or("").trim().to_string();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::field(
                "query",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        if sort == SearchSort::Distance && near.is_none() {
            return Err(AppError::field(
                "sort",
                "DISTANCE needs a point or postcode in `near`",
            ));
        }
        if limit == 0 {
            return Err(AppError::field("first", "must be at least 1"));
        }
        if offset + limit > MAX_WINDOW {
            return Err(AppError::field(
                "offset",
                format!("offset + first must be at most {MAX_WINDOW}"),
            ));
        }
        Ok(Self {
            words: text::query_words(&text),
            text,
            filter,
            near,
            sort,
            offset,
            limit,
        })
    }

    /// Everything passing the filters, first `limit`, for tests and tools.
    pub fn text(text: &str, limit: usize) -> AppResult<Self> {
        Self::new(
            Some(text),
            SearchFilter::default(),
            None,
            SearchSort::Relevance,
            0,
            limit,
        )
    }
}

/// A piece of a query that must match as a whole: one word, several words that together form
/// a term of a synonym group (`rood staan`, `weinig contacten`), or a part of a query compound
/// that no offer holds whole (only in the fallback). Both backends build the same units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The words of the unit, in query order (several for a term of several words).
    pub words: Vec<QueryWord>,
    /// A part of a query compound (not split again).
    pub part: bool,
}

impl Unit {
    /// The stems of the unit's words.
    pub fn stems(&self) -> Vec<String> {
        self.words.iter().map(|w| w.stem.clone()).collect()
    }

    /// The unit's words as written (lower case, folded).
    pub fn raws(&self) -> impl Iterator<Item = String> + '_ {
        self.words.iter().map(|w| w.raw.clone())
    }
}

/// The units of `words`: where consecutive words form a term of several words of a synonym
/// group, the longest such term; otherwise one word each.
pub fn units(words: &[QueryWord], synonyms: &Synonyms) -> Vec<Unit> {
    let stems: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let n = synonyms.phrase_at(&stems[i..]).unwrap_or(1);
        out.push(Unit {
            words: words[i..i + n].to_vec(),
            part: false,
        });
        i += n;
    }
    out
}

/// The parts of a one-word unit that is a compound of `vocab`'s words, each a unit (the
/// fallback's split of a compound that no offer holds whole: `mantelzorgondersteuning`).
pub fn parts(unit: &Unit, vocab: &Vocabulary) -> Option<Vec<Unit>> {
    let [word] = unit.words.as_slice() else {
        return None;
    };
    if unit.part {
        return None;
    }
    let parts: Vec<Unit> = vocab
        .split(&word.raw, true)?
        .iter()
        .filter_map(|p| text::words(p).into_iter().next())
        .map(|w| Unit {
            words: vec![QueryWord {
                stem: w.stem,
                raw: w.raw,
                typos: 0,
            }],
            part: true,
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// Most units of which the fallback tries every combination; beyond, it only drops units
/// from the end.
pub const MAX_FALLBACK_UNITS: usize = 5;

/// The subsets (as unit positions) of `n` units that the fallback tries in turn: the most
/// units first and, among as many, those keeping the earlier units (the later ones are
/// dropped first, as with Meilisearch's `last` matching strategy).
pub fn fallback_subsets(n: usize) -> Vec<Vec<usize>> {
    if n > MAX_FALLBACK_UNITS {
        return (1..n).rev().map(|k| (0..k).collect()).collect();
    }
    let mut out = Vec::new();
    for k in (1..n).rev() {
        // Combinations of k out of n in lexicographic order.
        let mut c: Vec<usize> = (0..k).collect();
        loop {
            out.push(c.clone());
            let Some(i) = (0..k).rev().find(|&i| c[i] < n - k + i) else {
                break;
            };
            c[i] += 1;
            for j in i + 1..k {
                c[j] = c[j - 1] + 1;
            }
        }
    }
    out
}

/// The units for the offers matching the most of `units` when fewer than the page match all
/// (`full` of them), for both backends (`count` answers how many offers, with the query's
/// filters, match every unit given): units no offer holds are dropped first, a compound no
/// offer holds whole is replaced by its parts (split by `vocab`); then the largest combination
/// ([`fallback_subsets`]) that finds more than `full` offers. `None` when nothing finds more.
pub async fn fallback<F>(
    units: &[Unit],
    full: u64,
    vocab: &std::sync::RwLock<Vocabulary>,
    mut count: impl FnMut(Vec<Unit>) -> F,
) -> AppResult<Option<Vec<Unit>>>
where
    F: std::future::Future<Output = AppResult<u64>>,
{
    if units.is_empty() || (units.len() == 1 && full > 0) {
        return Ok(None);
    }
    let mut live = Vec::new();
    let mut changed = false;
    for u in units {
        // A single unit that found nothing is known to hold nothing.
        if units.len() > 1 && count(vec![u.clone()]).await? > 0 {
            live.push(u.clone());
            continue;
        }
        changed = true;
        let split = {
            let vocab = vocab.read().map_err(|_| {
                AppError::Internal(anyhow::anyhow!("search vocabulary lock poisoned"))
            })?;
            parts(u, &vocab)
        };
        for p in split.into_iter().flatten() {
            if count(vec![p.clone()]).await? > 0 {
                live.push(p);
            }
        }
    }
    if live.is_empty() {
        return Ok(None);
    }
    if changed && count(live.clone()).await? > full {
        return Ok(Some(live));
    }
    for subset in fallback_subsets(live.len()) {
        let kept: Vec<Unit> = subset.iter().map(|&i| live[i].clone()).collect();
        if count(kept.clone()).await? > full {
            return Ok(Some(kept));
        }
    }
    Ok(None)
}

/// One value of a facet with the number of matching offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetValue<T> {
    pub value: T,
    pub count: u64,
}

/// Facet counts over all offers matching a search (not only the page).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub kind: Vec<FacetValue<OfferKind>>,
    pub life_domain: Vec<FacetValue<LifeDomain>>,
    pub target_group: Vec<FacetValue<TargetGroup>>,
    pub status: Vec<FacetValue<OfferStatus>>,
    /// By gemeente code (`GM0268`).
    pub gemeente: Vec<FacetValue<String>>,
}

impl Facets {
    /// Sorts every facet by count (descending), then value, and drops zero counts.
    pub fn normalise(&mut self) {
        fn sort<T: Ord>(v: &mut Vec<FacetValue<T>>) {
            v.retain(|f| f.count > 0);
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        }
        sort(&mut self.kind);
        sort(&mut self.life_domain);
        sort(&mut self.target_group);
        sort(&mut self.status);
        sort(&mut self.gemeente);
    }
}

/// One hit.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// Offer id.
    pub id: String,
    /// Backend relevance score (higher is better; not comparable across backends).
    pub score: f64,
    /// Kilometres from the search point to the nearest location, when a point was given.
    pub distance_km: Option<f64>,
    pub highlights: Vec<super::highlight::Highlight>,
}

/// The answer to a search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResults {
    /// Offers matching (all pages).
    pub total: u64,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
    /// When no offer matched every query word: the words (as written, folded) the hits do
    /// match (words no offer holds are dropped first, a compound no offer holds whole is
    /// replaced by its parts, then words are dropped from the end, as Meilisearch's `last`
    /// matching strategy does). `None` when every word matched or nothing was found.
    ///
    /// When fewer offers than the page asks for match every word, the page is filled up with
    /// offers matching the most words, ranked below the full matches (and counted in `total`
    /// and the facets); `matched_words` stays `None` then.
    pub matched_words: Option<Vec<String>>,
    /// Offers in `total` found by meaning only (hybrid search; see [`super::hybrid`]).
    pub by_meaning: u64,
}

impl SearchResults {
    /// Offers found by their words (`total` without those found by meaning only): what
    /// "few results" means for unmet demand and "Bedoelde u …".
    pub fn by_words(&self) -> u64 {
        self.total.saturating_sub(self.by_meaning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_subsets_drop_later_units_first() {
        assert_eq!(
            fallback_subsets(3),
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0],
                vec![1],
                vec![2]
            ]
        );
        assert!(fallback_subsets(1).is_empty());
        assert_eq!(fallback_subsets(7)[0], vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(fallback_subsets(7).len(), 6);
    }

    #[test]
    fn terms_of_several_words_are_one_unit() {
        let synonyms = Synonyms::parse("schulden ~ rood staan\nslapen ~ slecht slapen");
        let u = units(
            &text::query_words("rood staan slecht slapen lent"),
            &synonyms,
        );
        let raws: Vec<Vec<String>> = u.iter().map(|u| u.raws().collect()).collect();
        assert_eq!(
            raws,
            vec![
                vec!["rood", "staan"],
                vec!["slecht", "slapen"],
                vec!["lent"]
            ]
        );
        let mut vocab = Vocabulary::default();
        vocab.add_text("mantelzorg ondersteuning");
        let whole = units(&text::query_words("mantelzorgondersteuning"), &synonyms);
        let p = parts(&whole[0], &vocab).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|u| u.part) && parts(&p[0], &vocab).is_none());
    }
}
