//! DataLoaders per foreign key, built per request, so a list of offers with their
//! organisations, locations, life domains, target groups and areas, or a list of areas with
//! their children and offers, costs a constant number of queries; so do an offer's
//! suitability, freshness, Herstelcirkel plan and recovery focus. The offer parts are batched
//! by the read model's part loaders ([`crate::read_model::offer`]), the same ones
//! [`OfferBundle`](crate::read_model::OfferBundle) is made of.

use crate::db::QueryCounter;
use crate::error::AppError;
use crate::read_model::offer as read;
use crate::services::offer_list::{self, Columns, Cursor, OfferFilter, OfferGroup};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::futures_util::future::BoxFuture;
use entities::{LifeDomain, TargetGroup, area, location, offer, organisation};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
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
/// Child areas (wijken of a gemeente, buurten of a wijk) by parent code, ordered by code.
pub struct ChildrenByParent(DatabaseConnection);
/// Pages of public offers per area or organisation (`Area.offers`, `Organisation.offers`).
pub struct OfferPages(DatabaseConnection);
/// Numbers of public offers per area or organisation (`totalCount` of those lists).
pub struct OfferCounts(DatabaseConnection);

/// One page of one group's offers: the group and the list's arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OfferPageKey {
    pub group: OfferGroup,
    /// The list's filter without the group's own area or organisation.
    pub filter: OfferFilter,
    pub after: Option<Cursor>,
    pub limit: u64,
    /// The offer columns the page's selection needs.
    pub columns: Columns,
}

/// The number of one group's offers matching a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OfferCountKey {
    pub group: OfferGroup,
    pub filter: OfferFilter,
}

impl Loader<String> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(read::organisations(&self.0, keys.iter().map(String::as_str)).await?)
    }
}

impl Loader<String> for LocationsByOffer {
    type Value = Vec<location::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(read::locations_by_offer(&self.0, keys).await?)
    }
}

impl Loader<String> for LifeDomainsByOffer {
    type Value = Vec<LifeDomain>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(read::life_domains_by_offer(&self.0, keys).await?)
    }
}

impl Loader<String> for TargetGroupsByOffer {
    type Value = Vec<TargetGroup>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(read::target_groups_by_offer(&self.0, keys).await?)
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
        Ok(read::area_codes_by_organisation(&self.0, keys).await?)
    }
}

impl Loader<String> for PendingDeliveriesByReferral {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        // Queued messages and changes not queued yet: federation knows which is which.
        Ok(crate::federation::delivery::pending_counts(&self.0, keys).await?)
    }
}

impl Loader<String> for ChildrenByParent {
    type Value = Vec<area::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        let rows = area::Entity::find()
            .filter(area::Column::ParentCode.is_in(keys.iter().map(String::as_str)))
            .order_by_asc(area::Column::Code)
            .all(&self.0)
            .await
            .map_err(db_err)?;
        let mut map: HashMap<String, Vec<area::Model>> = HashMap::new();
        for row in rows {
            if let Some(parent) = row.parent_code.clone() {
                map.entry(parent).or_default().push(row);
            }
        }
        Ok(map)
    }
}

/// Keys grouped by what they share besides their group: each share is one statement.
fn by_shared<K: Clone, S: std::hash::Hash + Eq>(
    keys: &[K],
    shared: impl Fn(&K) -> S,
    group: impl Fn(&K) -> OfferGroup,
) -> HashMap<S, Vec<OfferGroup>> {
    let mut map: HashMap<S, Vec<OfferGroup>> = HashMap::new();
    for key in keys {
        map.entry(shared(key)).or_default().push(group(key));
    }
    map
}

impl Loader<OfferPageKey> for OfferPages {
    type Value = (Vec<offer::Model>, bool);
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[OfferPageKey],
    ) -> Result<HashMap<OfferPageKey, Self::Value>, Self::Error> {
        let shares = by_shared(
            keys,
            |k| (k.filter.clone(), k.after.clone(), k.limit, k.columns),
            |k| k.group.clone(),
        );
        let mut out = HashMap::new();
        for ((filter, after, limit, columns), groups) in shares {
            let pages = offer_list::pages_by_group(
                &self.0,
                &filter,
                &groups,
                after.as_ref(),
                limit,
                columns,
            )
            .await?;
            for (group, page) in pages {
                let key = OfferPageKey {
                    group,
                    filter: filter.clone(),
                    after: after.clone(),
                    limit,
                    columns,
                };
                out.insert(key, page);
            }
        }
        Ok(out)
    }
}

impl Loader<OfferCountKey> for OfferCounts {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[OfferCountKey],
    ) -> Result<HashMap<OfferCountKey, Self::Value>, Self::Error> {
        let shares = by_shared(keys, |k| k.filter.clone(), |k| k.group.clone());
        let mut out = HashMap::new();
        for (filter, groups) in shares {
            for (group, n) in offer_list::counts_by_group(&self.0, &filter, &groups).await? {
                out.insert(
                    OfferCountKey {
                        group,
                        filter: filter.clone(),
                    },
                    n,
                );
            }
        }
        Ok(out)
    }
}

/// Suitability by offer id (absent: none stored).
pub struct SuitabilityByOffer(DatabaseConnection);
/// Confirmation rows (fresh listings) by offer id (absent: confirmed at the last change).
pub struct ConfirmationByOffer(DatabaseConnection);
/// Herstelcirkel plan parts by offer id (absent: no plan).
pub struct CirclePartsByOffer(DatabaseConnection);
/// Recovery-focus words by offer id (absent: none).
pub struct RecoveryFocusByOffer(DatabaseConnection);

impl Loader<String> for SuitabilityByOffer {
    type Value = crate::domain::Suitability;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(crate::services::offer::suitability::by_offer(&self.0, keys).await?)
    }
}

impl Loader<String> for ConfirmationByOffer {
    type Value = entities::offer_confirmation::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(crate::services::offer::freshness::rows_by_offer(&self.0, keys).await?)
    }
}

impl Loader<String> for CirclePartsByOffer {
    type Value = crate::read_model::circle::CircleParts;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(crate::read_model::circle::parts_by_offer(&self.0, keys).await?)
    }
}

impl Loader<String> for RecoveryFocusByOffer {
    type Value = crate::services::offer::recovery_focus::FocusSet;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> LoadResult<Self::Value> {
        Ok(crate::services::offer::recovery_focus::by_offer(&self.0, keys).await?)
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
    pub children: DataLoader<ChildrenByParent>,
    pub offer_pages: DataLoader<OfferPages>,
    pub offer_counts: DataLoader<OfferCounts>,
    pub networks: DataLoader<crate::graphql::network::loaders::NetworksByOrganisation>,
    pub offer_details: DataLoader<crate::graphql::network::loaders::OfferDetailsByOffer>,
    pub suitability: DataLoader<SuitabilityByOffer>,
    pub confirmations: DataLoader<ConfirmationByOffer>,
    pub circle_parts: DataLoader<CirclePartsByOffer>,
    pub recovery_focus: DataLoader<RecoveryFocusByOffer>,
}

impl Loaders {
    /// Fresh loaders (fresh caches) for one request.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self::counted(db, &QueryCounter::default())
    }

    /// Fresh loaders whose batches also count their statements on `request` (the request's
    /// budget): batches run in tasks of their own, outside the request's task.
    pub fn counted(db: &DatabaseConnection, request: &QueryCounter) -> Self {
        let spawner = |request: QueryCounter| {
            move |batch: BoxFuture<'static, ()>| {
                let request = request.clone();
                tokio::spawn(async move { request.scope(batch).await })
            }
        };
        let db = || db.clone();
        let r = || spawner(request.clone());
        Self {
            organisation: DataLoader::new(OrganisationLoader(db()), r()),
            locations: DataLoader::new(LocationsByOffer(db()), r()),
            life_domains: DataLoader::new(LifeDomainsByOffer(db()), r()),
            target_groups: DataLoader::new(TargetGroupsByOffer(db()), r()),
            area: DataLoader::new(AreaLoader(db()), r()),
            organisation_areas: DataLoader::new(AreaCodesByOrganisation(db()), r()),
            pending_deliveries: DataLoader::new(PendingDeliveriesByReferral(db()), r()),
            children: DataLoader::new(ChildrenByParent(db()), r()),
            offer_pages: DataLoader::new(OfferPages(db()), r()),
            offer_counts: DataLoader::new(OfferCounts(db()), r()),
            networks: DataLoader::new(
                crate::graphql::network::loaders::NetworksByOrganisation(db()),
                r(),
            ),
            offer_details: DataLoader::new(
                crate::graphql::network::loaders::OfferDetailsByOffer(db()),
                r(),
            ),
            suitability: DataLoader::new(SuitabilityByOffer(db()), r()),
            confirmations: DataLoader::new(ConfirmationByOffer(db()), r()),
            circle_parts: DataLoader::new(CirclePartsByOffer(db()), r()),
            recovery_focus: DataLoader::new(RecoveryFocusByOffer(db()), r()),
        }
    }
}
