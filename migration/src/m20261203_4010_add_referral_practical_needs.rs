//! Practical needs of a referral (mobility, language, company, times, contact person) as JSON,
//! so most of what a free note used to say is chosen from fixed options. Null for old rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("referrals"))
                    .add_column(ColumnDef::new(Alias::new("practical_needs")).json().null())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("referrals"))
                    .drop_column(Alias::new("practical_needs"))
                    .take(),
            )
            .await
    }
}
