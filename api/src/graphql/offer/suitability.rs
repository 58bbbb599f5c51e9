//! GraphQL for an offer's suitability: `Offer.suitability`, `setOfferSuitability`, and the
//! referrer's answers in `ReferralInput.suitability`.

use super::types::Offer;
use crate::domain::suitability::{self as dom, Suitability};
use crate::graphql::loaders::Loaders;
use crate::graphql::{actor, app, id_arg, input_error};
use crate::services::offer::suitability as svc;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

/// A reason an offer is not suitable for someone (a fixed list; no diagnosis text).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContraIndication {
    /// Acute psychose.
    AcutePsychosis,
    /// Bipolaire stoornis.
    BipolarDisorder,
    /// Actieve verslaving.
    ActiveAddiction,
    /// Terminale ziekte.
    TerminalIllness,
}

impl From<ContraIndication> for dom::ContraIndication {
    fn from(c: ContraIndication) -> Self {
        match c {
            ContraIndication::AcutePsychosis => Self::AcutePsychosis,
            ContraIndication::BipolarDisorder => Self::BipolarDisorder,
            ContraIndication::ActiveAddiction => Self::ActiveAddiction,
            ContraIndication::TerminalIllness => Self::TerminalIllness,
        }
    }
}

impl From<dom::ContraIndication> for ContraIndication {
    fn from(c: dom::ContraIndication) -> Self {
        match c {
            dom::ContraIndication::AcutePsychosis => Self::AcutePsychosis,
            dom::ContraIndication::BipolarDisorder => Self::BipolarDisorder,
            dom::ContraIndication::ActiveAddiction => Self::ActiveAddiction,
            dom::ContraIndication::TerminalIllness => Self::TerminalIllness,
        }
    }
}

/// Who an offer is for and not for, shown before a GP refers.
#[derive(SimpleObject)]
pub struct OfferSuitability {
    /// Who the offer is not for.
    pub contra_indications: Vec<ContraIndication>,
    /// Free note on suitability (e.g. "niet in een acute crisis").
    pub note: Option<String>,
    /// What a participant commits to (e.g. agreements signed at intake).
    pub commitments: Vec<String>,
    /// Youngest age taken (the offer's `minAge`).
    pub min_age: Option<i32>,
    /// Oldest age taken (the offer's `maxAge`).
    pub max_age: Option<i32>,
    /// Languages a participant needs (the offer's `languages`).
    pub languages: Vec<String>,
}

/// `Offer.suitability` of `offer`.
pub async fn of_offer(ctx: &Context<'_>, offer: &Offer) -> Result<OfferSuitability> {
    let s = ctx
        .data::<Loaders>()?
        .suitability
        .load_one(offer.0.id.clone())
        .await?
        .unwrap_or_default();
    Ok(OfferSuitability {
        contra_indications: s.contra_indications.into_iter().map(Into::into).collect(),
        note: s.note,
        commitments: s.commitments,
        min_age: offer.0.min_age,
        max_age: offer.0.max_age,
        languages: offer.0.languages.0.clone(),
    })
}

/// An offer's suitability to set (replaces what was there).
#[derive(InputObject)]
pub struct OfferSuitabilityInput {
    /// Who the offer is not for.
    #[graphql(default)]
    pub contra_indications: Vec<ContraIndication>,
    /// Free note, at most 1000 characters.
    pub note: Option<String>,
    /// What a participant commits to: at most 12, each at most 200 characters.
    #[graphql(default)]
    pub commitments: Vec<String>,
}

/// What a referrer states against the offer's suitability; nothing of it is stored, only
/// that a conflict was confirmed.
#[derive(InputObject, Default)]
pub struct ReferralSuitabilityInput {
    /// Which of the offer's contra-indications apply to the person.
    #[graphql(default)]
    pub contra_indications: Vec<ContraIndication>,
    /// The person's age, checked against the offer's age range.
    pub age: Option<i32>,
    /// Send the referral despite the conflicts named by `NEEDS_CONFIRMATION`.
    #[graphql(default)]
    pub confirmed: bool,
}

impl ReferralSuitabilityInput {
    /// The answers as the service takes them (`BAD_USER_INPUT` on a wrong age).
    pub fn parse(self) -> crate::error::AppResult<dom::SuitabilityAnswers> {
        dom::SuitabilityAnswers::parse(
            self.contra_indications
                .into_iter()
                .map(Into::into)
                .collect(),
            self.age,
            self.confirmed,
        )
        .map_err(|e| e.in_field("suitability"))
    }
}

/// Mutations on an offer's suitability.
#[derive(Default)]
pub struct SuitabilityMutation;

#[Object]
impl SuitabilityMutation {
    /// Sets who an offer is for and not for; its editors only, `version` must be current
    /// (`CONFLICT` otherwise). Counts as confirming the offer current.
    async fn set_offer_suitability(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        version: i32,
        input: OfferSuitabilityInput,
    ) -> Result<Offer> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&offer_id, "offerId")?;
        let suitability = Suitability::parse(
            input
                .contra_indications
                .into_iter()
                .map(Into::into)
                .collect(),
            input.note.as_deref(),
            &input.commitments,
        )
        .map_err(input_error)?;
        Ok(Offer(
            svc::set(app, actor, &id, version, suitability).await?,
        ))
    }
}
