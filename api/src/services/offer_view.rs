//! Read models of offers for pages: an offer with its organisation, locations, life domains
//! and target groups, loaded in a fixed number of queries whatever the number of offers.
//! Visibility is decided in one place, [`readable`].

use crate::auth::Actor;
use crate::domain::GlobalId;
use crate::error::{AppError, AppResult};
use crate::services::offer::is_public;
use crate::state::AppState;
use entities::{
    LifeDomain, TargetGroup, location, offer, offer_life_domain, offer_target_group, organisation,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// An offer with everything a page shows of it.
#[derive(Clone, Debug)]
pub struct OfferView {
    pub offer: offer::Model,
    pub organisation: organisation::Model,
    /// In the offer's order.
    pub locations: Vec<location::Model>,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
}

impl OfferView {
    /// Whether the offer is mirrored from another node (read-only here).
    pub fn is_mirrored(&self, state: &AppState) -> bool {
        self.offer.origin_node != state.node_id.as_str()
    }
}

/// Whether `actor` may read the offer: public offers for everyone, unpublished ones for the
/// editors of their organisation.
pub fn readable(actor: &Actor, o: &offer::Model, org: &organisation::Model) -> bool {
    is_public(o, org) || actor.can_edit_organisation(&org.id)
}

/// One offer as `actor` may read it; `NOT_FOUND` otherwise (so ids do not leak).
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<OfferView> {
    let gid = GlobalId::parse(id).map_err(|e| e.in_field("id"))?;
    many(&state.db, actor, &[gid.to_string()])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("offer {id}")))
}

/// Views of `ids` in the order given; ids that do not exist or that `actor` may not read are
/// left out. Five queries whatever the number of ids.
pub async fn many(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[String],
) -> AppResult<Vec<OfferView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let offers = offer::Entity::find()
        .filter(offer::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?;
    let mut views = assemble(db, actor, offers).await?;
    let rank: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    views.sort_by_key(|v| rank.get(v.offer.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(views)
}

/// Every offer of an organisation `actor` edits, in any state, newest change first.
pub async fn of_organisation(
    state: &AppState,
    actor: &Actor,
    organisation_id: &str,
) -> AppResult<Vec<OfferView>> {
    actor.require_edit_organisation(organisation_id)?;
    let offers = offer::Entity::find()
        .filter(offer::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(offer::Column::UpdatedAt)
        .all(&state.db)
        .await?;
    assemble(&state.db, actor, offers).await
}

/// Organisations by id (for names on pages), in no particular order.
pub async fn organisations(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = String>,
) -> AppResult<HashMap<String, organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}

async fn assemble(
    db: &impl ConnectionTrait,
    actor: &Actor,
    offers: Vec<offer::Model>,
) -> AppResult<Vec<OfferView>> {
    let orgs = organisations(db, offers.iter().map(|o| o.organisation_id.clone())).await?;
    let offers: Vec<(offer::Model, organisation::Model)> = offers
        .into_iter()
        .filter_map(|o| {
            let org = orgs.get(&o.organisation_id)?.clone();
            readable(actor, &o, &org).then_some((o, org))
        })
        .collect();
    let ids: Vec<String> = offers.iter().map(|(o, _)| o.id.clone()).collect();
    let mut locations: HashMap<String, Vec<location::Model>> = HashMap::new();
    for l in location::Entity::find()
        .filter(location::Column::OfferId.is_in(ids.clone()))
        .order_by_asc(location::Column::Position)
        .all(db)
        .await?
    {
        locations.entry(l.offer_id.clone()).or_default().push(l);
    }
    let mut domains: HashMap<String, Vec<LifeDomain>> = HashMap::new();
    for d in offer_life_domain::Entity::find()
        .filter(offer_life_domain::Column::OfferId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        domains.entry(d.offer_id).or_default().push(d.life_domain);
    }
    let mut groups: HashMap<String, Vec<TargetGroup>> = HashMap::new();
    for g in offer_target_group::Entity::find()
        .filter(offer_target_group::Column::OfferId.is_in(ids))
        .all(db)
        .await?
    {
        groups.entry(g.offer_id).or_default().push(g.target_group);
    }
    Ok(offers
        .into_iter()
        .map(|(offer, organisation)| {
            let mut life_domains = domains.remove(&offer.id).unwrap_or_default();
            life_domains.sort();
            let mut target_groups = groups.remove(&offer.id).unwrap_or_default();
            target_groups.sort();
            OfferView {
                locations: locations.remove(&offer.id).unwrap_or_default(),
                life_domains,
                target_groups,
                offer,
                organisation,
            }
        })
        .collect())
}
