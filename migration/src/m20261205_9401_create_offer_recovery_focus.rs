//! Issue 19, recovery focus: the words of the Trimbos knowledge bundle an offer supports
//! (`verbinding`, `hoop`, `identiteit`, `betekenis`, `eigen_regie`), one row per offer and
//! word (a join table, so a filter is an index lookup). Not a clinical classification. New
//! table only: existing offers have no focus.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "offer_recovery_focus";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        let col = |n: &'static str| ColumnDef::new(Alias::new(n)).string().not_null().take();
        manager
            .create_table(
                Table::create()
                    .table(a(TABLE))
                    .col(col("offer_id"))
                    .col(col("focus"))
                    .primary_key(Index::create().col(a("offer_id")).col(a("focus")))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_offer_recovery_focus_offer_id")
                            .from(a(TABLE), a("offer_id"))
                            .to(a("offers"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_offer_recovery_focus_value_offer")
                    .table(a(TABLE))
                    .col(a("focus"))
                    .col(a("offer_id"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(TABLE)).take())
            .await
    }
}
