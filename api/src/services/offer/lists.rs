//! The rows stored beside an offer row: its life domains, target groups and locations. Local
//! writes and the federation mirror replace them the same way.

use super::{LocationDraft, OfferDraft};
use crate::db;
use crate::domain::{GlobalId, NodeId};
use crate::error::AppResult;
use crate::read_model::offer as read;
use chrono::Utc;
use entities::{LifeDomain, TargetGroup, location, offer, offer_life_domain, offer_target_group};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// Loads an offer with its lists, through the read model's part loaders.
pub(super) async fn load_draft(
    db: &impl ConnectionTrait,
    model: offer::Model,
) -> AppResult<OfferDraft> {
    let ids = [model.id.as_str()];
    let life_domains = read::life_domains_by_offer(db, &ids)
        .await?
        .remove(model.id.as_str())
        .unwrap_or_default();
    let target_groups = read::target_groups_by_offer(db, &ids)
        .await?
        .remove(model.id.as_str())
        .unwrap_or_default();
    let locations = read::locations_by_offer(db, &ids)
        .await?
        .remove(model.id.as_str())
        .unwrap_or_default()
        .into_iter()
        .map(|l| LocationDraft {
            name: l.name,
            street: l.street,
            postcode: l.postcode,
            city: l.city,
            lat: l.lat,
            lon: l.lon,
            buurt_code: l.buurt_code,
        })
        .collect();
    Ok(OfferDraft {
        offer: model,
        life_domains: life_domains.into_iter().collect(),
        target_groups: target_groups.into_iter().collect(),
        locations,
    })
}

/// Replaces an offer's life domains, target groups and locations (the rows stored beside the
/// offer row). Used by local writes and by the federation mirror.
pub async fn replace_lists(
    txn: &DatabaseTransaction,
    offer_id: &str,
    life_domains: impl IntoIterator<Item = LifeDomain>,
    target_groups: impl IntoIterator<Item = TargetGroup>,
    locations: Vec<location::ActiveModel>,
) -> AppResult<()> {
    replace_lists_many(
        txn,
        vec![OfferLists {
            offer_id: offer_id.to_string(),
            life_domains: life_domains.into_iter().collect(),
            target_groups: target_groups.into_iter().collect(),
            locations,
        }],
    )
    .await
}

/// The rows stored beside one offer row.
pub struct OfferLists {
    pub offer_id: String,
    pub life_domains: Vec<LifeDomain>,
    pub target_groups: Vec<TargetGroup>,
    pub locations: Vec<location::ActiveModel>,
}

/// [`replace_lists`] for many offers at once, in a constant number of statements per kind of
/// row (a mirrored feed page).
pub async fn replace_lists_many(
    txn: &DatabaseTransaction,
    lists: Vec<OfferLists>,
) -> AppResult<()> {
    let ids: Vec<String> = lists.iter().map(|l| l.offer_id.clone()).collect();
    db::delete_in::<offer_life_domain::Entity>(txn, offer_life_domain::Column::OfferId, &ids)
        .await?;
    db::delete_in::<offer_target_group::Entity>(txn, offer_target_group::Column::OfferId, &ids)
        .await?;
    db::delete_in::<location::Entity>(txn, location::Column::OfferId, &ids).await?;
    let mut domains = Vec::new();
    let mut groups = Vec::new();
    let mut locations = Vec::new();
    for l in lists {
        domains.extend(
            l.life_domains
                .into_iter()
                .map(|d| offer_life_domain::ActiveModel {
                    offer_id: Set(l.offer_id.clone()),
                    life_domain: Set(d),
                }),
        );
        groups.extend(
            l.target_groups
                .into_iter()
                .map(|g| offer_target_group::ActiveModel {
                    offer_id: Set(l.offer_id.clone()),
                    target_group: Set(g),
                }),
        );
        locations.extend(l.locations);
    }
    db::insert_all(txn, domains, None).await?;
    db::insert_all(txn, groups, None).await?;
    db::insert_all(txn, locations, None).await?;
    Ok(())
}

/// Writes the draft's lists. Locations keep their ids by position, so stable ids survive edits.
pub(super) async fn write_lists(
    txn: &DatabaseTransaction,
    draft: &OfferDraft,
    node: &NodeId,
) -> AppResult<()> {
    let id = draft.offer.id.as_str();
    let existing = location::Entity::find()
        .filter(location::Column::OfferId.eq(id))
        .order_by_asc(location::Column::Position)
        .all(txn)
        .await?;
    let now = Utc::now();
    let locations = draft
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let previous = existing.get(i);
            location::ActiveModel {
                id: Set(previous.map_or_else(|| GlobalId::new(node).to_string(), |p| p.id.clone())),
                origin_node: Set(draft.offer.origin_node.clone()),
                offer_id: Set(id.to_string()),
                position: Set(i as i32),
                name: Set(l.name.clone()),
                street: Set(l.street.clone()),
                postcode: Set(l.postcode.clone()),
                city: Set(l.city.clone()),
                lat: Set(l.lat),
                lon: Set(l.lon),
                buurt_code: Set(l.buurt_code.clone()),
                updated_at: Set(now),
                version: Set(previous.map_or(1, |p| p.version + 1)),
            }
        })
        .collect();
    replace_lists(
        txn,
        id,
        draft.life_domains.iter().copied(),
        draft.target_groups.iter().copied(),
        locations,
    )
    .await
}
