//! Closed-loop referrals: a practitioner refers a patient (a pseudonymous reference, with
//! consent) to an offer; the offer's organisation answers; both follow the status.
//!
//! The lifecycle follows the FHIR Task used by the SDOH Clinical Care referral:
//! `requested -> received -> accepted | rejected (reason required) -> in_progress -> completed`,
//! `cancelled` by either side before it closes. Every change appends a `referral_events` row,
//! is written to the audit log and announced on [`AppState::referral_changes`]. Referrals left
//! open too long are closed, and closed ones lose their personal data after the retention
//! period ([`super::referral_purge`]).
//!
//! A referral to an offer of another node is kept here and forwarded to that node, which owns
//! its lifecycle ([`crate::federation::delivery`]); the referrer may still cancel it, and the
//! offer node's changes come back ([`apply_remote_change`]). Both nodes hold the referral under
//! one id.

use crate::auth::Actor;
use crate::db;
use crate::domain::{GlobalId, optional_text};
use crate::error::{AppError, AppResult};
use crate::federation::delivery;
use crate::federation::protocol::StatusChange;
use crate::read_model::rules::{CapacityStatus, capacity_status, is_public};
use crate::services::organisation::check_version;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entities::json::StringList;
use entities::{
    ContactPreference, LifeDomain, ReferralStatus, audit_log, offer, organisation, referral,
    referral_event,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// Longest note on a referral.
pub const NOTE_MAX: usize = 280;

/// Words that suggest medical content; such notes are refused (the note is not for diagnoses).
/// A status change, as announced to subscribers: ids and status only, no personal data.
#[derive(Clone, Debug)]
pub struct ReferralChange {
    pub referral_id: String,
    /// The organisation of the offer (the receiving side).
    pub receiving_organisation_id: String,
    /// The referring practice.
    pub referrer_organisation_id: Option<String>,
    pub status: ReferralStatus,
    pub version: i32,
    pub at: DateTime<Utc>,
}

impl ReferralChange {
    /// Whether `actor` may hear of this change.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        actor.is_receiver_side(&self.receiving_organisation_id)
            || actor.is_referrer_side(self.referrer_organisation_id.as_deref())
    }
}

/// A new referral as given by a practitioner.
#[derive(Clone, Debug)]
pub struct NewReferral {
    pub offer_id: String,
    /// The practice referring; may be left out when the practitioner has one practice.
    pub practice_id: Option<String>,
    pub patient_ref: String,
    pub consent: bool,
    pub contact_preference: Option<ContactPreference>,
    pub reason_domains: Vec<LifeDomain>,
    pub note: Option<String>,
}

/// Which side of a referral an actor is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Referrer,
    Receiver,
    Both,
}

/// Whether `from -> to` is a legal change for `side`.
fn allowed(from: ReferralStatus, to: ReferralStatus, side: Side) -> bool {
    use ReferralStatus::*;
    let receiver = matches!(side, Side::Receiver | Side::Both);
    match (from, to) {
        (Requested, Received)
        | (Received, Accepted)
        | (Received, Rejected)
        | (Accepted, InProgress)
        | (InProgress, Completed) => receiver,
        (Requested | Received | Accepted | InProgress, Cancelled) => true,
        _ => false,
    }
}

/// Which side of `r` the actor is on, if any; `receiving_organisation_id` owns the offer.
fn side_of(actor: &Actor, r: &referral::Model, receiving_organisation_id: &str) -> Option<Side> {
    match (
        actor.is_referrer_side(r.referrer_organisation_id.as_deref()),
        actor.is_receiver_side(receiving_organisation_id),
    ) {
        (true, true) => Some(Side::Both),
        (true, false) => Some(Side::Referrer),
        (false, true) => Some(Side::Receiver),
        (false, false) => None,
    }
}

/// The statuses `actor` may move `r` to now (so pages offer only legal actions);
/// `receiving_organisation_id` is the organisation of the referral's offer.
pub fn next_statuses(
    actor: &Actor,
    r: &referral::Model,
    receiving_organisation_id: &str,
) -> Vec<ReferralStatus> {
    use sea_orm::Iterable;
    let Some(side) = side_of(actor, r, receiving_organisation_id) else {
        return Vec::new();
    };
    ReferralStatus::iter()
        .filter(|to| allowed(r.status, *to, side))
        .collect()
}

/// Whether a status closes the referral (starts the retention period).
pub fn is_closed(status: ReferralStatus) -> bool {
    matches!(
        status,
        ReferralStatus::Rejected
            | ReferralStatus::Completed
            | ReferralStatus::Cancelled
            | ReferralStatus::Failed
            | ReferralStatus::EnteredInError
    )
}

/// A pseudonymous patient reference: 4-64 of letters, digits, `-` and `_`, and not a BSN.
pub(crate) fn parse_patient_ref(raw: &str) -> AppResult<String> {
    let s = raw.trim();
    if s.len() < 4
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::field(
            "patientRef",
            "must be 4-64 letters, digits, '-' or '_' (a pseudonym, not a name)",
        ));
    }
    if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::field(
            "patientRef",
            "looks like a BSN; use the practice's pseudonymous reference",
        ));
    }
    Ok(s.to_string())
}

/// A short note without medical content (at most [`NOTE_MAX`] characters).
pub fn parse_note(raw: Option<&str>, field: &str) -> AppResult<Option<String>> {
    let note = optional_text(raw, NOTE_MAX).map_err(|e| e.in_field(field))?;
    if let Some(n) = &note
        && super::note_check::medical_content(n).is_some()
    {
        return Err(AppError::field(
            field,
            "must not contain medical information (diagnoses, medication)",
        ));
    }
    Ok(note)
}

/// Appends an audit record (who, what, which referral).
pub async fn audit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    referral_id: &str,
) -> AppResult<()> {
    audit_log::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        at: Set(Utc::now()),
        actor: Set(actor.label()),
        action: Set(action.to_string()),
        referral_id: Set(referral_id.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn offer_and_org(
    db: &impl ConnectionTrait,
    offer_id: &str,
) -> AppResult<(offer::Model, organisation::Model)> {
    let o = offer::Entity::find_by_id(offer_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("offer {offer_id}")))?;
    let org = organisation::Entity::find_by_id(o.organisation_id.as_str())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("offer {offer_id}")))?;
    Ok((o, org))
}

/// The organisation of the referral's offer (the receiving side), or `""` when the offer is gone
/// here (a mirrored offer its node deleted or hid): then only the referrer's side sees it.
pub(crate) async fn receiving_organisation(
    db: &impl ConnectionTrait,
    offer_id: &str,
) -> AppResult<String> {
    match offer_and_org(db, offer_id).await {
        Ok((_, org)) => Ok(org.id),
        Err(AppError::NotFound(_)) => Ok(String::new()),
        Err(e) => Err(e),
    }
}

/// Whether `actor` is on either side of `r`, whose offer belongs to `receiving_organisation_id`.
fn may_see(actor: &Actor, r: &referral::Model, receiving_organisation_id: &str) -> bool {
    side_of(actor, r, receiving_organisation_id).is_some()
}

pub(crate) async fn event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    referral_id: &str,
    from: Option<ReferralStatus>,
    to: ReferralStatus,
    note: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    referral_event::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        referral_id: Set(referral_id.to_string()),
        at: Set(at),
        actor: Set(actor.label()),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(crate) fn announce(state: &AppState, r: &referral::Model, receiving_organisation_id: String) {
    // No subscribers is fine.
    let _ = state.referral_changes.send(ReferralChange {
        referral_id: r.id.clone(),
        receiving_organisation_id,
        referrer_organisation_id: r.referrer_organisation_id.clone(),
        status: r.status,
        version: r.version,
        at: r.updated_at,
    });
}

/// The checked personal fields of a new referral.
struct ReferralFields {
    patient_ref: String,
    contact_preference: Option<ContactPreference>,
    /// Sorted, without duplicates.
    reason_domains: Vec<String>,
    note: Option<String>,
}

/// Consent, a pseudonymous reference, at least one life domain and a short non-medical note:
/// the rules for every new referral, sent here or forwarded by a peer.
fn checked_fields(new: &NewReferral) -> AppResult<ReferralFields> {
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
        note,
    })
}

/// A new referral (status `requested`, version 1) from `origin_node` to offer `o`; flagged
/// `offer_was_full` when the offer has no open places.
fn new_model(
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
    }
}

/// Inserts a new referral with its first event and audit record.
async fn insert_new(
    db: &impl ConnectionTrait,
    actor: &Actor,
    model: &referral::Model,
) -> AppResult<()> {
    referral::ActiveModel::from(model.clone())
        .insert(db)
        .await?;
    event(
        db,
        actor,
        &model.id,
        None,
        ReferralStatus::Requested,
        None,
        model.created_at,
    )
    .await?;
    audit(db, actor, "create", &model.id).await
}

/// Moves `model` to `to` (version + 1) unless someone changed it since it was read
/// (`CONFLICT`); `reason` is kept as the status reason of a rejection, cancellation or failure.
pub(crate) async fn store_status(
    db: &impl ConnectionTrait,
    model: &referral::Model,
    to: ReferralStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<referral::Model> {
    let mut next = model.clone();
    next.status = to;
    next.version = model.version + 1;
    next.updated_at = now;
    if matches!(
        to,
        ReferralStatus::Rejected | ReferralStatus::Cancelled | ReferralStatus::Failed
    ) {
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

/// Sends a referral (status `requested`). Practitioners only; consent is required. A referral
/// to a full offer is allowed and flagged `offer_was_full`; the offer's places do not change.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    new: NewReferral,
) -> AppResult<referral::Model> {
    let user = actor.user()?;
    let practices = actor.practices();
    let practice = match (&new.practice_id, practices.as_slice()) {
        (_, []) => return Err(actor.denied("send referrals (practitioners only)")),
        (Some(p), _) if practices.contains(p) => p.clone(),
        (Some(_), _) => return Err(actor.denied("refer on behalf of another practice")),
        (None, [one]) => one.clone(),
        (None, _) => {
            return Err(AppError::field(
                "practiceId",
                "is required when you work for several practices",
            ));
        }
    };
    let fields = checked_fields(&new)?;
    let gid = GlobalId::parse(&new.offer_id).map_err(|e| e.in_field("offerId"))?;
    let txn = db::begin_write(&state.db).await?;
    let (o, org) = offer_and_org(&txn, &gid.to_string()).await?;
    if !is_public(&o, &org) {
        return Err(AppError::NotFound(format!("offer {}", new.offer_id)));
    }
    let forwarded = o.origin_node != state.node_id.as_str();
    if forwarded && state.peers.get(&o.origin_node).is_none() {
        return Err(AppError::Conflict(format!(
            "this offer belongs to node {}, which is not a peer of this node",
            o.origin_node
        )));
    }
    if o.status == entities::OfferStatus::Ended {
        return Err(AppError::Conflict("this offer has ended".into()));
    }
    let model = new_model(
        GlobalId::new(&state.node_id).to_string(),
        state.node_id.as_str(),
        &o,
        Some(user.id.clone()),
        Some(practice),
        fields,
        Utc::now(),
    );
    insert_new(&txn, actor, &model).await?;
    if forwarded {
        delivery::forward_created(&txn, state, &model).await?;
    }
    txn.commit().await?;
    tracing::info!(referral = %model.id, forwarded, "referral sent");
    if forwarded {
        delivery::wake(state);
    }
    announce(state, &model, org.id);
    Ok(model)
}

/// Changes the status of a referral if `version` is current and the change is legal for the
/// actor's side. `rejected` needs a reason (`note`).
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: i32,
    to: ReferralStatus,
    note: Option<String>,
) -> AppResult<referral::Model> {
    let gid = GlobalId::parse(id).map_err(|e| e.in_field("id"))?;
    let note = parse_note(note.as_deref(), "note")?;
    let txn = db::begin_write(&state.db).await?;
    let model = referral::Entity::find_by_id(gid.to_string())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("referral {id}")))?;
    let receiving = receiving_organisation(&txn, &model.offer_id).await?;
    let Some(side) = side_of(actor, &model, &receiving) else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::NotFound(format!("referral {id}"))),
        };
    };
    check_version(model.version, version, "referral")?;
    if !allowed(model.status, to, side) {
        return Err(AppError::Conflict(format!(
            "a referral cannot go from {} to {}{}",
            model.status,
            to,
            if side == Side::Referrer && !is_closed(model.status) {
                " by the referrer (only cancel)"
            } else {
                ""
            }
        )));
    }
    if to == ReferralStatus::Rejected && note.is_none() {
        return Err(AppError::field("note", "a rejection needs a reason"));
    }
    let now = Utc::now();
    let from = model.status;
    let next = store_status(&txn, &model, to, note.clone(), now).await?;
    event(&txn, actor, &next.id, Some(from), to, note, now).await?;
    audit(&txn, actor, "transition", &next.id).await?;
    let other_node = counterpart_node(state, &next);
    if let Some(peer) = &other_node {
        let change = StatusChange {
            from,
            to,
            reason: next.status_reason.clone(),
            at: now,
        };
        delivery::forward_status(&txn, state, peer, &next, change).await?;
    }
    txn.commit().await?;
    tracing::info!(referral = %next.id, from = %from, to = %to, "referral status changed");
    if other_node.is_some() {
        delivery::wake(state);
    }
    announce(state, &next, receiving);
    Ok(next)
}

/// The node of the other side of a referral when that is not this node: the offer's node for
/// a referral sent here, the referrer's node for a referral forwarded to one of our offers.
pub fn counterpart_node(state: &AppState, r: &referral::Model) -> Option<String> {
    let me = state.node_id.as_str();
    if r.offer_node != me {
        Some(r.offer_node.clone())
    } else if r.origin_node != me {
        Some(r.origin_node.clone())
    } else {
        None
    }
}

/// What became of a peer's message about a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteOutcome {
    /// Applied now or before; the referral's status here.
    Applied(ReferralStatus),
    /// Not applied: why, and the referral's status here if it exists.
    Refused(String, Option<ReferralStatus>),
}

/// A referral changed by a peer's message, to [`announce_remote`] once committed.
pub struct Changed(referral::Model, String);

/// Announces a change made by a peer's message to this node's subscribers.
pub fn announce_remote(state: &AppState, changed: Changed) {
    announce(state, &changed.0, changed.1);
}

fn refused(
    why: impl Into<String>,
    status: Option<ReferralStatus>,
) -> (RemoteOutcome, Option<Changed>) {
    (RemoteOutcome::Refused(why.into(), status), None)
}

/// Stores a referral that `peer` (the referrer's node) forwards to one of this node's offers,
/// under its own id `id` with status `requested`; the same rules as [`create`] apply. A
/// referral id seen before is not stored again (delivery is idempotent on it).
pub async fn accept_forwarded(
    db: &impl ConnectionTrait,
    state: &AppState,
    peer: &str,
    id: &str,
    new: NewReferral,
    created_at: DateTime<Utc>,
) -> AppResult<(RemoteOutcome, Option<Changed>)> {
    let me = state.node_id.as_str();
    match GlobalId::parse(id) {
        Ok(gid) if gid.node().as_str() == peer => {}
        _ => {
            return Ok(refused(
                format!("node {peer} can only send referrals with ids {peer}:<uuid>"),
                None,
            ));
        }
    }
    if let Some(existing) = referral::Entity::find_by_id(id).one(db).await? {
        return Ok((RemoteOutcome::Applied(existing.status), None));
    }
    // The practice decides who follows the referral here: it must be one of the sender's.
    match new.practice_id.as_deref().map(GlobalId::parse) {
        Some(Ok(p)) if p.node().as_str() == peer => {}
        _ => {
            return Ok(refused(
                format!("the referring practice must be an organisation of node {peer}"),
                None,
            ));
        }
    }
    let (o, org) = match offer_and_org(db, &new.offer_id).await {
        Ok(found) => found,
        Err(AppError::NotFound(_)) => {
            return Ok(refused(
                format!("offer {} is unknown here", new.offer_id),
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
    let actor = Actor::Peer(peer.to_string());
    let mut model = new_model(
        id.to_string(),
        peer,
        &o,
        None,
        new.practice_id,
        fields,
        Utc::now(),
    );
    model.created_at = created_at.min(model.created_at);
    insert_new(db, &actor, &model).await?;
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
    state: &AppState,
    peer: &str,
    id: &str,
    change: StatusChange,
    overrule: bool,
) -> AppResult<(RemoteOutcome, Option<Changed>)> {
    use ReferralStatus::Cancelled;
    let Some(model) = referral::Entity::find_by_id(id).one(db).await? else {
        return Ok(refused(format!("referral {id} is unknown here"), None));
    };
    // A peer's reason becomes a status reason and an event note: the note rules apply.
    if let Err(e) = parse_note(change.reason.as_deref(), "reason") {
        return Ok(refused(e.message(), Some(model.status)));
    }
    let me = state.node_id.as_str();
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
    let next = store_status(db, &model, change.to, change.reason.clone(), now).await?;
    event(
        db,
        &actor,
        id,
        Some(model.status),
        change.to,
        change.reason,
        change.at.min(now),
    )
    .await?;
    audit(db, &actor, "transition", id).await?;
    tracing::info!(referral = %id, from = %model.status, to = %change.to, peer, "referral status changed by peer");
    // A mirrored offer may be gone here by now; the change is announced all the same.
    let org_id = receiving_organisation(db, &next.offer_id).await?;
    Ok((
        RemoteOutcome::Applied(next.status),
        Some(Changed(next, org_id)),
    ))
}

/// One referral the actor may see (`NOT_FOUND` otherwise, so ids do not leak); audited.
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<referral::Model> {
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let gid = GlobalId::parse(id).map_err(|e| e.in_field("id"))?;
    let model = referral::Entity::find_by_id(gid.to_string())
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("referral {id}")))?;
    let receiving = receiving_organisation(&state.db, &model.offer_id).await?;
    if !may_see(actor, &model, &receiving) {
        return Err(AppError::NotFound(format!("referral {id}")));
    }
    audit(&state.db, actor, "read", &model.id).await?;
    Ok(model)
}

/// Referrals the actor may see, newest first: those of its practices and those sent to its
/// organisations. Analysts and admins see none. Every returned referral is audited as read.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    status: Option<ReferralStatus>,
    limit: u64,
) -> AppResult<Vec<referral::Model>> {
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let practices = actor.practices();
    let receiving = actor.receiving_organisations();
    if practices.is_empty() && receiving.is_empty() {
        return Ok(Vec::new());
    }
    let offer_ids: Vec<String> = if receiving.is_empty() {
        Vec::new()
    } else {
        offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .filter(offer::Column::OrganisationId.is_in(receiving))
            .into_tuple()
            .all(&state.db)
            .await?
    };
    let mut q = referral::Entity::find().filter(
        Condition::any()
            .add(referral::Column::ReferrerOrganisationId.is_in(practices))
            .add(referral::Column::OfferId.is_in(offer_ids)),
    );
    if let Some(s) = status {
        q = q.filter(referral::Column::Status.eq(s));
    }
    let rows = q
        .order_by_desc(referral::Column::CreatedAt)
        .order_by_desc(referral::Column::Id)
        .limit(limit)
        .all(&state.db)
        .await?;
    for r in &rows {
        audit(&state.db, actor, "read", &r.id).await?;
    }
    Ok(rows)
}

/// Whether any referral names offer `offer_id`. Such an offer is ended rather than deleted, so
/// both sides keep reading (and the referrer cancelling) its referrals with the offer's title.
pub async fn offer_has_referrals(db: &impl ConnectionTrait, offer_id: &str) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(referral::Entity::find()
        .filter(referral::Column::OfferId.eq(offer_id))
        .count(db)
        .await?
        > 0)
}

/// The event log of a referral, oldest first (the caller has checked visibility).
pub async fn events(
    db: &impl ConnectionTrait,
    referral_id: &str,
) -> AppResult<Vec<referral_event::Model>> {
    Ok(referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.eq(referral_id))
        .order_by_asc(referral_event::Column::Id)
        .all(db)
        .await?)
}

/// Anonymous referral counts per status for offers of organisations serving `gemeente_code`
/// (for municipality analysts of that gemeente and admins; no referral or person is shown).
pub async fn counts_by_status(
    state: &AppState,
    actor: &Actor,
    gemeente_code: &str,
) -> AppResult<Vec<(ReferralStatus, u64)>> {
    let allowed = actor.is_admin()
        || matches!(actor, Actor::User(u) if u.analyst_gemeenten().any(|g| g == gemeente_code));
    if !allowed {
        return Err(actor.denied("see referral figures of this gemeente"));
    }
    let area_codes: Vec<String> = entities::area::Entity::find()
        .select_only()
        .column(entities::area::Column::Code)
        .filter(entities::area::Column::GemeenteCode.eq(gemeente_code))
        .into_tuple()
        .all(&state.db)
        .await?;
    let org_ids: Vec<String> = entities::organisation_area::Entity::find()
        .select_only()
        .column(entities::organisation_area::Column::OrganisationId)
        .filter(entities::organisation_area::Column::AreaCode.is_in(area_codes))
        .into_tuple()
        .all(&state.db)
        .await?;
    let offer_ids: Vec<String> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .filter(offer::Column::OrganisationId.is_in(org_ids))
        .into_tuple()
        .all(&state.db)
        .await?;
    let rows: Vec<(ReferralStatus, i64)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Status)
        .column_as(referral::Column::Id.count(), "n")
        .filter(referral::Column::OfferId.is_in(offer_ids))
        .group_by(referral::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut out: Vec<(ReferralStatus, u64)> = rows
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
        .collect();
    out.sort();
    Ok(out)
}

pub use super::referral_purge::{PurgeReport, purge_expired};

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus::*;

    #[test]
    fn lifecycle_rules() {
        assert!(allowed(Requested, Received, Side::Receiver));
        assert!(!allowed(Requested, Received, Side::Referrer));
        assert!(
            !allowed(Requested, Accepted, Side::Receiver),
            "receive first"
        );
        assert!(allowed(Received, Rejected, Side::Receiver));
        assert!(allowed(InProgress, Cancelled, Side::Referrer));
        assert!(
            !allowed(Completed, Cancelled, Side::Both),
            "closed stays closed"
        );
        assert!(!allowed(Rejected, Accepted, Side::Both));
    }

    #[test]
    fn notes_and_references_are_not_medical_or_identifying() {
        assert!(parse_patient_ref("P-2026-0042").is_ok());
        assert!(parse_patient_ref("123456782").is_err(), "BSN");
        assert!(parse_patient_ref("Jan Jansen").is_err());
        assert!(parse_note(Some("Graag bellen na 17:00"), "note").is_ok());
        assert!(parse_note(Some("Diagnose: depressie"), "note").is_err());
        assert!(parse_note(Some(&"x".repeat(NOTE_MAX + 1)), "note").is_err());
    }
}
