//! Federation in the API: the change feed peers pull, referral delivery between nodes, peer
//! status, on-demand sync and delivery.

use crate::auth::Actor;
use crate::error::AppError;
use crate::federation::protocol::DeliveryReceipt;
use crate::federation::{delivery, feed};
use crate::graphql::{actor, app};
use async_graphql::{Context, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::peer_sync;
use sea_orm::EntityTrait;
use serde_json::value::RawValue;

/// How this node stands with one peer.
#[derive(SimpleObject)]
pub struct PeerStatus {
    /// The peer's node id.
    pub id: String,
    /// The peer's base URL, as configured.
    pub base_url: String,
    /// Last feed sequence number applied from the peer.
    pub cursor: i64,
    /// The peer's highest sequence number when last read.
    pub head_seq: i64,
    /// Changes known at the peer but not yet applied here.
    pub lag_records: i64,
    /// Seconds since the last successful sync; null before the first.
    pub lag_seconds: Option<i64>,
    /// Records applied from this peer so far.
    pub records_applied: i64,
    /// When this node last tried to sync from the peer; null before the first try.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a sync from the peer last succeeded; null before the first success.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The last sync's error; null when it succeeded.
    pub last_error: Option<String>,
    /// When this node will next pull the peer's feed on its own: `interval_secs` after a
    /// success, doubling after each failure up to 15 minutes; null for peers pulled on demand
    /// only (`interval_secs = 0`) or before the first pull. `syncPeer` pulls now.
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Referral messages (new referrals, status changes) still to be delivered to the peer.
    pub pending_deliveries: u64,
    /// When the oldest undelivered referral message was queued.
    pub oldest_pending_delivery_at: Option<DateTime<Utc>>,
    /// Why the last attempt to deliver that message failed.
    pub last_delivery_error: Option<String>,
}

fn status(
    id: &str,
    base_url: &str,
    next_sync_at: Option<DateTime<Utc>>,
    row: Option<peer_sync::Model>,
    backlog: delivery::Backlog,
) -> PeerStatus {
    let row = row.unwrap_or(peer_sync::Model {
        peer_id: id.to_string(),
        cursor: 0,
        head_seq: 0,
        records_applied: 0,
        last_attempt_at: None,
        last_success_at: None,
        last_error: None,
    });
    PeerStatus {
        id: id.to_string(),
        base_url: base_url.to_string(),
        cursor: row.cursor,
        head_seq: row.head_seq,
        lag_records: (row.head_seq - row.cursor).max(0),
        lag_seconds: row
            .last_success_at
            .map(|t| (Utc::now() - t).num_seconds().max(0)),
        records_applied: row.records_applied,
        last_attempt_at: row.last_attempt_at,
        last_success_at: row.last_success_at,
        last_error: row.last_error,
        next_sync_at,
        pending_deliveries: backlog.pending,
        oldest_pending_delivery_at: backlog.oldest_at,
        last_delivery_error: backlog.last_error,
    }
}

fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else if matches!(actor, Actor::Anonymous) {
        Err(AppError::Unauthenticated.into())
    } else {
        Err(AppError::Forbidden("only node admins manage federation".into()).into())
    }
}

/// Federation queries.
#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    /// This node's public records changed after `since` (a cursor from a previous page, 0 for
    /// the start), as JSON in the feed wire format; deleted or hidden records are tombstones.
    /// For peer nodes and admins.
    async fn change_feed(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 0)] since: i64,
        first: Option<i32>,
    ) -> Result<Json<Box<RawValue>>> {
        let actor = actor(ctx)?;
        if !matches!(actor, Actor::Peer(_)) {
            require_admin(actor)?;
        }
        let state = app(ctx)?;
        let max = state.config.federation.page_size.max(1);
        let first = match first {
            None => max,
            Some(n) if n < 1 || n as u64 > max => {
                return Err(
                    AppError::field("first", format!("must be between 1 and {max}")).into(),
                );
            }
            Some(n) => n as u64,
        };
        if since < 0 {
            return Err(AppError::field("since", "must not be negative").into());
        }
        let page = feed::page(&state.services, since, first).await?;
        // Written as JSON once and copied into the answer as it is, instead of becoming a
        // tree of GraphQL values first (a map per record of a page of thousands).
        let json =
            serde_json::value::to_raw_value(&page).map_err(|e| AppError::Internal(e.into()))?;
        Ok(Json(json))
    }

    /// Sync status per configured peer. For node admins.
    async fn federation_status(&self, ctx: &Context<'_>) -> Result<Vec<PeerStatus>> {
        require_admin(actor(ctx)?)?;
        let state = app(ctx)?;
        let mut out = Vec::new();
        for peer in &state.config.federation.peers {
            let row = peer_sync::Entity::find_by_id(peer.id.as_str())
                .one(&state.db)
                .await?;
            let backlog = delivery::backlog(&state.db, &peer.id).await?;
            let next = state.peers.get(&peer.id).and_then(|p| p.next_pull_at());
            out.push(status(&peer.id, &peer.base_url, next, row, backlog));
        }
        Ok(out)
    }
}

/// Federation mutations.
#[derive(Default)]
pub struct FederationMutation;

#[Object]
impl FederationMutation {
    /// Pulls a peer's changes now and returns its status (with `lastError` on failure).
    /// For node admins.
    async fn sync_peer(&self, ctx: &Context<'_>, id: String) -> Result<PeerStatus> {
        require_admin(actor(ctx)?)?;
        let state = app(ctx)?;
        let peer = state
            .peers
            .get(&id)
            .ok_or_else(|| AppError::NotFound(format!("peer {id}")))?;
        let base_url = peer.config.base_url.clone();
        let next = peer.next_pull_at();
        // A failed sync is reported in the status, not as an error of this mutation.
        let _ = state.puller().sync_peer(&id).await;
        let row = peer_sync::Entity::find_by_id(id.as_str())
            .one(&state.db)
            .await?;
        let backlog = delivery::backlog(&state.db, &id).await?;
        Ok(status(&id, &base_url, next, row, backlog))
    }

    /// Delivers every due referral message to the peers now and returns how many were
    /// delivered (failures wait for their next attempt, as in `federationStatus`). For node
    /// admins.
    async fn deliver_referrals(&self, ctx: &Context<'_>) -> Result<u64> {
        require_admin(actor(ctx)?)?;
        Ok(app(ctx)?.delivery.deliver_due().await? as u64)
    }

    /// Takes a referral message from a peer node (a new referral to one of this node's
    /// offers, or a status change of a referral between the two nodes) in the referral
    /// delivery wire format and returns the receipt; a message id is applied once. For peer
    /// nodes.
    async fn deliver_referral_message(
        &self,
        ctx: &Context<'_>,
        message: Json<serde_json::Value>,
    ) -> Result<Json<DeliveryReceipt>> {
        Ok(Json(
            delivery::receive(app(ctx)?, actor(ctx)?, message.0).await?,
        ))
    }
}
