//! `selfRefer`: a person signs themselves up for an offer, without an account (the same rules
//! as the offer's public "Aanmelden" form, see [`crate::services::referral::self_referral`]),
//! within the per-address hourly limit (`auth.self_referrals_per_hour`).

use crate::auth::client_ip::ClientIp;
use crate::domain::{ContactDetails, GlobalId};
use crate::graphql::{app, input_error};
use crate::services::referral::self_referral::{self, NewSelfReferral, Receipt};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

/// A person's own sign-up for an offer.
#[derive(InputObject)]
pub struct SelfReferralInput {
    /// The offer (of this node, with an intake that does not require a referral).
    pub offer_id: ID,
    /// The name the person wants to be addressed by.
    pub name: String,
    /// Phone number; give a phone number or an e-mail address (or both).
    pub phone: Option<String>,
    /// E-mail address; a confirmation is sent to it when the node sends mail.
    pub email: Option<String>,
    /// A short message to the organisation (at most 280 characters, no medical details).
    pub message: Option<String>,
    /// The person agrees that the organisation receives these details and contacts them;
    /// must be true.
    pub consent: bool,
}

/// What the person is told after signing up (no personal data).
#[derive(SimpleObject)]
pub struct SelfReferralReceipt {
    /// Reference of the sign-up (a referral with source SELF at the organisation).
    pub referral_id: ID,
    /// The offer signed up for.
    pub offer_title: String,
    /// The organisation that will contact the person.
    pub organisation_name: String,
    /// Whether a confirmation e-mail is on its way.
    pub confirmation_mail: bool,
}

impl From<Receipt> for SelfReferralReceipt {
    fn from(r: Receipt) -> Self {
        Self {
            referral_id: ID(r.referral_id),
            offer_title: r.offer_title,
            organisation_name: r.organisation_name,
            confirmation_mail: r.confirmation_mail,
        }
    }
}

/// The self-referral mutation.
#[derive(Default)]
pub struct SelfReferralMutation;

#[Object]
impl SelfReferralMutation {
    /// Signs a person up for an offer themselves (anonymous allowed): the organisation
    /// receives it as a referral with source SELF and contacts the person. Only for offers of
    /// this node whose intake does not require a referral (`CONFLICT` otherwise); at most
    /// `auth.self_referrals_per_hour` attempts per address and hour (`TOO_MANY_REQUESTS`).
    async fn self_refer(
        &self,
        ctx: &Context<'_>,
        input: SelfReferralInput,
    ) -> Result<SelfReferralReceipt> {
        let state = app(ctx)?;
        let ip = ctx.data_opt::<ClientIp>().and_then(|ip| ip.0);
        state.auth.self_referrals.hit(ip)?;
        let offer_id =
            GlobalId::parse(&input.offer_id).map_err(|e| input_error(e.in_field("offerId")))?;
        let contact = ContactDetails::parse(
            &input.name,
            input.phone.as_deref(),
            input.email.as_deref(),
            None,
            false,
        )
        .map_err(input_error)?;
        let new = NewSelfReferral {
            offer_id,
            contact,
            message: input.message,
            consent: input.consent,
        };
        let send_mail = state.config.mail.smtp_url.is_some();
        let receipt = self_referral::create(state, new, send_mail)
            .await
            .map_err(input_error)?;
        Ok(receipt.into())
    }
}
