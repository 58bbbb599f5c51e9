//! Network mutations (node admins): create, update, delete, add and remove members.

use super::types::Network;
use crate::graphql::{actor, app, id_arg, input_error};
use crate::services::network::{self as svc, NetworkFields, NetworkPatch};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// Fields of a network (replaced as a whole on update).
#[derive(InputObject, Clone, Debug)]
pub struct NetworkInput {
    /// Name of the network; required.
    pub name: String,
    /// What the network does (plain text).
    pub description: Option<String>,
    /// Website (`https://...`).
    pub website: Option<String>,
    /// CBS codes of the gemeenten the network works in (`GM0361`).
    #[graphql(default)]
    pub region: Vec<String>,
}

impl NetworkInput {
    fn parse(self) -> Result<NetworkPatch, crate::error::AppError> {
        NetworkPatch::parse(NetworkFields {
            name: self.name,
            description: self.description,
            website: self.website,
            region: self.region,
        })
        .map_err(input_error)
    }
}

/// Mutations on networks; node admins only (`FORBIDDEN` for others).
#[derive(Default)]
pub struct NetworkMutation;

#[Object]
impl NetworkMutation {
    /// Creates a network.
    async fn create_network(&self, ctx: &Context<'_>, input: NetworkInput) -> Result<Network> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let patch = input.parse()?;
        Ok(Network(svc::create(app, actor, patch).await?))
    }

    /// Changes a network; `version` must be the current one.
    async fn update_network(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: NetworkInput,
    ) -> Result<Network> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&id, "id")?;
        let patch = input.parse()?;
        Ok(Network(svc::update(app, actor, &id, version, patch).await?))
    }

    /// Deletes a network and its memberships. Returns the deleted network's id.
    async fn delete_network(&self, ctx: &Context<'_>, id: ID, version: i32) -> Result<ID> {
        svc::delete(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version).await?;
        Ok(id)
    }

    /// Adds an organisation or practice to a network (adding it twice changes nothing).
    async fn add_network_member(
        &self,
        ctx: &Context<'_>,
        network_id: ID,
        organisation_id: ID,
    ) -> Result<Network> {
        let (n, o) = (
            id_arg(&network_id, "networkId")?,
            id_arg(&organisation_id, "organisationId")?,
        );
        Ok(Network(
            svc::add_member(app(ctx)?, actor(ctx)?, &n, &o).await?,
        ))
    }

    /// Removes an organisation or practice from a network.
    async fn remove_network_member(
        &self,
        ctx: &Context<'_>,
        network_id: ID,
        organisation_id: ID,
    ) -> Result<Network> {
        let (n, o) = (
            id_arg(&network_id, "networkId")?,
            id_arg(&organisation_id, "organisationId")?,
        );
        Ok(Network(
            svc::remove_member(app(ctx)?, actor(ctx)?, &n, &o).await?,
        ))
    }
}
