//! Indexes for municipality insight (issue 20): a gemeente's referrals in a period, reached
//! through its offers' locations or its practices, and the first move of each to a status.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[(&str, &str, &[&str])] = &[
    // Referrals to an offer, in a period.
    (
        "referrals",
        "idx_referrals_offer_created",
        &["offer_id", "created_at"],
    ),
    // Referrals from a practice in a period use `idx_referrals_practice_created`
    // (migration 7101).
    // Whether (and when first) a referral moved to a status.
    (
        "referral_events",
        "idx_referral_events_referral_to",
        &["referral_id", "to_status", "at"],
    ),
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
