//! DataLoaders per foreign key, built per request, so a list of offers with their
//! organisations, locations, life domains, target groups and areas costs a constant number of
//! queries.

use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
use entities::{
    LifeDomain, TargetGroup, area, location, offer_life_domain, offer_target_group, organisation,
    organisation_area, referral_outbox,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

type LoadResult<V> = Result<HashMap<String, V>, async_graphql::Error>;

fn db_err(e: sea_orm::DbErr) -> async_graphql::Error {
    AppError::from(e).into()
}

/// Organisations by id.
pub struct OrganisationLoader(DatabaseConnection);
/// Locations by offer id, in position order.
pub struct LocationsByOffer(DatabaseConnection);
/// Life domains by offer id.
pub struct LifeDomainsByOffer(DatabaseConnection);
/// Target groups by offer id.
pub struct TargetGroupsByOffer(DatabaseConnection);
/// Areas by CBS code.
pub struct AreaLoader(DatabaseConnection);
/// Codes of the areas an organisation serves, by organisation id.
pub struct AreaCodesByOrganisation(DatabaseConnection);
/// Referral messages still waiting for delivery to a peer, by referral id (absent: none).
pub struct PendingDeliveriesByReferral(DatabaseConnection);

impl Loader<String> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(keys.iter().map(String::as_str)))
            .all(&self.0)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
    }
}

impl Loader<String> for LocationsByOffer {
    type Value = Vec<location::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = location::Entity::find()
            .filter(location::Column::OfferId.is_in(keys.iter().map(String::as_str)))
            .order_by_asc(location::Column::Position)
            .all(&self.0)
            .await
            .map_err(db_err)?;
        let mut map: HashMap<String, Vec<location::Model>> = HashMap::new();
        for row in rows {
            map.entry(row.offer_id.clone()).or_default().push(row);
        }
        Ok(map)
    }
}

impl Loader<String> for LifeDomainsByOffer {
    type Value = Vec<LifeDomain>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = offer_life_domain::Entity::find()
            .filter(offer_life_domain::Column::OfferId.is_in(keys.iter().map(String::as_str)))
            .all(&self.0)
            .await
            .map_err(db_err)?;
        let mut map: HashMap<String, Vec<LifeDomain>> = HashMap::new();
        for row in rows {
            map.entry(row.offer_id).or_default().push(row.life_domain);
        }
        map.values_mut().for_each(|v| v.sort());
        Ok(map)
    }
}

impl Loader<String> for TargetGroupsByOffer {
    type Value = Vec<TargetGroup>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = offer_target_group::Entity::find()
            .filter(offer_target_group::Column::OfferId.is_in(keys.iter().map(String::as_str)))
            .all(&self.0)
            .await
            .map_err(db_err)?;
        let mut map: HashMap<String, Vec<TargetGroup>> = HashMap::new();
        for row in rows {
            map.entry(row.offer_id).or_default().push(row.target_group);
        }
        map.values_mut().for_each(|v| v.sort());
        Ok(map)
    }
}

impl Loader<String> for AreaLoader {
    type Value = area::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = area::Entity::find()
            .filter(area::Column::Code.is_in(keys.iter().map(String::as_str)))
            .all(&self.0)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.code.clone(), r)).collect())
    }
}

impl Loader<String> for AreaCodesByOrganisation {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = organisation_area::Entity::find()
            .filter(
                organisation_area::Column::OrganisationId.is_in(keys.iter().map(String::as_str)),
            )
            .order_by_asc(organisation_area::Column::AreaCode)
            .all(&self.0)
            .await
            .map_err(db_err)?;
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for row in rows {
            map.entry(row.organisation_id)
                .or_default()
                .push(row.area_code);
        }
        Ok(map)
    }
}

impl Loader<String> for PendingDeliveriesByReferral {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows: Vec<(String, i64)> = referral_outbox::Entity::find()
            .select_only()
            .column(referral_outbox::Column::ReferralId)
            .column_as(referral_outbox::Column::Id.count(), "n")
            .filter(referral_outbox::Column::ReferralId.is_in(keys.iter().map(String::as_str)))
            .filter(referral_outbox::Column::DeliveredAt.is_null())
            .group_by(referral_outbox::Column::ReferralId)
            .into_tuple()
            .all(&self.0)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// All loaders of one request.
pub struct Loaders {
    pub organisation: DataLoader<OrganisationLoader>,
    pub locations: DataLoader<LocationsByOffer>,
    pub life_domains: DataLoader<LifeDomainsByOffer>,
    pub target_groups: DataLoader<TargetGroupsByOffer>,
    pub area: DataLoader<AreaLoader>,
    pub organisation_areas: DataLoader<AreaCodesByOrganisation>,
    pub pending_deliveries: DataLoader<PendingDeliveriesByReferral>,
}

impl Loaders {
    /// Fresh loaders (fresh caches) for one request.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            organisation: DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn),
            locations: DataLoader::new(LocationsByOffer(db.clone()), tokio::spawn),
            life_domains: DataLoader::new(LifeDomainsByOffer(db.clone()), tokio::spawn),
            target_groups: DataLoader::new(TargetGroupsByOffer(db.clone()), tokio::spawn),
            area: DataLoader::new(AreaLoader(db.clone()), tokio::spawn),
            organisation_areas: DataLoader::new(AreaCodesByOrganisation(db.clone()), tokio::spawn),
            pending_deliveries: DataLoader::new(
                PendingDeliveriesByReferral(db.clone()),
                tokio::spawn,
            ),
        }
    }
}
