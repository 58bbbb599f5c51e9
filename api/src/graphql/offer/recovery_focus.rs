//! GraphQL for an offer's recovery focus (issue 19): `Offer.recoveryFocus` and
//! `setOfferRecoveryFocus`. Words from the Trimbos knowledge bundle, not a clinical
//! classification.

use super::types::Offer;
use crate::domain::recovery_focus as dom;
use crate::graphql::loaders::Loaders;
use crate::graphql::{actor, app, id_arg};
use crate::services::offer::recovery_focus as svc;
use async_graphql::{Context, Enum, ID, Object, Result};

/// What an offer supports in personal recovery (Trimbos knowledge bundle; CHIME).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryFocus {
    /// Verbinding: connection with others, belonging.
    Verbinding,
    /// Hoop: hope and optimism about the future.
    Hoop,
    /// Identiteit: rebuilding a positive sense of who one is.
    Identiteit,
    /// Betekenis en zingeving: meaning and purpose.
    Betekenis,
    /// Eigen regie: empowerment, being in charge of one's own life.
    EigenRegie,
}

impl From<RecoveryFocus> for dom::RecoveryFocus {
    fn from(f: RecoveryFocus) -> Self {
        match f {
            RecoveryFocus::Verbinding => Self::Verbinding,
            RecoveryFocus::Hoop => Self::Hoop,
            RecoveryFocus::Identiteit => Self::Identiteit,
            RecoveryFocus::Betekenis => Self::Betekenis,
            RecoveryFocus::EigenRegie => Self::EigenRegie,
        }
    }
}

impl From<dom::RecoveryFocus> for RecoveryFocus {
    fn from(f: dom::RecoveryFocus) -> Self {
        match f {
            dom::RecoveryFocus::Verbinding => Self::Verbinding,
            dom::RecoveryFocus::Hoop => Self::Hoop,
            dom::RecoveryFocus::Identiteit => Self::Identiteit,
            dom::RecoveryFocus::Betekenis => Self::Betekenis,
            dom::RecoveryFocus::EigenRegie => Self::EigenRegie,
        }
    }
}

/// `Offer.recoveryFocus` of `offer`, batched over a list.
pub async fn of_offer(ctx: &Context<'_>, offer: &Offer) -> Result<Vec<RecoveryFocus>> {
    let set = ctx
        .data::<Loaders>()?
        .recovery_focus
        .load_one(offer.0.id.clone())
        .await?
        .unwrap_or_default();
    Ok(set.into_iter().map(Into::into).collect())
}

/// Setting an offer's recovery focus.
#[derive(Default)]
pub struct RecoveryFocusMutation;

#[Object]
impl RecoveryFocusMutation {
    /// Sets the recovery focus of an offer (replacing what was there; an empty list clears
    /// it); its editors and node admins only (`FORBIDDEN` otherwise), `version` must be the
    /// offer's current one (`CONFLICT` otherwise). Counts as confirming the offer current.
    async fn set_offer_recovery_focus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the offer.")] offer_id: ID,
        #[graphql(desc = "The offer's current version.")] version: i32,
        #[graphql(desc = "The words that apply (duplicates count once).")] focus: Vec<
            RecoveryFocus,
        >,
    ) -> Result<Offer> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&offer_id, "offerId")?;
        let set = focus.into_iter().map(Into::into).collect();
        Ok(Offer(svc::set(app, actor, &id, version, set).await?))
    }
}
