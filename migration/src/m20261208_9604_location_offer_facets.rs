//! Coverage of a large gemeente (issue 17): what coverage counts of a location's offer is
//! stored beside the location, so a gemeente's counts are one range of one partial index,
//! without a lookup of every offer, its target groups and its life domains:
//! - `offer_kind`: the offer's kind;
//! - `offer_has_room`: whether it can take participants now (not full, ended or paused, and
//!   places left if it has a capacity);
//! - `offer_for_older`: whether it is meant for older people (target group `ouderen`);
//! - `offer_domains`: its life domains as bits, bit `i` for the `i`-th life domain in the
//!   order below (the vocabulary's order, which only grows at its end).
//!
//! Existing rows are backfilled here; the node keeps the columns up to date whenever it writes
//! offers or their locations (`read_model::derived`). The partial index of the counted
//! locations per gemeente gains these columns (it replaces `idx_locations_active_gemeente`).

use crate::indexes;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn locations() -> Alias {
    Alias::new("locations")
}

/// The life domains in bit order, as stored when this migration ran.
const DOMAINS: &[&str] = &[
    "beweging",
    "voeding",
    "ontspanning",
    "slapen",
    "sociale_contacten",
    "zingeving",
    "werk_dagbesteding",
    "financien",
];

const OLD_INDEX: &str = "idx_locations_active_gemeente";
const OLD_COLUMNS: &[&str] = &["gemeente_code", "offer_id", "offer_active"];
const NEW_INDEX: &str = "idx_locations_active_gemeente_facets";
/// `offer_id` second keeps a gemeente's distinct offers in order; the flag closes the list so
/// SQLite reads them without the table.
const NEW_COLUMNS: &[&str] = &[
    "gemeente_code",
    "offer_id",
    "wijk_code",
    "offer_kind",
    "offer_has_room",
    "offer_for_older",
    "offer_domains",
    "offer_active",
];

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Alias::new("offer_kind"))
            .string()
            .null()
            .take(),
        ColumnDef::new(Alias::new("offer_has_room"))
            .boolean()
            .not_null()
            .default(false)
            .take(),
        ColumnDef::new(Alias::new("offer_for_older"))
            .boolean()
            .not_null()
            .default(false)
            .take(),
        ColumnDef::new(Alias::new("offer_domains"))
            .integer()
            .not_null()
            .default(0)
            .take(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for mut col in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(locations())
                        .add_column(&mut col)
                        .take(),
                )
                .await?;
        }
        let bits: String = DOMAINS
            .iter()
            .enumerate()
            .map(|(i, d)| format!(" WHEN '{d}' THEN {}", 1i64 << i))
            .collect();
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE locations SET \
                 offer_kind = (SELECT kind FROM offers WHERE offers.id = locations.offer_id), \
                 offer_has_room = EXISTS (SELECT 1 FROM offers \
                   WHERE offers.id = locations.offer_id \
                   AND offers.status NOT IN ('full', 'ended', 'paused') \
                   AND (offers.capacity IS NULL OR offers.capacity > offers.places_taken)), \
                 offer_for_older = EXISTS (SELECT 1 FROM offer_target_groups t \
                   WHERE t.offer_id = locations.offer_id AND t.target_group = 'ouderen'), \
                 offer_domains = COALESCE((SELECT SUM(CASE d.life_domain{bits} ELSE 0 END) \
                   FROM offer_life_domains d WHERE d.offer_id = locations.offer_id), 0)"
            ))
            .await?;
        manager
            .drop_index(Index::drop().name(OLD_INDEX).table(locations()).to_owned())
            .await?;
        manager
            .create_index(indexes::active_locations(NEW_INDEX, NEW_COLUMNS))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NEW_INDEX).table(locations()).to_owned())
            .await?;
        manager
            .create_index(indexes::active_locations(OLD_INDEX, OLD_COLUMNS))
            .await?;
        for col in columns().iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(locations())
                        .drop_column(col.get_column_name())
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
