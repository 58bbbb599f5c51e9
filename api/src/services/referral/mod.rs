//! Closed-loop referrals: a practitioner refers a patient (a pseudonymous reference, with
//! consent) to an offer; the offer's organisation answers; both follow the status.
//!
//! - [`lifecycle`]: the pure state machine (statuses, sides, allowed moves), after the FHIR Task
//!   of the SDOH Clinical Care referral: `requested -> received -> accepted | rejected (reason
//!   required) -> in_progress -> completed`, `cancelled` by either side before it closes.
//!   The receiving side may also put a referral on the waiting list (`on_hold`, with an
//!   expected start), take a place on the offer when accepting, and closes with an outcome.
//! - [`commands`]: sending a referral and moving it; [`queries`]: reading them (audited);
//!   [`pages`]: the list as keyset pages; [`stats`]: anonymous figures per practice and offer;
//!   [`remote`]: applying what a peer node reports; [`purge`]: retention; [`note_check`]: the
//!   rule for free text.
//!
//! A referral to an offer of another node is kept here and forwarded to that node, which owns
//! its lifecycle; the referrer may still cancel it, and the offer node's changes come back.
//! Both nodes hold the referral under one id. This module knows nothing of that wire: it
//! records events, and `federation` turns them into messages and applies the peer's through
//! [`remote`].
//!
//! # The event log (`referral_events`), for its consumers
//!
//! Every change of a referral appends one row to `referral_events` in the transaction of the
//! change itself ([`log::record`]): its creation (`from_status` null, `to_status` requested)
//! and every status change, whoever made it (a user, the node itself as `system`, a peer node
//! as `node:<id>`). A consumer (federation's delivery, notifications) keeps its own cursor in
//! `consumer_cursors` and may rely on this:
//!
//! - **Complete and ordered**: event ids grow in commit order (appends are serialised: SQLite
//!   has one writer, PostgreSQL takes an advisory lock for them), so reading `id > cursor`
//!   in id order never skips an event that commits late. Advance the cursor in the transaction
//!   that records what you did with the events, and each event is handled once even across a
//!   crash (or at least once, if your effect is outside the database: make it idempotent, e.g.
//!   keyed by the event id).
//! - **Append-only**: rows are never deleted or reordered; `referral_id`, `at`, `actor`,
//!   `from_status`, `to_status` and `source_node` never change. Only `note` is removed (set to
//!   null) when the referral is purged after its retention period: read it when you handle the
//!   event, and expect it to be gone for an old event.
//! - **Source**: `source_node` names the peer node whose message made the change here; null
//!   for a change made at this node. A change never goes back to its source.
//! - **Announced**: after each commit the change is sent on [`Ctx::referral_changes`]
//!   ([`ReferralChange`]: ids and status, no personal data). The announcement is a wake-up,
//!   not the record: it may be missed (no subscriber, lag, restart), the log may not.
//! - **Outcomes**: an event that closes a referral with an outcome carries it (`outcome`,
//!   `stop_reason`, `first_meeting_on`), with `contact_patient` when the organisation asks the
//!   referrer to contact the patient; a move to the waiting list carries `expected_start`.
//!   Only `contact_note` of these is personal (like `note`, removed at purge): a consumer may
//!   say "outcome recorded" from `outcome` alone.
//! - **Personal data**: an event carries none beyond its notes; the patient's data is in the
//!   `referrals` row, also emptied at purge (`purged_at` set).

pub mod commands;
pub mod contact;
pub mod lifecycle;
pub mod log;
pub mod note_check;
pub mod pages;
pub mod purge;
pub mod queries;
pub mod remote;
pub mod self_referral;
pub mod stats;

pub use commands::{KnownPeers, Move, create, transition};
pub use lifecycle::{MoveDetails, Outcome, is_closed, next_statuses};
pub use purge::{PurgeReport, Retention, purge_expired};
pub use queries::{counts_by_status, events, get, list, offer_has_referrals};
pub use remote::{Changed, RemoteOutcome, accept_forwarded, announce_remote, apply_remote_change};

use crate::domain::{Actor, GlobalId, PracticalNeeds};
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use chrono::{DateTime, NaiveDate, Utc};
use entities::{
    ContactPreference, LifeDomain, ReferralOutcome, ReferralStatus, audit_log, offer, organisation,
    referral,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

pub use note_check::NOTE_MAX;

/// A change of a referral, as announced after commit: ids and status only, no personal data.
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
    /// The outcome recorded at closing (no note: that stays on the referral).
    pub outcome: Option<ReferralOutcome>,
    /// The organisation asks the referrer to contact the patient.
    pub contact_patient: bool,
    /// Expected start on the waiting list.
    pub expected_start: Option<NaiveDate>,
}

impl ReferralChange {
    /// Whether `actor` may hear of this change.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        actor.is_receiver_side(&self.receiving_organisation_id)
            || actor.is_referrer_side(self.referrer_organisation_id.as_deref())
    }
}

/// A new referral as given by a practitioner (or forwarded by a peer), its ids parsed.
#[derive(Clone, Debug)]
pub struct NewReferral {
    pub offer_id: GlobalId,
    /// The practice referring; may be left out when the practitioner has one practice.
    pub practice_id: Option<GlobalId>,
    pub patient_ref: String,
    pub consent: bool,
    pub contact_preference: Option<ContactPreference>,
    pub reason_domains: Vec<LifeDomain>,
    /// Practical needs (mobility, language, company, times, contact person), instead of free text.
    pub practical_needs: PracticalNeeds,
    pub note: Option<String>,
    /// Contact details for a warm handover, with the person's consent ([`contact`]).
    pub contact: Option<contact::Handover>,
    /// What the referrer states against the offer's suitability (never stored).
    pub suitability: crate::domain::SuitabilityAnswers,
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

/// A short note without medical content (at most [`NOTE_MAX`] characters): the rule of
/// [`note_check`].
pub fn parse_note(raw: Option<&str>, field: &str) -> AppResult<Option<String>> {
    note_check::checked_text(raw, field, NOTE_MAX)
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

/// The offer `offer_id` and its organisation (`NOT_FOUND` when either is missing).
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

/// Announces a committed change of `r` on [`Ctx::referral_changes`].
pub(crate) fn announce(ctx: &Ctx, r: &referral::Model, receiving_organisation_id: String) {
    // No subscribers is fine.
    let _ = ctx.referral_changes.send(ReferralChange {
        referral_id: r.id.clone(),
        receiving_organisation_id,
        referrer_organisation_id: r.referrer_organisation_id.clone(),
        status: r.status,
        version: r.version,
        at: r.updated_at,
        outcome: r.outcome,
        contact_patient: r.contact_patient,
        expected_start: r.expected_start,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
