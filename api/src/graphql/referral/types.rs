//! GraphQL types of referrals.

use super::contact::ReferralContact;
use super::practical_needs::PracticalNeeds;
use crate::domain::PracticalNeeds as Needs;
use crate::graphql::enums::{
    ContactPreference, LifeDomain, ReferralOutcome, ReferralSource, ReferralStatus, StopReason,
};
use crate::graphql::loaders::Loaders;
use crate::graphql::offer::Offer;
use crate::graphql::{actor, app};
use crate::services::referral as svc;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{offer, referral, referral_event};
use sea_orm::EntityTrait;

/// A referral of a patient (by pseudonymous reference) to an offer.
pub struct Referral(pub referral::Model);

/// A referral of a patient (by pseudonymous reference) to an offer, seen only by the
/// referring practice and the receiving organisation.
#[Object]
impl Referral {
    /// Global id; also the idempotency key between nodes.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The offer referred to.
    async fn offer_id(&self) -> ID {
        ID(self.0.offer_id.clone())
    }
    /// The offer referred to (null when it no longer exists).
    async fn offer(&self, ctx: &Context<'_>) -> Result<Option<Offer>> {
        Ok(offer::Entity::find_by_id(self.0.offer_id.as_str())
            .one(&app(ctx)?.db)
            .await
            .map_err(crate::error::AppError::from)?
            .map(Offer))
    }
    /// The node of the referrer.
    async fn origin_node(&self) -> &str {
        &self.0.origin_node
    }
    /// The node of the offer, which owns the referral's lifecycle; a referral to another
    /// node's offer is forwarded there.
    async fn offer_node(&self) -> &str {
        &self.0.offer_node
    }
    /// Messages about this referral still wait to be delivered to the other node (it is down
    /// or unreachable; they are retried until it answers).
    async fn delivery_pending(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(ctx
            .data::<Loaders>()?
            .pending_deliveries
            .load_one(self.0.id.clone())
            .await?
            .is_some_and(|n| n > 0))
    }
    /// Who made the referral: a practice, or the person themselves (SELF; then there is no
    /// referring practice and no patient reference).
    async fn source(&self) -> ReferralSource {
        self.0.source.into()
    }
    /// The referring practice.
    async fn referrer_organisation_id(&self) -> Option<ID> {
        self.0.referrer_organisation_id.clone().map(ID)
    }
    /// Pseudonymous patient reference of the practice; null once purged.
    async fn patient_ref(&self) -> Option<&str> {
        self.0.patient_ref.as_deref()
    }
    /// The patient consented to the referral.
    async fn consent(&self) -> bool {
        self.0.consent
    }
    /// How the patient prefers to be contacted.
    async fn contact_preference(&self) -> Option<ContactPreference> {
        self.0.contact_preference.map(Into::into)
    }
    /// Life domains the referral is about.
    async fn reason_domains(&self) -> Vec<LifeDomain> {
        self.0
            .reason_domains
            .0
            .iter()
            .filter_map(|d| entities::LifeDomain::from_str_opt(d))
            .map(Into::into)
            .collect()
    }
    /// Practical needs (mobility, language, company, best times, contact person); all false
    /// and empty when none were given or once purged.
    async fn practical_needs(&self) -> PracticalNeeds {
        Needs::from_json(self.0.practical_needs.as_ref()).into()
    }
    /// Short note without medical content; null once purged.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Contact details for a warm handover, given with the person's consent; null when none
    /// were given or they are purged (or, at the referrer's node, handed to the offer's node).
    /// Only the receiving organisation's editors and the referring practice may read them
    /// (`FORBIDDEN` for anyone else); every read, and every refusal, is in the audit log.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<ReferralContact>> {
        let state = app(ctx)?;
        let receiving = svc::receiving_organisation(&state.db, &self.0.offer_id).await?;
        Ok(svc::contact::read(state, actor(ctx)?, &self.0, &receiving)
            .await?
            .map(Into::into))
    }
    /// Current status.
    async fn status(&self) -> ReferralStatus {
        self.0.status.into()
    }
    /// Reason of a rejection or cancellation.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The offer had no open places when the referral was sent.
    async fn offer_was_full(&self) -> bool {
        self.0.offer_was_full
    }
    /// When the referral was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When the referral was closed (rejected, completed, cancelled).
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// When the patient reference and notes were removed after the retention period.
    async fn purged_at(&self) -> Option<DateTime<Utc>> {
        self.0.purged_at
    }
    /// Optimistic-concurrency version; send it back with a status change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// What became of the person, recorded by the receiving organisation when it closed the
    /// referral (null before).
    async fn outcome(&self) -> Option<OutcomeView> {
        self.0.outcome.map(|o| OutcomeView {
            outcome: o.into(),
            stop_reason: self.0.stop_reason.map(Into::into),
            first_meeting_on: self.0.first_meeting_on,
        })
    }
    /// The receiving organisation asks the referrer to contact the patient ("terug naar de
    /// huisarts").
    async fn contact_patient_requested(&self) -> bool {
        self.0.contact_patient
    }
    /// Short non-medical note with that request; null once purged.
    async fn contact_patient_note(&self) -> Option<&str> {
        self.0.contact_note.as_deref()
    }
    /// Expected start while on the waiting list (ON_HOLD).
    async fn expected_start(&self) -> Option<NaiveDate> {
        self.0.expected_start
    }
    /// Every status change, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<ReferralEvent>> {
        Ok(svc::events(&app(ctx)?.db, &self.0.id)
            .await?
            .into_iter()
            .map(ReferralEvent)
            .collect())
    }
}

/// One status change of a referral.
pub struct ReferralEvent(pub referral_event::Model);

/// One status change of a referral: who, when, from which status to which.
#[Object]
impl ReferralEvent {
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who made the change: a user id, `system` or `node:<id>`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// Status before (null for the first event).
    async fn from_status(&self) -> Option<ReferralStatus> {
        self.0.from_status.map(Into::into)
    }
    /// Status after.
    async fn to_status(&self) -> ReferralStatus {
        self.0.to_status.into()
    }
    /// Note or reason given with the change; null once purged.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The outcome recorded with this change.
    async fn outcome(&self) -> Option<ReferralOutcome> {
        self.0.outcome.map(Into::into)
    }
    /// The organisation asked the referrer to contact the patient with this change.
    async fn contact_patient_requested(&self) -> bool {
        self.0.contact_patient
    }
    /// Expected start given with a move to the waiting list.
    async fn expected_start(&self) -> Option<NaiveDate> {
        self.0.expected_start
    }
}

/// What became of the person when the referral closed.
#[derive(SimpleObject, Clone)]
pub struct OutcomeView {
    /// The outcome.
    pub outcome: ReferralOutcome,
    /// Why the person stopped (with STOPPED).
    pub stop_reason: Option<StopReason>,
    /// The first meeting (with FIRST_MEETING).
    pub first_meeting_on: Option<NaiveDate>,
}

/// A status change announced to subscribers (no personal data).
#[derive(SimpleObject, Clone)]
pub struct ReferralUpdate {
    /// The referral.
    pub referral_id: ID,
    /// Its new status.
    pub status: ReferralStatus,
    /// Its new version.
    pub version: i32,
    /// When it changed.
    pub at: DateTime<Utc>,
    /// The outcome recorded when the referral closed.
    pub outcome: Option<ReferralOutcome>,
    /// The organisation asks the referrer to contact the patient.
    pub contact_patient_requested: bool,
    /// Expected start on the waiting list.
    pub expected_start: Option<NaiveDate>,
}

/// Number of referrals with one status (anonymous).
#[derive(SimpleObject)]
pub struct ReferralCount {
    /// The status.
    pub status: ReferralStatus,
    /// How many referrals have it.
    pub count: u64,
}

/// Anonymous referral figures of a practice for a period.
#[derive(SimpleObject)]
pub struct PracticeReferralStats {
    /// The practice.
    pub practice_id: ID,
    /// First day of the period (referrals sent from then).
    pub from: NaiveDate,
    /// Last day of the period (included).
    pub to: NaiveDate,
    /// All referrals of the period.
    pub total: ReferralFigures,
    /// Per offer, most referrals first.
    pub offers: Vec<OfferReferralFigures>,
}

/// Figures of a set of referrals (counts only).
#[derive(SimpleObject)]
pub struct ReferralFigures {
    /// Referrals sent.
    pub sent: u64,
    /// Of those, accepted at some point (also after the waiting list).
    pub accepted: u64,
    /// Of those, started (in progress) at some point.
    pub started: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Of those, stopped early (closed by the organisation with the outcome STOPPED).
    pub stopped: u64,
    /// The stopped ones per reason (every reason, zeros included).
    pub stop_reasons: Vec<StopReasonCount>,
    /// Median days from sending to the organisation's first answer (null before any answer).
    pub median_days_to_first_contact: Option<f64>,
}

/// How many stopped for one reason.
#[derive(SimpleObject)]
pub struct StopReasonCount {
    /// The reason.
    pub reason: StopReason,
    /// How many.
    pub count: u64,
}

/// The figures of one offer.
#[derive(SimpleObject)]
pub struct OfferReferralFigures {
    /// The offer.
    pub offer_id: ID,
    /// Its title (null when the offer is gone here).
    pub title: Option<String>,
    /// Its figures.
    pub figures: ReferralFigures,
}

impl From<svc::stats::Figures> for ReferralFigures {
    fn from(f: svc::stats::Figures) -> Self {
        Self {
            sent: f.sent,
            accepted: f.accepted,
            started: f.started,
            completed: f.completed,
            stopped: f.stopped,
            stop_reasons: f
                .stop_reasons
                .into_iter()
                .map(|(reason, count)| StopReasonCount {
                    reason: reason.into(),
                    count,
                })
                .collect(),
            median_days_to_first_contact: f.median_days_to_first_contact,
        }
    }
}

impl From<svc::stats::PracticeStats> for PracticeReferralStats {
    fn from(s: svc::stats::PracticeStats) -> Self {
        Self {
            practice_id: ID(s.practice_id),
            from: s.from,
            to: s.to,
            total: s.total.into(),
            offers: s
                .offers
                .into_iter()
                .map(|o| OfferReferralFigures {
                    offer_id: ID(o.offer_id),
                    title: o.title,
                    figures: o.figures.into(),
                })
                .collect(),
        }
    }
}
