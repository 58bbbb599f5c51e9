//! Network queries: every network, one network, and the networks of an organisation.

use super::types::Network;
use crate::graphql::loaders::Loaders;
use crate::graphql::{app, id_arg};
use crate::services::network as svc;
use async_graphql::{Context, ID, Object, Result};

/// Queries on networks.
#[derive(Default)]
pub struct NetworkQuery;

#[Object]
impl NetworkQuery {
    /// Every network of this node, by name.
    async fn networks(&self, ctx: &Context<'_>) -> Result<Vec<Network>> {
        Ok(svc::list(&app(ctx)?.db)
            .await?
            .into_iter()
            .map(Network)
            .collect())
    }

    /// One network by id.
    async fn network(&self, ctx: &Context<'_>, id: ID) -> Result<Network> {
        Ok(Network(svc::get(&app(ctx)?.db, &id_arg(&id, "id")?).await?))
    }
}

/// `Organisation.networks`: the networks an organisation belongs to, batched over a list.
pub async fn organisation_networks(
    ctx: &Context<'_>,
    organisation_id: &str,
) -> Result<Vec<Network>> {
    let list = ctx
        .data::<Loaders>()?
        .networks
        .load_one(organisation_id.to_string())
        .await?;
    Ok(list.unwrap_or_default().into_iter().map(Network).collect())
}
