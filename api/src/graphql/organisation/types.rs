//! The `Organisation` object.

use crate::graphql::area::Area;
use crate::graphql::enums::{OrganisationKind, OrganisationStatus};
use crate::graphql::loaders::Loaders;
use crate::graphql::offer::{OfferConnection, OfferFilterInput, offer_connection};
use crate::services::offer_list::OfferGroup;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::organisation;

/// An organisation that runs offers or refers to them.
pub struct Organisation(pub organisation::Model);

/// An organisation that runs offers or refers to them (welfare, volunteer group, GGZ provider,
/// GP practice, municipality).
#[Object]
impl Organisation {
    /// Global id `<node-id>:<uuid>`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Node that owns this record; only that node changes it.
    async fn origin_node(&self) -> &str {
        &self.0.origin_node
    }
    /// Name of the organisation.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of organisation.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// Publication state.
    async fn status(&self) -> OrganisationStatus {
        self.0.status.into()
    }
    /// What the organisation does (plain text).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Kamer van Koophandel number.
    async fn kvk(&self) -> Option<&str> {
        self.0.kvk.as_deref()
    }
    /// AGB code of a care provider.
    async fn agb(&self) -> Option<&str> {
        self.0.agb.as_deref()
    }
    /// Website (http or https URL).
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// General e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// General telephone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Areas the organisation serves.
    async fn areas(&self, ctx: &Context<'_>) -> Result<Vec<Area>> {
        let loaders = ctx.data::<Loaders>()?;
        let codes = loaders
            .organisation_areas
            .load_one(self.0.id.clone())
            .await?
            .unwrap_or_default();
        let areas = loaders.area.load_many(codes.iter().cloned()).await?;
        Ok(codes
            .iter()
            .filter_map(|c| areas.get(c).cloned().map(Area))
            .collect())
    }
    /// Networks the organisation (or practice) belongs to, by name.
    async fn networks(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::network::Network>> {
        crate::graphql::network::organisation_networks(ctx, &self.0.id).await
    }
    /// The organisation's public offers; over a list of organisations, one query for all of
    /// them.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        filter: Option<OfferFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OfferConnection> {
        let mut filter = filter.unwrap_or_default();
        filter.organisation_id = None;
        let group = OfferGroup::Organisation(self.0.id.clone());
        offer_connection(ctx, filter, Some(group), first, after).await
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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
