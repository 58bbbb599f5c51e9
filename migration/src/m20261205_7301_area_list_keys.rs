//! Area lists as one index walk on every database (issue 17): the title of each location's
//! offer is stored beside it (`locations.offer_title`), so a gemeente, wijk or buurt list walks
//! `(area code, offer title, offer id)` in the list's order and stops after a page, instead of
//! collecting every offer of the area and sorting them (SQLite's plan). Existing rows are
//! backfilled here; the node keeps the column up to date whenever it writes offers
//! (`read_model::derived`). Also the notification worker's reminder poll: the referrals to this
//! node's offers waiting for an answer since before a moment, by index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[crate::indexes::IndexSpec] = &[
    (
        "locations",
        "idx_locations_gemeente_title",
        &["gemeente_code", "offer_title", "offer_id"],
    ),
    (
        "locations",
        "idx_locations_wijk_title",
        &["wijk_code", "offer_title", "offer_id"],
    ),
    (
        "locations",
        "idx_locations_buurt_title",
        &["buurt_code", "offer_title", "offer_id"],
    ),
    // Reminders: referrals to offers of a node in a status, created before a moment.
    (
        "referrals",
        "idx_referrals_node_status_created",
        &["offer_node", "status", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("locations"))
                    .add_column(ColumnDef::new(Alias::new("offer_title")).string().null())
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE locations SET offer_title = \
                 (SELECT offers.title FROM offers WHERE offers.id = locations.offer_id)",
            )
            .await?;
        crate::indexes::create_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::indexes::drop_all(manager, INDEXES).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("locations"))
                    .drop_column(Alias::new("offer_title"))
                    .take(),
            )
            .await
    }
}
