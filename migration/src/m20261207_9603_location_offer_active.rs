//! Coverage at national scale (issues 17 and 20): whether a location's offer counts in
//! coverage (public and active: not ended or paused) is stored beside the location
//! (`locations.offer_active`), so the points around a gemeente and its number of offers are
//! read from two small partial indexes of the counted locations alone, without a lookup of
//! every offer. Existing rows are backfilled here; the node keeps the column up to date
//! whenever it writes offers, locations or an organisation's status (`read_model::derived`).

use crate::indexes;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn locations() -> Alias {
    Alias::new("locations")
}

fn offer_active() -> Alias {
    Alias::new("offer_active")
}

/// The partial indexes over the counted locations: `(name, columns)`. The flag closes each
/// column list so SQLite reads them without the table.
const INDEXES: &[(&str, &[&str])] = &[
    (
        "idx_locations_active_point",
        &["lat", "lon", "offer_active"],
    ),
    (
        "idx_locations_active_gemeente",
        &["gemeente_code", "offer_id", "offer_active"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(locations())
                    .add_column(
                        ColumnDef::new(offer_active())
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE locations SET offer_active = EXISTS (SELECT 1 FROM offers \
                 WHERE offers.id = locations.offer_id AND offers.is_public \
                 AND offers.status NOT IN ('ended', 'paused'))",
            )
            .await?;
        for &(name, cols) in INDEXES {
            manager
                .create_index(indexes::active_locations(name, cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(name, _) in INDEXES.iter().rev() {
            manager
                .drop_index(Index::drop().name(name).table(locations()).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(locations())
                    .drop_column(offer_active())
                    .take(),
            )
            .await
    }
}
