//! Cross-node referral delivery.
//!
//! A referral to an offer of another node is kept at the referrer's node and forwarded to the
//! offer's node, which owns its lifecycle; status changes go back the same way, and a
//! cancellation by the referrer goes forward. The referral service only records events
//! (`referral_events`); this module turns them into messages ([`outbox`]: after its own
//! cursor, in one transaction with the cursor, so a crash between a referral's commit and its
//! queueing loses nothing), sends each peer's messages in order, one at a time, retrying the
//! oldest with a doubling wait until the peer answers (a peer that is down for hours receives
//! everything once it is back), and applies the peers' messages through the service
//! ([`inbound`]). The receiver keeps each message id in `referral_inbox` with its receipt, so a
//! message that arrives twice is applied once; a new referral is also keyed by its id. A
//! message the receiver refuses (an ended offer, a cancellation of a closed referral) is not
//! sent again, and the receipt's status corrects the sender. Messages of purged referrals lose
//! their personal data ([`retention`]). A new referral's contact details travel in its message
//! but are never queued: they are added as it is sent and deleted here once it is answered
//! ([`handover`]).

mod handover;
pub mod inbound;
pub mod outbox;
pub mod retention;

pub use inbound::receive;
pub use outbox::counterpart_node;

use super::protocol::{DeliveryOutcome, DeliveryReceipt, StatusChange};
use super::sync::Peers;
use crate::config::FederationConfig;
use crate::db;
use crate::domain::GlobalId;
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use crate::services::referral::{self as svc};
use crate::shutdown::Shutdown;
use chrono::{DateTime, Utc};
use entities::{ReferralStatus, referral, referral_outbox};
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::sync::broadcast::error::RecvError;

const DELIVER_MUTATION: &str =
    "mutation($message: JSON!) { deliverReferralMessage(message: $message) }";

/// The delivery side of a node: what it needs (the services' context, the peers, its settings)
/// and a lock that keeps two delivery runs from overlapping. Cheap to clone.
#[derive(Clone)]
pub struct Delivery {
    ctx: Ctx,
    peers: Arc<Peers>,
    running: Arc<Mutex<()>>,
    /// How often the worker runs when nothing wakes it.
    poll: Duration,
    /// Longest wait between two attempts at a peer that is down.
    max_backoff_secs: u64,
}

/// The wait after `attempts` failed attempts: one second, doubling, at most `max_secs`.
pub fn backoff(attempts: i32, max_secs: u64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    Duration::from_secs((1u64 << exp).min(max_secs.max(1)))
}

impl Delivery {
    /// Delivery for the node of `ctx` to `peers`, with the `federation.delivery_*` settings.
    pub fn new(ctx: Ctx, peers: Arc<Peers>, config: &FederationConfig) -> Self {
        Self {
            ctx,
            peers,
            running: Arc::default(),
            poll: Duration::from_millis(config.delivery_poll_ms.max(10)),
            max_backoff_secs: config.delivery_max_backoff_secs,
        }
    }

    /// Queues the messages of new events, then delivers every due message to every peer, each
    /// peer's in order; a peer that fails keeps its oldest message for the next run (after its
    /// backoff). Returns how many were delivered.
    pub async fn deliver_due(&self) -> AppResult<usize> {
        let _running = self.running.lock().await;
        outbox::enqueue_new(&self.ctx).await?;
        let peers: Vec<String> = referral_outbox::Entity::find()
            .select_only()
            .column(referral_outbox::Column::PeerId)
            .distinct()
            .filter(referral_outbox::Column::DeliveredAt.is_null())
            .into_tuple()
            .all(&self.ctx.db)
            .await?;
        let mut delivered = 0;
        for peer in peers {
            delivered += self.deliver_to(&peer).await?;
        }
        Ok(delivered)
    }

    async fn deliver_to(&self, peer_id: &str) -> AppResult<usize> {
        let db = &self.ctx.db;
        let mut delivered = 0;
        loop {
            let Some(row) = referral_outbox::Entity::find()
                .filter(referral_outbox::Column::PeerId.eq(peer_id))
                .filter(referral_outbox::Column::DeliveredAt.is_null())
                .order_by_asc(referral_outbox::Column::Id)
                .one(db)
                .await?
            else {
                return Ok(delivered);
            };
            if row.next_attempt_at > Utc::now() || retention::withheld(db, &row).await? {
                return Ok(delivered);
            }
            match self.send(peer_id, &row).await {
                Ok(receipt) => {
                    self.settle(&row, receipt).await?;
                    delivered += 1;
                }
                Err(e) => {
                    self.failed(&row, &e).await?;
                    return Ok(delivered);
                }
            }
        }
    }

    /// Records a failed attempt at `row` and when to try again.
    async fn failed(&self, row: &referral_outbox::Model, e: &AppError) -> AppResult<()> {
        let message = super::failure_text(e);
        let attempts = row.attempts.saturating_add(1);
        let wait = backoff(attempts, self.max_backoff_secs);
        tracing::warn!(peer = %row.peer_id, referral = %row.referral_id, attempts,
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
            .exec(&self.ctx.db)
            .await?;
        Ok(())
    }

    async fn send(
        &self,
        peer_id: &str,
        row: &referral_outbox::Model,
    ) -> AppResult<DeliveryReceipt> {
        let peer = self.peers.get(peer_id).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("node {peer_id} is not a configured peer"))
        })?;
        let message = handover::message_to_send(&self.ctx, row).await?;
        let variables = serde_json::json!({ "message": message });
        let data = peer
            .call(&self.peers, &self.ctx.node_id, DELIVER_MUTATION, variables)
            .await?;
        serde_json::from_value(data["deliverReferralMessage"].clone()).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "peer {peer_id} sent an unreadable receipt: {e}"
            ))
        })
    }

    /// Marks a message delivered (dropping its body, and the contact details a new referral's
    /// message carried); a refusal corrects the referral here from the receipt.
    async fn settle(
        &self,
        row: &referral_outbox::Model,
        receipt: DeliveryReceipt,
    ) -> AppResult<()> {
        let txn = db::begin_write(&self.ctx.db).await?;
        let changed = if receipt.outcome == DeliveryOutcome::Refused {
            self.correct(&txn, row, &receipt).await?
        } else {
            None
        };
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
        handover::drop_after(&txn, row).await?;
        txn.commit().await?;
        if let Some(c) = changed {
            svc::announce_remote(&self.ctx, c);
        }
        Ok(())
    }

    /// What the offer's node says of a refused message stands: its status, or `failed` for a
    /// referral it never took. Applied as the peer's change (so it is not sent back).
    async fn correct(
        &self,
        txn: &impl ConnectionTrait,
        row: &referral_outbox::Model,
        receipt: &DeliveryReceipt,
    ) -> AppResult<Option<svc::Changed>> {
        let why = receipt.reason.clone().unwrap_or_default();
        tracing::warn!(peer = %row.peer_id, referral = %row.referral_id, reason = %why,
            "peer refused a referral message");
        let local = referral::Entity::find_by_id(row.referral_id.as_str())
            .one(txn)
            .await?;
        let authoritative = match (&local, receipt.status) {
            (Some(r), _) if r.offer_node != row.peer_id => None,
            (_, Some(status)) => Some(status),
            (_, None) => Some(ReferralStatus::Failed),
        };
        let (Some(r), Some(to)) = (local, authoritative) else {
            return Ok(None);
        };
        let id = GlobalId::parse(&r.id)?;
        let change = StatusChange {
            from: r.status,
            to,
            reason: Some(refusal_reason(&row.peer_id, &why)),
            at: Utc::now(),
            outcome: None,
            expected_start: None,
        };
        let change = inbound::peer_change(change);
        Ok(
            svc::apply_remote_change(txn, &self.ctx, &row.peer_id, &id, change, true)
                .await?
                .1,
        )
    }

    /// Runs deliveries whenever a referral change is announced and every
    /// `federation.delivery_poll_ms`, until `shutdown`.
    pub fn spawn_worker(self, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        // Subscribed before the task runs: no change announced after this returns is missed.
        let mut changes = self.ctx.referral_changes.subscribe();
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.deliver_due().await {
                    e.log_if_internal();
                }
                tokio::select! {
                    woken = changes.recv() => {
                        if matches!(woken, Err(RecvError::Closed)) {
                            tokio::time::sleep(self.poll).await;
                        }
                    }
                    () = tokio::time::sleep(self.poll) => {}
                    () = shutdown.wait() => return,
                }
            }
        })
    }
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

/// Messages for one peer that still wait for delivery.
#[derive(Clone, Debug, Default)]
pub struct Backlog {
    pub pending: u64,
    /// When the oldest waiting message was queued (or its change made, if not queued yet).
    pub oldest_at: Option<DateTime<Utc>>,
    /// Why the last attempt at the oldest failed.
    pub last_error: Option<String>,
}

/// A read-only transaction that sees one state of the database (the outbox and the cursor of
/// one moment, so a message is never counted both queued and not yet queued, nor neither).
/// SQLite's read transactions see one snapshot already.
async fn snapshot(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    })
}

/// The delivery backlog towards `peer_id`: messages queued and not delivered, and changes
/// recorded for it that the worker has not queued yet.
pub async fn backlog(db: &DatabaseConnection, peer_id: &str) -> AppResult<Backlog> {
    let txn = snapshot(db).await?;
    let db = &txn;
    let pending = referral_outbox::Entity::find()
        .filter(referral_outbox::Column::PeerId.eq(peer_id))
        .filter(referral_outbox::Column::DeliveredAt.is_null());
    let oldest = pending
        .clone()
        .order_by_asc(referral_outbox::Column::Id)
        .one(db)
        .await?;
    let unqueued: Vec<DateTime<Utc>> = outbox::unqueued(db)
        .await?
        .into_iter()
        .filter(|(_, r)| r.origin_node == peer_id || r.offer_node == peer_id)
        .map(|(e, _)| e.at)
        .collect();
    Ok(Backlog {
        pending: pending.count(db).await? + unqueued.len() as u64,
        oldest_at: oldest
            .as_ref()
            .map(|o| o.created_at)
            .or_else(|| unqueued.first().copied()),
        last_error: oldest.and_then(|o| o.last_error),
    })
}

/// How many messages about each of `referral_ids` still wait for delivery from this node
/// (queued or not yet queued); referrals with none are left out.
pub async fn pending_counts(
    db: &DatabaseConnection,
    referral_ids: &[String],
) -> AppResult<HashMap<String, u64>> {
    let txn = snapshot(db).await?;
    let db = &txn;
    let rows: Vec<(String, i64)> = referral_outbox::Entity::find()
        .select_only()
        .column(referral_outbox::Column::ReferralId)
        .column_as(referral_outbox::Column::Id.count(), "n")
        .filter(referral_outbox::Column::ReferralId.is_in(referral_ids.iter().map(String::as_str)))
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .group_by(referral_outbox::Column::ReferralId)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<String, u64> = rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect();
    for (e, _) in outbox::unqueued(db).await? {
        if referral_ids.contains(&e.referral_id) {
            *counts.entry(e.referral_id).or_default() += 1;
        }
    }
    Ok(counts)
}

/// Whether messages about `referral_id` still wait for delivery from this node.
pub async fn is_pending(db: &DatabaseConnection, referral_id: &str) -> AppResult<bool> {
    let id = [referral_id.to_string()];
    Ok(pending_counts(db, &id).await?.values().any(|n| *n > 0))
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
