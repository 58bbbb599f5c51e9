//! The daily digest: once a day, from `[mail] digest_hour` (UTC), each user who chose the
//! digest gets one mail counting what happened before that hour and linking each referral.
//! Nothing happened: no mail.

use super::compose::{self, DigestItem};
use super::{MailLinks, NotificationMode, outbox};
use crate::db;
use crate::error::AppResult;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use entities::{notification, notification_setting};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The latest digest moment at or before `now`: today at `hour` UTC, or yesterday's when that
/// is still to come.
pub fn last_digest_moment(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
    let today = now.date_naive().and_time(time).and_utc();
    if today <= now {
        today
    } else {
        today - Duration::days(1)
    }
}

/// Queues the digests due at `now`; returns how many were queued.
pub async fn send_digests(
    db: &DatabaseConnection,
    links: &MailLinks,
    hour: u32,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let moment = last_digest_moment(now, hour);
    let users = notification_setting::Entity::find()
        .filter(notification_setting::Column::Mode.eq(NotificationMode::DailyDigest))
        .filter(
            Condition::any()
                .add(notification_setting::Column::LastDigestAt.is_null())
                .add(notification_setting::Column::LastDigestAt.lt(moment)),
        )
        .all(db)
        .await?;
    let mut queued = 0;
    for s in users {
        let items = notification::Entity::find()
            .filter(notification::Column::UserId.eq(s.user_id.as_str()))
            .filter(notification::Column::Id.gt(s.digest_through))
            .filter(notification::Column::CreatedAt.lt(moment))
            .order_by_asc(notification::Column::Id)
            .all(db)
            .await?;
        let Some(last) = items.last().map(|n| n.id) else {
            continue;
        };
        let list: Vec<DigestItem> = items
            .into_iter()
            .map(|n| (n.kind, n.status, n.referral_id))
            .collect();
        let txn = db::begin_write(db).await?;
        // Only if nobody else sent this digest meanwhile.
        let claimed = notification_setting::Entity::update_many()
            .col_expr(
                notification_setting::Column::DigestThrough,
                Expr::value(last),
            )
            .col_expr(notification_setting::Column::LastDigestAt, Expr::value(now))
            .filter(notification_setting::Column::UserId.eq(s.user_id.as_str()))
            .filter(notification_setting::Column::DigestThrough.eq(s.digest_through))
            .filter(notification_setting::Column::Mode.eq(NotificationMode::DailyDigest))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        outbox::queue(&txn, &s.user_id, &compose::digest(links, &list), now).await?;
        txn.commit().await?;
        queued += 1;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_digest_moment_is_today_or_yesterday_at_the_hour() {
        let t = |d, h, m| {
            Utc.with_ymd_and_hms(2026, 12, d, h, m, 0)
                .single()
                .expect("time")
        };
        assert_eq!(last_digest_moment(t(2, 9, 30), 7), t(2, 7, 0));
        assert_eq!(last_digest_moment(t(2, 6, 59), 7), t(1, 7, 0));
        assert_eq!(last_digest_moment(t(2, 7, 0), 7), t(2, 7, 0));
    }
}
