//! Mutations on referrals: send, and change status (with `version`), with an outcome when the
//! organisation closes it, a waiting list, and a place taken on accepting.

use super::contact::ContactInput;
use super::practical_needs::PracticalNeedsInput;
use super::types::Referral;
use crate::domain::GlobalId;
use crate::error::AppError;
use crate::graphql::enums::{
    ContactPreference, LifeDomain, ReferralOutcome, ReferralStatus, StopReason, to_entities,
};
use crate::graphql::{actor, app, input_error};
use crate::services::referral::{self as svc, Move, MoveDetails, NewReferral, Outcome};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;

/// A referral to send.
#[derive(InputObject)]
pub struct ReferralInput {
    /// The offer to refer to.
    pub offer_id: ID,
    /// Your practice; may be left out when you work for one practice.
    pub practice_id: Option<ID>,
    /// The practice's pseudonymous patient reference (no name, no BSN).
    pub patient_ref: String,
    /// The patient consented; must be true.
    pub consent: bool,
    /// How the patient prefers to be contacted.
    pub contact_preference: Option<ContactPreference>,
    /// Life domains the referral is about (at least one).
    pub reason_domains: Vec<LifeDomain>,
    /// Practical needs (mobility, language, company, best times, contact person): chosen
    /// options instead of free text.
    pub practical_needs: Option<PracticalNeedsInput>,
    /// Short note (at most 280 characters) without medical content: no medicine names, doses
    /// or diagnoses, in Dutch or English (`BAD_USER_INPUT` on `note` otherwise).
    pub note: Option<String>,
    /// Contact details for the receiving organisation (a warm handover), with the person's
    /// consent; refused on a node without a key for them.
    pub contact: Option<ContactInput>,
    /// Which of the offer's contra-indications apply and the person's age; a conflict gives
    /// `NEEDS_CONFIRMATION` (with `extensions.conflicts`) until `confirmed` is true. Only the
    /// confirmation is stored.
    pub suitability: Option<crate::graphql::offer::ReferralSuitabilityInput>,
}

/// What became of the person, recorded by the receiving organisation when it closes a
/// referral (COMPLETED with JOINED, FIRST_MEETING or COMPLETED; CANCELLED with STOPPED).
#[derive(InputObject)]
pub struct OutcomeInput {
    /// The outcome.
    pub outcome: ReferralOutcome,
    /// Why the person stopped; required with STOPPED, refused otherwise.
    pub stop_reason: Option<StopReason>,
    /// The date of the first meeting; required with FIRST_MEETING, refused otherwise.
    pub first_meeting_on: Option<NaiveDate>,
    /// Ask the referrer to contact the patient ("terug naar de huisarts").
    #[graphql(default)]
    pub contact_patient: bool,
    /// Short note (at most 280 characters, no medical content) with that request.
    pub contact_note: Option<String>,
}

impl OutcomeInput {
    /// The outcome and its contact request as the service takes them.
    fn into_details(self) -> MoveDetails {
        MoveDetails {
            outcome: Some(Outcome {
                kind: self.outcome.into(),
                stop_reason: self.stop_reason.map(Into::into),
                first_meeting_on: self.first_meeting_on,
            }),
            contact_patient: self.contact_patient,
            contact_note: self.contact_note,
            expected_start: None,
        }
    }
}

/// Mutations on referrals.
#[derive(Default)]
pub struct ReferralMutation;

#[Object]
impl ReferralMutation {
    /// Sends a referral (status REQUESTED). Practitioners only; a full offer is flagged.
    async fn send_referral(&self, ctx: &Context<'_>, input: ReferralInput) -> Result<Referral> {
        let parse = |id: &ID, field: &str| GlobalId::parse(id).map_err(|e| e.in_field(field));
        let practice_id = match &input.practice_id {
            Some(p) => Some(parse(p, "practiceId").map_err(input_error)?),
            None => None,
        };
        let actor = actor(ctx)?;
        let contact = match &input.contact {
            Some(c) => Some(c.parse(actor).map_err(input_error)?),
            None => None,
        };
        let new = NewReferral {
            offer_id: parse(&input.offer_id, "offerId").map_err(input_error)?,
            practice_id,
            patient_ref: input.patient_ref,
            consent: input.consent,
            contact_preference: input.contact_preference.map(Into::into),
            reason_domains: to_entities(&input.reason_domains),
            practical_needs: input.practical_needs.map(Into::into).unwrap_or_default(),
            note: input.note,
            contact,
            suitability: input
                .suitability
                .unwrap_or_default()
                .parse()
                .map_err(input_error)?,
        };
        let state = app(ctx)?;
        Ok(Referral(
            svc::create(state, actor, new, &*state.peers)
                .await
                .map_err(input_error)?,
        ))
    }

    /// Moves a referral to `status`: the receiving organisation marks it RECEIVED, ACCEPTED or
    /// REJECTED (with a reason in `note`), ON_HOLD (the waiting list, with `expectedStart`),
    /// ACCEPTED from the waiting list, IN_PROGRESS and COMPLETED (with an `outcome`); either
    /// side may CANCEL it while open, the organisation with an outcome STOPPED once accepted.
    /// `takePlace` with ACCEPTED takes a place on the offer in the same change; when the offer
    /// is full the referral goes ON_HOLD instead (from the waiting list: CONFLICT). `version`
    /// must be current.
    #[allow(clippy::too_many_arguments)]
    async fn update_referral_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: ReferralStatus,
        note: Option<String>,
        outcome: Option<OutcomeInput>,
        expected_start: Option<NaiveDate>,
        take_place: Option<bool>,
    ) -> Result<Referral> {
        let id = GlobalId::parse(&id).map_err(|e: AppError| e.in_field("id"))?;
        let mut details = outcome.map(OutcomeInput::into_details).unwrap_or_default();
        details.expected_start = expected_start;
        let mv = Move {
            to: status.into(),
            note,
            details,
            take_place: take_place.unwrap_or(false),
        };
        Ok(Referral(
            svc::transition(app(ctx)?, actor(ctx)?, &id, version, mv).await?,
        ))
    }
}
