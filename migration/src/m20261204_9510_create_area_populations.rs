//! Population per CBS area (CBS Kerncijfers wijken en buurten): inhabitants, inhabitants aged
//! 65 or over, households and the reference year. A missing row or a NULL cell means unknown,
//! never zero. One row per area, replaced in place by a re-import.

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
                    .table(a("area_populations"))
                    .col(
                        ColumnDef::new(a("area_code"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("year")).integer().not_null())
                    .col(ColumnDef::new(a("inhabitants")).big_integer().null())
                    .col(
                        ColumnDef::new(a("inhabitants_65_plus"))
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(a("households")).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_area_populations_area")
                            .from(a("area_populations"), a("area_code"))
                            .to(a("areas"), a("code"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("area_populations")).take())
            .await
    }
}
