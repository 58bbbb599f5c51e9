//! Who on this node hears of a referral event: on a new referral, the editors of the receiving
//! organisation; on every later status change, the referring practitioner. Never the actor who
//! made the change, never a disabled account, never a user of another node.

use crate::error::AppResult;
use entities::{Role, membership, offer, referral, referral_event, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The local, enabled users that should hear of `event` on `r`, with what they hear.
pub async fn for_event(
    db: &impl ConnectionTrait,
    r: &referral::Model,
    event: &referral_event::Model,
) -> AppResult<Vec<String>> {
    let candidates = if event.from_status.is_none() {
        editors_of_offer(db, &r.offer_id).await?
    } else {
        r.referrer_user_id.iter().cloned().collect()
    };
    let candidates: Vec<String> = candidates
        .into_iter()
        .filter(|u| *u != event.actor)
        .collect();
    enabled_local(db, candidates).await
}

/// The editors of the organisation that owns `offer_id` (none when the offer is not here).
pub async fn editors_of_offer(db: &impl ConnectionTrait, offer_id: &str) -> AppResult<Vec<String>> {
    let Some(o) = offer::Entity::find_by_id(offer_id).one(db).await? else {
        return Ok(Vec::new());
    };
    Ok(membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::Role.eq(Role::OrganisationEditor))
        .filter(membership::Column::OrganisationId.eq(o.organisation_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// Those of `ids` that are accounts of this node and not disabled, sorted and deduplicated.
pub async fn enabled_local(db: &impl ConnectionTrait, ids: Vec<String>) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(ids);
    }
    let mut found: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Disabled.eq(false))
        .into_tuple()
        .all(db)
        .await?;
    found.sort();
    found.dedup();
    Ok(found)
}
