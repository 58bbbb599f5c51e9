//! Sending a referral and moving it through its lifecycle. Each command is one transaction that
//! also appends to the event log and the audit log, and is announced once committed.

use super::lifecycle::{
    self, MoveDetails, accept_target, allowed, check_details, is_closed, keeps_reason, side_of,
};
use super::log::{self, Event};
use super::{NewReferral, announce, audit, contact, offer_and_org, parse_note, parse_patient_ref};
use crate::db;
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::read_model::derived;
use crate::read_model::rules::{CapacityStatus, capacity_status, is_public};
use crate::services::offer as offer_svc;
use crate::services::organisation::check_version;
use crate::services::{Ctx, changes};
use chrono::{DateTime, Utc};
use entities::json::StringList;
use entities::{
    ChangeOp, ContactPreference, OfferStatus, RecordKind, ReferralSource, ReferralStatus, offer,
    referral,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter,
};

/// The nodes this node exchanges referrals with (its configured peers): a referral to another
/// node's offer is refused unless that node is one of them. Federation's peer set implements it.
pub trait KnownPeers: Sync {
    /// Whether `node` is a peer of this node.
    fn is_peer(&self, node: &str) -> bool;
}

/// The checked personal fields of a new referral.
pub(super) struct ReferralFields {
    patient_ref: String,
    contact_preference: Option<ContactPreference>,
    /// Sorted, without duplicates.
    reason_domains: Vec<String>,
    practical_needs: Option<serde_json::Value>,
    note: Option<String>,
}

/// Consent, a pseudonymous reference, at least one life domain and a short non-medical note:
/// the rules for every new referral, sent here or forwarded by a peer.
pub(super) fn checked_fields(new: &NewReferral) -> AppResult<ReferralFields> {
    if !new.consent {
        return Err(AppError::field(
            "consent",
            "the patient must consent before a referral is sent",
        ));
    }
    let patient_ref = parse_patient_ref(&new.patient_ref)?;
    if new.reason_domains.is_empty() {
        return Err(AppError::field(
            "reasonDomains",
            "name at least one life domain",
        ));
    }
    let note = parse_note(new.note.as_deref(), "note")?;
    let mut reason_domains: Vec<String> = new
        .reason_domains
        .iter()
        .map(|d| d.as_str().to_string())
        .collect();
    reason_domains.sort();
    reason_domains.dedup();
    Ok(ReferralFields {
        patient_ref,
        contact_preference: new.contact_preference,
        reason_domains,
        practical_needs: new.practical_needs.clone().normalised().to_json(),
        note,
    })
}

/// A new referral (status `requested`, version 1) from `origin_node` to offer `o`; flagged
/// `offer_was_full` when the offer has no open places.
pub(super) fn new_model(
    id: String,
    origin_node: &str,
    o: &offer::Model,
    referrer_user_id: Option<String>,
    practice: Option<String>,
    fields: ReferralFields,
    now: DateTime<Utc>,
) -> referral::Model {
    referral::Model {
        id,
        origin_node: origin_node.to_string(),
        offer_id: o.id.clone(),
        offer_node: o.origin_node.clone(),
        referrer_user_id,
        referrer_organisation_id: practice,
        patient_ref: Some(fields.patient_ref),
        consent: true,
        contact_preference: fields.contact_preference,
        reason_domains: StringList(fields.reason_domains),
        practical_needs: fields.practical_needs,
        note: fields.note,
        status: ReferralStatus::Requested,
        status_reason: None,
        offer_was_full: matches!(
            capacity_status(o),
            CapacityStatus::NoCapacity | CapacityStatus::Waitlist
        ),
        created_at: now,
        updated_at: now,
        closed_at: None,
        purged_at: None,
        version: 1,
        source: ReferralSource::Practice,
        outcome: None,
        stop_reason: None,
        first_meeting_on: None,
        contact_patient: false,
        contact_note: None,
        expected_start: None,
    }
}

/// Inserts a new referral with its first event (`from_status` null) and audit record.
pub(super) async fn insert_new(
    db: &impl ConnectionTrait,
    actor: &Actor,
    model: &referral::Model,
) -> AppResult<()> {
    referral::ActiveModel::from(model.clone())
        .insert(db)
        .await?;
    crate::read_model::derived::refresh_referral(db, &model.id).await?;
    let event = Event {
        referral_id: &model.id,
        from: None,
        to: ReferralStatus::Requested,
        note: None,
        at: model.created_at,
        details: MoveDetails::default(),
    };
    log::record(db, actor, event).await?;
    audit(db, actor, "create", &model.id).await
}

/// Moves `model` to `to` (version + 1) unless someone changed it since it was read
/// (`CONFLICT`); `reason` is kept as the status reason of a rejection, cancellation or failure;
/// an outcome in `details` (with its contact request) and an expected start are kept on the row.
pub(super) async fn store_status(
    db: &impl ConnectionTrait,
    model: &referral::Model,
    to: ReferralStatus,
    reason: Option<String>,
    details: &MoveDetails,
    now: DateTime<Utc>,
) -> AppResult<referral::Model> {
    let mut next = model.clone();
    next.status = to;
    if let Some(o) = &details.outcome {
        next.outcome = Some(o.kind);
        next.stop_reason = o.stop_reason;
        next.first_meeting_on = o.first_meeting_on;
        next.contact_patient = details.contact_patient;
        next.contact_note = details.contact_note.clone();
    }
    if to == ReferralStatus::OnHold {
        next.expected_start = details.expected_start;
    }
    next.version = model.version + 1;
    next.updated_at = now;
    if keeps_reason(to) {
        next.status_reason = reason;
    }
    if is_closed(to) {
        next.closed_at = Some(now);
    }
    let mut active = referral::ActiveModel::from(next.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let done = referral::Entity::update_many()
        .set(active)
        .filter(referral::Column::Id.eq(next.id.as_str()))
        .filter(referral::Column::Version.eq(model.version))
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(
            "referral was changed by someone else; reload and try again".into(),
        ));
    }
    Ok(next)
}

/// The practice `actor` refers for: `chosen`, or its only practice.
fn practice_of(actor: &Actor, chosen: Option<&GlobalId>) -> AppResult<String> {
    let practices = actor.practices();
    let chosen = chosen.map(GlobalId::to_string);
    match (chosen, practices.as_slice()) {
        (_, []) => Err(actor.denied("send referrals (practitioners only)")),
        (Some(p), _) if practices.contains(&p) => Ok(p),
        (Some(_), _) => Err(actor.denied("refer on behalf of another practice")),
        (None, [one]) => Ok(one.clone()),
        (None, _) => Err(AppError::field(
            "practiceId",
            "is required when you work for several practices",
        )),
    }
}

/// Sends a referral (status `requested`). Practitioners only; consent is required. Contact
/// details given with it are stored in the same transaction, only with the person's consent
/// and on a node with a key ([`contact::check`]). A referral
/// to a full offer is allowed and flagged `offer_was_full`; the offer's places do not change.
/// A referral to another node's offer needs that node among `peers`; federation forwards it.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    new: NewReferral,
    peers: &dyn KnownPeers,
) -> AppResult<referral::Model> {
    let user = actor.user()?;
    let practice = practice_of(actor, new.practice_id.as_ref())?;
    let fields = checked_fields(&new)?;
    if let Some(h) = &new.contact {
        contact::check(&ctx.contact_keys, h)?;
    }
    let txn = db::begin_write(&ctx.db).await?;
    let (o, org) = offer_and_org(&txn, &new.offer_id.to_string()).await?;
    if !is_public(&o, &org) {
        return Err(AppError::NotFound(format!("offer {}", new.offer_id)));
    }
    let forwarded = o.origin_node != ctx.node_id.as_str();
    if forwarded && !peers.is_peer(&o.origin_node) {
        return Err(AppError::Conflict(format!(
            "this offer belongs to node {}, which is not a peer of this node",
            o.origin_node
        )));
    }
    if o.status == entities::OfferStatus::Ended {
        return Err(AppError::Conflict("this offer has ended".into()));
    }
    let confirmed = offer_svc::suitability::check_referral(&txn, &o, &new.suitability).await?;
    let model = new_model(
        GlobalId::new(&ctx.node_id).to_string(),
        ctx.node_id.as_str(),
        &o,
        Some(user.id.clone()),
        Some(practice),
        fields,
        Utc::now(),
    );
    insert_new(&txn, actor, &model).await?;
    offer_svc::suitability::record_confirmation(&txn, &model.id, confirmed).await?;
    if let Some(h) = &new.contact {
        contact::store_handover(&txn, &ctx.contact_keys, actor, &model.id, h).await?;
    }
    txn.commit().await?;
    tracing::info!(referral = %model.id, forwarded, "referral sent");
    announce(ctx, &model, org.id);
    Ok(model)
}

/// A status move as asked: the status, a note (a rejection's or cancellation's reason), what
/// the move carries, and whether an accept takes a place on the offer.
#[derive(Clone, Debug)]
pub struct Move {
    pub to: ReferralStatus,
    pub note: Option<String>,
    pub details: MoveDetails,
    /// Take a place on the offer (`placesTaken` + 1) with an accept; a full offer puts the
    /// referral on the waiting list instead ([`lifecycle::accept_target`]).
    pub take_place: bool,
}

impl Move {
    /// A plain move to `to` with `note`.
    pub fn to(to: ReferralStatus, note: Option<String>) -> Self {
        Self {
            to,
            note,
            details: MoveDetails::default(),
            take_place: false,
        }
    }
}

/// Moves referral `id` as `mv` asks, as `actor`, if `version` is current and the move is the
/// actor's to make (`CONFLICT` otherwise; `NOT_FOUND` for a referral the actor may not see). A
/// rejection needs a reason (`note`); what the move carries follows
/// [`lifecycle::check_details`]. An accept that takes a place does so in the same transaction.
pub async fn transition(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    mv: Move,
) -> AppResult<referral::Model> {
    let note = parse_note(mv.note.as_deref(), "note")?;
    let mut details = mv.details;
    details.contact_note = parse_note(details.contact_note.as_deref(), "contactNote")?;
    if mv.take_place && mv.to != ReferralStatus::Accepted {
        return Err(AppError::field("takePlace", "goes only with accepting"));
    }
    let txn = db::begin_write(&ctx.db).await?;
    let model = referral::Entity::find_by_id(id.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("referral {id}")))?;
    let receiving = super::receiving_organisation(&txn, &model.offer_id).await?;
    let Some(side) = side_of(actor, &model, &receiving) else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::NotFound(format!("referral {id}"))),
        };
    };
    check_version(model.version, version, "referral")?;
    if !allowed(model.status, mv.to, side) {
        return Err(AppError::Conflict(lifecycle::refusal(
            model.status,
            mv.to,
            side,
        )));
    }
    if mv.to == ReferralStatus::Rejected && note.is_none() {
        return Err(AppError::field("note", "a rejection needs a reason"));
    }
    let now = Utc::now();
    let today = now.date_naive();
    check_details(
        model.status,
        mv.to,
        side,
        &details,
        today,
        model.created_at.date_naive(),
    )?;
    let to = if mv.take_place {
        let room = take_place(&txn, ctx, &model.offer_id, now).await?;
        accept_target(model.status, room)?
    } else {
        mv.to
    };
    let from = model.status;
    let next = store_status(&txn, &model, to, note.clone(), &details, now).await?;
    if to != ReferralStatus::OnHold {
        details.expected_start = None;
    }
    let event = Event {
        referral_id: &next.id,
        from: Some(from),
        to,
        note,
        at: now,
        details,
    };
    log::record(&txn, actor, event).await?;
    audit(&txn, actor, "transition", &next.id).await?;
    txn.commit().await?;
    tracing::info!(referral = %next.id, from = %from, to = %to, "referral status changed");
    announce(ctx, &next, receiving);
    Ok(next)
}

/// Takes one place on offer `offer_id` (this node's) inside `txn` if it still has room;
/// whether it did. The conditional update is the guard, so two accepts racing for the last
/// place cannot both take it: PostgreSQL re-checks the condition once the first one's row lock
/// is released, SQLite has one writer. The offer's version goes up, its derived columns follow
/// (coverage counts its room) and the change log hears of it (search index, peers).
async fn take_place(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    offer_id: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    use offer::Column as C;
    let o = offer::Entity::find_by_id(offer_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("offer {offer_id} is gone")))?;
    if o.origin_node != ctx.node_id.as_str() {
        return Err(AppError::Conflict(format!(
            "offer {offer_id} belongs to node {}, which keeps its places",
            o.origin_node
        )));
    }
    if !capacity_status(&o).has_room() {
        return Ok(false);
    }
    let done = offer::Entity::update_many()
        .col_expr(C::PlacesTaken, Expr::col(C::PlacesTaken).add(1))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(offer_id))
        .filter(C::Status.is_not_in([OfferStatus::Full, OfferStatus::Ended, OfferStatus::Paused]))
        .filter(
            Condition::any()
                .add(C::Capacity.is_null())
                .add(Expr::col(C::PlacesTaken).lt(Expr::col(C::Capacity))),
        )
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    derived::refresh_room(txn, offer_id).await?;
    changes::record(
        txn,
        RecordKind::Offer,
        offer_id,
        ChangeOp::Upsert,
        &o.origin_node,
    )
    .await?;
    Ok(true)
}
