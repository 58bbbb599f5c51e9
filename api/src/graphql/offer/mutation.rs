//! Offer mutations: create, update, publish, end and delete.

use super::inputs::OfferInput;
use super::types::Offer;
use crate::graphql::{actor, app, id_arg, input_error};
use crate::services::offer::{self as svc, OfferPatch};
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
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let organisation_id = id_arg(&organisation_id, "organisationId")?;
        let patch = OfferPatch::try_from(input).map_err(input_error)?;
        let draft = svc::create(app, actor, &organisation_id, patch)
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
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&id, "id")?;
        let patch = OfferPatch::try_from(input).map_err(input_error)?;
        let draft = svc::update(app, actor, &id, version, patch)
            .await
            .map_err(input_error)?;
        Ok(Offer(draft.offer))
    }

    /// Publishes an offer (visible once its organisation is published too).
    async fn publish_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Offer> {
        Ok(Offer(
            svc::publish(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version)
                .await?
                .offer,
        ))
    }

    /// Ends an offer; it can no longer be changed.
    async fn end_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<Offer> {
        Ok(Offer(
            svc::end(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version)
                .await?
                .offer,
        ))
    }

    /// Deletes an offer; peers receive a tombstone. Returns the deleted offer's id.
    async fn delete_offer(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<ID> {
        svc::delete(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version).await?;
        Ok(id)
    }
}
