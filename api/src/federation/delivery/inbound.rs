//! Messages from peers: checked, parsed and applied through the referral service once per
//! message id (`referral_inbox` keeps each id with its receipt, so a redelivery gets the first
//! answer).

use crate::db;
use crate::domain::{Actor, GlobalId, PracticalNeeds};
use crate::error::{AppError, AppResult};
use crate::federation::protocol::{
    DeliveryOutcome, DeliveryReceipt, ForwardedReferral, REFERRAL_PROTOCOL_VERSION,
    ReferralMessage, ReferralMessageBody, StatusChange,
};
use crate::services::Ctx;
use crate::services::referral::remote::{Changed, PeerChange};
use crate::services::referral::{self as svc, MoveDetails, NewReferral, Outcome, RemoteOutcome};
use chrono::Utc;
use entities::referral_inbox;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

/// A status change from the wire, as the service applies it.
pub(super) fn peer_change(change: StatusChange) -> PeerChange {
    let outcome = change.outcome.as_ref().map(|o| Outcome {
        kind: o.outcome,
        stop_reason: o.stop_reason,
        first_meeting_on: o.first_meeting_on,
    });
    let (contact_patient, contact_note) = change
        .outcome
        .map_or((false, None), |o| (o.contact_patient, o.contact_note));
    PeerChange {
        to: change.to,
        reason: change.reason,
        at: change.at,
        details: MoveDetails {
            outcome,
            contact_patient,
            contact_note,
            expected_start: change.expected_start,
        },
    }
}

/// Applies a message (in the wire format) from peer `actor`, once per message id, and
/// returns the receipt.
pub async fn receive(
    ctx: &Ctx,
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
    let txn = db::begin_write(&ctx.db).await?;
    if let Some(seen) = referral_inbox::Entity::find_by_id(message.message_id.as_str())
        .one(&txn)
        .await?
    {
        return serde_json::from_str(&seen.receipt).map_err(|e| AppError::Internal(e.into()));
    }
    let (outcome, changed) = apply(&txn, ctx, peer, &message.referral_id, message.body).await?;
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
        svc::announce_remote(ctx, c);
    }
    Ok(receipt)
}

/// Parses the ids of a message body and hands it to the referral service.
async fn apply(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    peer: &str,
    referral_id: &str,
    body: ReferralMessageBody,
) -> AppResult<(RemoteOutcome, Option<Changed>)> {
    let id = GlobalId::parse(referral_id).ok();
    match (body, id) {
        (ReferralMessageBody::Created(_), None) => Ok((RemoteOutcome::foreign_id(peer), None)),
        (ReferralMessageBody::Created(f), Some(id)) => {
            let created_at = f.created_at;
            match new_referral(*f) {
                Ok(new) => svc::accept_forwarded(db, ctx, peer, &id, new, created_at).await,
                Err(refusal) => Ok((refusal, None)),
            }
        }
        (ReferralMessageBody::StatusChanged(_), None) => {
            Ok((RemoteOutcome::unknown_referral(referral_id), None))
        }
        (ReferralMessageBody::StatusChanged(change), Some(id)) => {
            svc::apply_remote_change(db, ctx, peer, &id, peer_change(change), false).await
        }
    }
}

/// A forwarded referral with its ids parsed; an offer id that is no id is an unknown offer, a
/// practice that is no id is left out (and so refused as not the sender's).
fn new_referral(f: ForwardedReferral) -> Result<NewReferral, RemoteOutcome> {
    let offer_id =
        GlobalId::parse(&f.offer_id).map_err(|_| RemoteOutcome::unknown_offer(&f.offer_id))?;
    let contact = match f.contact {
        Some(w) => {
            Some(super::handover::from_wire(w).map_err(|why| RemoteOutcome::Refused(why, None))?)
        }
        None => None,
    };
    Ok(NewReferral {
        offer_id,
        practice_id: f
            .practice_id
            .as_deref()
            .and_then(|p| GlobalId::parse(p).ok()),
        patient_ref: f.patient_ref,
        consent: f.consent,
        contact_preference: f.contact_preference,
        reason_domains: f.reason_domains,
        practical_needs: PracticalNeeds::from_json(f.practical_needs.as_ref()),
        note: f.note,
        contact,
        suitability: Default::default(),
    })
}
