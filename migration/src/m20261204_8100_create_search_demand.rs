//! Unmet search demand, anonymous: per normalised query text, gemeente (empty when unknown) and
//! ISO week (`2026-W49`) the number of searches that found no or few offers. Deliberately no
//! user, IP address, session or time finer than the week.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchDemand {
    Table,
    QueryText,
    GemeenteCode,
    IsoWeek,
    Count,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchDemand::Table)
                    .col(ColumnDef::new(SearchDemand::QueryText).string().not_null())
                    .col(
                        ColumnDef::new(SearchDemand::GemeenteCode)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SearchDemand::IsoWeek).string().not_null())
                    .col(
                        ColumnDef::new(SearchDemand::Count)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(SearchDemand::QueryText)
                            .col(SearchDemand::GemeenteCode)
                            .col(SearchDemand::IsoWeek),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_demand_week")
                    .table(SearchDemand::Table)
                    .col(SearchDemand::IsoWeek)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchDemand::Table).to_owned())
            .await
    }
}
