//! Offer mutations: create, update, publish, end and delete.

use super::inputs::OfferInput;
use super::types::Offer;
use crate::graphql::{actor, app, input_error};
use crate::services::offer as svc;
use async_graphql::{Context, ID, Object, Result};

/// Mutations on offers. Each is one transaction; a stale `version` gives `CONFLICT`.
#[derive(Default)]
pub struct OfferMutation;

#[Object]
impl OfferMutation {
    /// Creates an unpublished offer of an organisation owned by this node.
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: OfferInput,
    ) -> Result<Offer> {
        let draft = svc::create(app(ctx)?, actor(ctx)?, &organisation_id, input.into())
            .await
            .map_err(input_error)?;
        Ok(Offer(draft.offer))
    }

    /// Changes an offer; `version` must be the current one.
    async fn update_offer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: OfferInput,
    ) -> Result<Offer> {
        let draft = svc::update(app(ctx)?, actor(ctx)?, &id, version, input.into())
            .await
            .map_err(input_error)?;
        Ok(Offer(draft.offer))
    }

    /// Publishes an offer (visible once its organisation is published too).
    async fn publish_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Offer> {
        Ok(Offer(
            svc::publish(app(ctx)?, actor(ctx)?, &id, version)
                .await?
                .offer,
        ))
    }

    /// Ends an offer; it can no longer be changed.
    async fn end_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Offer> {
        Ok(Offer(
            svc::end(app(ctx)?, actor(ctx)?, &id, version).await?.offer,
        ))
    }

    /// Deletes an offer; peers receive a tombstone. Returns the deleted offer's id.
    async fn delete_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<ID> {
        svc::delete(app(ctx)?, actor(ctx)?, &id, version).await?;
        Ok(id)
    }
}
