//! The one way to load offers for reading: [`OfferBundle`], an offer with its organisation,
//! locations, life domains and target groups, loaded for any number of offers in a fixed
//! number of statements; and the batched part loaders it is made of, which the GraphQL
//! DataLoaders, the HSDS export and the change feed use too.

use super::rules;
use crate::domain::{Actor, NodeId};
use crate::error::AppResult;
use entities::{
    LifeDomain, TargetGroup, location, offer, offer_life_domain, offer_target_group, organisation,
    organisation_area,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// An offer with everything a reader sees of it.
#[derive(Clone, Debug)]
pub struct OfferBundle {
    pub offer: offer::Model,
    pub organisation: organisation::Model,
    /// In the offer's order (`position`).
    pub locations: Vec<location::Model>,
    /// Sorted.
    pub life_domains: Vec<LifeDomain>,
    /// Sorted.
    pub target_groups: Vec<TargetGroup>,
}

impl OfferBundle {
    /// Bundles of `ids` in the order given (each offer once); ids without an offer (or whose
    /// organisation is missing) are left out. No visibility rule is applied: callers filter
    /// with [`rules`] (or the `is_*` methods). Four statements whatever the number of ids (callers with
    /// thousands of ids pass them in chunks, as the search indexer does).
    pub async fn load_many(
        db: &impl ConnectionTrait,
        ids: &[impl AsRef<str>],
    ) -> AppResult<Vec<OfferBundle>> {
        let pairs = with_organisation(db, ids).await?;
        Self::assemble(db, pairs).await
    }

    /// Bundles of offers already loaded, in their order; offers whose organisation is missing
    /// are left out. Four statements.
    pub async fn of_offers(
        db: &impl ConnectionTrait,
        offers: Vec<offer::Model>,
    ) -> AppResult<Vec<OfferBundle>> {
        let orgs = organisations(db, offers.iter().map(|o| o.organisation_id.as_str())).await?;
        let pairs = offers
            .into_iter()
            .filter_map(|o| {
                let org = orgs.get(&o.organisation_id)?.clone();
                Some((o, org))
            })
            .collect();
        Self::assemble(db, pairs).await
    }

    /// Every offer of an organisation, in any state, newest change first. Five statements.
    pub async fn of_organisation(
        db: &impl ConnectionTrait,
        organisation_id: &str,
    ) -> AppResult<Vec<OfferBundle>> {
        let offers = offer::Entity::find()
            .filter(offer::Column::OrganisationId.eq(organisation_id))
            .order_by_desc(offer::Column::UpdatedAt)
            .all(db)
            .await?;
        Self::of_offers(db, offers).await
    }

    /// The bundles of search hits `ids`, in hit order, leaving out offers no longer
    /// [`rules::indexable`] (the index lags the database by up to one sync). The one way
    /// search results are read, by the GraphQL API and the pages alike.
    pub async fn search_hits(
        db: &impl ConnectionTrait,
        ids: &[impl AsRef<str>],
    ) -> AppResult<Vec<OfferBundle>> {
        let mut bundles = Self::load_many(db, ids).await?;
        bundles.retain(OfferBundle::is_indexable);
        Ok(bundles)
    }

    /// Adds locations, life domains and target groups to offers with their organisation.
    async fn assemble(
        db: &impl ConnectionTrait,
        pairs: Vec<(offer::Model, organisation::Model)>,
    ) -> AppResult<Vec<OfferBundle>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = pairs.iter().map(|(o, _)| o.id.as_str()).collect();
        let mut locations = locations_by_offer(db, &ids).await?;
        let mut domains = life_domains_by_offer(db, &ids).await?;
        let mut groups = target_groups_by_offer(db, &ids).await?;
        Ok(pairs
            .into_iter()
            .map(|(offer, organisation)| OfferBundle {
                locations: locations.remove(&offer.id).unwrap_or_default(),
                life_domains: domains.remove(&offer.id).unwrap_or_default(),
                target_groups: groups.remove(&offer.id).unwrap_or_default(),
                offer,
                organisation,
            })
            .collect())
    }

    /// [`rules::is_public`] of this offer.
    pub fn is_public(&self) -> bool {
        rules::is_public(&self.offer, &self.organisation)
    }

    /// [`rules::readable`] of this offer.
    pub fn is_readable_by(&self, actor: &Actor) -> bool {
        rules::readable(actor, &self.offer, &self.organisation)
    }

    /// [`rules::indexable`] of this offer.
    pub fn is_indexable(&self) -> bool {
        rules::indexable(&self.offer, &self.organisation)
    }

    /// Whether the offer is mirrored from another node than `here` (read-only there).
    pub fn is_mirrored_at(&self, here: &NodeId) -> bool {
        self.offer.origin_node != here.as_str()
    }
}

/// Offers of `ids` with their organisation, in the order given; unknown ids and offers whose
/// organisation is missing are left out. One statement.
pub async fn with_organisation(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<Vec<(offer::Model, organisation::Model)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<String, (offer::Model, organisation::Model)> = offer::Entity::find()
        .filter(offer::Column::Id.is_in(ids.iter().map(AsRef::as_ref)))
        .find_also_related(organisation::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(o, org)| Some((o.id.clone(), (o, org?))))
        .collect();
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id.as_ref()))
        .collect())
}

/// Organisations by id. One statement.
pub async fn organisations<S: Into<sea_orm::Value>>(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = S>,
) -> AppResult<HashMap<String, organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}

/// Locations by offer id, in position order. One statement.
pub async fn locations_by_offer(
    db: &impl ConnectionTrait,
    offer_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<location::Model>>> {
    let mut map: HashMap<String, Vec<location::Model>> = HashMap::new();
    for l in location::Entity::find()
        .filter(location::Column::OfferId.is_in(offer_ids.iter().map(AsRef::as_ref)))
        .order_by_asc(location::Column::Position)
        .all(db)
        .await?
    {
        map.entry(l.offer_id.clone()).or_default().push(l);
    }
    Ok(map)
}

/// Life domains by offer id, sorted. One statement.
pub async fn life_domains_by_offer(
    db: &impl ConnectionTrait,
    offer_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<LifeDomain>>> {
    let mut map: HashMap<String, Vec<LifeDomain>> = HashMap::new();
    for d in offer_life_domain::Entity::find()
        .filter(offer_life_domain::Column::OfferId.is_in(offer_ids.iter().map(AsRef::as_ref)))
        .all(db)
        .await?
    {
        map.entry(d.offer_id).or_default().push(d.life_domain);
    }
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

/// Target groups by offer id, sorted. One statement.
pub async fn target_groups_by_offer(
    db: &impl ConnectionTrait,
    offer_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<TargetGroup>>> {
    let mut map: HashMap<String, Vec<TargetGroup>> = HashMap::new();
    for g in offer_target_group::Entity::find()
        .filter(offer_target_group::Column::OfferId.is_in(offer_ids.iter().map(AsRef::as_ref)))
        .all(db)
        .await?
    {
        map.entry(g.offer_id).or_default().push(g.target_group);
    }
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

/// Codes of the areas each organisation serves, by organisation id, in code order. One
/// statement.
pub async fn area_codes_by_organisation(
    db: &impl ConnectionTrait,
    organisation_ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for a in organisation_area::Entity::find()
        .filter(
            organisation_area::Column::OrganisationId
                .is_in(organisation_ids.iter().map(AsRef::as_ref)),
        )
        .order_by_asc(organisation_area::Column::AreaCode)
        .all(db)
        .await?
    {
        map.entry(a.organisation_id).or_default().push(a.area_code);
    }
    Ok(map)
}
