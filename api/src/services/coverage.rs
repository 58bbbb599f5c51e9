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
//! Set-based, whatever the size of the catalogue: the database counts the area's matching
//! offers per row area and for the whole area ([`counts`]) over the stored gemeente, wijk and
//! buurt codes of the locations ([`derived`], indexed) and only the counted ones
//! (`locations.offer_active`, partial indexes), with what the counts need of each offer stored
//! beside its locations (kind, room, older people, life domains), and for the gaps only the
//! distinct points of the counted locations in the area's bounding box widened by the reach
//! are read ([`reach_km`]). No offer row is read unless freshness is asked. At most six
//! statements for an area: the area, its buurten, the rows' areas, their population, the
//! offers and the points; [`gemeente_totals`] gives the headline figures of many gemeenten at
//! once in five.

use crate::domain::{Actor, AreaCode};
use crate::error::{AppError, AppResult};
use crate::geo::distance_km;
use crate::read_model::derived;
use crate::services::Ctx;
use crate::services::offer::freshness;
use crate::services::population::{self, per_10k};
use entities::{AreaKind, LifeDomain, OfferKind, area, area_population, location, offer};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Query, SelectStatement, UnionType,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap};

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

/// A gemeente's headline coverage figures ([`gemeente_totals`]), the same as its
/// [`Coverage::totals`] without filters.
#[derive(Clone, Debug, PartialEq)]
pub struct GemeenteTotals {
    pub code: String,
    pub name: String,
    pub inhabitants: Option<i64>,
    /// Active public offers with a location in the gemeente.
    pub active_offers: u32,
    pub offers_per_10k: Option<f64>,
    /// Inhabitants of the gap buurten whose population is known.
    pub residents_in_gaps: i64,
    /// Gap buurten whose population is unknown.
    pub gap_buurten_unknown_population: u32,
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

/// A buurt as coverage needs it: where its centroid lies and what it lies in (no geometry).
#[derive(Clone, Debug, PartialEq)]
struct Buurt {
    code: String,
    name: String,
    wijk_code: Option<String>,
    gemeente_code: String,
    centroid_lat: f64,
    centroid_lon: f64,
}

/// Which offers count: public, active ([`crate::read_model::rules::is_active`]) and the
/// query's filters.
#[derive(Clone, Copy, Debug)]
struct Matching {
    kind: Option<OfferKind>,
    life_domain: Option<LifeDomain>,
    confirmed_since: Option<chrono::DateTime<chrono::Utc>>,
}

impl Matching {
    fn of(q: &CoverageQuery) -> Self {
        Self {
            kind: q.kind,
            life_domain: q.life_domain,
            confirmed_since: q.confirmed_since,
        }
    }

    /// Whether the rule needs the `offers` row (only freshness is not stored beside the
    /// locations).
    fn needs_offer(&self) -> bool {
        self.confirmed_since.is_some()
    }

    /// The query's filters as an SQL condition: the kind and a life domain of the offer as
    /// stored beside each location ([`derived`]), and the offer's freshness
    /// ([`freshness::confirmed_since_expr`], over the `offers` row).
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(kind) = self.kind {
            c = c.add(Expr::col((location::Entity, derived::offer_kind_col())).eq(kind.as_str()));
        }
        if let Some(domain) = self.life_domain {
            c = c.add(
                Expr::col((location::Entity, derived::offer_domains_col()))
                    .bit_and(derived::domain_bit(domain))
                    .ne(0),
            );
        }
        if let Some(cutoff) = self.confirmed_since {
            c = c.add(freshness::confirmed_since_expr(cutoff));
        }
        c
    }

    /// The locations of the matching offers: those whose offer is public and active (the
    /// stored [`derived::offer_active_col`], which the partial indexes hold), joined to their
    /// offer only for its freshness. The locations lead (found by their area code or
    /// coordinates, each offer then by its id): written as a `CROSS JOIN`, which SQLite's
    /// planner keeps in that order where it would otherwise turn an inner join around to walk
    /// every offer; PostgreSQL plans it as the inner join it is.
    fn locations(&self) -> SelectStatement {
        let mut s = Query::select();
        s.from(location::Entity)
            .and_where(Expr::col((location::Entity, derived::offer_active_col())))
            .cond_where(self.condition());
        if self.needs_offer() {
            s.cross_join(offer::Entity).and_where(
                Expr::col((offer::Entity, offer::Column::Id))
                    .equals((location::Entity, location::Column::OfferId)),
            );
        }
        s
    }
}

/// The figures counted of the matching offers of one row area (each offer once, however many
/// of its locations lie in the area).
#[derive(Clone, Debug, Default)]
struct Counts {
    active: u32,
    by_kind: BTreeMap<OfferKind, u32>,
    by_domain: BTreeMap<LifeDomain, u32>,
    herstelcirkels_with_places: u32,
    for_older: u32,
}

/// A count read from a row (`COUNT`/`SUM` give 64-bit integers on both databases, `SUM` null
/// over no rows).
fn count_of(row: &sea_orm::QueryResult, column: &str) -> AppResult<u32> {
    let n: Option<i64> = row.try_get("", column)?;
    Ok(n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
}

/// The counts of the matching offers with a location in `code` (an area of kind `scope`), per
/// row area (the area of kind `group` their locations lie in) and for the whole area, where an
/// offer counts once however many of its locations lie in it: only the location that is the
/// first of its offer in the area is counted ([`derived::first_in_col`]). One statement over
/// what the locations store of their offer ([`derived`]), without filters one range of the
/// partial index of the counted locations read twice and aggregated in order, each part
/// counted per combination of kind, room, older people and life domains. It returns a row per
/// combination (dozens), not per offer, so a city with tens of thousands of offers costs the
/// database's counting, not their transfer.
async fn counts(
    db: &impl ConnectionTrait,
    m: &Matching,
    scope: AreaKind,
    code: &str,
    group: AreaKind,
) -> AppResult<(HashMap<String, Counts>, Counts)> {
    let facets = [
        (derived::offer_kind_col(), "kind"),
        (derived::offer_has_room_col(), "room"),
        (derived::offer_for_older_col(), "older"),
        (derived::offer_domains_col(), "domains"),
    ];
    // Part 1 counts per row area, part 0 the whole area (`r` null).
    let part = |per_row: bool| {
        let mut q = m.locations();
        let counted = if per_row { group } else { scope };
        q.expr_as(Expr::val(i32::from(per_row)), Alias::new("part"))
            .and_where(Expr::col((location::Entity, derived::area_col(scope))).eq(code))
            .and_where(Expr::col((
                location::Entity,
                derived::first_in_col(counted),
            )));
        if per_row {
            let r = Expr::col((location::Entity, derived::area_col(group)));
            q.expr_as(r.clone(), Alias::new("r")).add_group_by([r]);
        } else {
            q.expr_as(Expr::val(Option::<String>::None), Alias::new("r"));
        }
        for (column, name) in &facets {
            let c = Expr::col((location::Entity, column.clone()));
            q.expr_as(c.clone(), Alias::new(*name)).add_group_by([c]);
        }
        q.expr_as(Expr::col(Asterisk).count(), Alias::new("n"));
        q
    };
    let mut q = part(true);
    q.union(UnionType::All, part(false));
    let mut rows: HashMap<String, Counts> = HashMap::new();
    let mut whole = Counts::default();
    for row in db.query_all(&q).await? {
        let per_row: i32 = row.try_get("", "part")?;
        let area: Option<String> = row.try_get("", "r")?;
        let kind: Option<String> = row.try_get("", "kind")?;
        let kind = kind.as_deref().and_then(OfferKind::from_str_opt);
        let room: bool = row.try_get("", "room")?;
        let older: bool = row.try_get("", "older")?;
        let domains: i32 = row.try_get("", "domains")?;
        let n = count_of(&row, "n")?;
        let c = match (per_row, area) {
            (0, _) => &mut whole,
            (_, Some(area)) => rows.entry(area).or_default(),
            (_, None) => continue,
        };
        c.active += n;
        if let Some(kind) = kind {
            *c.by_kind.entry(kind).or_default() += n;
        }
        for domain in derived::domains_of(domains) {
            *c.by_domain.entry(domain).or_default() += n;
        }
        if kind == Some(OfferKind::Herstelcirkel) && room {
            c.herstelcirkels_with_places += n;
        }
        if older {
            c.for_older += n;
        }
    }
    Ok((rows, whole))
}

/// The distinct points of the matching offers' locations in any of `boxes` (one statement).
async fn points_in(
    db: &impl ConnectionTrait,
    m: &Matching,
    boxes: &[BBox],
) -> AppResult<Vec<(f64, f64)>> {
    if boxes.is_empty() {
        return Ok(Vec::new());
    }
    let lat = || Expr::col((location::Entity, location::Column::Lat));
    let lon = || Expr::col((location::Entity, location::Column::Lon));
    let any = boxes.iter().fold(Condition::any(), |c, b| {
        c.add(
            lat()
                .between(b.lat.0, b.lat.1)
                .and(lon().between(b.lon.0, b.lon.1)),
        )
    });
    let q = m
        .locations()
        .distinct()
        .expr_as(lat(), Alias::new("lat"))
        .expr_as(lon(), Alias::new("lon"))
        .cond_where(any)
        .to_owned();
    let mut out = Vec::new();
    for row in db.query_all(&q).await? {
        out.push((row.try_get("", "lat")?, row.try_get("", "lon")?));
    }
    Ok(out)
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
    let m = Matching::of(&q);
    let row_kind = match area.kind {
        AreaKind::Gemeente => AreaKind::Wijk,
        AreaKind::Wijk | AreaKind::Buurt => AreaKind::Buurt,
    };
    let (by_row, whole) = counts(&ctx.db, &m, area.kind, &area.code, row_kind).await?;
    let reach = reach_km(q.distance_km);
    let boxes: Vec<BBox> = BBox::around(&buurten, reach).into_iter().collect();
    let points = points_in(&ctx.db, &m, &boxes).await?;
    let nearest = nearest_offers(&buurten, &points, reach);
    let gaps = gap_list(&buurten, &nearest, q.distance_km, &people);
    let rows = row_areas
        .iter()
        .map(|row| {
            let f = row_figures(row, by_row.get(&row.code), &buurten, &nearest, &q, &people);
            CoverageRow {
                geometry: row.geometry.clone(),
                ..f
            }
        })
        .collect();
    let totals = CoverageRow {
        geometry: area.geometry.clone(),
        ..row_figures(&area, Some(&whole), &buurten, &nearest, &q, &people)
    };
    Ok(Coverage {
        area,
        query: q,
        rows,
        gaps,
        totals,
    })
}

/// The headline figures of [`Coverage::totals`] for each of `gemeenten` with every active
/// public offer and the gaps at `distance_km`, as [`coverage`] gives them, in one set-based
/// pass: five statements whatever the number of gemeenten. Unknown codes are left out; in the
/// order given.
pub async fn gemeente_totals(
    ctx: &Ctx,
    gemeenten: &[String],
    distance_km: f64,
) -> AppResult<Vec<GemeenteTotals>> {
    check_distance(distance_km)?;
    if gemeenten.is_empty() {
        return Ok(Vec::new());
    }
    let areas: HashMap<String, area::Model> = area::Entity::find()
        .filter(area::Column::Code.is_in(gemeenten.iter().map(String::as_str)))
        .filter(area::Column::Kind.eq(AreaKind::Gemeente))
        .select_only()
        .columns([
            area::Column::Code,
            area::Column::Kind,
            area::Column::Name,
            area::Column::ParentCode,
            area::Column::GemeenteCode,
            area::Column::CentroidLat,
            area::Column::CentroidLon,
        ])
        .expr_as(Expr::val(Option::<String>::None), "geometry")
        .into_model::<area::Model>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let buurten = buurten_where(
        ctx,
        area::Column::GemeenteCode.is_in(gemeenten.iter().map(String::as_str)),
    )
    .await?;
    let people = population::of_gemeenten(&ctx.db, gemeenten).await?;
    let m = Matching {
        kind: None,
        life_domain: None,
        confirmed_since: None,
    };
    let whole = active_per_gemeente(&ctx.db, gemeenten).await?;
    let reach = reach_km(distance_km);
    let of_gemeente = |g: &str| -> Vec<Buurt> {
        buurten
            .iter()
            .filter(|b| b.gemeente_code == g)
            .cloned()
            .collect()
    };
    let boxes: Vec<(String, BBox)> = gemeenten
        .iter()
        .filter_map(|g| Some((g.clone(), BBox::around(&of_gemeente(g), reach)?)))
        .collect();
    let all_boxes: Vec<BBox> = boxes.iter().map(|(_, b)| *b).collect();
    let points = points_in(&ctx.db, &m, &all_boxes).await?;
    let mut rows = Vec::new();
    for g in gemeenten {
        let Some(area) = areas.get(g) else { continue };
        let inside = of_gemeente(g);
        let near: Vec<(f64, f64)> = boxes
            .iter()
            .find(|(code, _)| code == g)
            .map(|(_, b)| points.iter().copied().filter(|p| b.contains(*p)).collect())
            .unwrap_or_default();
        let nearest = nearest_offers(&inside, &near, reach);
        let counts = Counts {
            active: whole.get(g).copied().unwrap_or(0),
            ..Counts::default()
        };
        let r = row_figures_at(area, Some(&counts), &inside, &nearest, distance_km, &people);
        rows.push(GemeenteTotals {
            code: r.code,
            name: r.name,
            inhabitants: r.inhabitants,
            active_offers: r.active_offers,
            offers_per_10k: r.offers_per_10k,
            residents_in_gaps: r.residents_in_gaps,
            gap_buurten_unknown_population: r.gap_buurten_unknown_population,
        });
    }
    Ok(rows)
}

/// The number of public, active offers with a location in each of `gemeenten`, by code: one
/// grouped statement over the partial index of the counted locations (the first location of
/// each offer in its gemeente).
async fn active_per_gemeente(
    db: &impl ConnectionTrait,
    gemeenten: &[String],
) -> AppResult<HashMap<String, u32>> {
    let gemeente = || Expr::col((location::Entity, derived::gemeente_col()));
    let q = Query::select()
        .expr_as(gemeente(), Alias::new("r"))
        .expr_as(Expr::col(Asterisk).count(), Alias::new("n"))
        .from(location::Entity)
        .and_where(Expr::col((location::Entity, derived::offer_active_col())))
        .and_where(gemeente().is_in(gemeenten.iter().cloned()))
        .and_where(Expr::col((
            location::Entity,
            derived::first_in_col(AreaKind::Gemeente),
        )))
        .add_group_by([gemeente()])
        .to_owned();
    let mut out = HashMap::new();
    for row in db.query_all(&q).await? {
        let code: String = row.try_get("", "r")?;
        out.insert(code, count_of(&row, "n")?);
    }
    Ok(out)
}

/// The gaps among `buurten`: most inhabitants affected first, unknown after every known
/// figure (`None < Some`), then by code.
fn gap_list(
    buurten: &[Buurt],
    nearest: &HashMap<String, Option<f64>>,
    distance_km: f64,
    people: &HashMap<String, area_population::Model>,
) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = buurten
        .iter()
        .filter(|b| is_gap(nearest, &b.code, distance_km))
        .map(|b| Gap {
            code: b.code.clone(),
            name: b.name.clone(),
            wijk_code: b.wijk_code.clone(),
            nearest_offer_km: nearest.get(&b.code).copied().flatten(),
            inhabitants: people.get(&b.code).and_then(|p| p.inhabitants),
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.inhabitants
            .cmp(&a.inhabitants)
            .then_with(|| a.code.cmp(&b.code))
    });
    gaps
}

/// Whether a buurt is a gap: no matching offer within the distance.
fn is_gap(nearest: &HashMap<String, Option<f64>>, code: &str, distance_km: f64) -> bool {
    nearest
        .get(code)
        .copied()
        .flatten()
        .is_none_or(|d| d > distance_km)
}

/// The figures of one row area (without geometry) for a query.
fn row_figures(
    row: &area::Model,
    counts: Option<&Counts>,
    buurten: &[Buurt],
    nearest: &HashMap<String, Option<f64>>,
    q: &CoverageQuery,
    people: &HashMap<String, area_population::Model>,
) -> CoverageRow {
    row_figures_at(row, counts, buurten, nearest, q.distance_km, people)
}

/// The figures of one row area (without geometry): its counts, its buurten among `buurten`
/// and their gaps at `distance_km`, and its population.
fn row_figures_at(
    row: &area::Model,
    counts: Option<&Counts>,
    buurten: &[Buurt],
    nearest: &HashMap<String, Option<f64>>,
    distance_km: f64,
    people: &HashMap<String, area_population::Model>,
) -> CoverageRow {
    let inside: Vec<&Buurt> = buurten
        .iter()
        .filter(|b| match row.kind {
            AreaKind::Gemeente => b.gemeente_code == row.code,
            AreaKind::Wijk => b.wijk_code.as_deref() == Some(row.code.as_str()),
            AreaKind::Buurt => b.code == row.code,
        })
        .collect();
    let gap_buurten: Vec<&Buurt> = inside
        .iter()
        .copied()
        .filter(|b| is_gap(nearest, &b.code, distance_km))
        .collect();
    let empty = Counts::default();
    let c = counts.unwrap_or(&empty);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut r = CoverageRow {
        code: row.code.clone(),
        name: row.name.clone(),
        kind: row.kind,
        active_offers: c.active,
        by_kind: c.by_kind.iter().map(|(k, n)| (*k, *n)).collect(),
        by_domain: c.by_domain.iter().map(|(d, n)| (*d, *n)).collect(),
        herstelcirkels_with_places: c.herstelcirkels_with_places,
        buurten: count(inside.len()),
        buurten_without_offer: count(gap_buurten.len()),
        nearest_offer_km: match row.kind {
            AreaKind::Buurt => nearest.get(&row.code).copied().flatten(),
            _ => None,
        },
        geometry: None,
        inhabitants: None,
        inhabitants_65_plus: None,
        offers_per_10k: None,
        offers_for_older: 0,
        older_offers_per_10k_65_plus: None,
        residents_in_gaps: 0,
        gap_buurten_unknown_population: 0,
    };
    add_population(&mut r, people, &inside, &gap_buurten, c.for_older);
    r
}

/// The buurten of `area` and the areas of its rows (its wijken, its buurten, or itself), in
/// code order.
async fn buurten_and_rows(
    ctx: &Ctx,
    code: &AreaCode,
    area: &area::Model,
) -> AppResult<(Vec<Buurt>, Vec<area::Model>)> {
    let buurten = buurten_where(ctx, super::area::buurten_within_condition(code)).await?;
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

/// The buurten matching `filter`, in code order, without their geometry (one statement).
async fn buurten_where(
    ctx: &Ctx,
    filter: impl sea_orm::sea_query::IntoCondition,
) -> AppResult<Vec<Buurt>> {
    let rows: Vec<(String, String, Option<String>, String, f64, f64)> = area::Entity::find()
        .select_only()
        .columns([
            area::Column::Code,
            area::Column::Name,
            area::Column::ParentCode,
            area::Column::GemeenteCode,
            area::Column::CentroidLat,
            area::Column::CentroidLon,
        ])
        .filter(filter)
        .filter(area::Column::Kind.eq(AreaKind::Buurt))
        .order_by_asc(area::Column::Code)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(code, name, wijk_code, gemeente_code, centroid_lat, centroid_lon)| Buurt {
                code,
                name,
                wijk_code,
                gemeente_code,
                centroid_lat,
                centroid_lon,
            },
        )
        .collect())
}

/// Km from each buurt's centroid to the nearest of `points` (none when there is none within
/// `reach` km, see [`reach_km`]).
fn nearest_offers(
    buurten: &[Buurt],
    points: &[(f64, f64)],
    reach: f64,
) -> HashMap<String, Option<f64>> {
    buurten
        .iter()
        .map(|b| {
            let d = points
                .iter()
                .map(|p| distance_km((b.centroid_lat, b.centroid_lon), *p))
                .min_by(f64::total_cmp)
                .filter(|d| *d <= reach);
            (b.code.clone(), d)
        })
        .collect()
}

/// The box around the centroids of some buurten widened by a distance: locations outside it
/// lie farther than that distance from every centroid.
#[derive(Clone, Copy, Debug)]
struct BBox {
    lat: (f64, f64),
    lon: (f64, f64),
}

impl BBox {
    /// The box around `buurten` (none when there are none).
    fn around(buurten: &[Buurt], distance_km: f64) -> Option<BBox> {
        if buurten.is_empty() {
            return None;
        }
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
        Some(BBox {
            lat: (min_lat - dlat, max_lat + dlat),
            lon: (min_lon - dlon, max_lon + dlon),
        })
    }

    /// Whether a point lies in the box (bounds included, as SQL `BETWEEN`).
    fn contains(&self, (lat, lon): (f64, f64)) -> bool {
        (self.lat.0..=self.lat.1).contains(&lat) && (self.lon.0..=self.lon.1).contains(&lon)
    }
}

/// Adds the population figures to a row: its own inhabitants, 65+ (own, else the sum of its
/// buurten with a known figure), the rates, and the inhabitants of its gap buurten (known ones
/// summed, unknown ones counted apart).
fn add_population(
    r: &mut CoverageRow,
    people: &HashMap<String, area_population::Model>,
    inside: &[&Buurt],
    gap_buurten: &[&Buurt],
    offers_for_older: u32,
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
    r.offers_for_older = offers_for_older;
    r.older_offers_per_10k_65_plus = per_10k(u64::from(offers_for_older), r.inhabitants_65_plus);
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
