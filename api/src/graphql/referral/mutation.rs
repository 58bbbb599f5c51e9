//! Mutations on referrals: send, and change status (with `version`).

use super::contact::ContactInput;
use super::types::Referral;
use crate::domain::GlobalId;
use crate::error::AppError;
use crate::graphql::enums::{ContactPreference, LifeDomain, ReferralStatus, to_entities};
use crate::graphql::{actor, app, input_error};
use crate::services::referral::{self as svc, NewReferral};
use async_graphql::{Context, ID, InputObject, Object, Result};

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
    /// Short note (at most 280 characters) without medical content.
    pub note: Option<String>,
    /// Contact details for the receiving organisation (a warm handover), with the person's
    /// consent; refused on a node without a key for them.
    pub contact: Option<ContactInput>,
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
            note: input.note,
            contact,
        };
        let state = app(ctx)?;
        Ok(Referral(
            svc::create(state, actor, new, &*state.peers)
                .await
                .map_err(input_error)?,
        ))
    }

    /// Moves a referral to `status`: the receiving organisation marks it RECEIVED, ACCEPTED or
    /// REJECTED (with a reason in `note`), IN_PROGRESS and COMPLETED; either side may CANCEL
    /// it while open. `version` must be current.
    async fn update_referral_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: ReferralStatus,
        note: Option<String>,
    ) -> Result<Referral> {
        let id = GlobalId::parse(&id).map_err(|e: AppError| e.in_field("id"))?;
        Ok(Referral(
            svc::transition(app(ctx)?, actor(ctx)?, &id, version, status.into(), note).await?,
        ))
    }
}
