//! Drops four indexes whose columns begin another index of the same table, which serves every
//! lookup they served: each only cost writes (every mirrored offer and location moved through
//! them too).
//!
//! | dropped | served by |
//! |---|---|
//! | `idx_offers_organisation` (organisation_id) | `idx_offers_org_title` (organisation_id, title, id) |
//! | `idx_offer_life_domains_value` (life_domain) | `idx_offer_life_domains_value_offer` (life_domain, offer_id) |
//! | `idx_offer_target_groups_value` (target_group) | `idx_offer_target_groups_value_offer` (target_group, offer_id) |
//! | `idx_locations_buurt` (buurt_code) | `idx_locations_buurt_offer` (buurt_code, offer_id) |

use crate::indexes::{self, IndexSpec};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration drops (and `down` creates again).
const INDEXES: &[IndexSpec] = &[
    ("offers", "idx_offers_organisation", &["organisation_id"]),
    (
        "offer_life_domains",
        "idx_offer_life_domains_value",
        &["life_domain"],
    ),
    (
        "offer_target_groups",
        "idx_offer_target_groups_value",
        &["target_group"],
    ),
    ("locations", "idx_locations_buurt", &["buurt_code"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::drop_all(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        indexes::create_all(manager, INDEXES).await
    }
}
