//! Municipality insight at national scale (issue 20): the place and kind of each referral's
//! offer are stored beside it (`referrals.offer_gemeente_code`, `offer_wijk_code` and
//! `offer_kind`: the gemeente and wijk of the offer's first location and the offer's kind), so
//! a gemeente's referrals in a period are one range of an index that also holds their kind,
//! instead of a lookup of every referral's offer and location. Existing rows are backfilled
//! here; the node keeps the columns up to date whenever it writes referrals or offers
//! (`read_model::derived`).

use crate::indexes::{self, IndexSpec};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The added columns, each with the backfill of its value.
const COLUMNS: &[(&str, &str)] = &[
    (
        "offer_gemeente_code",
        "(SELECT locations.gemeente_code FROM locations \
         WHERE locations.offer_id = referrals.offer_id AND locations.position = 0)",
    ),
    (
        "offer_wijk_code",
        "(SELECT locations.wijk_code FROM locations \
         WHERE locations.offer_id = referrals.offer_id AND locations.position = 0)",
    ),
    (
        "offer_kind",
        "(SELECT offers.kind FROM offers WHERE offers.id = referrals.offer_id)",
    ),
];

/// The index a gemeente's referrals in a period are read from (with their offer's kind).
const INDEXES: &[IndexSpec] = &[(
    "referrals",
    "idx_referrals_gemeente_created",
    &["offer_gemeente_code", "created_at", "offer_kind", "status"],
)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for (name, _) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("referrals"))
                        .add_column(ColumnDef::new(Alias::new(*name)).string().null())
                        .take(),
                )
                .await?;
        }
        let sets: Vec<String> = COLUMNS
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect();
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE referrals SET {}", sets.join(", ")))
            .await?;
        indexes::create_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::drop_all(manager, INDEXES).await?;
        for (name, _) in COLUMNS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("referrals"))
                        .drop_column(Alias::new(*name))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
