//! Contact details for a warm handover: the one door to a referral's [`ContactDetails`].
//!
//! They are stored only with the person's consent (who recorded it, when, which fields), sealed
//! under the node's active key and bound to their referral ([`crate::sealing`]); they appear in
//! no log, change feed, export or metric. Only the receiving organisation's editors and the
//! referring practice's practitioners open them, and every read, allowed or refused, goes to
//! the audit log. They are deleted with the referral or its personal data
//! ([`purge`]), and [`rotate_keys`] seals them again under a new active key.
//!
//! A referral to another node's offer carries them in its creation message: the referrer's
//! node keeps them sealed here while the message waits (the outbox row itself never holds
//! them), opens them for that one message with [`open_for_delivery`], and deletes its copy
//! once the offer's node answered ([`purge`]); that node stores them under its own key.

use crate::db;
use crate::domain::{Actor, ContactDetails};
use crate::error::{AppError, AppResult};
use crate::sealing::{KeyRing, SealError, Sealed};
use crate::services::Ctx;
use crate::services::referral::audit;
use chrono::{DateTime, Utc};
use entities::json::StringList;
use entities::{referral, referral_contact};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use zeroize::Zeroizing;

/// Audit actions of this module.
pub mod action {
    pub const STORE: &str = "contact_store";
    pub const READ: &str = "contact_read";
    pub const READ_REFUSED: &str = "contact_read_refused";
    pub const RESEAL: &str = "contact_reseal";
    /// Opened by the node to forward them to the offer's node.
    pub const FORWARD: &str = "contact_forward";
}

/// Who recorded the person's consent to share their contact details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentBy {
    /// A practitioner (user id) who asked the person.
    User(String),
    /// The person, giving the details themselves (self-referral).
    Person,
}

impl ConsentBy {
    /// Stored as the user id, or `self`.
    pub fn label(&self) -> &str {
        match self {
            Self::User(id) => id,
            Self::Person => "self",
        }
    }
}

/// The person's consent to share contact details with the receiving organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactConsent {
    pub given: bool,
    pub by: ConsentBy,
}

/// Contact details given with a new referral, with the consent to share them and when it was
/// given (a forwarded referral keeps the time the referrer's node recorded).
#[derive(Clone, Debug)]
pub struct Handover {
    pub details: ContactDetails,
    pub consent: ContactConsent,
    pub consented_at: DateTime<Utc>,
}

impl Handover {
    /// Details given now, with `consent` as given.
    pub fn now(details: ContactDetails, consent: ContactConsent) -> Self {
        Self {
            details,
            consent,
            consented_at: Utc::now(),
        }
    }
}

/// Parses contact details given at an edge (GraphQL, a form, a peer's message) into
/// [`ContactDetails`]; the errors name the field (`name`, `phone`, `email`, `bestTimeToCall`)
/// and, unlike the domain's, never repeat what was typed (they may reach a log or a peer).
pub fn parse_details(
    name: &str,
    phone: Option<&str>,
    email: Option<&str>,
    best_time: Option<&str>,
    naaste_may_join: bool,
) -> AppResult<ContactDetails> {
    ContactDetails::parse(name, phone, email, best_time, naaste_may_join).map_err(|e| {
        match e.field_name() {
            Some("phone") if phone.is_some_and(|p| !p.trim().is_empty()) => AppError::field(
                "phone",
                "is not a phone number (8 to 15 digits, with spaces, +, - or brackets)",
            ),
            Some("email") => AppError::field("email", "is not an e-mail address"),
            _ => e,
        }
    })
}

/// The sealed form of [`ContactDetails`] (JSON inside the ciphertext).
#[derive(Serialize, Deserialize)]
struct Payload {
    name: String,
    phone: Option<String>,
    email: Option<String>,
    best_time_to_call: Option<String>,
    naaste_may_join: bool,
}

/// What a sealed value is bound to: its table and referral.
fn context(referral_id: &str) -> Vec<u8> {
    format!("referral_contacts/{referral_id}").into_bytes()
}

/// Whether this node can store contact details (a key is configured), so pages offer the
/// fields only then.
pub fn available(keys: &KeyRing) -> bool {
    keys.can_seal()
}

/// Whether `handover` may be stored on this node: consent given (`contact.consent`) and a key
/// configured (`contact`), both `BAD_USER_INPUT`. Checked before a referral is written, so a
/// refusal leaves nothing behind; [`store`] checks the same again.
pub fn check(keys: &KeyRing, handover: &Handover) -> AppResult<()> {
    if !handover.consent.given {
        return Err(no_consent());
    }
    if !available(keys) {
        return Err(no_key());
    }
    Ok(())
}

fn no_consent() -> AppError {
    AppError::field(
        "contact.consent",
        "the person must agree to share their contact details before they are stored",
    )
}

fn no_key() -> AppError {
    AppError::field(
        "contact",
        "this node cannot store contact details: no key to encrypt them is configured \
         (contact.keys). Leave the contact details out, or ask the node's administrator",
    )
}

/// Stores the contact details given with a new referral ([`store`], with the consent's time).
pub async fn store_handover(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    actor: &Actor,
    referral_id: &str,
    handover: &Handover,
) -> AppResult<()> {
    let h = handover;
    store_at(
        db,
        keys,
        actor,
        referral_id,
        (&h.consent, h.consented_at),
        &h.details,
    )
    .await
}

/// Stores a referral's contact details, sealed, with the consent; call it inside the
/// transaction that creates the referral. Refused without consent (`contact.consent`) and
/// on a node without a key (`contact`), both `BAD_USER_INPUT`.
pub async fn store(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    actor: &Actor,
    referral_id: &str,
    consent: &ContactConsent,
    details: &ContactDetails,
) -> AppResult<()> {
    store_at(db, keys, actor, referral_id, (consent, Utc::now()), details).await
}

/// [`store`], with the time the consent was given.
async fn store_at(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    actor: &Actor,
    referral_id: &str,
    (consent, consent_at): (&ContactConsent, DateTime<Utc>),
    details: &ContactDetails,
) -> AppResult<()> {
    if !consent.given {
        return Err(no_consent());
    }
    let payload = Payload {
        name: details.name().to_string(),
        phone: details.phone().map(|p| p.as_str().to_string()),
        email: details.email().map(|e| e.as_str().to_string()),
        best_time_to_call: details.best_time_to_call().map(str::to_string),
        naaste_may_join: details.naaste_may_join(),
    };
    let plain = Zeroizing::new(
        serde_json::to_vec(&payload).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
    );
    let sealed = keys
        .seal(&context(referral_id), &plain)
        .map_err(|e| match e {
            SealError::NoKey => no_key(),
            other => AppError::Internal(anyhow::anyhow!("sealing contact details: {other}")),
        })?;
    let now = Utc::now();
    referral_contact::ActiveModel {
        referral_id: Set(referral_id.to_string()),
        key_id: Set(sealed.key_id),
        sealed: Set(sealed.bytes),
        consent_by: Set(consent.by.label().to_string()),
        consent_at: Set(consent_at.min(now)),
        shared_fields: Set(StringList(details.shared_fields())),
        sealed_at: Set(now),
    }
    .insert(db)
    .await?;
    audit(db, actor, action::STORE, referral_id).await
}

/// Whether `actor` may open the contact details of `r`: a signed-in editor of the receiving
/// organisation or practitioner of the referring practice (not the node itself, not an admin).
fn may_read(actor: &Actor, r: &referral::Model, receiving_organisation_id: &str) -> bool {
    matches!(actor, Actor::User(_))
        && (actor.is_receiver_side(receiving_organisation_id)
            || actor.is_referrer_side(r.referrer_organisation_id.as_deref()))
}

/// The contact details of `r` (whose offer belongs to `receiving_organisation_id`), `None` when
/// none were given or they are purged. Every call is audited: `contact_read`, or
/// `contact_read_refused` with `FORBIDDEN` (`UNAUTHENTICATED` when anonymous) for anyone else.
/// Details sealed under a key the node no longer has, or damaged, are a `CONFLICT` that says so.
pub async fn read(
    ctx: &Ctx,
    actor: &Actor,
    r: &referral::Model,
    receiving_organisation_id: &str,
) -> AppResult<Option<ContactDetails>> {
    if !may_read(actor, r, receiving_organisation_id) {
        audit(&ctx.db, actor, action::READ_REFUSED, &r.id).await?;
        tracing::warn!(referral = %r.id, actor = %actor.label(), "contact details refused");
        return Err(actor.denied("read the contact details of this referral"));
    }
    let Some(row) = referral_contact::Entity::find_by_id(r.id.as_str())
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    audit(&ctx.db, actor, action::READ, &r.id).await?;
    open(&ctx.contact_keys, &row).map(Some)
}

/// The contact details of `r` with their consent, opened by the node itself to forward them
/// in the creation message to the offer's node; nothing else may call it. Only for a referral
/// sent from this node (`me`) to another node's offer; audited as `contact_forward` by
/// `system`. `None` when none were given (or they are purged).
pub(crate) async fn open_for_delivery(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    me: &str,
    r: &referral::Model,
) -> AppResult<Option<Handover>> {
    if r.origin_node != me || r.offer_node == me {
        return Err(AppError::Forbidden(
            "contact details are forwarded only to the node of the referral's offer".into(),
        ));
    }
    let Some(row) = referral_contact::Entity::find_by_id(r.id.as_str())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let details = open(keys, &row)?;
    audit(db, &Actor::System, action::FORWARD, &r.id).await?;
    let by = match row.consent_by.as_str() {
        "self" => ConsentBy::Person,
        user => ConsentBy::User(user.to_string()),
    };
    Ok(Some(Handover {
        details,
        consent: ContactConsent { given: true, by },
        consented_at: row.consent_at,
    }))
}

/// Opens a stored row and checks its fields again.
fn open(keys: &KeyRing, row: &referral_contact::Model) -> AppResult<ContactDetails> {
    let sealed = Sealed {
        key_id: row.key_id.clone(),
        bytes: row.sealed.clone(),
    };
    let plain = keys
        .open(&sealed, &context(&row.referral_id))
        .map_err(|e| unopenable(&row.referral_id, &e))?;
    let p: Payload = serde_json::from_slice(&plain)
        .map_err(|_| unopenable(&row.referral_id, &SealError::Unreadable))?;
    ContactDetails::parse(
        &p.name,
        p.phone.as_deref(),
        p.email.as_deref(),
        p.best_time_to_call.as_deref(),
        p.naaste_may_join,
    )
    .map_err(|_| unopenable(&row.referral_id, &SealError::Unreadable))
}

/// A plain `CONFLICT` for contact details that do not open (logged with ids, no content).
fn unopenable(referral_id: &str, e: &SealError) -> AppError {
    tracing::error!(referral = %referral_id, error = %e, "contact details cannot be opened");
    let why = match e {
        SealError::UnknownKey(id) => format!(
            "they are encrypted with key '{id}', which this node no longer has (contact.keys)"
        ),
        _ => "they are damaged or were not stored for this referral".into(),
    };
    AppError::Conflict(format!(
        "the contact details of this referral cannot be opened: {why}; ask the node's administrator"
    ))
}

/// Deletes a referral's contact details (at retention, or when its outbox message is sent);
/// whether there were any.
pub async fn purge(db: &impl ConnectionTrait, referral_id: &str) -> AppResult<bool> {
    Ok(purge_many(db, &[referral_id.to_string()]).await? > 0)
}

/// Deletes the contact details of the referrals `ids` (the retention purge); one statement.
pub async fn purge_many(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<u64> {
    let done = referral_contact::Entity::delete_many()
        .filter(referral_contact::Column::ReferralId.is_in(ids.iter().map(String::as_str)))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// What a key rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Rows sealed again under the active key.
    pub resealed: u64,
    /// Rows that did not open (their key is gone, or damaged); left as they are.
    pub unopenable: u64,
    /// Key ids of unopenable rows that the ring does not have.
    pub missing_keys: BTreeSet<String>,
}

/// Seals every row not under the active key again under it, `batch_size` rows per transaction
/// (each audited as `contact_reseal` by `system`); `progress` hears the running totals after
/// each batch. Rows that do not open are counted and skipped, so the command can run again once
/// a missing key is configured.
pub async fn rotate_keys(
    db: &DatabaseConnection,
    keys: &KeyRing,
    batch_size: u64,
    mut progress: impl FnMut(&Rotation),
) -> AppResult<Rotation> {
    let Some(active) = keys.active_key_id() else {
        return Err(AppError::field(
            "contact.keys",
            "no key is configured, so there is nothing to re-encrypt with",
        ));
    };
    let mut report = Rotation::default();
    let mut after = String::new();
    loop {
        let txn = db::begin_write(db).await?;
        let rows = referral_contact::Entity::find()
            .filter(referral_contact::Column::KeyId.ne(active))
            .filter(referral_contact::Column::ReferralId.gt(after.as_str()))
            .order_by_asc(referral_contact::Column::ReferralId)
            .limit(batch_size.max(1))
            .all(&txn)
            .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.referral_id.clone();
        for row in rows {
            reseal(&txn, keys, row, &mut report).await?;
        }
        txn.commit().await?;
        progress(&report);
    }
    Ok(report)
}

/// Seals one row again under the active key, unless someone changed it meanwhile.
async fn reseal(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    row: referral_contact::Model,
    report: &mut Rotation,
) -> AppResult<()> {
    let old = Sealed {
        key_id: row.key_id.clone(),
        bytes: row.sealed,
    };
    let context = context(&row.referral_id);
    let plain = match keys.open(&old, &context) {
        Ok(plain) => plain,
        Err(e) => {
            tracing::warn!(referral = %row.referral_id, error = %e, "contact details not re-encrypted");
            report.unopenable += 1;
            if let SealError::UnknownKey(id) = e {
                report.missing_keys.insert(id);
            }
            return Ok(());
        }
    };
    let new = keys
        .seal(&context, &plain)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("sealing contact details: {e}")))?;
    let done = referral_contact::Entity::update_many()
        .set(referral_contact::ActiveModel {
            key_id: Set(new.key_id),
            sealed: Set(new.bytes),
            sealed_at: Set(Utc::now()),
            ..Default::default()
        })
        .filter(referral_contact::Column::ReferralId.eq(row.referral_id.as_str()))
        .filter(referral_contact::Column::KeyId.eq(old.key_id.as_str()))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        audit(db, &Actor::System, action::RESEAL, &row.referral_id).await?;
        report.resealed += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use entities::{ReferralStatus, json::StringList};

    fn referral(origin: &str, offer_node: &str) -> referral::Model {
        let now = Utc::now();
        referral::Model {
            id: format!("{origin}:1"),
            origin_node: origin.into(),
            offer_id: format!("{offer_node}:2"),
            offer_node: offer_node.into(),
            referrer_user_id: None,
            referrer_organisation_id: None,
            patient_ref: None,
            consent: true,
            contact_preference: None,
            reason_domains: StringList(Vec::new()),
            note: None,
            status: ReferralStatus::Requested,
            status_reason: None,
            offer_was_full: false,
            created_at: now,
            updated_at: now,
            closed_at: None,
            purged_at: None,
            version: 1,
            practical_needs: None,
            source: entities::ReferralSource::Practice,
            outcome: None,
            stop_reason: None,
            first_meeting_on: None,
            contact_patient: false,
            contact_note: None,
            expected_start: None,
        }
    }

    /// The node opens contact details for delivery only for a referral it sends to another
    /// node's offer: not for one it received, nor for a local one (refused before any read).
    #[tokio::test]
    async fn delivery_opens_only_what_this_node_forwards() {
        let db = DatabaseConnection::default();
        let keys = KeyRing::empty();
        for r in [
            referral("nhn", "nijmegen"),
            referral("nijmegen", "nijmegen"),
        ] {
            let e = open_for_delivery(&db, &keys, "nijmegen", &r)
                .await
                .unwrap_err();
            assert_eq!(e.code(), "FORBIDDEN", "{}", r.id);
        }
    }
}
