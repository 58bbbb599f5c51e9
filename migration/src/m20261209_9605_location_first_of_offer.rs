//! Coverage counts without `DISTINCT` (issue 17): each location stores whether it is the first
//! of its offer's locations (by id) in its gemeente, its wijk and its buurt
//! (`first_in_gemeente`, `first_in_wijk`, `first_in_buurt`). An offer counts once in an area
//! however many of its locations lie there, so counting the locations that are first in the
//! area counts the offers: a range of a partial index read in order and aggregated, where
//! before every (offer, area) pair of a city's tens of thousands was made distinct first.
//!
//! Existing rows are backfilled here; the node keeps the flags up to date whenever it writes
//! offers or their locations (`read_model::derived`). The partial index of the counted
//! locations per gemeente is rebuilt with the flags in place of the offer id.

use crate::indexes;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn locations() -> Alias {
    Alias::new("locations")
}

/// The flags and the area column each one is about.
const FLAGS: &[(&str, &str)] = &[
    ("first_in_gemeente", "gemeente_code"),
    ("first_in_wijk", "wijk_code"),
    ("first_in_buurt", "buurt_code"),
];

const OLD_INDEX: &str = "idx_locations_active_gemeente_facets";
const OLD_COLUMNS: &[&str] = &[
    "gemeente_code",
    "offer_id",
    "wijk_code",
    "offer_kind",
    "offer_has_room",
    "offer_for_older",
    "offer_domains",
    "offer_active",
];
const NEW_INDEX: &str = "idx_locations_active_gemeente_first";
/// A gemeente's first locations of each offer as one range; the wijk flag and the counted
/// facets after it, so both parts of the count read the index alone.
const NEW_COLUMNS: &[&str] = &[
    "gemeente_code",
    "first_in_gemeente",
    "wijk_code",
    "first_in_wijk",
    "offer_kind",
    "offer_has_room",
    "offer_for_older",
    "offer_domains",
    "offer_active",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for (flag, _) in FLAGS {
            manager
                .alter_table(
                    Table::alter()
                        .table(locations())
                        .add_column(
                            ColumnDef::new(Alias::new(*flag))
                                .boolean()
                                .not_null()
                                .default(false),
                        )
                        .take(),
                )
                .await?;
        }
        let sets: Vec<String> = FLAGS
            .iter()
            .map(|(flag, area)| {
                format!(
                    "{flag} = NOT EXISTS (SELECT 1 FROM locations AS o \
                     WHERE o.offer_id = locations.offer_id AND o.{area} = locations.{area} \
                     AND o.id < locations.id)"
                )
            })
            .collect();
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE locations SET {}", sets.join(", ")))
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
        for (flag, _) in FLAGS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(locations())
                        .drop_column(Alias::new(*flag))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
