//! Reading the partners, funding and attributes of offers ([`NetworkDetails`]) and the
//! networks organisations belong to, batched for any number of offers or organisations.

use crate::domain::funding::{Funder, FunderKind, FundingRoute, NetworkDetails};
use crate::error::AppResult;
use entities::{
    network, network_member, offer_attribute, offer_funder, offer_funding_route, offer_partner,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The details of each of the offers `ids` that has any (absent: none set). Four statements.
pub async fn details_by_offer(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, NetworkDetails>> {
    let mut map: HashMap<String, NetworkDetails> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let ids = || ids.iter().map(AsRef::as_ref);
    for p in offer_partner::Entity::find()
        .filter(offer_partner::Column::OfferId.is_in(ids()))
        .order_by_asc(offer_partner::Column::Position)
        .all(db)
        .await?
    {
        map.entry(p.offer_id)
            .or_default()
            .partners
            .push(p.organisation_id);
    }
    for f in offer_funder::Entity::find()
        .filter(offer_funder::Column::OfferId.is_in(ids()))
        .order_by_asc(offer_funder::Column::Position)
        .all(db)
        .await?
    {
        // A kind this node does not know (from a newer peer) reads as "other".
        let kind = FunderKind::parse(&f.kind).unwrap_or(FunderKind::Other);
        let funder = Funder { name: f.name, kind };
        map.entry(f.offer_id).or_default().funders.push(funder);
    }
    for r in offer_funding_route::Entity::find()
        .filter(offer_funding_route::Column::OfferId.is_in(ids()))
        .all(db)
        .await?
    {
        if let Ok(route) = FundingRoute::parse(&r.route) {
            map.entry(r.offer_id).or_default().routes.insert(route);
        }
    }
    for (offer_id, list) in attributes_by_offer(db, &ids().collect::<Vec<_>>()).await? {
        map.entry(offer_id)
            .or_default()
            .set_attributes(list.iter().map(String::as_str));
    }
    Ok(map)
}

/// The stored attribute texts of each of the offers `ids`, sorted. One statement.
pub async fn attributes_by_offer(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for a in offer_attribute::Entity::find()
        .filter(offer_attribute::Column::OfferId.is_in(ids.iter().map(AsRef::as_ref)))
        .all(db)
        .await?
    {
        map.entry(a.offer_id).or_default().push(a.attribute);
    }
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

/// The networks each of the organisations `ids` belongs to, by name. One statement.
pub async fn networks_by_organisation(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<network::Model>>> {
    let mut map: HashMap<String, Vec<network::Model>> = HashMap::new();
    for (m, n) in network_member::Entity::find()
        .filter(network_member::Column::OrganisationId.is_in(ids.iter().map(AsRef::as_ref)))
        .find_also_related(network::Entity)
        .order_by_asc(network::Column::Name)
        .all(db)
        .await?
    {
        if let Some(n) = n {
            map.entry(m.organisation_id).or_default().push(n);
        }
    }
    Ok(map)
}

/// The member organisation ids of a network, in id order. One statement.
pub async fn member_ids(db: &impl ConnectionTrait, network_id: &str) -> AppResult<Vec<String>> {
    Ok(network_member::Entity::find()
        .filter(network_member::Column::NetworkId.eq(network_id))
        .order_by_asc(network_member::Column::OrganisationId)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.organisation_id)
        .collect())
}
