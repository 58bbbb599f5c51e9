//! Two more list paths as index walks: the HSDS organisation list (`/hsds/organizations`:
//! published organisations by id) and the locations in a box of coordinates (`coverage`).

use crate::indexes::{self, IndexSpec};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[IndexSpec] = &[
    (
        "organisations",
        "idx_organisations_status_id",
        &["status", "id"],
    ),
    ("locations", "idx_locations_lat_lon", &["lat", "lon"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::create_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::drop_all(manager, INDEXES).await
    }
}
