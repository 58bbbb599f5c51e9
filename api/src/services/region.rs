//! The region comparison (`/dekking/regio`, GraphQL `regionComparison`): the node's gemeenten
//! side by side for the regional consultation: inhabitants (Bron: CBS), offers per 10,000
//! inhabitants, residents in gaps and their share, and referrals per 10,000 inhabitants.
//! Everything but the referral figures is public (as coverage is); referral figures are for node
//! admins and the analysts of each gemeente only, and counts under 5 are shown as "< 5".

use crate::domain::{Actor, AreaCode};
use crate::error::AppResult;
use crate::read_model::derived;
use crate::services::Ctx;
use crate::services::coverage;
use crate::services::insight;
use crate::services::population::{decimal, per_10k};
use chrono::{Duration, Utc};
use entities::{ReferralStatus, area, location, node, referral};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Referral counts below this are shown as "< 5", never as the number.
pub const SMALL_COUNT: u64 = 5;

/// How many days of referrals the region comparison counts (the last twelve months).
pub const REFERRAL_DAYS: i64 = 365;

/// A referral figure as a reader may see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReferralFigure {
    /// The reader may not see referral figures of this gemeente.
    Hidden,
    /// Fewer than [`SMALL_COUNT`]: shown as "< 5", without a rate.
    Small,
    /// The count and its rate per 10,000 inhabitants (none when the population is unknown).
    Count { count: u64, per_10k: Option<f64> },
}

/// One gemeente of the region comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    /// CBS inhabitants of the gemeente (none when unknown).
    pub inhabitants: Option<i64>,
    /// Active public offers with a location in the gemeente.
    pub active_offers: u32,
    pub offers_per_10k: Option<f64>,
    /// Inhabitants of buurten without an active offer within the distance (known ones).
    pub residents_in_gaps: i64,
    /// Gap buurten whose population is unknown (not counted in `residents_in_gaps`).
    pub gap_buurten_unknown: u32,
    /// `residents_in_gaps` as a share (0..=1) of the inhabitants.
    pub gap_share: Option<f64>,
    /// Referrals of the last [`REFERRAL_DAYS`] days to offers located in the gemeente (their
    /// first location).
    pub referrals: ReferralFigure,
    /// Share (0..=1) of the last [`REFERRAL_DAYS`] days' referrals to offers located in the
    /// gemeente that went to group-based offers ([`insight::group_share`], suppressed like
    /// every insight figure); none when hidden or under 5 referrals.
    pub group_based_share: Option<f64>,
}

/// The region comparison: the node's gemeenten side by side.
#[derive(Clone, Debug)]
pub struct RegionComparison {
    /// The distance used for gaps, in km.
    pub distance_km: f64,
    pub rows: Vec<RegionRow>,
}

/// The gemeenten of the node's region (`node.region`); when none are configured, the
/// gemeenten where this node's offers have a location. In code order.
pub async fn region_gemeenten(ctx: &Ctx) -> AppResult<Vec<String>> {
    let configured = node::Entity::find_by_id(ctx.node_id.as_str())
        .one(&ctx.db)
        .await?
        .map(|n| n.region.0)
        .unwrap_or_default();
    let mut codes: Vec<String> = if configured.is_empty() {
        area::Entity::find()
            .select_only()
            .column(area::Column::GemeenteCode)
            .distinct()
            .filter(
                area::Column::Code.in_subquery(
                    Query::select()
                        .column(location::Column::BuurtCode)
                        .from(location::Entity)
                        .and_where(Expr::col(location::Column::OriginNode).eq(ctx.node_id.as_str()))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(&ctx.db)
            .await?
    } else {
        configured
    };
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// Whether `actor` may see the referral figures of `gemeente`: node admins and the gemeente's
/// analysts: the reach rule of the insight figures ([`insight::require_reach`]), one rule for both.
pub fn may_see_referrals(actor: &Actor, gemeente: &str) -> bool {
    AreaCode::parse(gemeente)
        .is_ok_and(|code| insight::require_reach(actor, &insight::Scope::Gemeente(code)).is_ok())
}

/// Referrals (not drafts, not entered in error) made in the last [`REFERRAL_DAYS`] days to
/// offers located in each of `gemeenten` (the gemeente of the offer's first location, stored on
/// the referral: [`derived`], as every insight figure counts them), by gemeente: one statement,
/// one index range per gemeente.
async fn referrals_by_gemeente(
    db: &impl ConnectionTrait,
    gemeenten: &[String],
) -> AppResult<HashMap<String, u64>> {
    if gemeenten.is_empty() {
        return Ok(HashMap::new());
    }
    let since = Utc::now() - Duration::days(REFERRAL_DAYS);
    let gemeente = || Expr::col((referral::Entity, derived::offer_gemeente_col()));
    let q = Query::select()
        .expr_as(gemeente(), Alias::new("g"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from(referral::Entity)
        .and_where(gemeente().is_in(gemeenten.iter()))
        .and_where(Expr::col((referral::Entity, referral::Column::CreatedAt)).gte(since))
        .and_where(
            Expr::col((referral::Entity, referral::Column::Status)).is_not_in([
                ReferralStatus::Draft.as_str(),
                ReferralStatus::EnteredInError.as_str(),
            ]),
        )
        .add_group_by([gemeente()])
        .to_owned();
    let rows = db.query_all(&q).await?;
    let mut out = HashMap::new();
    for row in rows {
        let code: String = row.try_get("", "g")?;
        let n: i64 = row.try_get("", "n")?;
        out.insert(code, u64::try_from(n).unwrap_or(0));
    }
    Ok(out)
}

/// The node's gemeenten side by side: population, offers per 10,000 inhabitants, residents
/// in gaps (at `distance_km`, the figures of [`coverage::coverage`]'s totals, computed for all
/// gemeenten at once by [`coverage::gemeente_totals`]) and, for readers allowed to see them
/// ([`may_see_referrals`]), referrals per 10,000 inhabitants and the group-based share. Public
/// otherwise.
///
/// A bounded number of statements whatever the number of gemeenten: one for the region, five
/// for the coverage figures, one for all referral counts and one for all group-based shares.
pub async fn region_comparison(
    ctx: &Ctx,
    actor: &Actor,
    distance_km: f64,
) -> AppResult<RegionComparison> {
    let gemeenten: Vec<String> = region_gemeenten(ctx)
        .await?
        .into_iter()
        .filter(|g| AreaCode::parse(g).is_ok())
        .collect();
    let totals = coverage::gemeente_totals(ctx, &gemeenten, distance_km).await?;
    let visible: Vec<AreaCode> = totals
        .iter()
        .filter(|t| may_see_referrals(actor, &t.code))
        .filter_map(|t| AreaCode::parse(&t.code).ok())
        .collect();
    let visible_codes: Vec<String> = visible.iter().map(ToString::to_string).collect();
    let referrals = referrals_by_gemeente(&ctx.db, &visible_codes).await?;
    let shares = group_shares(ctx, actor, &visible).await?;
    let rows = totals
        .into_iter()
        .map(|t| {
            let seen = visible_codes.contains(&t.code);
            let referral_figure = if !seen {
                ReferralFigure::Hidden
            } else {
                match referrals.get(&t.code).copied().unwrap_or(0) {
                    n if n < SMALL_COUNT => ReferralFigure::Small,
                    n => ReferralFigure::Count {
                        count: n,
                        per_10k: per_10k(n, t.inhabitants),
                    },
                }
            };
            RegionRow {
                group_based_share: shares.get(&t.code).copied().flatten(),
                inhabitants: t.inhabitants,
                active_offers: t.active_offers,
                offers_per_10k: t.offers_per_10k,
                residents_in_gaps: t.residents_in_gaps,
                gap_buurten_unknown: t.gap_buurten_unknown_population,
                gap_share: t
                    .inhabitants
                    .filter(|p| *p > 0)
                    .map(|p| t.residents_in_gaps as f64 / p as f64),
                referrals: referral_figure,
                code: t.code,
                name: t.name,
            }
        })
        .collect();
    Ok(RegionComparison { distance_km, rows })
}

/// The group-based share of each of `gemeenten` over the last [`REFERRAL_DAYS`] days (one
/// statement for all).
async fn group_shares(
    ctx: &Ctx,
    actor: &Actor,
    gemeenten: &[AreaCode],
) -> AppResult<HashMap<String, Option<f64>>> {
    let to = Utc::now().date_naive();
    let from = to - Duration::days(REFERRAL_DAYS - 1);
    let period = insight::Period::new(from, to, insight::Granularity::Quarter)?;
    Ok(
        insight::share::group_share_each(ctx, actor, gemeenten, &period)
            .await?
            .into_iter()
            .map(|(code, s)| (code, s.total.share))
            .collect(),
    )
}

/// The comparison as CSV in `style` (header titles from the style or the English keys).
pub fn region_csv(r: &RegionComparison, style: &coverage::CsvStyle) -> AppResult<Vec<u8>> {
    let keys = [
        "code",
        "name",
        "inhabitants",
        "active_offers",
        "offers_per_10k",
        "residents_in_gaps",
        "gap_buurten_unknown_population",
        "gap_share_percent",
        "referrals_12_months",
        "referrals_per_10k",
        "group_based_share_percent",
    ];
    let rows = r.rows.iter().map(|row| {
        let (count, rate) = match row.referrals {
            ReferralFigure::Hidden => (String::new(), String::new()),
            ReferralFigure::Small => ("< 5".to_string(), String::new()),
            ReferralFigure::Count { count, per_10k } => {
                (count.to_string(), decimal(per_10k, style.decimal_comma))
            }
        };
        vec![
            row.code.clone(),
            row.name.clone(),
            row.inhabitants.map(|n| n.to_string()).unwrap_or_default(),
            row.active_offers.to_string(),
            decimal(row.offers_per_10k, style.decimal_comma),
            row.residents_in_gaps.to_string(),
            row.gap_buurten_unknown.to_string(),
            decimal(row.gap_share.map(|s| s * 100.0), style.decimal_comma),
            count,
            rate,
            decimal(
                row.group_based_share.map(|s| s * 100.0),
                style.decimal_comma,
            ),
        ]
    });
    coverage::write_csv(style, &keys.map(String::from), rows)
}
