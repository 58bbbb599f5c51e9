//! Contact details of a referral's person for a warm handover: sealed bytes under a named key,
//! with the consent that allowed storing them; deleted with the referral.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        let at = |name: &'static str| {
            ColumnDef::new(Alias::new(name))
                .timestamp_with_time_zone()
                .not_null()
                .take()
        };
        manager
            .create_table(
                Table::create()
                    .table(a("referral_contacts"))
                    .col(
                        ColumnDef::new(a("referral_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("key_id")).string().not_null())
                    .col(ColumnDef::new(a("sealed")).blob().not_null())
                    .col(ColumnDef::new(a("consent_by")).string().not_null())
                    .col(at("consent_at"))
                    .col(ColumnDef::new(a("shared_fields")).json().not_null())
                    .col(at("sealed_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("referral_contacts"), a("referral_id"))
                            .to(a("referrals"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // Key rotation looks for rows under other keys than the active one.
        manager
            .create_index(
                Index::create()
                    .name("idx_referral_contacts_key")
                    .table(a("referral_contacts"))
                    .col(a("key_id"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("referral_contacts")).take())
            .await
    }
}
