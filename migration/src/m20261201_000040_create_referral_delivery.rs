//! Cross-node referral delivery: an outbox of messages to peers (retried until acknowledged)
//! and an inbox of messages received from peers (so a redelivered message is applied once).

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
                    .table(a("referral_outbox"))
                    .col(
                        ColumnDef::new(a("id"))
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(a("message_id"))
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(a("peer_id")).string().not_null())
                    .col(ColumnDef::new(a("referral_id")).string().not_null())
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
                    .col(
                        ColumnDef::new(a("delivered_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(a("outcome")).string().null())
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_referral_outbox_pending")
                    .table(a("referral_outbox"))
                    .col(a("peer_id"))
                    .col(a("delivered_at"))
                    .col(a("id"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_referral_outbox_referral")
                    .table(a("referral_outbox"))
                    .col(a("referral_id"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("referral_inbox"))
                    .col(
                        ColumnDef::new(a("message_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(a("peer_id")).string().not_null())
                    .col(ColumnDef::new(a("referral_id")).string().not_null())
                    .col(ColumnDef::new(a("receipt")).text().not_null())
                    .col(
                        ColumnDef::new(a("received_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("referral_inbox")).take())
            .await?;
        manager
            .drop_table(Table::drop().table(Alias::new("referral_outbox")).take())
            .await
    }
}
