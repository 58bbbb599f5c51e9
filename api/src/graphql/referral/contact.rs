//! Contact details for a warm handover: given with `sendReferral` (with the person's consent),
//! read by the two sides of the referral as `Referral.contact` (every read audited).

use crate::domain::{Actor, ContactDetails};
use crate::error::AppResult;
use crate::services::referral::contact::{self, ConsentBy, ContactConsent, Handover};
use async_graphql::{InputObject, SimpleObject};

/// How the receiving organisation may reach the person (a warm handover). Stored encrypted,
/// only with `consent`, and shown only to the receiving organisation's editors and the
/// referring practice.
#[derive(InputObject)]
pub struct ContactInput {
    /// The name the person wants to be addressed by.
    pub name: String,
    /// Phone number (give a phone number, an e-mail address or both).
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// When to call, in the person's words ("doordeweeks na 17:00").
    pub best_time_to_call: Option<String>,
    /// Someone close to the person (a naaste) may join the first contact.
    #[graphql(default)]
    pub naaste_may_join: bool,
    /// The person agreed to share these details with the receiving organisation; without it
    /// nothing is stored (`BAD_USER_INPUT` on `input.contact.consent`).
    #[graphql(default)]
    pub consent: bool,
}

impl ContactInput {
    /// The checked details with the consent, recorded as given by `actor` (errors under
    /// `contact.`).
    pub fn parse(&self, actor: &Actor) -> AppResult<Handover> {
        let details = contact::parse_details(
            &self.name,
            self.phone.as_deref(),
            self.email.as_deref(),
            self.best_time_to_call.as_deref(),
            self.naaste_may_join,
        )
        .map_err(|e| e.in_field("contact"))?;
        let by = ConsentBy::User(actor.user()?.id.clone());
        Ok(Handover::now(
            details,
            ContactConsent {
                given: self.consent,
                by,
            },
        ))
    }
}

/// Contact details of a referral's person, as the two sides see them.
#[derive(SimpleObject)]
pub struct ReferralContact {
    /// The name the person wants to be addressed by.
    pub name: String,
    /// Phone number, as the person gave it.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// When to call, in the person's words.
    pub best_time_to_call: Option<String>,
    /// Someone close to the person (a naaste) may join the first contact.
    pub naaste_may_join: bool,
}

impl From<ContactDetails> for ReferralContact {
    fn from(d: ContactDetails) -> Self {
        Self {
            name: d.name().to_string(),
            phone: d.phone().map(|p| p.as_str().to_string()),
            email: d.email().map(|e| e.as_str().to_string()),
            best_time_to_call: d.best_time_to_call().map(str::to_string),
            naaste_may_join: d.naaste_may_join(),
        }
    }
}
