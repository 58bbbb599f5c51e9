//! From the referral event log to `referral_outbox`: federation alone decides which events
//! concern a peer and turns them into wire messages.
//!
//! [`enqueue_new`] reads the events after its cursor (`consumer_cursors`,
//! [`CONSUMER`]) and, in one transaction, writes their messages and advances the cursor: an
//! event is queued once, and a crash between a referral's commit and its queueing only delays
//! it (the next run picks it up). Each message id is derived from the referral, the event and
//! the peer, so queueing an event again (a rewound cursor, two runs at once) adds nothing, and
//! the receiver applies it once.
//!
//! Which events make a message: a change made at this node (no `source_node`) of a referral
//! between two nodes. The creation of a referral to another node's offer goes to that node; a
//! status change goes to the node of the other side (the offer's node for a referral sent here,
//! the referrer's node for a referral forwarded to us). A change this node applied from a
//! peer's message names that peer as its source and is never sent back.

use super::retention::{EXPIRED, GIVEN_UP};
use crate::db;
use crate::domain::NodeId;
use crate::error::{AppError, AppResult};
use crate::federation::protocol::{
    ForwardedReferral, OutcomeRecord, REFERRAL_PROTOCOL_VERSION, ReferralMessage,
    ReferralMessageBody, StatusChange,
};
use crate::services::Ctx;
use crate::services::referral::log;
use chrono::Utc;
use entities::{LifeDomain, consumer_cursor, referral, referral_event, referral_outbox};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::{BTreeSet, HashMap};

/// The delivery worker's cursor in `consumer_cursors` (the last event id queued).
pub const CONSUMER: &str = "referral-delivery";
/// Events read per transaction.
const BATCH: u64 = 500;
/// Most not-yet-queued events looked at when counting what waits (normally a handful: the
/// worker queues them as soon as they commit).
const UNQUEUED_MAX: u64 = 10_000;

/// The node of the other side of a referral when that is not this node (`me`): the offer's
/// node for a referral sent here, the referrer's node for a referral forwarded to one of our
/// offers.
pub fn counterpart_node(me: &NodeId, r: &referral::Model) -> Option<String> {
    let me = me.as_str();
    if r.offer_node != me {
        Some(r.offer_node.clone())
    } else if r.origin_node != me {
        Some(r.origin_node.clone())
    } else {
        None
    }
}

/// Whether event `e` of `r` makes a message for the other node: a change of a referral between
/// two nodes made here, not applied from the other node's message (those name it as their
/// source, and a change never goes back to its source).
pub(super) fn makes_message(e: &referral_event::Model, r: &referral::Model) -> bool {
    r.origin_node != r.offer_node && e.source_node.is_none()
}

/// The message event `e` of `r` makes, and the peer it goes to.
fn message_for(
    me: &NodeId,
    e: &referral_event::Model,
    r: &referral::Model,
) -> Option<(String, ReferralMessageBody)> {
    if !makes_message(e, r) {
        return None;
    }
    let peer = counterpart_node(me, r)?;
    let body = match e.from_status {
        None if r.offer_node == peer => ReferralMessageBody::Created(Box::new(forwarded(r))),
        None => return None,
        Some(from) => ReferralMessageBody::StatusChanged(StatusChange {
            from,
            to: e.to_status,
            reason: e.note.clone(),
            at: e.at,
            outcome: outcome_of(e),
            expected_start: e.expected_start,
        }),
    };
    Some((peer, body))
}

/// The outcome event `e` records, for the wire.
fn outcome_of(e: &referral_event::Model) -> Option<OutcomeRecord> {
    e.outcome.map(|outcome| OutcomeRecord {
        outcome,
        stop_reason: e.stop_reason,
        first_meeting_on: e.first_meeting_on,
        contact_patient: e.contact_patient,
        contact_note: e.contact_note.clone(),
    })
}

/// A new referral as the offer's node receives it.
fn forwarded(r: &referral::Model) -> ForwardedReferral {
    ForwardedReferral {
        offer_id: r.offer_id.clone(),
        practice_id: r.referrer_organisation_id.clone(),
        patient_ref: r.patient_ref.clone().unwrap_or_default(),
        consent: r.consent,
        contact_preference: r.contact_preference,
        reason_domains: r
            .reason_domains
            .0
            .iter()
            .filter_map(|d| LifeDomain::from_str_opt(d))
            .collect(),
        practical_needs: r.practical_needs.clone(),
        note: r.note.clone(),
        created_at: r.created_at,
        // Added as the message is sent, never queued (see `handover`).
        contact: None,
    }
}

/// The message id of event `e` of referral `referral_id` to `peer`: `<me>:<uuid v5>`, the same
/// however often the event is queued.
fn message_id(me: &NodeId, referral_id: &str, event_id: i64, peer: &str) -> String {
    let name = format!("urn:wijkwijzer:referral-event:{referral_id}:{event_id}:{peer}");
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes());
    format!("{me}:{}", uuid.hyphenated())
}

/// The last event id queued.
async fn cursor(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(consumer_cursor::Entity::find_by_id(CONSUMER)
        .one(db)
        .await?
        .map_or(0, |c| c.seq))
}

async fn set_cursor(db: &impl ConnectionTrait, seq: i64) -> AppResult<()> {
    let row = consumer_cursor::ActiveModel {
        consumer: Set(CONSUMER.to_string()),
        seq: Set(seq),
        updated_at: Set(Utc::now()),
    };
    let upsert = OnConflict::column(consumer_cursor::Column::Consumer)
        .update_columns([
            consumer_cursor::Column::Seq,
            consumer_cursor::Column::UpdatedAt,
        ])
        .to_owned();
    db::insert_all(db, vec![row], Some(&upsert)).await?;
    Ok(())
}

/// The referrals of `events`, by id.
async fn referrals_of(
    db: &impl ConnectionTrait,
    events: &[referral_event::Model],
) -> AppResult<HashMap<String, referral::Model>> {
    let ids: BTreeSet<&str> = events.iter().map(|e| e.referral_id.as_str()).collect();
    Ok(referral::Entity::find()
        .filter(referral::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// Queues the messages of every event recorded since the cursor, in batches, each batch with
/// its cursor in one transaction; returns how many messages were queued.
pub async fn enqueue_new(ctx: &Ctx) -> AppResult<u64> {
    let mut queued = 0;
    loop {
        // Most runs find nothing: look before taking the write lock.
        if log::after(&ctx.db, cursor(&ctx.db).await?, 1)
            .await?
            .is_empty()
        {
            return Ok(queued);
        }
        let txn = db::begin_write(&ctx.db).await?;
        let events = log::after(&txn, cursor(&txn).await?, BATCH).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(queued);
        };
        let referrals = referrals_of(&txn, &events).await?;
        let mut rows = Vec::new();
        // A new referral given up at retention takes every later message about it along.
        let mut given_up: BTreeSet<(String, String)> = BTreeSet::new();
        for e in &events {
            let Some(r) = referrals.get(&e.referral_id) else {
                continue;
            };
            let Some((peer, body)) = message_for(&ctx.node_id, e, r) else {
                continue;
            };
            let key = (r.id.clone(), peer.clone());
            let expired = r.purged_at.is_some()
                && (matches!(body, ReferralMessageBody::Created(_))
                    || given_up.contains(&key)
                    || was_given_up(&txn, &r.id, &peer).await?);
            if expired {
                given_up.insert(key);
            }
            let message = ReferralMessage {
                version: REFERRAL_PROTOCOL_VERSION,
                message_id: message_id(&ctx.node_id, &r.id, e.id, &peer),
                from_node: ctx.node_id.to_string(),
                referral_id: r.id.clone(),
                body,
            };
            rows.push(outbox_row(&peer, message, expired)?);
        }
        queued += rows.len() as u64;
        let once = OnConflict::column(referral_outbox::Column::MessageId)
            .do_nothing()
            .to_owned();
        db::insert_all(&txn, rows, Some(&once)).await?;
        set_cursor(&txn, last).await?;
        txn.commit().await?;
    }
}

/// Whether a message about `referral_id` to `peer` was given up at retention.
async fn was_given_up(db: &impl ConnectionTrait, referral_id: &str, peer: &str) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(referral_outbox::Entity::find()
        .filter(referral_outbox::Column::ReferralId.eq(referral_id))
        .filter(referral_outbox::Column::PeerId.eq(peer))
        .filter(referral_outbox::Column::Outcome.eq(EXPIRED))
        .count(db)
        .await?
        > 0)
}

/// The outbox row of `message` to `peer`, due now; or, for a referral purged before its
/// creation was queued (`expired`), settled at once as given up, without a body.
fn outbox_row(
    peer: &str,
    message: ReferralMessage,
    expired: bool,
) -> AppResult<referral_outbox::ActiveModel> {
    let now = Utc::now();
    let body = if expired {
        String::new()
    } else {
        serde_json::to_string(&message).map_err(|e| AppError::Internal(e.into()))?
    };
    Ok(referral_outbox::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        message_id: Set(message.message_id),
        peer_id: Set(peer.to_string()),
        referral_id: Set(message.referral_id),
        body: Set(body),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(expired.then(|| GIVEN_UP.to_string())),
        delivered_at: Set(expired.then_some(now)),
        outcome: Set(expired.then(|| EXPIRED.to_string())),
    })
}

/// Events recorded but not queued yet that will make a message, with their referrals (what
/// waits besides the outbox, for the backlog figures).
pub(super) async fn unqueued(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<(referral_event::Model, referral::Model)>> {
    let events = log::after(db, cursor(db).await?, UNQUEUED_MAX).await?;
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let referrals = referrals_of(db, &events).await?;
    Ok(events
        .into_iter()
        .filter_map(|e| {
            let r = referrals.get(&e.referral_id)?;
            makes_message(&e, r).then(|| (e, r.clone()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_per_event_and_peer() {
        let me = NodeId::parse("nijmegen").unwrap();
        let a = message_id(&me, "nijmegen:1", 7, "nhn");
        assert_eq!(a, message_id(&me, "nijmegen:1", 7, "nhn"));
        assert!(a.starts_with("nijmegen:"));
        assert_ne!(a, message_id(&me, "nijmegen:1", 8, "nhn"));
        assert_ne!(a, message_id(&me, "nijmegen:2", 7, "nhn"));
        assert_ne!(a, message_id(&me, "nijmegen:1", 7, "zl"));
    }
}
