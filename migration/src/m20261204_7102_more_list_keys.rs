//! Two more list paths as index walks: the HSDS organisation list (`/hsds/organizations`:
//! published organisations by id) and the locations in a box of coordinates (`coverage`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[(&str, &str, &[&str])] = &[
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
        for &(table, name, cols) in INDEXES {
            let mut stmt = Index::create();
            stmt.name(name).table(Alias::new(table));
            for &col in cols {
                stmt.col(Alias::new(col));
            }
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(table, name, _) in INDEXES.iter().rev() {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
