//! Self-referral: a referral says who made it (`source`: `practice`, or `self_referral` for a person
//! signing up on an offer's public form); every existing referral came from a practice. The
//! person's confirmation mails wait in `self_referral_mails` (address sealed) until sent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .alter_table(
                Table::alter()
                    .table(a("referrals"))
                    .add_column(
                        ColumnDef::new(a("source"))
                            .string()
                            .not_null()
                            .default("practice"),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("self_referral_mails"))
                    .col(
                        ColumnDef::new(a("referral_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("key_id")).string().not_null())
                    .col(ColumnDef::new(a("sealed_address")).blob().not_null())
                    .col(ColumnDef::new(a("subject")).string().not_null())
                    .col(ColumnDef::new(a("body")).text().not_null())
                    .col(
                        ColumnDef::new(a("created_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(a("attempts")).integer().not_null())
                    .col(
                        ColumnDef::new(a("next_attempt_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(a("last_error")).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_self_referral_mails_referral")
                            .from(a("self_referral_mails"), a("referral_id"))
                            .to(a("referrals"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .drop_table(Table::drop().table(a("self_referral_mails")).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(a("referrals"))
                    .drop_column(a("source"))
                    .take(),
            )
            .await
    }
}
