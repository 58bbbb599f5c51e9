//! Referral lists as keyset pages (issue 17): the organisation of each referral's offer is
//! stored beside it (`referrals.receiving_organisation_id`, the receiving side), so the
//! receiving organisation's list and the sender practice's list are each one walk of an index
//! in the list's order (newest first: `created_at`, then `id`). Existing rows are backfilled
//! here; the node keeps the column up to date whenever it writes referrals or offers
//! (`read_model::derived`).

use crate::indexes::{self, IndexSpec};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes on `referrals` this migration adds.
const INDEXES: &[IndexSpec] = &[
    // The sending practice's referrals, newest first (and with a status filter).
    (
        "referrals",
        "idx_referrals_practice_created",
        &["referrer_organisation_id", "created_at", "id"],
    ),
    (
        "referrals",
        "idx_referrals_practice_status_created",
        &["referrer_organisation_id", "status", "created_at", "id"],
    ),
    // The receiving organisation's referrals, newest first (and with a status filter).
    (
        "referrals",
        "idx_referrals_receiving_created",
        &["receiving_organisation_id", "created_at", "id"],
    ),
    (
        "referrals",
        "idx_referrals_receiving_status_created",
        &["receiving_organisation_id", "status", "created_at", "id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("referrals"))
                    .add_column(
                        ColumnDef::new(Alias::new("receiving_organisation_id"))
                            .string()
                            .null(),
                    )
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE referrals SET receiving_organisation_id = \
                 (SELECT offers.organisation_id FROM offers WHERE offers.id = referrals.offer_id)",
            )
            .await?;
        indexes::create_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::drop_all(manager, INDEXES).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("referrals"))
                    .drop_column(Alias::new("receiving_organisation_id"))
                    .take(),
            )
            .await
    }
}
