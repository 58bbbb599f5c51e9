//! Retention of referral data, run by the node every `auth.purge_interval_secs`.
//!
//! 1. A referral left open `auth.open_referral_max_days` after its last status change is
//!    cancelled by the node (an event by `system` with the reason, announced, and sent to the
//!    other node like any cancellation), so no referral keeps personal data forever.
//! 2. A referral closed more than `auth.referral_retention_days` ago loses everything about
//!    the patient: patient reference, note, status reason, reason domains (life domains),
//!    contact preference and the notes of its events. The row (status, offer, dates) stays for
//!    anonymous counts.
//! 3. Its messages still waiting for a peer lose their personal data too: a new referral the
//!    peer never received is given up (with every later message about it: the peer never knew
//!    the referral), marked `expired`; a status change keeps going without its reason, so the
//!    other node still learns that the referral closed and can purge its own copy.

use super::referral::{
    self as svc, announce, counterpart_node, event, is_closed, receiving_organisation, store_status,
};
use crate::auth::Actor;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::federation::delivery;
use crate::federation::protocol::{ReferralMessage, ReferralMessageBody, StatusChange};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entities::json::StringList;
use entities::{ReferralStatus, referral, referral_event, referral_outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::BTreeMap;

/// Outcome stored on an outbox message given up at retention.
pub const EXPIRED: &str = "expired";

/// What one purge run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Open referrals cancelled for being open too long.
    pub closed: u64,
    /// Closed referrals whose personal data was removed.
    pub purged: u64,
    /// Undelivered messages given up (new referrals the peer never received).
    pub messages_expired: u64,
    /// Undelivered status changes whose reason was removed (still to be delivered).
    pub messages_redacted: u64,
}

/// Runs the retention rules as of `now` (tests pass a later `now` to look ahead).
pub async fn purge_expired(state: &AppState, now: DateTime<Utc>) -> AppResult<PurgeReport> {
    let closed = close_stale(state, now).await?;
    let mut report = purge_closed(state, now).await?;
    report.closed = closed;
    Ok(report)
}

/// The reason the node gives when it closes a referral left open.
fn stale_reason(days: i64) -> String {
    format!("Automatisch geannuleerd: {days} dagen zonder wijziging")
}

/// Cancels referrals whose last status change is more than `auth.open_referral_max_days` old.
async fn close_stale(state: &AppState, now: DateTime<Utc>) -> AppResult<u64> {
    let days = state.config.auth.open_referral_max_days.max(0);
    let cutoff = now - Duration::days(days);
    let stale = referral::Entity::find()
        .filter(referral::Column::ClosedAt.is_null())
        .filter(referral::Column::UpdatedAt.lt(cutoff))
        .all(&state.db)
        .await?;
    let mut closed = 0;
    for r in stale.into_iter().filter(|r| !is_closed(r.status)) {
        match close_one(state, &r, stale_reason(days), now).await {
            Ok(()) => closed += 1,
            // Changed meanwhile by someone else: looked at again on the next run.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if closed > 0 {
        tracing::info!(count = closed, "cancelled referrals left open too long");
    }
    Ok(closed)
}

async fn close_one(
    state: &AppState,
    r: &referral::Model,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = ReferralStatus::Cancelled;
    let txn = db::begin_write(&state.db).await?;
    let next = store_status(&txn, r, to, Some(reason.clone()), now).await?;
    event(
        &txn,
        &Actor::System,
        &r.id,
        Some(r.status),
        to,
        Some(reason.clone()),
        now,
    )
    .await?;
    svc::audit(&txn, &Actor::System, "auto_close", &r.id).await?;
    let peer = counterpart_node(state, &next);
    if let Some(peer) = &peer {
        let change = StatusChange {
            from: r.status,
            to,
            reason: Some(reason),
            at: now,
        };
        delivery::forward_status(&txn, state, peer, &next, change).await?;
    }
    let receiving = receiving_organisation(&txn, &next.offer_id).await?;
    txn.commit().await?;
    if peer.is_some() {
        delivery::wake(state);
    }
    announce(state, &next, receiving);
    Ok(())
}

/// Removes the personal data of referrals closed more than `auth.referral_retention_days` ago,
/// with that of their events and undelivered messages, in one transaction.
async fn purge_closed(state: &AppState, now: DateTime<Utc>) -> AppResult<PurgeReport> {
    let cutoff = now - Duration::days(state.config.auth.referral_retention_days.max(0));
    let txn = db::begin_write(&state.db).await?;
    let ids: Vec<String> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .filter(referral::Column::ClosedAt.lt(cutoff))
        .filter(referral::Column::PurgedAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        return Ok(PurgeReport::default());
    }
    let mut report = PurgeReport::default();
    for chunk in ids.chunks(500) {
        referral::Entity::update_many()
            .set(referral::ActiveModel {
                patient_ref: Set(None),
                note: Set(None),
                status_reason: Set(None),
                reason_domains: Set(StringList(Vec::new())),
                contact_preference: Set(None),
                purged_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(referral::Column::Id.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
        referral_event::Entity::update_many()
            .col_expr(
                referral_event::Column::Note,
                Expr::value(Option::<String>::None),
            )
            .filter(referral_event::Column::ReferralId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
        let (expired, redacted) = purge_outbox(&txn, chunk, now).await?;
        report.messages_expired += expired;
        report.messages_redacted += redacted;
        for id in chunk {
            svc::audit(&txn, &Actor::System, "purge", id).await?;
        }
    }
    txn.commit().await?;
    report.purged = ids.len() as u64;
    tracing::info!(
        count = report.purged,
        messages_expired = report.messages_expired,
        messages_redacted = report.messages_redacted,
        "purged closed referrals"
    );
    Ok(report)
}

/// Removes personal data from the undelivered messages about `ids`; returns how many were
/// given up and how many were redacted.
async fn purge_outbox(
    db: &impl ConnectionTrait,
    ids: &[String],
    now: DateTime<Utc>,
) -> AppResult<(u64, u64)> {
    let rows = referral_outbox::Entity::find()
        .filter(referral_outbox::Column::ReferralId.is_in(ids.to_vec()))
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
    let (mut expired, mut redacted) = (0, 0);
    for messages in per_peer.into_values() {
        let never_received = messages
            .iter()
            .any(|(_, m)| matches!(m.body, ReferralMessageBody::Created(_)));
        for (row, mut message) in messages {
            let update = referral_outbox::Entity::update_many()
                .filter(referral_outbox::Column::Id.eq(row.id))
                .filter(referral_outbox::Column::DeliveredAt.is_null());
            if never_received {
                update
                    .col_expr(referral_outbox::Column::DeliveredAt, Expr::value(Some(now)))
                    .col_expr(
                        referral_outbox::Column::Outcome,
                        Expr::value(Some(EXPIRED.to_string())),
                    )
                    .col_expr(
                        referral_outbox::Column::LastError,
                        Expr::value(Some(
                            "given up: the referral's data was purged before the peer received it"
                                .to_string(),
                        )),
                    )
                    .col_expr(referral_outbox::Column::Body, Expr::value(String::new()))
                    .exec(db)
                    .await?;
                expired += 1;
            } else if let ReferralMessageBody::StatusChanged(change) = &mut message.body
                && change.reason.is_some()
            {
                change.reason = None;
                let body =
                    serde_json::to_string(&message).map_err(|e| AppError::Internal(e.into()))?;
                update
                    .col_expr(referral_outbox::Column::Body, Expr::value(body))
                    .exec(db)
                    .await?;
                redacted += 1;
            }
        }
    }
    Ok((expired, redacted))
}
