//! Notifications: each user's in-app inbox, their notification setting, the mail outbox (sent
//! over SMTP with retries) and the reminders already given (one per referral).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn created_at() -> ColumnDef {
    ColumnDef::new(Alias::new("created_at"))
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

fn user_fk(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_user"))
        .from(Alias::new(table), Alias::new("user_id"))
        .to(Alias::new("users"), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

fn id_column() -> ColumnDef {
    ColumnDef::new(Alias::new("id"))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("notifications"))
                    .col(id_column())
                    .col(ColumnDef::new(a("user_id")).string().not_null())
                    .col(ColumnDef::new(a("kind")).string().not_null())
                    .col(ColumnDef::new(a("referral_id")).string().not_null())
                    .col(ColumnDef::new(a("status")).string().not_null())
                    .col(created_at())
                    .col(
                        ColumnDef::new(a("read_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut user_fk("notifications"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table(a("notifications"))
                    .col(a("user_id"))
                    .col(a("id"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("notification_settings"))
                    .col(
                        ColumnDef::new(a("user_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("mode")).string().not_null())
                    .col(ColumnDef::new(a("digest_through")).big_integer().not_null())
                    .col(
                        ColumnDef::new(a("last_digest_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(a("updated_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut user_fk("notification_settings"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("mail_outbox"))
                    .col(id_column())
                    .col(ColumnDef::new(a("user_id")).string().not_null())
                    .col(ColumnDef::new(a("subject")).string().not_null())
                    .col(ColumnDef::new(a("body")).text().not_null())
                    .col(created_at())
                    .col(ColumnDef::new(a("attempts")).integer().not_null())
                    .col(
                        ColumnDef::new(a("next_attempt_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(a("last_error")).text().null())
                    .col(
                        ColumnDef::new(a("sent_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut user_fk("mail_outbox"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_outbox_due")
                    .table(a("mail_outbox"))
                    .col(a("sent_at"))
                    .col(a("next_attempt_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("referral_reminders"))
                    .col(
                        ColumnDef::new(a("referral_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(created_at())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "referral_reminders",
            "mail_outbox",
            "notification_settings",
            "notifications",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        Ok(())
    }
}
