//! GraphQL for fresh listings: `Offer.freshness`, `confirmOfferCurrent` and `staleOffers`.

use super::types::Offer;
use crate::graphql::loaders::Loaders;
use crate::graphql::{actor, app, id_arg};
use crate::services::offer::freshness::{self as svc, Freshness};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// When an offer was last confirmed current, and whether that is too long ago.
#[derive(SimpleObject)]
pub struct OfferFreshness {
    /// When the offer was last confirmed current (or changed by its editors).
    pub confirmed_at: DateTime<Utc>,
    /// Who confirmed it: a display name, or none when it started confirmed at its last change.
    pub confirmed_by: Option<String>,
    /// Not confirmed for `[offers] stale_after_days` days.
    pub stale: bool,
    /// Whole months since the confirmation.
    pub months_ago: i64,
}

impl OfferFreshness {
    fn new(f: Freshness, stale_after_days: i64) -> Self {
        let now = Utc::now();
        Self {
            stale: f.is_stale(svc::stale_cutoff(now, stale_after_days)),
            months_ago: f.months_ago(now),
            confirmed_at: f.confirmed_at,
            confirmed_by: f.confirmed_by,
        }
    }
}

/// `Offer.freshness` of `offer`.
pub async fn of_offer(ctx: &Context<'_>, offer: &Offer) -> Result<OfferFreshness> {
    let app = app(ctx)?;
    let row = ctx
        .data::<Loaders>()?
        .confirmations
        .load_one(offer.0.id.clone())
        .await?;
    let f = svc::from_row(&offer.0, row.as_ref());
    Ok(OfferFreshness::new(f, app.config.offers.stale_after_days))
}

/// Stale offers for their editors.
#[derive(Default)]
pub struct FreshnessQuery;

#[Object]
impl FreshnessQuery {
    /// Offers of this node not confirmed current for `[offers] stale_after_days`, of the
    /// organisations the caller edits (all for node admins), oldest confirmation first.
    async fn stale_offers(&self, ctx: &Context<'_>) -> Result<Vec<Offer>> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        actor.user()?;
        let cutoff = svc::stale_cutoff(Utc::now(), app.config.offers.stale_after_days);
        let list = svc::stale_for(app, actor, cutoff).await?;
        Ok(list.into_iter().map(|(o, _)| Offer(o)).collect())
    }
}

/// Confirming offers current.
#[derive(Default)]
pub struct FreshnessMutation;

#[Object]
impl FreshnessMutation {
    /// Confirms that an offer is still current, in one step; editors of its organisation
    /// and node admins only (`FORBIDDEN` otherwise). The offer's version does not change.
    async fn confirm_offer_current(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> Result<OfferFreshness> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&offer_id, "offerId")?;
        let f = svc::confirm(app, actor, &id).await?;
        Ok(OfferFreshness::new(f, app.config.offers.stale_after_days))
    }
}
