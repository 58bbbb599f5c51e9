//! Coverage per gemeente, wijk and buurt for municipalities (public aggregates), with gaps:
//! buurten without a matching offer within a distance, set against the CBS population; and
//! the region comparison of the node's gemeenten ([`region`]). See
//! [`crate::services::coverage`].

mod region;

use crate::domain::AreaCode;
use crate::graphql::area::Area;
use crate::graphql::enums::{AreaKind, LifeDomain, OfferKind};
use crate::graphql::search::{KindCount, LifeDomainCount};
use crate::graphql::{actor, app};
use crate::services::coverage as svc;
use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject};

/// Queries on coverage.
#[derive(Default)]
pub struct CoverageQuery;

#[Object]
impl CoverageQuery {
    /// Coverage of a gemeente (one row per wijk), a wijk (one row per buurt) or a buurt:
    /// active public offers with a location there, by kind and life domain, Herstelcirkels
    /// with open places, and gaps. Offers across area and node borders count for the distance.
    async fn coverage(
        &self,
        ctx: &Context<'_>,
        area_code: String,
        kind: Option<OfferKind>,
        life_domain: Option<LifeDomain>,
        #[graphql(default = 1.5)] distance_km: f64,
        #[graphql(
            default,
            desc = "Leave out offers not confirmed current for `[offers] stale_after_days`."
        )]
        exclude_stale: bool,
    ) -> Result<Coverage> {
        let app = app(ctx)?;
        let confirmed_since = exclude_stale.then(|| {
            crate::services::offer::freshness::stale_cutoff(
                chrono::Utc::now(),
                app.config.offers.stale_after_days,
            )
        });
        let area_code = AreaCode::parse(&area_code).map_err(|e| e.in_field("areaCode"))?;
        let c = svc::coverage(
            app,
            actor(ctx)?,
            svc::CoverageQuery {
                area_code,
                kind: kind.map(Into::into),
                life_domain: life_domain.map(Into::into),
                distance_km,
                confirmed_since,
            },
        )
        .await?;
        Ok(Coverage::from(c))
    }

    /// The node's gemeenten side by side for the regional consultation: inhabitants (Bron:
    /// CBS), offers per 10,000 inhabitants, residents in gaps, and referrals per 10,000
    /// inhabitants (those only for node admins and the analysts of each gemeente; counts under
    /// 5 as "< 5"). The region is `node.region`, else the gemeenten of this node's offers.
    async fn region_comparison(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1.5)] distance_km: f64,
    ) -> Result<region::RegionComparison> {
        let r =
            crate::services::region::region_comparison(app(ctx)?, actor(ctx)?, distance_km).await?;
        Ok(r.into())
    }
}

/// The coverage of an area.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Coverage {
    /// The mapped area.
    area: Area,
    /// The distance used for gaps, in km.
    distance_km: f64,
    /// One row per wijk of a gemeente, per buurt of a wijk, or the buurt itself.
    rows: Vec<CoverageRow>,
    /// Buurten without a matching offer within the distance.
    gaps: Vec<CoverageGap>,
    /// The whole area.
    totals: CoverageRow,
    /// Attribution of the population figures.
    population_source: &'static str,
    #[graphql(skip)]
    source: svc::Coverage,
}

#[ComplexObject]
impl Coverage {
    /// The rows as CSV (header line first; `,` separated, `.` decimals).
    async fn csv(&self) -> Result<String> {
        Ok(svc::to_csv(&self.source)?)
    }

    /// The gap list as CSV (header line first; most inhabitants first).
    async fn gaps_csv(&self) -> Result<String> {
        let bytes = svc::gaps_csv(&self.source, &svc::CsvStyle::api())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The rows as a GeoJSON FeatureCollection (one Feature per row, figures as properties).
    async fn geojson(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(svc::to_geojson(&self.source))
    }
}

impl From<svc::Coverage> for Coverage {
    fn from(c: svc::Coverage) -> Self {
        Self {
            distance_km: c.query.distance_km,
            rows: c.rows.iter().cloned().map(CoverageRow::from).collect(),
            gaps: c.gaps.iter().cloned().map(CoverageGap::from).collect(),
            totals: CoverageRow::from(c.totals.clone()),
            area: Area(c.area.clone()),
            population_source: crate::services::population::SOURCE,
            source: c,
        }
    }
}

/// Figures for one area.
#[derive(SimpleObject)]
pub struct CoverageRow {
    /// CBS code.
    code: String,
    /// Name of the area.
    name: String,
    /// Level of the area.
    kind: AreaKind,
    /// Active public offers with a location in this area (matching the kind and life domain
    /// asked for).
    active_offers: u32,
    /// Those offers by kind.
    by_kind: Vec<KindCount>,
    /// Those offers by life domain (an offer counts for each of its domains).
    by_domain: Vec<LifeDomainCount>,
    /// Herstelcirkels among them that can take participants now.
    herstelcirkels_with_places: u32,
    /// Buurten in this area.
    buurten: u32,
    /// Buurten in this area without a matching offer within the distance.
    buurten_without_offer: u32,
    /// For a buurt row: km from its centroid to the nearest matching offer location.
    nearest_offer_km: Option<f64>,
    /// GeoJSON geometry of the area, where known.
    geometry: Option<String>,
    /// CBS inhabitants (null when unknown, never 0 for unknown).
    inhabitants: Option<i64>,
    /// CBS inhabitants aged 65 or over: the area's own figure, else the sum over its buurten
    /// with a known figure.
    inhabitants_65_plus: Option<i64>,
    /// Active offers per 10,000 inhabitants (null when the population is unknown or 0).
    offers_per_10k: Option<f64>,
    /// Active offers for older people (target group OUDEREN).
    offers_for_older: u32,
    /// Those per 10,000 inhabitants aged 65 or over.
    older_offers_per_10k_65_plus: Option<f64>,
    /// Inhabitants of the gap buurten whose population is known.
    residents_in_gaps: i64,
    /// Gap buurten whose population is unknown (not counted in residentsInGaps).
    gap_buurten_unknown_population: u32,
}

impl From<svc::CoverageRow> for CoverageRow {
    fn from(r: svc::CoverageRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            kind: r.kind.into(),
            active_offers: r.active_offers,
            by_kind: r
                .by_kind
                .into_iter()
                .map(|(kind, count)| KindCount {
                    value: kind.into(),
                    count: count.into(),
                })
                .collect(),
            by_domain: r
                .by_domain
                .into_iter()
                .map(|(d, count)| LifeDomainCount {
                    value: d.into(),
                    count: count.into(),
                })
                .collect(),
            herstelcirkels_with_places: r.herstelcirkels_with_places,
            buurten: r.buurten,
            buurten_without_offer: r.buurten_without_offer,
            nearest_offer_km: r.nearest_offer_km,
            geometry: r.geometry,
            inhabitants: r.inhabitants,
            inhabitants_65_plus: r.inhabitants_65_plus,
            offers_per_10k: r.offers_per_10k,
            offers_for_older: r.offers_for_older,
            older_offers_per_10k_65_plus: r.older_offers_per_10k_65_plus,
            residents_in_gaps: r.residents_in_gaps,
            gap_buurten_unknown_population: r.gap_buurten_unknown_population,
        }
    }
}

/// A buurt without a matching offer within the distance.
#[derive(SimpleObject)]
pub struct CoverageGap {
    /// CBS buurt code.
    code: String,
    /// Name of the buurt.
    name: String,
    /// The wijk it lies in.
    wijk_code: Option<String>,
    /// Km to the nearest matching offer location, if one lies near at all.
    nearest_offer_km: Option<f64>,
    /// CBS inhabitants of the buurt (null when unknown).
    inhabitants: Option<i64>,
}

impl From<svc::Gap> for CoverageGap {
    fn from(g: svc::Gap) -> Self {
        Self {
            code: g.code,
            name: g.name,
            wijk_code: g.wijk_code,
            nearest_offer_km: g.nearest_offer_km,
            inhabitants: g.inhabitants,
        }
    }
}
