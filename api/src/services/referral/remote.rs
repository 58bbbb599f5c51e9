//! The remote half of a referral between two nodes: what a peer reports, applied here under the
//! same rules as a local change. Federation parses the peer's message and calls these inside
//! its own transaction (which also records the message as received), then announces the change
//! with [`announce_remote`] once committed. The events recorded here name the peer as their
//! source, so federation never sends them back to it.

use super::commands::{checked_fields, insert_new, new_model, store_status};
use super::lifecycle::{MoveDetails, Side, allowed};
use super::log::{self, Event};
use super::{
    NewReferral, announce, audit, contact, offer_and_org, parse_note, receiving_organisation,
};
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::read_model::rules::is_public;
use crate::services::Ctx;
use chrono::{DateTime, Utc};
use entities::{ReferralStatus, referral};
use sea_orm::{ConnectionTrait, EntityTrait};

/// What became of a peer's message about a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteOutcome {
    /// Applied now or before; the referral's status here.
    Applied(ReferralStatus),
    /// Not applied: why, and the referral's status here if it exists.
    Refused(String, Option<ReferralStatus>),
}

impl RemoteOutcome {
    /// The refusal of a referral id that is not `<peer>:<uuid>`.
    pub fn foreign_id(peer: &str) -> Self {
        Self::Refused(
            format!("node {peer} can only send referrals with ids {peer}:<uuid>"),
            None,
        )
    }

    /// The refusal of an offer this node does not know.
    pub fn unknown_offer(offer_id: &str) -> Self {
        Self::Refused(format!("offer {offer_id} is unknown here"), None)
    }

    /// The refusal of a status change of a referral this node does not know.
    pub fn unknown_referral(referral_id: &str) -> Self {
        Self::Refused(format!("referral {referral_id} is unknown here"), None)
    }
}

/// A status change a peer made, as this node applies it.
#[derive(Clone, Debug)]
pub struct PeerChange {
    pub to: ReferralStatus,
    /// Reason of a rejection, cancellation or failure.
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    /// The outcome, contact request and expected start the change carries.
    pub details: MoveDetails,
}

/// A referral changed by a peer's message, to [`announce_remote`] once committed.
pub struct Changed(referral::Model, String);

/// Announces a change made by a peer's message to this node's subscribers and workers.
pub fn announce_remote(ctx: &Ctx, changed: Changed) {
    announce(ctx, &changed.0, changed.1);
}

fn refused(
    why: impl Into<String>,
    status: Option<ReferralStatus>,
) -> (RemoteOutcome, Option<Changed>) {
    (RemoteOutcome::Refused(why.into(), status), None)
}

/// Stores a referral that `peer` (the referrer's node) forwards to one of this node's offers,
/// under its own id `id` with status `requested`; the same rules as a local referral apply. A
/// referral id seen before is not stored again (delivery is idempotent on it). Contact details
/// it carries are sealed under this node's key; a node without a key refuses the referral.
pub async fn accept_forwarded(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    peer: &str,
    id: &GlobalId,
    new: NewReferral,
    created_at: DateTime<Utc>,
) -> AppResult<(RemoteOutcome, Option<Changed>)> {
    let me = ctx.node_id.as_str();
    if id.node().as_str() != peer {
        return Ok((RemoteOutcome::foreign_id(peer), None));
    }
    let id = id.to_string();
    if let Some(existing) = referral::Entity::find_by_id(id.as_str()).one(db).await? {
        return Ok((RemoteOutcome::Applied(existing.status), None));
    }
    // The practice decides who follows the referral here: it must be one of the sender's.
    let practice = match &new.practice_id {
        Some(p) if p.node().as_str() == peer => p.to_string(),
        _ => {
            return Ok(refused(
                format!("the referring practice must be an organisation of node {peer}"),
                None,
            ));
        }
    };
    let (o, org) = match offer_and_org(db, &new.offer_id.to_string()).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => {
            return Ok((
                RemoteOutcome::unknown_offer(&new.offer_id.to_string()),
                None,
            ));
        }
        Err(e) => return Err(e),
    };
    if o.origin_node != me {
        return Ok(refused(
            format!("offer {} is not an offer of node {me}", o.id),
            None,
        ));
    }
    if !is_public(&o, &org) || o.status == entities::OfferStatus::Ended {
        return Ok(refused("the offer is not open to referrals", None));
    }
    let fields = match checked_fields(&new) {
        Ok(f) => f,
        Err(e) => return Ok(refused(e.message(), None)),
    };
    if let Some(h) = &new.contact
        && let Err(e) = contact::check(&ctx.contact_keys, h)
    {
        return Ok(refused(
            format!("node {me} cannot take the contact details: {}", e.message()),
            None,
        ));
    }
    let actor = Actor::Peer(peer.to_string());
    let mut model = new_model(id, peer, &o, None, Some(practice), fields, Utc::now());
    model.created_at = created_at.min(model.created_at);
    insert_new(db, &actor, &model).await?;
    if let Some(h) = &new.contact {
        contact::store_handover(db, &ctx.contact_keys, &actor, &model.id, h).await?;
    }
    tracing::info!(referral = %model.id, from = peer, "forwarded referral received");
    Ok((
        RemoteOutcome::Applied(model.status),
        Some(Changed(model, org.id)),
    ))
}

/// Applies a status change that `peer` made to referral `id`. From the referrer's node only a
/// cancellation of an open referral is taken. From the offer's node, which owns the lifecycle,
/// every change is taken, except that a referral cancelled here stays cancelled while our
/// cancellation is on its way (the offer's node answers it); `overrule` takes the change even
/// then (the offer's node refused the cancellation).
pub async fn apply_remote_change(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    peer: &str,
    id: &GlobalId,
    change: PeerChange,
    overrule: bool,
) -> AppResult<(RemoteOutcome, Option<Changed>)> {
    use ReferralStatus::Cancelled;
    let Some(model) = referral::Entity::find_by_id(id.to_string()).one(db).await? else {
        return Ok((RemoteOutcome::unknown_referral(&id.to_string()), None));
    };
    // A peer's reason becomes a status reason and an event note: the note rules apply.
    if let Err(e) = parse_note(change.reason.as_deref(), "reason")
        .and_then(|_| parse_note(change.details.contact_note.as_deref(), "contactNote"))
    {
        return Ok(refused(e.message(), Some(model.status)));
    }
    let me = ctx.node_id.as_str();
    if model.offer_node == me && model.origin_node == peer {
        if change.to != Cancelled || !allowed(model.status, Cancelled, Side::Referrer) {
            return Ok(refused(
                format!(
                    "the referrer cannot move a referral from {} to {}",
                    model.status, change.to
                ),
                Some(model.status),
            ));
        }
    } else if model.origin_node == me && model.offer_node == peer {
        if model.status == change.to || (model.status == Cancelled && !overrule) {
            return Ok((RemoteOutcome::Applied(model.status), None));
        }
    } else {
        return Ok(refused(
            format!("node {peer} is not a party to referral {id}"),
            None,
        ));
    }
    let actor = Actor::Peer(peer.to_string());
    let now = Utc::now();
    let next = store_status(
        db,
        &model,
        change.to,
        change.reason.clone(),
        &change.details,
        now,
    )
    .await?;
    let event = Event {
        referral_id: &next.id,
        from: Some(model.status),
        to: change.to,
        note: change.reason,
        at: change.at.min(now),
        details: change.details,
    };
    log::record(db, &actor, event).await?;
    audit(db, &actor, "transition", &next.id).await?;
    tracing::info!(referral = %next.id, from = %model.status, to = %change.to, peer, "referral status changed by peer");
    // A mirrored offer may be gone here by now; the change is announced all the same.
    let org_id = receiving_organisation(db, &next.offer_id).await?;
    Ok((
        RemoteOutcome::Applied(next.status),
        Some(Changed(next, org_id)),
    ))
}
