//! `suspended_indexes`: the definitions of list indexes a node dropped while it writes a
//! large backlog (a first mirror of a peer) and creates again, sorted once, when it is done.
//! Stored in the transaction that drops them, so an index lost to a crash in between is
//! created again when the node next starts (`api::db::bulk_load`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("suspended_indexes"))
                    .col(ColumnDef::new(a("name")).string().not_null().primary_key())
                    .col(ColumnDef::new(a("table_name")).string().not_null())
                    .col(ColumnDef::new(a("definition")).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("suspended_indexes")).to_owned())
            .await
    }
}
