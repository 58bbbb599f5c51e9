//! Reminders: a referral to an offer of this node that waits more than N working days (Monday
//! to Friday) for an answer (still `requested` or `received`) brings the editors of the
//! receiving organisation a reminder, once per referral.

use super::consume::{Notice, tell};
use super::{MailLinks, NotificationKind, recipients};
use crate::db;
use crate::error::AppResult;
use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use entities::{ReferralStatus, referral, referral_reminder};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// The moment `n` working days after `start` (weekends skipped; a start in the weekend counts
/// from the Monday after).
pub fn working_days_after(start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    let mut t = start;
    let mut left = n;
    while left > 0 {
        t += Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

/// Gives the reminders due at `now` on node `node_id`; returns how many referrals were
/// reminded of.
pub async fn remind_due(
    db: &DatabaseConnection,
    node_id: &str,
    links: Option<&MailLinks>,
    working_days: u32,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    // n working days are at least n calendar days: a cheap first cut in the database, one
    // range of `idx_referrals_node_status_created` per status, leaving out the referrals
    // reminded of before (by their key).
    let reminded_before = Query::select()
        .column(referral_reminder::Column::ReferralId)
        .from(referral_reminder::Entity)
        .and_where(
            Expr::col((
                referral_reminder::Entity,
                referral_reminder::Column::ReferralId,
            ))
            .equals((referral::Entity, referral::Column::Id)),
        )
        .to_owned();
    let waiting = referral::Entity::find()
        .filter(referral::Column::OfferNode.eq(node_id))
        .filter(
            referral::Column::Status.is_in([ReferralStatus::Requested, ReferralStatus::Received]),
        )
        .filter(referral::Column::CreatedAt.lte(now - Duration::days(i64::from(working_days))))
        .filter(Expr::exists(reminded_before).not())
        .all(db)
        .await?;
    let mut reminded = 0;
    for r in waiting {
        if working_days_after(r.created_at, working_days) > now {
            continue;
        }
        let txn = db::begin_write(db).await?;
        if referral_reminder::Entity::find_by_id(r.id.as_str())
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        referral_reminder::ActiveModel {
            referral_id: Set(r.id.clone()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let editors = recipients::editors_of_offer(&txn, &r.offer_id).await?;
        let users = recipients::enabled_local(&txn, editors).await?;
        let what = Notice {
            kind: NotificationKind::Reminder,
            status: r.status,
            referral_id: &r.id,
            at: now,
        };
        tell(&txn, &users, &what, links).await?;
        txn.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn working_days_skip_the_weekend() {
        // 2026-12-04 is a Friday.
        let friday = at(2026, 12, 4, 10);
        assert_eq!(working_days_after(friday, 1), at(2026, 12, 7, 10));
        assert_eq!(working_days_after(friday, 3), at(2026, 12, 9, 10));
        // Tuesday + 3 working days = Friday.
        assert_eq!(
            working_days_after(at(2026, 12, 1, 9), 3),
            at(2026, 12, 4, 9)
        );
        // Saturday + 1 = Monday.
        assert_eq!(
            working_days_after(at(2026, 12, 5, 9), 1),
            at(2026, 12, 7, 9)
        );
        assert_eq!(working_days_after(friday, 0), friday);
    }
}
