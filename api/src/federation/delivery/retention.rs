//! Federation's part of referral retention: messages still waiting for a peer lose their
//! personal data once their referral is purged (the referral service purges the referral; this
//! step follows it, and the node's retention job runs both).
//!
//! A new referral the peer never received is given up, with every later message about it (the
//! peer never knew the referral), marked `expired`; a status change keeps going without its
//! reason, so the other node still learns that the referral closed and purges its own copy.
//! Until this step has run, the worker holds back a purged referral's message that still
//! carries personal data ([`withheld`]).

use crate::error::{AppError, AppResult};
use crate::federation::protocol::{ReferralMessage, ReferralMessageBody};
use chrono::{DateTime, Utc};
use entities::{referral, referral_outbox};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::BTreeMap;

/// Outcome stored on an outbox message given up at retention.
pub const EXPIRED: &str = "expired";
/// The note kept on a message given up at retention.
pub const GIVEN_UP: &str = "given up: the referral's data was purged before the peer received it";

/// What one run did to waiting messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxPurge {
    /// Undelivered messages given up (new referrals the peer never received, and what followed).
    pub expired: u64,
    /// Undelivered status changes whose reason was removed (still to be delivered).
    pub redacted: u64,
}

/// Whether `message` of a purged referral still carries personal data: a new referral, or a
/// status change with its reason.
fn carries_personal_data(message: &ReferralMessage) -> bool {
    match &message.body {
        ReferralMessageBody::Created(_) => true,
        ReferralMessageBody::StatusChanged(change) => {
            change.reason.is_some()
                || change
                    .outcome
                    .as_ref()
                    .is_some_and(|o| o.contact_note.is_some())
        }
    }
}

/// Whether `row` must wait for [`redact_purged`]: its referral was purged and it still carries
/// personal data.
pub async fn withheld(db: &impl ConnectionTrait, row: &referral_outbox::Model) -> AppResult<bool> {
    let purged = referral::Entity::find_by_id(row.referral_id.as_str())
        .one(db)
        .await?
        .is_some_and(|r| r.purged_at.is_some());
    if !purged {
        return Ok(false);
    }
    let message: ReferralMessage =
        serde_json::from_str(&row.body).map_err(|e| AppError::Internal(e.into()))?;
    Ok(carries_personal_data(&message))
}

/// Gives up or redacts the undelivered messages of purged referrals, in one transaction.
pub async fn redact_purged(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<OutboxPurge> {
    let txn = crate::db::begin_write(db).await?;
    let report = redact_in(&txn, now).await?;
    txn.commit().await?;
    if report != OutboxPurge::default() {
        tracing::info!(
            expired = report.expired,
            redacted = report.redacted,
            "purged referral messages waiting for peers"
        );
    }
    Ok(report)
}

async fn redact_in(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<OutboxPurge> {
    let purged = Query::select()
        .column(referral::Column::Id)
        .from(referral::Entity)
        .and_where(referral::Column::PurgedAt.is_not_null())
        .to_owned();
    let rows = referral_outbox::Entity::find()
        .filter(referral_outbox::Column::ReferralId.in_subquery(purged))
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .order_by_asc(referral_outbox::Column::Id)
        .all(db)
        .await?;
    let mut per_peer: BTreeMap<(String, String), Vec<(referral_outbox::Model, ReferralMessage)>> =
        BTreeMap::new();
    for row in rows {
        let message: ReferralMessage =
            serde_json::from_str(&row.body).map_err(|e| AppError::Internal(e.into()))?;
        per_peer
            .entry((row.referral_id.clone(), row.peer_id.clone()))
            .or_default()
            .push((row, message));
    }
    let mut report = OutboxPurge::default();
    for messages in per_peer.into_values() {
        let never_received = messages
            .iter()
            .any(|(_, m)| matches!(m.body, ReferralMessageBody::Created(_)));
        for (row, message) in messages {
            if never_received {
                give_up(db, &row, now).await?;
                report.expired += 1;
            } else if redact(db, &row, message).await? {
                report.redacted += 1;
            }
        }
    }
    Ok(report)
}

/// Settles `row` as given up, without its body.
async fn give_up(
    db: &impl ConnectionTrait,
    row: &referral_outbox::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    referral_outbox::Entity::update_many()
        .col_expr(referral_outbox::Column::DeliveredAt, Expr::value(Some(now)))
        .col_expr(
            referral_outbox::Column::Outcome,
            Expr::value(Some(EXPIRED.to_string())),
        )
        .col_expr(
            referral_outbox::Column::LastError,
            Expr::value(Some(GIVEN_UP.to_string())),
        )
        .col_expr(referral_outbox::Column::Body, Expr::value(String::new()))
        .filter(referral_outbox::Column::Id.eq(row.id))
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Removes the reason from a waiting status change; whether there was one.
async fn redact(
    db: &impl ConnectionTrait,
    row: &referral_outbox::Model,
    mut message: ReferralMessage,
) -> AppResult<bool> {
    let ReferralMessageBody::StatusChanged(change) = &mut message.body else {
        return Ok(false);
    };
    let note = change.outcome.as_mut().and_then(|o| o.contact_note.take());
    if change.reason.take().is_none() && note.is_none() {
        return Ok(false);
    }
    let body = serde_json::to_string(&message).map_err(|e| AppError::Internal(e.into()))?;
    referral_outbox::Entity::update_many()
        .col_expr(referral_outbox::Column::Body, Expr::value(body))
        .filter(referral_outbox::Column::Id.eq(row.id))
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .exec(db)
        .await?;
    Ok(true)
}
