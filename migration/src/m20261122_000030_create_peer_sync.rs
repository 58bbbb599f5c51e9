//! Federation: per-peer sync cursor and status.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("peer_sync"))
                    .col(
                        ColumnDef::new(a("peer_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("cursor")).big_integer().not_null())
                    .col(ColumnDef::new(a("head_seq")).big_integer().not_null())
                    .col(
                        ColumnDef::new(a("records_applied"))
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(a("last_attempt_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(a("last_success_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(a("last_error")).text().null())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("peer_sync")).take())
            .await
    }
}
