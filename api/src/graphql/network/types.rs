//! The `Network` object.

use crate::graphql::organisation::Organisation;
use crate::graphql::{actor, app};
use crate::services::network as svc;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::network;

/// A network of organisations and practices working together in a region (e.g. a Netwerk
/// Mentale Gezondheid). Local to this node.
pub struct Network(pub network::Model);

#[Object]
impl Network {
    /// Global id `<node-id>:<uuid>`.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Name of the network.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the network does (plain text).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Website of the network.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// CBS codes of the gemeenten the network works in.
    async fn region(&self) -> &[String] {
        &self.0.region.0
    }
    /// Member organisations and practices (published ones; node admins see all), by name.
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let list = svc::members(&app(ctx)?.db, actor(ctx)?, &self.0.id).await?;
        Ok(list.into_iter().map(Organisation).collect())
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Version for optimistic concurrency: send it back with an update.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
