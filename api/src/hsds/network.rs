//! Partners, funding and attributes of an offer in HSDS 3.0, both ways: funders as `funding`
//! (`source` "Gemeente Nijmegen (gemeente)"), structured accessibility as `accessibility` on
//! each location (codes in `details`), and funding routes, peer-led, delivery mode and partners
//! as service `attributes` with their own `wijkwijzer:` taxonomies. Import reads them back
//! through the same parsing as every edge ([`NetworkDetails::parse`]).

use super::ids::{record_uuid, sub_uuid};
use super::types::{Accessibility, Attribute, Funding, Service};
use crate::domain::funding::{
    Access, DeliveryMode, FunderKind, NetworkDetails, NetworkDetailsFields, attribute,
};
use crate::domain::{Actor, GlobalId};
use crate::error::AppResult;
use crate::services::network as svc;
use crate::state::AppState;
use entities::offer;

/// Taxonomy of funding routes (`wmo`, `zvw`, `eigen_bijdrage`, `gratis`).
pub const FUNDING_ROUTE: &str = "wijkwijzer:funding_route";
/// Taxonomy of the peer-led attribute (value `true`).
pub const PEER_LED: &str = "wijkwijzer:peer_led";
/// Taxonomy of delivery modes (`online`, `hybrid`, `on_site`).
pub const DELIVERY_MODE: &str = "wijkwijzer:delivery_mode";
/// Taxonomy of partner organisations (value: their global id).
pub const PARTNER: &str = "wijkwijzer:partner";

fn service_attribute(offer_id: &str, link_type: &str, value: &str) -> Attribute {
    Attribute {
        id: sub_uuid(offer_id, &format!("attribute:{link_type}:{value}")),
        link_id: Some(record_uuid(offer_id)),
        taxonomy_term_id: Some(sub_uuid(link_type, value)),
        link_type: Some(link_type.to_string()),
        link_entity: Some("service".into()),
        value: Some(value.to_string()),
    }
}

/// The codes of structured accessibility that hold.
fn access_codes(a: &Access) -> Vec<&'static str> {
    [
        (a.wheelchair, attribute::WHEELCHAIR),
        (a.hearing_loop, attribute::HEARING_LOOP),
        (a.public_transport, attribute::PUBLIC_TRANSPORT),
    ]
    .into_iter()
    .filter_map(|(on, code)| on.then_some(code))
    .collect()
}

/// Adds the details of offer `offer_id` (if any) to its exported service.
pub fn export(s: &mut Service, offer_id: &str, details: Option<&NetworkDetails>) {
    let Some(d) = details else { return };
    s.funding = (d.funders.iter().enumerate())
        .map(|(i, f)| Funding {
            id: sub_uuid(offer_id, &format!("funding:{i}")),
            service_id: Some(s.id.clone()),
            source: Some(format!("{} ({})", f.name, f.kind.as_str())),
        })
        .collect();
    let mut attributes: Vec<Attribute> = (d.routes.iter())
        .map(|r| service_attribute(offer_id, FUNDING_ROUTE, r.as_str()))
        .collect();
    if d.peer_led {
        attributes.push(service_attribute(offer_id, PEER_LED, "true"));
    }
    attributes.extend(
        d.mode
            .map(|m| service_attribute(offer_id, DELIVERY_MODE, m.as_str())),
    );
    attributes.extend(
        d.partners
            .iter()
            .map(|p| service_attribute(offer_id, PARTNER, p)),
    );
    s.attributes.extend(attributes);
    let codes = access_codes(&d.access);
    if codes.is_empty() {
        return;
    }
    for sal in &mut s.service_at_locations {
        if let Some(l) = sal.location.as_mut() {
            l.accessibility = vec![Accessibility {
                id: sub_uuid(&l.id, "accessibility"),
                location_id: Some(l.id.clone()),
                description: Some(codes.join(", ").replace('_', " ")),
                details: Some(codes.join(",")),
            }];
        }
    }
}

fn values<'a>(s: &'a Service, link_type: &'a str) -> impl Iterator<Item = &'a str> {
    s.attributes
        .iter()
        .filter(move |a| a.link_type.as_deref() == Some(link_type))
        .filter_map(|a| a.value.as_deref())
}

/// `Name (kind)` as a funder; a source without a known kind is of kind `other`.
fn funder(source: &str) -> (String, String) {
    if let Some((name, kind)) = source
        .trim()
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once(" ("))
        && FunderKind::parse(kind).is_ok()
    {
        return (name.to_string(), kind.to_string());
    }
    (source.to_string(), FunderKind::Other.as_str().to_string())
}

/// The raw details an HSDS service carries (partners only when this node holds them).
pub fn fields_of(s: &Service) -> NetworkDetailsFields {
    let codes: Vec<&str> = (s.service_at_locations.iter())
        .filter_map(|sal| sal.location.as_ref())
        .flat_map(|l| &l.accessibility)
        .filter_map(|a| a.details.as_deref())
        .flat_map(|d| d.split(','))
        .map(str::trim)
        .collect();
    NetworkDetailsFields {
        partners: values(s, PARTNER).map(str::to_string).collect(),
        funders: (s.funding.iter())
            .filter_map(|f| f.source.as_deref())
            .map(funder)
            .collect(),
        routes: values(s, FUNDING_ROUTE).map(str::to_string).collect(),
        peer_led: values(s, PEER_LED).any(|v| v == "true"),
        mode: values(s, DELIVERY_MODE)
            .find(|m| DeliveryMode::parse(m).is_ok())
            .map(str::to_string),
        access: Access {
            wheelchair: codes.contains(&attribute::WHEELCHAIR),
            hearing_loop: codes.contains(&attribute::HEARING_LOOP),
            public_transport: codes.contains(&attribute::PUBLIC_TRANSPORT),
        },
    }
}

/// Stores the details of imported service `s` on the new offer `created` (partners this node
/// does not hold are left out); returns the offer's version after it.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    s: &Service,
    id: &GlobalId,
    created: &offer::Model,
) -> AppResult<i32> {
    let mut fields = fields_of(s);
    let known =
        crate::read_model::offer::organisations(&state.db, fields.partners.iter().cloned()).await?;
    fields.partners.retain(|p| known.contains_key(p));
    let details = NetworkDetails::parse(fields, &created.organisation_id)?;
    if details.is_empty() {
        return Ok(created.version);
    }
    let saved = svc::set_offer_details(state, actor, id, created.version, details).await?;
    Ok(saved.version)
}
