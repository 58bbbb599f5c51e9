//! Indexes for municipality insight (issue 20): a gemeente's referrals in a period, reached
//! through its offers' locations or its practices, and the first move of each to a status.

use crate::indexes::{self, IndexSpec};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[IndexSpec] = &[
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
        indexes::create_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::drop_all(manager, INDEXES).await
    }
}
