//! The SQL the insight figures share: which referrals are in scope (by where their offer is,
//! or where their practice is) and the step of the period each fell in, as set-based
//! statements (`GROUP BY` in the database, one statement per table).

use super::{Period, Step};
use crate::read_model::derived;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entities::{ReferralStatus, area, organisation_area, referral, referral_event};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};

/// The alias of the referrals table.
pub(super) const R: &str = "r";
/// The grouping key every grouped statement selects.
pub(super) const KEY: &str = "k";

/// `alias.column`.
pub(super) fn col(alias: &str, column: impl sea_orm::sea_query::IntoIden) -> Expr {
    Expr::col((Alias::new(alias), column))
}

/// The start of `day` (UTC).
pub(super) fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Where the referrals come from or go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum By {
    /// To offers whose (first) location lies in the gemeenten.
    OfferIn,
    /// From practices that serve an area in the gemeenten.
    PracticeIn,
}

/// Referrals `r` sent in `period`, limited to `gemeenten` by `by`. Where a referral's offer is
/// (the gemeente and wijk of its first location) and its kind are stored on the referral
/// ([`derived`]; null when the offer is unknown here or has no place), so a gemeente's
/// referrals in a period are one range of an index.
pub(super) fn scope(by: By, gemeenten: &[String], period: &Period) -> SelectStatement {
    scope_between(by, gemeenten, period.from, period.end())
}

/// [`scope`] for the referrals sent from the start of `from` up to (not including) `end`.
pub(super) fn scope_between(
    by: By,
    gemeenten: &[String],
    from: NaiveDate,
    end: NaiveDate,
) -> SelectStatement {
    let mut s = Query::select();
    s.from_as(referral::Entity, Alias::new(R))
        .and_where(col(R, referral::Column::CreatedAt).gte(at(from)))
        .and_where(col(R, referral::Column::CreatedAt).lt(at(end)));
    match by {
        By::OfferIn => {
            s.and_where(col(R, derived::offer_gemeente_col()).is_in(gemeenten.iter().cloned()));
        }
        By::PracticeIn => {
            s.and_where(
                col(R, referral::Column::ReferrerOrganisationId)
                    .in_subquery(practices_in(gemeenten)),
            );
        }
    }
    s
}

/// Organisations serving an area (gemeente, wijk or buurt) in `gemeenten`.
fn practices_in(gemeenten: &[String]) -> SelectStatement {
    Query::select()
        .column((
            organisation_area::Entity,
            organisation_area::Column::OrganisationId,
        ))
        .from(organisation_area::Entity)
        .inner_join(
            area::Entity,
            Expr::col((area::Entity, area::Column::Code)).equals((
                organisation_area::Entity,
                organisation_area::Column::AreaCode,
            )),
        )
        .and_where(
            Expr::col((area::Entity, area::Column::GemeenteCode)).is_in(gemeenten.iter().cloned()),
        )
        .to_owned()
}

/// The key of the step a referral was sent in (`CASE WHEN created_at < end THEN key ...`).
pub(super) fn step_key(steps: &[Step]) -> Expr {
    let created = || col(R, referral::Column::CreatedAt);
    let mut case = sea_orm::sea_query::CaseStatement::new();
    for s in steps {
        case = case.case(created().lt(at(s.end)), Expr::val(s.key.clone()));
    }
    Expr::Case(Box::new(case.finally(Expr::val(""))))
}

/// Whether referral `r` ever moved to `status`.
pub(super) fn reached(status: ReferralStatus) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(referral_event::Entity)
            .and_where(
                Expr::col((referral_event::Entity, referral_event::Column::ReferralId))
                    .equals((Alias::new(R), referral::Column::Id)),
            )
            .and_where(
                Expr::col((referral_event::Entity, referral_event::Column::ToStatus))
                    .eq(status.as_str()),
            )
            .to_owned(),
    )
}

/// When referral `r` first moved to `status` (null if never).
pub(super) fn first_reached(status: ReferralStatus) -> Expr {
    Expr::from(
        Query::select()
            .expr(Expr::col((referral_event::Entity, referral_event::Column::At)).min())
            .from(referral_event::Entity)
            .and_where(
                Expr::col((referral_event::Entity, referral_event::Column::ReferralId))
                    .equals((Alias::new(R), referral::Column::Id)),
            )
            .and_where(
                Expr::col((referral_event::Entity, referral_event::Column::ToStatus))
                    .eq(status.as_str()),
            )
            .to_owned(),
    )
}

/// A count read from a row (`COUNT`/`SUM` give 64-bit integers on both databases).
pub(super) fn count(row: &sea_orm::QueryResult, column: &str) -> Result<u64, sea_orm::DbErr> {
    let n: Option<i64> = row.try_get("", column)?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}
