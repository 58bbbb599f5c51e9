//! Retention of referral data, run by the node every `auth.purge_interval_secs`.
//!
//! 1. A referral left open `auth.open_referral_max_days` after its last status change is
//!    cancelled by the node (an event by `system` with the reason, announced, and sent to the
//!    other node like any cancellation), so no referral keeps personal data forever.
//! 2. A referral closed more than `auth.referral_retention_days` ago loses everything about
//!    the patient: patient reference, note, status reason, reason domains (life domains),
//!    contact preference, practical needs, the contact note of an outcome and the notes of its events. The row (status, offer, dates) stays for
//!    anonymous counts.
//!
//! Messages to peer nodes are federation's: it drops or redacts those of purged referrals
//! itself (`federation::delivery`), and turns the cancellations recorded here into messages
//! like any other event.

use super::commands::store_status;
use super::lifecycle::MoveDetails;
use super::lifecycle::is_closed;
use super::log::{self, Event};
use super::{announce, audit, receiving_organisation};
use crate::db;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use chrono::{DateTime, Duration, Utc};
use entities::json::StringList;
use entities::{ReferralStatus, referral, referral_event};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

/// How long referral data is kept (`auth.open_referral_max_days`,
/// `auth.referral_retention_days` in the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A referral open this many days after its last status change is cancelled.
    pub open_max_days: i64,
    /// A referral closed more than this many days ago loses its personal data.
    pub closed_days: i64,
}

impl Retention {
    /// The retention settings of a node's configuration.
    pub fn of(auth: &crate::config::AuthConfig) -> Self {
        Self {
            open_max_days: auth.open_referral_max_days,
            closed_days: auth.referral_retention_days,
        }
    }
}

/// What one purge run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Open referrals cancelled for being open too long.
    pub closed: u64,
    /// Closed referrals whose personal data was removed.
    pub purged: u64,
}

/// Runs the retention rules as of `now` (tests pass a later `now` to look ahead).
pub async fn purge_expired(
    ctx: &Ctx,
    retention: &Retention,
    now: DateTime<Utc>,
) -> AppResult<PurgeReport> {
    let closed = close_stale(ctx, retention.open_max_days, now).await?;
    let purged = purge_closed(ctx, retention.closed_days, now).await?;
    Ok(PurgeReport { closed, purged })
}

/// The reason the node gives when it closes a referral left open.
fn stale_reason(days: i64) -> String {
    format!("Automatisch geannuleerd: {days} dagen zonder wijziging")
}

/// Cancels referrals whose last status change is more than `days` old.
async fn close_stale(ctx: &Ctx, days: i64, now: DateTime<Utc>) -> AppResult<u64> {
    let days = days.max(0);
    let cutoff = now - Duration::days(days);
    let stale = referral::Entity::find()
        .filter(referral::Column::ClosedAt.is_null())
        .filter(referral::Column::UpdatedAt.lt(cutoff))
        .all(&ctx.db)
        .await?;
    let mut closed = 0;
    for r in stale.into_iter().filter(|r| !is_closed(r.status)) {
        match close_one(ctx, &r, stale_reason(days), now).await {
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

/// Cancels `r` as the node (`system`), with `reason`; announced like any change.
async fn close_one(
    ctx: &Ctx,
    r: &referral::Model,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = ReferralStatus::Cancelled;
    let txn = db::begin_write(&ctx.db).await?;
    let details = MoveDetails::default();
    let next = store_status(&txn, r, to, Some(reason.clone()), &details, now).await?;
    let event = Event {
        referral_id: &r.id,
        from: Some(r.status),
        to,
        note: Some(reason),
        at: now,
        details,
    };
    log::record(&txn, &Actor::System, event).await?;
    audit(&txn, &Actor::System, "auto_close", &r.id).await?;
    let receiving = receiving_organisation(&txn, &next.offer_id).await?;
    txn.commit().await?;
    announce(ctx, &next, receiving);
    Ok(())
}

/// Removes the personal data of referrals closed more than `days` ago, with that of their
/// events and their contact details, in one transaction; returns how many were purged.
async fn purge_closed(ctx: &Ctx, days: i64, now: DateTime<Utc>) -> AppResult<u64> {
    let cutoff = now - Duration::days(days.max(0));
    let txn = db::begin_write(&ctx.db).await?;
    let ids: Vec<String> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .filter(referral::Column::ClosedAt.lt(cutoff))
        .filter(referral::Column::PurgedAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    for chunk in ids.chunks(500) {
        referral::Entity::update_many()
            .set(referral::ActiveModel {
                patient_ref: Set(None),
                note: Set(None),
                status_reason: Set(None),
                reason_domains: Set(StringList(Vec::new())),
                contact_preference: Set(None),
                practical_needs: Set(None),
                contact_note: Set(None),
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
            .col_expr(
                referral_event::Column::ContactNote,
                Expr::value(Option::<String>::None),
            )
            .filter(referral_event::Column::ReferralId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
        super::contact::purge_many(&txn, chunk).await?;
        for id in chunk {
            audit(&txn, &Actor::System, "purge", id).await?;
        }
    }
    txn.commit().await?;
    let purged = ids.len() as u64;
    tracing::info!(count = purged, "purged closed referrals");
    Ok(purged)
}
