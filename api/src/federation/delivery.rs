//! Cross-node referral delivery.
//!
//! A referral to an offer of another node is kept at the referrer's node and forwarded to the
//! offer's node, which owns its lifecycle; status changes go back the same way, and a
//! cancellation by the referrer goes forward. Every message is written to `referral_outbox` in
//! the transaction of the change it reports, and a worker sends each peer's messages in order,
//! one at a time, retrying the oldest with a doubling wait until the peer answers: a peer that
//! is down for hours receives everything once it is back. The receiver keeps each message id in
//! `referral_inbox` with its receipt, so a message that arrives twice is applied once; a new
//! referral is also keyed by its id. A message the receiver refuses (an ended offer, a
//! cancellation of a closed referral) is not sent again, and the receipt's status corrects
//! the sender.

use super::protocol::{
    DeliveryOutcome, DeliveryReceipt, ForwardedReferral, REFERRAL_PROTOCOL_VERSION,
    ReferralMessage, ReferralMessageBody, StatusChange,
};
use crate::auth::Actor;
use crate::db;
use crate::domain::GlobalId;
use crate::error::{AppError, AppResult};
use crate::services::referral::{self as svc, NewReferral, RemoteOutcome};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entities::{LifeDomain, ReferralStatus, referral, referral_inbox, referral_outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

const DELIVER_MUTATION: &str =
    "mutation($message: JSON!) { deliverReferralMessage(message: $message) }";

/// Wakes the delivery worker and keeps two delivery runs from overlapping.
#[derive(Default)]
pub struct DeliveryRuntime {
    wake: Notify,
    running: Mutex<()>,
}

/// Queues the forwarding of a new referral (`model`, sent here) to its offer's node.
pub async fn forward_created(
    db: &impl ConnectionTrait,
    state: &AppState,
    model: &referral::Model,
) -> AppResult<()> {
    let body = ReferralMessageBody::Created(Box::new(ForwardedReferral {
        offer_id: model.offer_id.clone(),
        practice_id: model.referrer_organisation_id.clone(),
        patient_ref: model.patient_ref.clone().unwrap_or_default(),
        consent: model.consent,
        contact_preference: model.contact_preference,
        reason_domains: model
            .reason_domains
            .0
            .iter()
            .filter_map(|d| LifeDomain::from_str_opt(d))
            .collect(),
        note: model.note.clone(),
        created_at: model.created_at,
    }));
    enqueue(db, state, &model.offer_node, &model.id, body).await
}

/// Queues a status change of `model` for the node of the other side, `peer`.
pub async fn forward_status(
    db: &impl ConnectionTrait,
    state: &AppState,
    peer: &str,
    model: &referral::Model,
    change: StatusChange,
) -> AppResult<()> {
    enqueue(
        db,
        state,
        peer,
        &model.id,
        ReferralMessageBody::StatusChanged(change),
    )
    .await
}

async fn enqueue(
    db: &impl ConnectionTrait,
    state: &AppState,
    peer: &str,
    referral_id: &str,
    body: ReferralMessageBody,
) -> AppResult<()> {
    let message = ReferralMessage {
        version: REFERRAL_PROTOCOL_VERSION,
        message_id: GlobalId::new(&state.node_id).to_string(),
        from_node: state.node_id.to_string(),
        referral_id: referral_id.to_string(),
        body,
    };
    let now = Utc::now();
    referral_outbox::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        message_id: Set(message.message_id.clone()),
        peer_id: Set(peer.to_string()),
        referral_id: Set(referral_id.to_string()),
        body: Set(serde_json::to_string(&message).map_err(|e| AppError::Internal(e.into()))?),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        delivered_at: Set(None),
        outcome: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Asks the worker to deliver now (after a commit that queued a message).
pub fn wake(state: &AppState) {
    state.delivery.wake.notify_one();
}

/// The wait after `attempts` failed attempts: one second, doubling, at most `max_secs`.
pub fn backoff(attempts: i32, max_secs: u64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    Duration::from_secs((1u64 << exp).min(max_secs.max(1)))
}

/// Delivers every due message to every peer, each peer's in order; a peer that fails keeps
/// its oldest message for the next run (after its backoff). Returns how many were delivered.
pub async fn deliver_due(state: &AppState) -> AppResult<usize> {
    let _running = state.delivery.running.lock().await;
    let peers: Vec<String> = referral_outbox::Entity::find()
        .select_only()
        .column(referral_outbox::Column::PeerId)
        .distinct()
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut delivered = 0;
    for peer in peers {
        delivered += deliver_to(state, &peer).await?;
    }
    Ok(delivered)
}

async fn deliver_to(state: &AppState, peer_id: &str) -> AppResult<usize> {
    let mut delivered = 0;
    loop {
        let Some(row) = referral_outbox::Entity::find()
            .filter(referral_outbox::Column::PeerId.eq(peer_id))
            .filter(referral_outbox::Column::DeliveredAt.is_null())
            .order_by_asc(referral_outbox::Column::Id)
            .one(&state.db)
            .await?
        else {
            return Ok(delivered);
        };
        if row.next_attempt_at > Utc::now() {
            return Ok(delivered);
        }
        match send(state, peer_id, &row).await {
            Ok(receipt) => {
                settle(state, &row, receipt).await?;
                delivered += 1;
            }
            Err(e) => {
                let message = super::failure_text(&e);
                let attempts = row.attempts.saturating_add(1);
                let wait = backoff(attempts, state.config.federation.delivery_max_backoff_secs);
                tracing::warn!(peer = peer_id, referral = %row.referral_id, attempts,
                    retry_in_secs = wait.as_secs(), error = %message, "referral delivery failed");
                let next = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                referral_outbox::Entity::update_many()
                    .col_expr(referral_outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(referral_outbox::Column::NextAttemptAt, Expr::value(next))
                    .col_expr(
                        referral_outbox::Column::LastError,
                        Expr::value(Some(message)),
                    )
                    .filter(referral_outbox::Column::Id.eq(row.id))
                    .exec(&state.db)
                    .await?;
                return Ok(delivered);
            }
        }
    }
}

async fn send(
    state: &AppState,
    peer_id: &str,
    row: &referral_outbox::Model,
) -> AppResult<DeliveryReceipt> {
    let peer = state.peers.get(peer_id).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("node {peer_id} is not a configured peer"))
    })?;
    let message: serde_json::Value =
        serde_json::from_str(&row.body).map_err(|e| AppError::Internal(e.into()))?;
    let data = peer
        .graphql(
            state,
            DELIVER_MUTATION,
            serde_json::json!({ "message": message }),
        )
        .await?;
    serde_json::from_value(data["deliverReferralMessage"].clone()).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "peer {peer_id} sent an unreadable receipt: {e}"
        ))
    })
}

/// Marks a message delivered (dropping its body); a refusal corrects the referral here from
/// the receipt.
async fn settle(
    state: &AppState,
    row: &referral_outbox::Model,
    receipt: DeliveryReceipt,
) -> AppResult<()> {
    let txn = db::begin_write(&state.db).await?;
    let mut changed = None;
    if receipt.outcome == DeliveryOutcome::Refused {
        let why = receipt.reason.clone().unwrap_or_default();
        tracing::warn!(peer = %row.peer_id, referral = %row.referral_id, reason = %why,
            "peer refused a referral message");
        // What the offer's node says stands: its status, or failed for a referral it never took.
        let local = referral::Entity::find_by_id(row.referral_id.as_str())
            .one(&txn)
            .await?;
        let authoritative = match (&local, receipt.status) {
            (Some(r), _) if r.offer_node != row.peer_id => None,
            (_, Some(status)) => Some(status),
            (_, None) => Some(ReferralStatus::Failed),
        };
        if let (Some(r), Some(to)) = (local, authoritative) {
            let change = StatusChange {
                from: r.status,
                to,
                reason: Some(refusal_reason(&row.peer_id, &why)),
                at: Utc::now(),
            };
            changed = svc::apply_remote_change(&txn, state, &row.peer_id, &r.id, change, true)
                .await?
                .1;
        }
    }
    referral_outbox::Entity::update_many()
        .col_expr(
            referral_outbox::Column::DeliveredAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(
            referral_outbox::Column::Outcome,
            Expr::value(Some(receipt.outcome.as_str().to_string())),
        )
        .col_expr(
            referral_outbox::Column::LastError,
            Expr::value(receipt.reason.clone()),
        )
        // The message may carry a patient reference and a note: keep no copy once delivered.
        .col_expr(referral_outbox::Column::Body, Expr::value(String::new()))
        .filter(referral_outbox::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if let Some(c) = changed {
        svc::announce_remote(state, c);
    }
    Ok(())
}

/// The status reason kept for a peer's refusal: `node <peer> refused: <why>`, cut to a note's
/// length, or without the peer's words when they break the note rules (the peer's text is
/// not trusted more than a note).
fn refusal_reason(peer: &str, why: &str) -> String {
    let full: String = format!("node {peer} refused: {why}")
        .chars()
        .take(svc::NOTE_MAX)
        .collect();
    match svc::parse_note(Some(&full), "reason") {
        Ok(Some(ok)) => ok,
        _ => format!("node {peer} refused the message"),
    }
}

/// Applies a message (in the wire format) from peer `actor`, once per message id, and
/// returns the receipt.
pub async fn receive(
    state: &AppState,
    actor: &Actor,
    message: serde_json::Value,
) -> AppResult<DeliveryReceipt> {
    let Actor::Peer(peer) = actor else {
        return Err(actor.denied("deliver referral messages (peer nodes only)"));
    };
    let message: ReferralMessage = serde_json::from_value(message)
        .map_err(|e| AppError::field("message", format!("is not a referral message: {e}")))?;
    if message.version != REFERRAL_PROTOCOL_VERSION {
        return Err(AppError::field(
            "message.version",
            format!("this node speaks version {REFERRAL_PROTOCOL_VERSION}"),
        ));
    }
    if &message.from_node != peer {
        return Err(AppError::Forbidden(format!(
            "node {peer} cannot send messages as node {}",
            message.from_node
        )));
    }
    let txn = db::begin_write(&state.db).await?;
    if let Some(seen) = referral_inbox::Entity::find_by_id(message.message_id.as_str())
        .one(&txn)
        .await?
    {
        return serde_json::from_str(&seen.receipt).map_err(|e| AppError::Internal(e.into()));
    }
    let (outcome, changed) = match message.body {
        ReferralMessageBody::Created(f) => {
            let new = NewReferral {
                offer_id: f.offer_id,
                practice_id: f.practice_id,
                patient_ref: f.patient_ref,
                consent: f.consent,
                contact_preference: f.contact_preference,
                reason_domains: f.reason_domains,
                note: f.note,
            };
            svc::accept_forwarded(&txn, state, peer, &message.referral_id, new, f.created_at)
                .await?
        }
        ReferralMessageBody::StatusChanged(change) => {
            svc::apply_remote_change(&txn, state, peer, &message.referral_id, change, false).await?
        }
    };
    let receipt = match outcome {
        RemoteOutcome::Applied(status) => DeliveryReceipt {
            outcome: DeliveryOutcome::Applied,
            reason: None,
            status: Some(status),
        },
        RemoteOutcome::Refused(reason, status) => DeliveryReceipt {
            outcome: DeliveryOutcome::Refused,
            reason: Some(reason),
            status,
        },
    };
    referral_inbox::ActiveModel {
        message_id: Set(message.message_id),
        peer_id: Set(peer.clone()),
        referral_id: Set(message.referral_id),
        receipt: Set(serde_json::to_string(&receipt).map_err(|e| AppError::Internal(e.into()))?),
        received_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    if let Some(c) = changed {
        svc::announce_remote(state, c);
    }
    Ok(receipt)
}

/// Messages for one peer that still wait for delivery.
#[derive(Clone, Debug, Default)]
pub struct Backlog {
    pub pending: u64,
    /// When the oldest waiting message was queued.
    pub oldest_at: Option<DateTime<Utc>>,
    /// Why the last attempt at the oldest failed.
    pub last_error: Option<String>,
}

/// The delivery backlog towards `peer_id`.
pub async fn backlog(db: &impl ConnectionTrait, peer_id: &str) -> AppResult<Backlog> {
    let pending = referral_outbox::Entity::find()
        .filter(referral_outbox::Column::PeerId.eq(peer_id))
        .filter(referral_outbox::Column::DeliveredAt.is_null());
    let oldest = pending
        .clone()
        .order_by_asc(referral_outbox::Column::Id)
        .one(db)
        .await?;
    Ok(Backlog {
        pending: pending.count(db).await?,
        oldest_at: oldest.as_ref().map(|o| o.created_at),
        last_error: oldest.and_then(|o| o.last_error),
    })
}

/// Whether messages about `referral_id` still wait for delivery from this node.
pub async fn is_pending(db: &impl ConnectionTrait, referral_id: &str) -> AppResult<bool> {
    Ok(referral_outbox::Entity::find()
        .filter(referral_outbox::Column::ReferralId.eq(referral_id))
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// Runs deliveries when woken and every `federation.delivery_poll_ms`, until shutdown.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let poll = Duration::from_millis(state.config.federation.delivery_poll_ms.max(10));
        loop {
            if let Err(e) = deliver_due(&state).await {
                e.log_if_internal();
            }
            tokio::select! {
                () = state.delivery.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                () = state.shutdown.wait() => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reason_follows_the_note_rules() {
        assert_eq!(
            refusal_reason("nhn", "the offer has ended"),
            "node nhn refused: the offer has ended"
        );
        assert_eq!(
            refusal_reason("nhn", "diagnose: psychose"),
            "node nhn refused the message"
        );
        assert!(refusal_reason("nhn", &"x".repeat(1000)).chars().count() <= svc::NOTE_MAX);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1, 900), Duration::from_secs(1));
        assert_eq!(backoff(2, 900), Duration::from_secs(2));
        assert_eq!(backoff(5, 900), Duration::from_secs(16));
        assert_eq!(backoff(40, 900), Duration::from_secs(900));
        assert_eq!(backoff(3, 0), Duration::from_secs(1));
    }
}
