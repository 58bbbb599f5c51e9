//! Municipality insight over GraphQL: anonymous referral flows and the share of group-based
//! support, the same suppressed figures as the `/inzicht` page (see
//! [`crate::services::insight`]).

use crate::domain::AreaCode;
use crate::graphql::enums::StopReason;
use crate::graphql::{actor, app};
use crate::services::coverage::CsvStyle;
use crate::services::insight::{self as svc, Cell, Granularity, Period, Scope};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::NaiveDate;

/// The steps of a period.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsightPeriod {
    /// Calendar months (`2026-03`).
    Month,
    /// Calendar quarters (`2026-Q1`).
    Quarter,
}

impl From<InsightPeriod> for Granularity {
    fn from(p: InsightPeriod) -> Self {
        match p {
            InsightPeriod::Month => Granularity::Month,
            InsightPeriod::Quarter => Granularity::Quarter,
        }
    }
}

/// What the rows of a flow table are.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::services::insight::FlowGroup")]
pub enum FlowGroup {
    /// One row per month or quarter.
    Period,
    /// One row per wijk of the offer's first location.
    Wijk,
    /// One row per kind of offer.
    Kind,
    /// One row per life domain of the offer (a referral counts for each of its domains).
    LifeDomain,
}

/// Which referrals of a gemeente.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::services::insight::Side")]
pub enum FlowSide {
    /// Referrals to offers located in the gemeente.
    ToOffers,
    /// Referrals from practices serving the gemeente.
    FromPractices,
}

/// A count as an analyst sees it: counts of 1-4, and counts that would give one back from a
/// total, are suppressed.
#[derive(SimpleObject)]
pub struct SuppressedCount {
    /// The count; null when suppressed.
    pub count: Option<u64>,
    /// Whether it is suppressed.
    pub suppressed: bool,
    /// As shown: the number, or `< 5`.
    pub text: String,
}

impl From<Cell> for SuppressedCount {
    fn from(c: Cell) -> Self {
        Self {
            count: c.count(),
            suppressed: c.count().is_none(),
            text: c.text(),
        }
    }
}

/// One row of a flow table. Rates (0-1) are over the referrals sent; rates and medians are
/// null when over fewer than 5 referrals or when a count they rest on is suppressed.
#[derive(SimpleObject)]
pub struct ReferralFlowRow {
    /// The step (`2026-03`), wijk code, kind or life domain (lower case); empty for unknown,
    /// `total` for the total row.
    pub key: String,
    /// The wijk's name for a wijk; else the key.
    pub label: String,
    /// Referrals sent.
    pub sent: SuppressedCount,
    /// Accepted at some point.
    pub accepted: SuppressedCount,
    /// Started (in progress) at some point.
    pub started: SuppressedCount,
    /// Closed with the outcome COMPLETED.
    pub completed: SuppressedCount,
    /// Closed with the outcome STOPPED.
    pub stopped: SuppressedCount,
    /// Sent to an offer that had no open places.
    pub to_full_offer: SuppressedCount,
    /// Rejected by the organisation.
    pub rejected: SuppressedCount,
    /// Rejected while the offer was full (unmet demand).
    pub rejected_offer_full: SuppressedCount,
    /// Rejected for another reason.
    pub rejected_other: SuppressedCount,
    /// Accepted / sent.
    pub acceptance_rate: Option<f64>,
    /// Started / sent.
    pub start_rate: Option<f64>,
    /// Completed / sent.
    pub completion_rate: Option<f64>,
    /// Median days from sending to acceptance.
    pub median_days_to_accepted: Option<f64>,
    /// Median days from sending to the first meeting.
    pub median_days_to_first_meeting: Option<f64>,
}

impl From<svc::FlowRow> for ReferralFlowRow {
    fn from(r: svc::FlowRow) -> Self {
        let c = |name: &str| -> SuppressedCount { r.cell(name).into() };
        Self {
            sent: c("sent"),
            accepted: c("accepted"),
            started: c("started"),
            completed: c("completed"),
            stopped: c("stopped"),
            to_full_offer: c("to_full_offer"),
            rejected: c("rejected"),
            rejected_offer_full: c("rejected_offer_full"),
            rejected_other: c("rejected_other"),
            acceptance_rate: r.acceptance_rate,
            start_rate: r.start_rate,
            completion_rate: r.completion_rate,
            median_days_to_accepted: r.median_days_to_accepted,
            median_days_to_first_meeting: r.median_days_to_first_meeting,
            key: r.key,
            label: r.label,
        }
    }
}

/// Stopped referrals for one reason.
#[derive(SimpleObject)]
pub struct StopReasonFlow {
    /// The reason; null when none was given.
    pub reason: Option<StopReason>,
    /// Referrals stopped for this reason (suppressed).
    pub count: SuppressedCount,
}

/// A gemeente's anonymous referral flows.
#[derive(SimpleObject)]
pub struct ReferralFlows {
    /// CBS code of the gemeente.
    pub gemeente_code: String,
    /// Referrals to offers located in the gemeente, or from practices located in it.
    pub side: FlowSide,
    /// What the rows are: steps of the period, wijken, kinds or life domains.
    pub group_by: FlowGroup,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (included).
    pub to: NaiveDate,
    /// One row per group, suppressed.
    pub rows: Vec<ReferralFlowRow>,
    /// All referrals in scope, suppressed.
    pub total: ReferralFlowRow,
    /// Stopped referrals per reason; they add up to the total's `stopped`.
    pub stop_reasons: Vec<StopReasonFlow>,
    /// The rows and the total as CSV (the same cells).
    pub csv: String,
}

/// One step (or the total) of the group-based share.
#[derive(SimpleObject)]
pub struct GroupShareRow {
    /// `2026-03`, `2026-Q1` or `total`.
    pub key: String,
    /// Referrals to group-based offers (Herstelcirkel, group, course, walk-in).
    pub group_based: SuppressedCount,
    /// Referrals to other offers (individual support, activities).
    pub other: SuppressedCount,
    /// All referrals of the step (suppressed like every cell).
    pub total: SuppressedCount,
    /// Group-based / total (0-1); null when hidden.
    pub share: Option<f64>,
}

impl From<svc::ShareRow> for GroupShareRow {
    fn from(r: svc::ShareRow) -> Self {
        Self {
            key: r.key,
            group_based: r.group_based.into(),
            other: r.other.into(),
            total: r.total.into(),
            share: r.share,
        }
    }
}

/// The share of group-based support of a gemeente or the node's region.
#[derive(SimpleObject)]
pub struct GroupBasedShare {
    /// The gemeenten covered.
    pub gemeente_codes: Vec<String>,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// One row per step (the trend).
    pub rows: Vec<GroupShareRow>,
    /// The whole period.
    pub total: GroupShareRow,
    /// The rows and the total as CSV.
    pub csv: String,
}

/// Queries on municipality insight.
#[derive(Default)]
pub struct InsightQuery;

#[Object]
impl InsightQuery {
    /// Anonymous referral flows of a gemeente over a period (both days included, at most five
    /// years), per month/quarter, wijk, kind or life domain: counts, rates, medians and unmet
    /// demand, with counts under 5 (and counts giving them back) suppressed. Analysts of that
    /// gemeente and node admins only (FORBIDDEN otherwise).
    #[allow(clippy::too_many_arguments)]
    async fn referral_flows(
        &self,
        ctx: &Context<'_>,
        gemeente_code: String,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(default_with = "InsightPeriod::Month")] period: InsightPeriod,
        #[graphql(default_with = "FlowGroup::Period")] group_by: FlowGroup,
        #[graphql(default_with = "FlowSide::ToOffers")] side: FlowSide,
    ) -> Result<ReferralFlows> {
        let gemeente = gemeente(&gemeente_code)?;
        let period = Period::new(from, to, period.into())?;
        let q = svc::FlowQuery {
            gemeente,
            side: side.into(),
            period,
            group_by: group_by.into(),
        };
        let f = svc::referral_flows(app(ctx)?, actor(ctx)?, &q).await?;
        let csv = text(svc::csv::flows_csv(&f, &CsvStyle::api())?)?;
        Ok(ReferralFlows {
            gemeente_code: f.gemeente,
            side,
            group_by,
            from,
            to,
            rows: f.rows.into_iter().map(Into::into).collect(),
            total: f.total.into(),
            stop_reasons: f
                .stop_reasons
                .into_iter()
                .map(|(reason, c)| StopReasonFlow {
                    reason: reason.map(Into::into),
                    count: c.into(),
                })
                .collect(),
            csv,
        })
    }

    /// The share of referrals to group-based offers located in a gemeente, per month or
    /// quarter (the trend) and in total; suppressed like the flows. Analysts of that gemeente
    /// and node admins only.
    async fn group_based_share(
        &self,
        ctx: &Context<'_>,
        gemeente_code: String,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(default_with = "InsightPeriod::Month")] period: InsightPeriod,
    ) -> Result<GroupBasedShare> {
        let scope = Scope::Gemeente(gemeente(&gemeente_code)?);
        share(ctx, scope, Period::new(from, to, period.into())?).await
    }

    /// The same share for the node's region (all its gemeenten together). Node admins and
    /// analysts of a gemeente of the region only.
    async fn region_group_based_share(
        &self,
        ctx: &Context<'_>,
        from: NaiveDate,
        to: NaiveDate,
        #[graphql(default_with = "InsightPeriod::Month")] period: InsightPeriod,
    ) -> Result<GroupBasedShare> {
        let state = app(ctx)?;
        let codes = state
            .config
            .node
            .region
            .iter()
            .map(|c| AreaCode::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        share(
            ctx,
            Scope::Region(codes),
            Period::new(from, to, period.into())?,
        )
        .await
    }
}

/// A gemeente code (`GM0268`); `BAD_USER_INPUT` on `gemeenteCode` otherwise.
fn gemeente(raw: &str) -> Result<AreaCode> {
    Ok(AreaCode::parse_gemeente(raw, "gemeenteCode")?)
}

fn text(bytes: Vec<u8>) -> Result<String> {
    Ok(String::from_utf8(bytes).map_err(|e| crate::error::AppError::Internal(e.into()))?)
}

async fn share(ctx: &Context<'_>, scope: Scope, period: Period) -> Result<GroupBasedShare> {
    let s = svc::group_share(app(ctx)?, actor(ctx)?, &scope, &period).await?;
    let csv = text(svc::csv::share_csv(&s, &CsvStyle::api())?)?;
    Ok(GroupBasedShare {
        gemeente_codes: s.gemeenten,
        from: period.from,
        to: period.to,
        rows: s.rows.into_iter().map(Into::into).collect(),
        total: s.total.into(),
        csv,
    })
}
