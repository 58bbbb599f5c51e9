//! `setOfferNetworkDetails`: the mutation of an offer's partners, funding and attributes.

use super::funding::{DeliveryMode, FunderKind, FundingRoute};
use super::types::Offer;
use crate::domain::funding::{
    Access, DeliveryMode as DomDeliveryMode, FunderKind as DomFunderKind,
    FundingRoute as DomFundingRoute, NetworkDetails, NetworkDetailsFields,
};
use crate::graphql::{actor, app, id_arg, input_error};
use crate::services::network as svc;
use async_graphql::{Context, ID, InputObject, Object, Result};

/// One funder of an offer.
#[derive(InputObject, Clone, Debug)]
pub struct FunderInput {
    /// E.g. "Gemeente Nijmegen"; at most 200 characters.
    pub name: String,
    /// What kind of body it is.
    pub kind: FunderKind,
}

/// Partners, funding and attributes of an offer (replaced as a whole).
#[derive(InputObject, Clone, Debug, Default)]
pub struct OfferNetworkDetailsInput {
    /// Global ids of the organisations running the offer together with its owner (at most 10).
    #[graphql(default)]
    pub partner_ids: Vec<ID>,
    /// Funders, in display order (at most 10).
    #[graphql(default)]
    pub funders: Vec<FunderInput>,
    /// Funding routes.
    #[graphql(default)]
    pub routes: Vec<FundingRoute>,
    /// Led by experts by experience (ervaringsdeskundigen).
    #[graphql(default)]
    pub peer_led: bool,
    /// Online, hybrid or on site.
    pub delivery_mode: Option<DeliveryMode>,
    /// The places are wheelchair accessible.
    #[graphql(default)]
    pub wheelchair_accessible: bool,
    /// A hearing loop is available.
    #[graphql(default)]
    pub hearing_loop: bool,
    /// Public transport stops nearby.
    #[graphql(default)]
    pub public_transport_nearby: bool,
}

impl OfferNetworkDetailsInput {
    /// The raw fields, in the domain's field names (`partners`, `funders`, `routes`, `mode`).
    fn fields(self) -> NetworkDetailsFields {
        NetworkDetailsFields {
            partners: self.partner_ids.into_iter().map(|id| id.0).collect(),
            funders: (self.funders.into_iter())
                .map(|f| (f.name, DomFunderKind::from(f.kind).as_str().to_string()))
                .collect(),
            routes: (self.routes.into_iter())
                .map(|r| DomFundingRoute::from(r).as_str().to_string())
                .collect(),
            peer_led: self.peer_led,
            mode: (self.delivery_mode).map(|m| DomDeliveryMode::from(m).as_str().to_string()),
            access: Access {
                wheelchair: self.wheelchair_accessible,
                hearing_loop: self.hearing_loop,
                public_transport: self.public_transport_nearby,
            },
        }
    }
}

/// The field of the input a domain error names (`partners.0` is `input.partnerIds.0`).
fn input_field(e: crate::error::AppError) -> crate::error::AppError {
    let renamed = match e.field_name() {
        Some(f) if f.starts_with("partners") => Some(f.replacen("partners", "partnerIds", 1)),
        Some(f) if f.starts_with("mode") => Some("deliveryMode".to_string()),
        _ => None,
    };
    match (renamed, e) {
        (Some(field), crate::error::AppError::BadInput { message, .. }) => {
            crate::error::AppError::field(field, message).in_field("input")
        }
        (_, e) => input_error(e),
    }
}

/// The mutation of an offer's partners, funding and attributes.
#[derive(Default)]
pub struct OfferFundingMutation;

#[Object]
impl OfferFundingMutation {
    /// Sets the partners, funding and attributes of an offer (replaced as a whole); its
    /// editors only. `version` must be the offer's current one; the offer's version is bumped.
    async fn set_offer_network_details(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: OfferNetworkDetailsInput,
    ) -> Result<Offer> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&id, "id")?;
        let owner = crate::services::offer::load_own(&app.db, &app.node_id, &id).await?;
        let details =
            NetworkDetails::parse(input.fields(), &owner.organisation_id).map_err(input_field)?;
        let saved = svc::set_offer_details(app, actor, &id, version, details)
            .await
            .map_err(input_field)?;
        Ok(Offer(saved))
    }
}
