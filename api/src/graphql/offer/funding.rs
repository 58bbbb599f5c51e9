//! Joint offers, funding and attributes on the `Offer` type (`Offer.partners`,
//! `Offer.funding`, `Offer.attributes`) and the `offers` filters on them; the mutation that
//! sets them is in [`super::funding_mutation`].

use crate::domain::funding::{
    self as dom, DeliveryMode as DomDeliveryMode, FunderKind as DomFunderKind,
    FundingRoute as DomFundingRoute, NetworkDetails,
};
use crate::graphql::loaders::Loaders;
use crate::graphql::organisation::Organisation;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use entities::offer;

/// What kind of body funds an offer.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FunderKind {
    /// A municipality (e.g. via the Wmo).
    Gemeente,
    /// A health insurer.
    Zorgverzekeraar,
    /// A charitable fund.
    Fonds,
    /// Anything else.
    Other,
}

/// How taking part is paid for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum FundingRoute {
    /// Wet maatschappelijke ondersteuning (gemeente).
    Wmo,
    /// Zorgverzekeringswet (health insurance).
    Zvw,
    /// The participant pays a contribution.
    EigenBijdrage,
    /// Free for participants.
    Gratis,
}

/// Where an offer takes place.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    /// Online only.
    Online,
    /// Partly online, partly on site.
    Hybrid,
    /// On site only.
    OnSite,
}

macro_rules! same_values {
    ($gql:ident, $dom:ident, [$($v:ident),+]) => {
        impl From<$gql> for $dom {
            fn from(v: $gql) -> Self {
                match v { $($gql::$v => $dom::$v),+ }
            }
        }
        impl From<$dom> for $gql {
            fn from(v: $dom) -> Self {
                match v { $($dom::$v => $gql::$v),+ }
            }
        }
    };
}
same_values!(
    FunderKind,
    DomFunderKind,
    [Gemeente, Zorgverzekeraar, Fonds, Other]
);
same_values!(
    FundingRoute,
    DomFundingRoute,
    [Wmo, Zvw, EigenBijdrage, Gratis]
);
same_values!(DeliveryMode, DomDeliveryMode, [Online, Hybrid, OnSite]);

/// One funder of an offer.
#[derive(SimpleObject)]
pub struct Funder {
    /// E.g. "Gemeente Nijmegen".
    pub name: String,
    /// What kind of body it is.
    pub kind: FunderKind,
}

/// Who pays for an offer and how participants take part without (or with) paying.
#[derive(SimpleObject)]
pub struct OfferFunding {
    /// Funders, in the order the organisation gives them.
    pub funders: Vec<Funder>,
    /// Funding routes (several may apply).
    pub routes: Vec<FundingRoute>,
}

/// Attributes GPs filter on.
#[derive(SimpleObject)]
pub struct OfferAttributes {
    /// Led by experts by experience (ervaringsdeskundigen).
    pub peer_led: bool,
    /// Online, hybrid or on site; null when not given.
    pub delivery_mode: Option<DeliveryMode>,
    /// The places are wheelchair accessible.
    pub wheelchair_accessible: bool,
    /// A hearing loop is available.
    pub hearing_loop: bool,
    /// Public transport stops nearby.
    pub public_transport_nearby: bool,
    /// Free-text note on accessibility (the offer's `accessibility`).
    pub accessibility_note: Option<String>,
}

/// An organisation running an offer together with the owning one.
pub struct OfferPartner {
    id: String,
    organisation: Option<entities::organisation::Model>,
}

#[Object]
impl OfferPartner {
    /// Global id of the partner organisation.
    async fn id(&self) -> ID {
        ID(self.id.clone())
    }
    /// The partner organisation; null when this node does not hold it (a mirrored offer's
    /// partner on another node) or it is not published.
    async fn organisation(&self) -> Option<Organisation> {
        self.organisation
            .clone()
            .filter(|o| o.status == entities::OrganisationStatus::Published)
            .map(Organisation)
    }
}

async fn details(ctx: &Context<'_>, o: &offer::Model) -> Result<NetworkDetails> {
    Ok(ctx
        .data::<Loaders>()?
        .offer_details
        .load_one(o.id.clone())
        .await?
        .unwrap_or_default())
}

/// `Offer.partners`.
pub async fn partners(ctx: &Context<'_>, o: &offer::Model) -> Result<Vec<OfferPartner>> {
    let ids = details(ctx, o).await?.partners;
    let orgs = ctx
        .data::<Loaders>()?
        .organisation
        .load_many(ids.iter().cloned())
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| OfferPartner {
            organisation: orgs.get(&id).cloned(),
            id,
        })
        .collect())
}

/// `Offer.funding`.
pub async fn funding(ctx: &Context<'_>, o: &offer::Model) -> Result<OfferFunding> {
    let d = details(ctx, o).await?;
    Ok(OfferFunding {
        funders: (d.funders.into_iter())
            .map(|f| Funder {
                name: f.name,
                kind: f.kind.into(),
            })
            .collect(),
        routes: d.routes.into_iter().map(Into::into).collect(),
    })
}

/// `Offer.attributes`.
pub async fn attributes(ctx: &Context<'_>, o: &offer::Model) -> Result<OfferAttributes> {
    let d = details(ctx, o).await?;
    Ok(OfferAttributes {
        peer_led: d.peer_led,
        delivery_mode: d.mode.map(Into::into),
        wheelchair_accessible: d.access.wheelchair,
        hearing_loop: d.access.hearing_loop,
        public_transport_nearby: d.access.public_transport,
        accessibility_note: o.accessibility.clone(),
    })
}

/// The stored attributes the `offers` filters `peerLed`, `deliveryMode` and
/// `wheelchairAccessible` ask for.
pub fn filter_attributes(
    peer_led: bool,
    mode: Option<DeliveryMode>,
    wheelchair: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if peer_led {
        out.push(dom::attribute::PEER_LED.to_string());
    }
    out.extend(mode.map(|m| dom::mode_attribute(m.into())));
    if wheelchair {
        out.push(dom::attribute::WHEELCHAIR.to_string());
    }
    out
}
