//! Turns referral events into notifications: reads `referral_events` after this consumer's
//! cursor, in order, and per event writes the inbox rows, the mail outbox rows and the cursor
//! advance in one transaction, so an event is never lost nor told twice.

use super::{MailLinks, NotificationKind, NotificationMode, compose, outbox, recipients};
use crate::db;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entities::{
    ReferralStatus, consumer_cursor, notification, notification_setting, referral, referral_event,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// Name of the notifier's cursor in `consumer_cursors`.
pub const CONSUMER: &str = "notify";
/// Events read per query.
const BATCH: u64 = 100;

/// The last referral event told.
pub async fn cursor(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(consumer_cursor::Entity::find_by_id(CONSUMER)
        .one(db)
        .await?
        .map_or(0, |c| c.seq))
}

/// Tells every event after the cursor; returns how many were consumed. `links` is `None` when
/// mail is not configured (inbox only).
pub async fn consume_new_events(
    db: &DatabaseConnection,
    links: Option<&MailLinks>,
) -> AppResult<u64> {
    let mut done = 0;
    loop {
        let from = cursor(db).await?;
        let events = referral_event::Entity::find()
            .filter(referral_event::Column::Id.gt(from))
            .order_by_asc(referral_event::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        if events.is_empty() {
            return Ok(done);
        }
        let mut at = from;
        for event in events {
            let txn = db::begin_write(db).await?;
            if let Some(r) = referral::Entity::find_by_id(event.referral_id.as_str())
                .one(&txn)
                .await?
            {
                let users = recipients::for_event(&txn, &r, &event).await?;
                let kind = match (event.from_status, event.outcome) {
                    (None, _) => NotificationKind::NewReferral,
                    (Some(_), Some(_)) => NotificationKind::OutcomeRecorded,
                    (Some(_), None) => NotificationKind::StatusChanged,
                };
                let what = Notice {
                    kind,
                    status: event.to_status,
                    referral_id: &r.id,
                    at: event.at,
                };
                tell(&txn, &users, &what, links).await?;
            }
            advance(&txn, at, event.id).await?;
            txn.commit().await?;
            at = event.id;
            done += 1;
        }
    }
}

/// Moves the cursor from `from` to `to`; fails (and so rolls the transaction back) when another
/// notifier moved it first.
async fn advance(txn: &impl ConnectionTrait, from: i64, to: i64) -> AppResult<()> {
    let now = Utc::now();
    if consumer_cursor::Entity::find_by_id(CONSUMER)
        .one(txn)
        .await?
        .is_none()
    {
        // A second notifier inserting at once fails on the primary key and rolls back.
        consumer_cursor::ActiveModel {
            consumer: Set(CONSUMER.into()),
            seq: Set(to),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        return Ok(());
    }
    let moved = consumer_cursor::Entity::update_many()
        .col_expr(consumer_cursor::Column::Seq, Expr::value(to))
        .col_expr(consumer_cursor::Column::UpdatedAt, Expr::value(now))
        .filter(consumer_cursor::Column::Consumer.eq(CONSUMER))
        .filter(consumer_cursor::Column::Seq.eq(from))
        .exec(txn)
        .await?;
    if moved.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "another notifier consumed the event first".into(),
        ))
    }
}

/// One thing to tell users.
pub struct Notice<'a> {
    pub kind: NotificationKind,
    pub status: ReferralStatus,
    pub referral_id: &'a str,
    pub at: DateTime<Utc>,
}

/// Writes `what` into the inbox of each of `users` and, when mail is configured, queues a mail
/// for those who want one at once.
pub async fn tell(
    txn: &impl ConnectionTrait,
    users: &[String],
    what: &Notice<'_>,
    links: Option<&MailLinks>,
) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    let rows: Vec<notification::ActiveModel> = users
        .iter()
        .map(|u| notification::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            user_id: Set(u.clone()),
            kind: Set(what.kind),
            referral_id: Set(what.referral_id.to_string()),
            status: Set(what.status),
            created_at: Set(what.at),
            read_at: Set(None),
        })
        .collect();
    db::insert_all(txn, rows, None).await?;
    let Some(links) = links else { return Ok(()) };
    let mail = compose::single(links, what.kind, what.status, what.referral_id);
    for user in users {
        if mode_of(txn, user).await? == NotificationMode::Immediately {
            outbox::queue(txn, user, &mail, Utc::now()).await?;
        }
    }
    Ok(())
}

/// A user's setting (immediately when never set).
pub async fn mode_of(db: &impl ConnectionTrait, user_id: &str) -> AppResult<NotificationMode> {
    Ok(notification_setting::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|s| s.mode)
        .unwrap_or_default())
}
