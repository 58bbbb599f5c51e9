//! GraphQL types of the region comparison ([`crate::services::region`]).

use crate::services::region as svc;
use async_graphql::SimpleObject;

/// The node's gemeenten side by side.
#[derive(SimpleObject)]
pub struct RegionComparison {
    /// The distance used for gaps, in km.
    distance_km: f64,
    /// One row per gemeente of the region, in code order.
    rows: Vec<RegionRow>,
    /// Attribution of the population figures.
    population_source: &'static str,
    /// The comparison as CSV (header line first; `,` separated, `.` decimals).
    csv: String,
}

/// One gemeente of the comparison.
#[derive(SimpleObject)]
pub struct RegionRow {
    /// CBS gemeente code.
    code: String,
    /// Name of the gemeente.
    name: String,
    /// CBS inhabitants (null when unknown).
    inhabitants: Option<i64>,
    /// Active public offers with a location in the gemeente.
    active_offers: u32,
    /// Active offers per 10,000 inhabitants.
    offers_per_10k: Option<f64>,
    /// Inhabitants of buurten without an active offer within the distance (known ones).
    residents_in_gaps: i64,
    /// Gap buurten whose population is unknown (not counted in residentsInGaps).
    gap_buurten_unknown_population: u32,
    /// residentsInGaps as a share (0 to 1) of the inhabitants.
    gap_share: Option<f64>,
    /// Referrals of the last twelve months to offers with a location in the gemeente; null
    /// for readers who may not see them (only node admins and the gemeente's analysts may).
    referrals: Option<RegionReferrals>,
    /// Share (0 to 1) of those referrals that went to group-based offers; null when hidden or
    /// under 5 referrals.
    group_based_share: Option<f64>,
}

/// Referral figures of a gemeente.
#[derive(SimpleObject)]
pub struct RegionReferrals {
    /// The count as shown: the number, or "< 5" for fewer than five.
    shown: String,
    /// The count (null when fewer than five).
    count: Option<u64>,
    /// Referrals per 10,000 inhabitants (null when fewer than five or the population is
    /// unknown).
    per_10k: Option<f64>,
}

impl From<svc::ReferralFigure> for Option<RegionReferrals> {
    fn from(f: svc::ReferralFigure) -> Self {
        match f {
            svc::ReferralFigure::Hidden => None,
            svc::ReferralFigure::Small => Some(RegionReferrals {
                shown: "< 5".into(),
                count: None,
                per_10k: None,
            }),
            svc::ReferralFigure::Count { count, per_10k } => Some(RegionReferrals {
                shown: count.to_string(),
                count: Some(count),
                per_10k,
            }),
        }
    }
}

impl From<svc::RegionComparison> for RegionComparison {
    fn from(r: svc::RegionComparison) -> Self {
        let csv = svc::region_csv(&r, &crate::services::coverage::CsvStyle::api())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Self {
            distance_km: r.distance_km,
            population_source: crate::services::population::SOURCE,
            csv,
            rows: r
                .rows
                .into_iter()
                .map(|row| RegionRow {
                    code: row.code,
                    name: row.name,
                    inhabitants: row.inhabitants,
                    active_offers: row.active_offers,
                    offers_per_10k: row.offers_per_10k,
                    residents_in_gaps: row.residents_in_gaps,
                    gap_buurten_unknown_population: row.gap_buurten_unknown,
                    gap_share: row.gap_share,
                    referrals: row.referrals.into(),
                    group_based_share: row.group_based_share,
                })
                .collect(),
        }
    }
}
