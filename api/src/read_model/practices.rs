//! The GP practices an editor can pick as partner practices of a Herstelcirkel (issue 19).

use crate::error::AppResult;
use entities::{OrganisationKind, OrganisationStatus, organisation};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Published organisations of kind `gp_practice`, by name, at most `limit`. One statement.
pub async fn gp_practices(
    db: &impl ConnectionTrait,
    limit: u64,
) -> AppResult<Vec<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrganisationKind::GpPractice))
        .filter(organisation::Column::Status.eq(OrganisationStatus::Published))
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
