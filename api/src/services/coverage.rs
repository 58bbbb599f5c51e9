//! Coverage for municipalities: per wijk of a gemeente (or per buurt of a wijk) how many active
//! offers have a location there, by kind and life domain, how many Herstelcirkels have open
//! places, and which buurten have no matching offer within a distance of their centroid. Offers
//! across area and node borders count for the distance (mirrored offers included), so a buurt at
//! a border is not a gap when help is just across it. Aggregates only: public data, no persons.
//!
//! Beside the counts, population (CBS, see [`super::population`]): offers per 10,000
//! inhabitants, offers for older people per 10,000 aged 65 or over, and the inhabitants living
//! in a gap; buurten whose population is unknown are counted apart, never as zero.
//!
//! An *active* offer is the one rule of [`is_active`] (not ended, not paused: planned, running
//! and full offers all count, since a full offer is still there for the buurt) that is public.
//!
//! At most nine statements whatever the size of the area: the area, its buurten, the rows'
//! areas, their population, the offers with a location in the area's bounding box widened by
//! the distance, and their bundles ([`OfferBundle::load_many`]).

use crate::domain::{Actor, AreaCode};
use crate::error::{AppError, AppResult};
use crate::geo::distance_km;
use crate::read_model::OfferBundle;
use crate::read_model::rules::{has_room, is_active};
use crate::services::Ctx;
use crate::services::population::{self, per_10k};
use entities::{AreaKind, LifeDomain, OfferKind, area, area_population, location, offer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Largest distance accepted for gaps, in km.
pub const MAX_DISTANCE_KM: f64 = 50.0;

/// What to map.
#[derive(Clone, Debug)]
pub struct CoverageQuery {
    /// The gemeente, wijk or buurt to map.
    pub area_code: AreaCode,
    /// Only offers of this kind.
    pub kind: Option<OfferKind>,
    /// Only offers working on this life domain.
    pub life_domain: Option<LifeDomain>,
    /// A buurt whose centroid has no matching offer location within this distance is a gap.
    pub distance_km: f64,
    /// Leave out offers not confirmed current since this moment (stale listings).
    pub confirmed_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// Figures for one area (a row of the map, or the whole mapped area).
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageRow {
    pub code: String,
    pub name: String,
    pub kind: AreaKind,
    /// Active offers with a location in this area.
    pub active_offers: u32,
    /// Those offers by kind (kinds with none left out).
    pub by_kind: Vec<(OfferKind, u32)>,
    /// Those offers by life domain (an offer counts for each of its domains).
    pub by_domain: Vec<(LifeDomain, u32)>,
    /// Herstelcirkels among them that can take participants now.
    pub herstelcirkels_with_places: u32,
    /// Buurten in this area.
    pub buurten: u32,
    /// Buurten in this area without a matching offer within the distance.
    pub buurten_without_offer: u32,
    /// For a buurt: km from its centroid to the nearest matching offer location (none when
    /// there is none nearby at all).
    pub nearest_offer_km: Option<f64>,
    /// GeoJSON geometry, where known.
    pub geometry: Option<String>,
    /// CBS inhabitants of the area (none when unknown).
    pub inhabitants: Option<i64>,
    /// CBS inhabitants aged 65 or over: the area's own figure, else the sum over its buurten
    /// with a known figure (CBS gives it for buurten only); none when no buurt has one.
    pub inhabitants_65_plus: Option<i64>,
    /// `active_offers` per 10,000 inhabitants.
    pub offers_per_10k: Option<f64>,
    /// Active offers for older people (target group `ouderen`) among `active_offers`.
    pub offers_for_older: u32,
    /// `offers_for_older` per 10,000 inhabitants aged 65 or over.
    pub older_offers_per_10k_65_plus: Option<f64>,
    /// Inhabitants of the gap buurten in this area whose population is known.
    pub residents_in_gaps: i64,
    /// Gap buurten in this area whose population is unknown (not in `residents_in_gaps`).
    pub gap_buurten_unknown_population: u32,
}

/// A buurt without a matching offer within the distance.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub code: String,
    pub name: String,
    /// The wijk it lies in.
    pub wijk_code: Option<String>,
    /// Km to the nearest matching offer location, if any lies within [`reach_km`].
    pub nearest_offer_km: Option<f64>,
    /// CBS inhabitants of the buurt (none when unknown).
    pub inhabitants: Option<i64>,
}

/// The coverage of an area.
#[derive(Clone, Debug)]
pub struct Coverage {
    pub area: area::Model,
    pub query: CoverageQuery,
    /// One row per wijk of a gemeente, per buurt of a wijk, or the buurt itself.
    pub rows: Vec<CoverageRow>,
    /// Every buurt of the area without a matching offer within the distance, the most
    /// inhabitants first (unknown populations last, then by code).
    pub gaps: Vec<Gap>,
    /// The whole area.
    pub totals: CoverageRow,
}

/// An active, matching offer with its locations.
struct Active {
    offer: offer::Model,
    domains: Vec<LifeDomain>,
    for_older: bool,
    points: Vec<(f64, f64)>,
    buurten: HashSet<String>,
}

/// How far the nearest offer of a buurt is looked for: twice the gap distance. The one rule
/// for "nearest offer" at every level: an offer farther away counts as none nearby, whether
/// the buurt is shown within its gemeente or within its wijk (the offers read for a smaller
/// area reach just as far around each of its buurten).
pub fn reach_km(distance_km: f64) -> f64 {
    2.0 * distance_km
}

/// Km per degree of latitude.
const KM_PER_DEGREE: f64 = 111.32;

/// Checks the query's distance.
fn check_distance(km: f64) -> AppResult<()> {
    if km > 0.0 && km <= MAX_DISTANCE_KM {
        Ok(())
    } else {
        Err(AppError::field(
            "distanceKm",
            format!("must be more than 0 and at most {MAX_DISTANCE_KM}"),
        ))
    }
}

/// The coverage of `q.area_code`. Anyone may read it (public aggregates).
pub async fn coverage(ctx: &Ctx, _actor: &Actor, q: CoverageQuery) -> AppResult<Coverage> {
    check_distance(q.distance_km)?;
    let area = super::area::get(&ctx.db, &q.area_code).await?;
    let (buurten, row_areas) = buurten_and_rows(ctx, &q.area_code, &area).await?;
    let own_codes: Vec<&str> = row_areas
        .iter()
        .chain([&area])
        .map(|a| a.code.as_str())
        .collect();
    let people = population::of_areas(&ctx.db, &q.area_code, &own_codes).await?;
    let inhabitants = |code: &str| people.get(code).and_then(|p| p.inhabitants);
    let active = active_offers(ctx, &q, &buurten).await?;
    let nearest = nearest_offers(&buurten, &active, reach_km(q.distance_km));
    let is_gap = |code: &str| {
        nearest
            .get(code)
            .copied()
            .flatten()
            .is_none_or(|d| d > q.distance_km)
    };
    let mut gaps: Vec<Gap> = buurten
        .iter()
        .filter(|b| is_gap(&b.code))
        .map(|b| Gap {
            code: b.code.clone(),
            name: b.name.clone(),
            wijk_code: b.parent_code.clone(),
            nearest_offer_km: nearest.get(b.code.as_str()).copied().flatten(),
            inhabitants: inhabitants(&b.code),
        })
        .collect();
    // Most inhabitants affected first; unknown after every known figure (`None < Some`).
    gaps.sort_by(|a, b| {
        b.inhabitants
            .cmp(&a.inhabitants)
            .then_with(|| a.code.cmp(&b.code))
    });

    // The buurten of each row.
    let buurten_of = |row: &area::Model| -> Vec<&area::Model> {
        buurten
            .iter()
            .filter(|b| match row.kind {
                AreaKind::Gemeente => true,
                AreaKind::Wijk => b.parent_code.as_deref() == Some(row.code.as_str()),
                AreaKind::Buurt => b.code == row.code,
            })
            .collect()
    };
    let row_of = |row: &area::Model| {
        let inside = buurten_of(row);
        let codes: HashSet<&str> = inside.iter().map(|b| b.code.as_str()).collect();
        let offers: Vec<&Active> = active
            .iter()
            .filter(|a| a.buurten.iter().any(|b| codes.contains(b.as_str())))
            .collect();
        let gap_buurten: Vec<&&area::Model> = inside.iter().filter(|b| is_gap(&b.code)).collect();
        let mut r = figures(
            row,
            &offers,
            inside.len(),
            gap_buurten.len(),
            match row.kind {
                AreaKind::Buurt => nearest.get(row.code.as_str()).copied().flatten(),
                _ => None,
            },
        );
        add_population(
            &mut r,
            &people,
            &inside,
            &gap_buurten,
            offers.iter().filter(|a| a.for_older).count(),
        );
        r
    };
    let rows = row_areas.iter().map(row_of).collect();
    let totals = row_of(&area);
    Ok(Coverage {
        area,
        query: q,
        rows,
        gaps,
        totals,
    })
}

/// The buurten of `area` and the areas of its rows (its wijken, its buurten, or itself), in
/// code order.
async fn buurten_and_rows(
    ctx: &Ctx,
    code: &AreaCode,
    area: &area::Model,
) -> AppResult<(Vec<area::Model>, Vec<area::Model>)> {
    let buurten = area::Entity::find()
        .filter(area::Column::Code.in_subquery(super::area::buurten_within(code)))
        .order_by_asc(area::Column::Code)
        .all(&ctx.db)
        .await?;
    let row_areas = match area.kind {
        AreaKind::Gemeente | AreaKind::Wijk => {
            area::Entity::find()
                .filter(area::Column::ParentCode.eq(area.code.as_str()))
                .order_by_asc(area::Column::Code)
                .all(&ctx.db)
                .await?
        }
        AreaKind::Buurt => vec![area.clone()],
    };
    Ok((buurten, row_areas))
}

/// Km from each buurt's centroid to the nearest matching offer location (none when there is
/// none within `reach` km, see [`reach_km`]).
fn nearest_offers<'a>(
    buurten: &'a [area::Model],
    active: &[Active],
    reach: f64,
) -> HashMap<&'a str, Option<f64>> {
    buurten
        .iter()
        .map(|b| {
            let d = active
                .iter()
                .flat_map(|a| a.points.iter())
                .map(|p| distance_km((b.centroid_lat, b.centroid_lon), *p))
                .min_by(f64::total_cmp)
                .filter(|d| *d <= reach);
            (b.code.as_str(), d)
        })
        .collect()
}

/// The box around the centroids of some buurten widened by a distance: locations outside it
/// lie farther than that distance from every centroid.
struct BBox {
    lat: (f64, f64),
    lon: (f64, f64),
}

impl BBox {
    fn around(buurten: &[area::Model], distance_km: f64) -> BBox {
        let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
            (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for b in buurten {
            min_lat = min_lat.min(b.centroid_lat);
            max_lat = max_lat.max(b.centroid_lat);
            min_lon = min_lon.min(b.centroid_lon);
            max_lon = max_lon.max(b.centroid_lon);
        }
        let dlat = distance_km / KM_PER_DEGREE;
        let dlon = distance_km / (KM_PER_DEGREE * max_lat.to_radians().cos().max(0.1));
        BBox {
            lat: (min_lat - dlat, max_lat + dlat),
            lon: (min_lon - dlon, max_lon + dlon),
        }
    }

    /// Whether a location lies in the box (bounds included, as SQL `BETWEEN`).
    fn contains(&self, l: &location::Model) -> bool {
        (self.lat.0..=self.lat.1).contains(&l.lat) && (self.lon.0..=self.lon.1).contains(&l.lon)
    }
}

/// Public, active offers matching the query with a location in the bounding box of `buurten`
/// widened by the reach ([`reach_km`]); of each, only its locations in the box count.
async fn active_offers(
    ctx: &Ctx,
    q: &CoverageQuery,
    buurten: &[area::Model],
) -> AppResult<Vec<Active>> {
    if buurten.is_empty() {
        return Ok(Vec::new());
    }
    let bbox = BBox::around(buurten, reach_km(q.distance_km));
    let ids: Vec<String> = location::Entity::find()
        .select_only()
        .column(location::Column::OfferId)
        .distinct()
        .filter(location::Column::Lat.between(bbox.lat.0, bbox.lat.1))
        .filter(location::Column::Lon.between(bbox.lon.0, bbox.lon.1))
        .order_by_asc(location::Column::OfferId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let stale = match q.confirmed_since {
        Some(cutoff) => super::offer::freshness::stale_ids(&ctx.db, cutoff).await?,
        None => HashSet::new(),
    };
    Ok(OfferBundle::load_many(&ctx.db, &ids)
        .await?
        .into_iter()
        .filter(|b| {
            !stale.contains(&b.offer.id)
                && is_active(&b.offer)
                && b.is_public()
                && q.kind.is_none_or(|k| k == b.offer.kind)
                && q.life_domain.is_none_or(|d| b.life_domains.contains(&d))
        })
        .map(|b| {
            let inside: Vec<&location::Model> =
                b.locations.iter().filter(|l| bbox.contains(l)).collect();
            Active {
                for_older: population::is_for_older(&b.target_groups),
                points: inside.iter().map(|l| (l.lat, l.lon)).collect(),
                buurten: inside.iter().filter_map(|l| l.buurt_code.clone()).collect(),
                domains: b.life_domains,
                offer: b.offer,
            }
        })
        .collect())
}

fn figures(
    row: &area::Model,
    offers: &[&Active],
    buurten: usize,
    gaps: usize,
    nearest_offer_km: Option<f64>,
) -> CoverageRow {
    let mut by_kind: BTreeMap<OfferKind, u32> = BTreeMap::new();
    let mut by_domain: BTreeMap<LifeDomain, u32> = BTreeMap::new();
    for a in offers {
        *by_kind.entry(a.offer.kind).or_default() += 1;
        for d in &a.domains {
            *by_domain.entry(*d).or_default() += 1;
        }
    }
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    CoverageRow {
        code: row.code.clone(),
        name: row.name.clone(),
        kind: row.kind,
        active_offers: count(offers.len()),
        by_kind: by_kind.into_iter().collect(),
        by_domain: by_domain.into_iter().collect(),
        herstelcirkels_with_places: count(
            offers
                .iter()
                .filter(|a| a.offer.kind == OfferKind::Herstelcirkel && has_room(&a.offer))
                .count(),
        ),
        buurten: count(buurten),
        buurten_without_offer: count(gaps),
        nearest_offer_km,
        geometry: row.geometry.clone(),
        inhabitants: None,
        inhabitants_65_plus: None,
        offers_per_10k: None,
        offers_for_older: 0,
        older_offers_per_10k_65_plus: None,
        residents_in_gaps: 0,
        gap_buurten_unknown_population: 0,
    }
}

/// Adds the population figures to a row: its own inhabitants, 65+ (own, else the sum of its
/// buurten with a known figure), the rates, and the inhabitants of its gap buurten (known ones
/// summed, unknown ones counted apart).
fn add_population(
    r: &mut CoverageRow,
    people: &HashMap<String, area_population::Model>,
    inside: &[&area::Model],
    gap_buurten: &[&&area::Model],
    offers_for_older: usize,
) {
    let own = people.get(&r.code);
    r.inhabitants = own.and_then(|p| p.inhabitants);
    let older: Vec<i64> = inside
        .iter()
        .filter_map(|b| people.get(&b.code).and_then(|p| p.inhabitants_65_plus))
        .collect();
    r.inhabitants_65_plus = own
        .and_then(|p| p.inhabitants_65_plus)
        .or_else(|| (!older.is_empty()).then(|| older.iter().sum()));
    r.offers_per_10k = per_10k(u64::from(r.active_offers), r.inhabitants);
    r.offers_for_older = u32::try_from(offers_for_older).unwrap_or(u32::MAX);
    r.older_offers_per_10k_65_plus = per_10k(offers_for_older as u64, r.inhabitants_65_plus);
    for b in gap_buurten {
        match people.get(&b.code).and_then(|p| p.inhabitants) {
            Some(n) => r.residents_in_gaps += n,
            None => r.gap_buurten_unknown_population += 1,
        }
    }
}

/// How a CSV export is written: the GraphQL API's (RFC 4180, `,`, `.` decimals, English
/// headers) or a spreadsheet's in the Netherlands (`;`, decimal comma, a UTF-8 byte order mark
/// so Excel reads the accents, headers in Dutch).
#[derive(Clone, Debug)]
pub struct CsvStyle {
    pub delimiter: u8,
    pub decimal_comma: bool,
    pub byte_order_mark: bool,
    /// Column titles, one per column of [`csv_keys`]; the keys themselves when `None`.
    pub header: Option<Vec<String>>,
}

impl CsvStyle {
    /// The API's style.
    pub fn api() -> Self {
        Self {
            delimiter: b',',
            decimal_comma: false,
            byte_order_mark: false,
            header: None,
        }
    }
}

/// The columns of the CSV export, as their English keys: the figures, a count per kind
/// (`kind_<kind>`) and per life domain (`domain_<domain>`), then the population figures
/// (empty where unknown).
pub fn csv_keys() -> Vec<String> {
    use sea_orm::Iterable;
    let mut keys: Vec<String> = [
        "code",
        "name",
        "kind",
        "active_offers",
        "herstelcirkels_with_places",
        "buurten",
        "buurten_without_offer",
        "nearest_offer_km",
    ]
    .map(String::from)
    .to_vec();
    keys.extend(OfferKind::iter().map(|k| format!("kind_{}", k.as_str())));
    keys.extend(LifeDomain::iter().map(|d| format!("domain_{}", d.as_str())));
    keys.extend(POPULATION_KEYS.map(String::from));
    keys
}

/// The population columns at the end of [`csv_keys`].
pub const POPULATION_KEYS: [&str; 8] = [
    "inhabitants",
    "inhabitants_65_plus",
    "offers_per_10k",
    "offers_for_older",
    "older_offers_per_10k_65_plus",
    "residents_in_gaps",
    "gap_buurten_unknown_population",
    "source",
];

/// The columns of the gap list's CSV export.
pub const GAP_KEYS: [&str; 5] = [
    "code",
    "name",
    "wijk_code",
    "inhabitants",
    "nearest_offer_km",
];

/// Writes `rows` under a header (the style's titles, else `keys`) in `style`.
pub fn write_csv(
    style: &CsvStyle,
    keys: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    if style.byte_order_mark {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(style.delimiter)
        .from_writer(out);
    let internal = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(style.header.as_deref().unwrap_or(keys))
        .map_err(internal)?;
    for rec in rows {
        w.write_record(&rec).map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// The gap list as CSV in `style`, in its order (most inhabitants first).
pub fn gaps_csv(c: &Coverage, style: &CsvStyle) -> AppResult<Vec<u8>> {
    let km = |d: Option<f64>| population::decimal_places(d, 2, style.decimal_comma);
    write_csv(
        style,
        &GAP_KEYS.map(String::from),
        c.gaps.iter().map(|g| {
            vec![
                g.code.clone(),
                g.name.clone(),
                g.wijk_code.clone().unwrap_or_default(),
                g.inhabitants.map(|n| n.to_string()).unwrap_or_default(),
                km(g.nearest_offer_km),
            ]
        }),
    )
}

/// The rows as CSV in the API's style, one line per row after a header.
pub fn to_csv(c: &Coverage) -> AppResult<String> {
    let bytes = to_csv_in(c, &CsvStyle::api())?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

/// The rows as CSV in `style`, one line per row after a header.
pub fn to_csv_in(c: &Coverage, style: &CsvStyle) -> AppResult<Vec<u8>> {
    use sea_orm::Iterable;
    let dec =
        |d: Option<f64>, places: usize| population::decimal_places(d, places, style.decimal_comma);
    let rows = c.rows.iter().map(|r| {
        let mut rec = vec![
            r.code.clone(),
            r.name.clone(),
            r.kind.as_str().to_string(),
            r.active_offers.to_string(),
            r.herstelcirkels_with_places.to_string(),
            r.buurten.to_string(),
            r.buurten_without_offer.to_string(),
            dec(r.nearest_offer_km, 2),
        ];
        rec.extend(OfferKind::iter().map(|k| count_in(&r.by_kind, k).to_string()));
        rec.extend(LifeDomain::iter().map(|d| count_in(&r.by_domain, d).to_string()));
        let known = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        rec.extend([
            known(r.inhabitants),
            known(r.inhabitants_65_plus),
            dec(r.offers_per_10k, 1),
            r.offers_for_older.to_string(),
            dec(r.older_offers_per_10k_65_plus, 1),
            r.residents_in_gaps.to_string(),
            r.gap_buurten_unknown_population.to_string(),
            "CBS".to_string(),
        ]);
        rec
    });
    write_csv(style, &csv_keys(), rows)
}

/// The count of `key` in a `(value, count)` list (0 when absent).
pub fn count_in<T: PartialEq>(list: &[(T, u32)], key: T) -> u32 {
    list.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, n)| *n)
        .unwrap_or(0)
}

/// The rows as a GeoJSON FeatureCollection: one Feature per row with its figures as
/// properties and its geometry (null where unknown).
pub fn to_geojson(c: &Coverage) -> serde_json::Value {
    use serde_json::{Value, json};
    let features: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            let geometry = r
                .geometry
                .as_deref()
                .and_then(|g| serde_json::from_str::<Value>(g).ok())
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": r.code,
                    "name": r.name,
                    "kind": r.kind.as_str(),
                    "active_offers": r.active_offers,
                    "herstelcirkels_with_places": r.herstelcirkels_with_places,
                    "buurten": r.buurten,
                    "buurten_without_offer": r.buurten_without_offer,
                    "nearest_offer_km": r.nearest_offer_km,
                    "inhabitants": r.inhabitants,
                    "offers_per_10k": r.offers_per_10k,
                    "residents_in_gaps": r.residents_in_gaps,
                    "gap_buurten_unknown_population": r.gap_buurten_unknown_population,
                    "by_kind": r.by_kind.iter().map(|(k, n)| (k.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                    "by_domain": r.by_domain.iter().map(|(d, n)| (d.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                }
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "name": format!("coverage {}", c.area.code),
        "properties": {
            "area": c.area.code,
            "kind": c.query.kind.map(|k| k.as_str()),
            "life_domain": c.query.life_domain.map(|d| d.as_str()),
            "distance_km": c.query.distance_km,
            "population_source": population::SOURCE,
        },
        "features": features,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_bounded() {
        assert!(check_distance(1.5).is_ok());
        assert!(check_distance(0.0).is_err());
        assert!(check_distance(f64::NAN).is_err());
        assert!(check_distance(51.0).is_err());
    }

    #[test]
    fn counts_default_to_zero() {
        let list = vec![(OfferKind::Group, 3)];
        assert_eq!(count_in(&list, OfferKind::Group), 3);
        assert_eq!(count_in(&list, OfferKind::Course), 0);
    }
}
