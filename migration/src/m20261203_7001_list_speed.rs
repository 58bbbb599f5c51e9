//! Lists that stay fast at national scale (issue 17): a maintained `offers.is_public` column
//! (a published offer of a published organisation) instead of a sub-query over organisations,
//! the gemeente and wijk of each location stored beside its buurt, and indexes that serve the
//! keyset orders of the lists. Existing rows are backfilled here; the node keeps the columns
//! up to date in every writing transaction (`read_model::derived`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, name, columns)` of the indexes this migration adds.
const INDEXES: &[(&str, &str, &[&str])] = &[
    // The public offer list, in title order (and its keyset cursor).
    (
        "offers",
        "idx_offers_public_title",
        &["is_public", "title", "id"],
    ),
    // HSDS pages of public services, by id.
    ("offers", "idx_offers_public_id", &["is_public", "id"]),
    // An organisation's offers, in title order.
    (
        "offers",
        "idx_offers_org_title",
        &["organisation_id", "title", "id"],
    ),
    // Offers mirrored from one node, in title order.
    (
        "offers",
        "idx_offers_origin_title",
        &["origin_node", "title", "id"],
    ),
    // Area filters: a lookup by gemeente or wijk code.
    (
        "locations",
        "idx_locations_gemeente",
        &["gemeente_code", "offer_id"],
    ),
    (
        "locations",
        "idx_locations_wijk",
        &["wijk_code", "offer_id"],
    ),
    (
        "locations",
        "idx_locations_buurt_offer",
        &["buurt_code", "offer_id"],
    ),
    // Life domain and target group filters: the offers of a value.
    (
        "offer_life_domains",
        "idx_offer_life_domains_value_offer",
        &["life_domain", "offer_id"],
    ),
    (
        "offer_target_groups",
        "idx_offer_target_groups_value_offer",
        &["target_group", "offer_id"],
    ),
    // Published organisations by name.
    (
        "organisations",
        "idx_organisations_status_name",
        &["status", "name", "id"],
    ),
    // The change feed of one origin node, after a sequence number.
    ("changes", "idx_changes_origin_seq", &["origin_node", "seq"]),
    // Areas under a parent, by code (area children).
    ("areas", "idx_areas_parent_code", &["parent_code", "code"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .alter_table(
                Table::alter()
                    .table(a("offers"))
                    .add_column(
                        ColumnDef::new(a("is_public"))
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .take(),
            )
            .await?;
        for col in ["gemeente_code", "wijk_code"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("locations"))
                        .add_column(ColumnDef::new(a(col)).string().null())
                        .take(),
                )
                .await?;
        }
        let db = manager.get_connection();
        // The rule as it stands today (read_model::rules::is_public); the node maintains it
        // from here on.
        db.execute_unprepared(
            "UPDATE offers SET is_public = (published_at IS NOT NULL AND organisation_id IN \
             (SELECT id FROM organisations WHERE status = 'published'))",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE locations SET \
             gemeente_code = (SELECT areas.gemeente_code FROM areas WHERE areas.code = locations.buurt_code), \
             wijk_code = (SELECT areas.parent_code FROM areas WHERE areas.code = locations.buurt_code) \
             WHERE buurt_code IS NOT NULL",
        )
        .await?;
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
        let a = Alias::new;
        for &(table, name, _) in INDEXES.iter().rev() {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        for col in ["wijk_code", "gemeente_code"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("locations"))
                        .drop_column(a(col))
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(a("offers"))
                    .drop_column(a("is_public"))
                    .take(),
            )
            .await
    }
}
