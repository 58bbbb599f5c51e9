//! Anonymous referral figures for a practice, in total and per offer: how many referrals it
//! sent in a period and what became of them. Counts and a median only; no referral, patient
//! or note leaves this module.
//!
//! Definitions (for referrals *sent* in the period, by their `created_at`):
//! - **accepted**: reached `accepted` at some point (also after the waiting list);
//! - **started**: reached `in_progress` at some point;
//! - **completed**: closed as `completed`;
//! - **stopped**: closed by the organisation with the outcome `stopped`, counted per reason;
//! - **first contact**: the receiving side's first answer, i.e. the first event moving the
//!   referral to a status only that side sets (received, accepted, rejected, on hold, in
//!   progress, completed); the median is over the referrals answered so far, in days.

use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use chrono::{DateTime, Days, NaiveDate, Utc};
use entities::{ReferralOutcome, ReferralStatus, StopReason, offer, referral, referral_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, RelationTrait};
use std::collections::{BTreeMap, HashMap};

/// The longest period asked at once, in days (about five years).
const MAX_DAYS: u64 = 1830;

/// The statuses only the receiving side sets: moving to one is an answer to the referrer.
const ANSWERS: [ReferralStatus; 6] = [
    ReferralStatus::Received,
    ReferralStatus::Accepted,
    ReferralStatus::Rejected,
    ReferralStatus::OnHold,
    ReferralStatus::InProgress,
    ReferralStatus::Completed,
];

/// Figures of a set of referrals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub sent: u64,
    pub accepted: u64,
    pub started: u64,
    pub completed: u64,
    pub stopped: u64,
    /// Stopped referrals per reason, every reason in vocabulary order (zeros included).
    pub stop_reasons: Vec<(StopReason, u64)>,
    /// Median days from sending to the receiving side's first answer; `None` before any answer.
    pub median_days_to_first_contact: Option<f64>,
}

/// The figures of one offer.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferFigures {
    pub offer_id: String,
    /// The offer's title (`None` when the offer is gone here).
    pub title: Option<String>,
    pub figures: Figures,
}

/// A practice's figures for a period.
#[derive(Clone, Debug, PartialEq)]
pub struct PracticeStats {
    pub practice_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Figures,
    /// Per offer, most referrals first.
    pub offers: Vec<OfferFigures>,
}

/// What the figures need of one referral.
#[derive(Clone, Debug)]
struct Row {
    offer_id: String,
    status: ReferralStatus,
    outcome: Option<ReferralOutcome>,
    stop_reason: Option<StopReason>,
    accepted: bool,
    started: bool,
    /// Days from sending to the first answer.
    first_contact_days: Option<f64>,
}

/// The figures of practice `practice` for referrals sent from `from` to `to` (both days
/// included, UTC): for users of that practice only (`FORBIDDEN` otherwise).
pub async fn practice_stats(
    ctx: &Ctx,
    actor: &Actor,
    practice: &GlobalId,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<PracticeStats> {
    let practice_id = practice.to_string();
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    if !actor.practices().contains(&practice_id) {
        return Err(actor.denied("see the referral figures of this practice"));
    }
    if to < from {
        return Err(AppError::field("to", "must not be before from"));
    }
    if (to - from).num_days() > MAX_DAYS as i64 {
        return Err(AppError::field("to", "the period is at most five years"));
    }
    let start = from.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| AppError::field("to", "is too far ahead"))?
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let rows = load_rows(ctx, &practice_id, start, end).await?;
    let titles = offer_titles(ctx, &rows).await?;
    Ok(PracticeStats {
        practice_id,
        from,
        to,
        total: figures(rows.iter()),
        offers: per_offer(&rows, &titles),
    })
}

/// The referrals of `practice` sent in `[start, end)` with the facts of their events.
async fn load_rows(
    ctx: &Ctx,
    practice: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<Vec<Row>> {
    use referral::Column as R;
    type Sent = (
        String,
        String,
        ReferralStatus,
        Option<ReferralOutcome>,
        Option<StopReason>,
        DateTime<Utc>,
    );
    let sent: Vec<Sent> = referral::Entity::find()
        .select_only()
        .columns([
            R::Id,
            R::OfferId,
            R::Status,
            R::Outcome,
            R::StopReason,
            R::CreatedAt,
        ])
        .filter(R::ReferrerOrganisationId.eq(practice))
        .filter(R::CreatedAt.gte(start))
        .filter(R::CreatedAt.lt(end))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let moves: Vec<(String, ReferralStatus, DateTime<Utc>)> = referral_event::Entity::find()
        .select_only()
        .column(referral_event::Column::ReferralId)
        .column(referral_event::Column::ToStatus)
        .column(referral_event::Column::At)
        .join(
            sea_orm::JoinType::InnerJoin,
            referral_event::Relation::Referral.def(),
        )
        .filter(R::ReferrerOrganisationId.eq(practice))
        .filter(R::CreatedAt.gte(start))
        .filter(R::CreatedAt.lt(end))
        .filter(referral_event::Column::FromStatus.is_not_null())
        .filter(referral_event::Column::ToStatus.is_in(ANSWERS))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut by_referral: HashMap<&str, Vec<(ReferralStatus, DateTime<Utc>)>> = HashMap::new();
    for (id, to, at) in &moves {
        by_referral.entry(id).or_default().push((*to, *at));
    }
    Ok(sent
        .into_iter()
        .map(|(id, offer_id, status, outcome, stop_reason, created_at)| {
            let moves = by_referral.get(id.as_str()).map_or(&[][..], Vec::as_slice);
            let first = moves.iter().map(|(_, at)| *at).min();
            Row {
                offer_id,
                status,
                outcome,
                stop_reason,
                accepted: moves.iter().any(|(s, _)| *s == ReferralStatus::Accepted),
                started: moves.iter().any(|(s, _)| *s == ReferralStatus::InProgress),
                first_contact_days: first
                    .map(|at| (at - created_at).num_seconds().max(0) as f64 / 86_400.0),
            }
        })
        .collect())
}

/// The titles of the offers of `rows` known here.
async fn offer_titles(ctx: &Ctx, rows: &[Row]) -> AppResult<HashMap<String, String>> {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.offer_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: Vec<(String, String)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .column(offer::Column::Title)
        .filter(offer::Column::Id.is_in(ids))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(found.into_iter().collect())
}

/// The figures per offer, most referrals first (then by title).
fn per_offer(rows: &[Row], titles: &HashMap<String, String>) -> Vec<OfferFigures> {
    let mut groups: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        groups.entry(r.offer_id.as_str()).or_default().push(r);
    }
    let mut out: Vec<OfferFigures> = groups
        .into_iter()
        .map(|(id, rows)| OfferFigures {
            offer_id: id.to_string(),
            title: titles.get(id).cloned(),
            figures: figures(rows.into_iter()),
        })
        .collect();
    out.sort_by(|a, b| {
        b.figures
            .sent
            .cmp(&a.figures.sent)
            .then_with(|| a.title.cmp(&b.title))
    });
    out
}

/// The figures of a set of referrals.
fn figures<'a>(rows: impl Iterator<Item = &'a Row>) -> Figures {
    let mut f = Figures::default();
    let mut reasons: BTreeMap<StopReason, u64> = StopReason::ALL.iter().map(|r| (*r, 0)).collect();
    let mut days = Vec::new();
    for r in rows {
        f.sent += 1;
        f.accepted += u64::from(r.accepted);
        f.started += u64::from(r.started);
        f.completed += u64::from(r.status == ReferralStatus::Completed);
        if r.outcome == Some(ReferralOutcome::Stopped) {
            f.stopped += 1;
            if let Some(reason) = r.stop_reason {
                *reasons.entry(reason).or_default() += 1;
            }
        }
        days.extend(r.first_contact_days);
    }
    f.stop_reasons = reasons.into_iter().collect();
    f.median_days_to_first_contact = median(&mut days);
    f
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(offer: &str, status: ReferralStatus, days: Option<f64>) -> Row {
        Row {
            offer_id: offer.into(),
            status,
            outcome: None,
            stop_reason: None,
            accepted: false,
            started: false,
            first_contact_days: days,
        }
    }

    #[test]
    fn the_median_is_of_answered_referrals() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        let rows = [
            row("a", ReferralStatus::Requested, None),
            row("a", ReferralStatus::Received, Some(1.0)),
            row("b", ReferralStatus::Completed, Some(3.0)),
        ];
        let f = figures(rows.iter());
        assert_eq!((f.sent, f.completed), (3, 1));
        assert_eq!(f.median_days_to_first_contact, Some(2.0));
        assert_eq!(f.stop_reasons.len(), StopReason::ALL.len());
    }

    #[test]
    fn stopped_counts_per_reason_and_offers_sort_by_size() {
        let mut stopped = row("b", ReferralStatus::Cancelled, Some(0.5));
        stopped.outcome = Some(ReferralOutcome::Stopped);
        stopped.stop_reason = Some(StopReason::Moved);
        let rows = vec![
            row("a", ReferralStatus::Requested, None),
            stopped.clone(),
            stopped,
        ];
        let offers = per_offer(&rows, &HashMap::new());
        assert_eq!(offers[0].offer_id, "b");
        assert_eq!(offers[0].figures.stopped, 2);
        assert!(
            offers[0]
                .figures
                .stop_reasons
                .contains(&(StopReason::Moved, 2))
        );
        assert_eq!(offers[1].figures.stopped, 0);
    }
}
