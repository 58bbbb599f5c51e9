//! Issue 19, suitability and fresh listings: who an offer is (not) for (`offer_suitability`),
//! when and by whom an offer was last confirmed current (`offer_confirmations`, started at each
//! existing offer's `updated_at`), and that a GP confirmed a referral despite a conflict with
//! the offer's suitability (`referral_suitability_confirmations`: only the moment, never which
//! condition applies).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn offer_id() -> ColumnDef {
    ColumnDef::new(Alias::new("offer_id"))
        .string()
        .not_null()
        .primary_key()
        .take()
}

fn fk(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

fn moment(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("offer_suitability"))
                    .col(offer_id())
                    .col(ColumnDef::new(a("contra_indications")).json().not_null())
                    .col(ColumnDef::new(a("note")).text().null())
                    .col(ColumnDef::new(a("commitments")).json().not_null())
                    .foreign_key(&mut fk("offer_suitability", "offer_id", "offers"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("offer_confirmations"))
                    .col(offer_id())
                    .col(moment("confirmed_at"))
                    .col(ColumnDef::new(a("confirmed_by")).string().null())
                    .col(
                        ColumnDef::new(a("reminded_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk("offer_confirmations", "offer_id", "offers"))
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO offer_confirmations (offer_id, confirmed_at) \
                 SELECT id, updated_at FROM offers",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("referral_suitability_confirmations"))
                    .col(
                        ColumnDef::new(a("referral_id"))
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(moment("confirmed_at"))
                    .foreign_key(&mut fk(
                        "referral_suitability_confirmations",
                        "referral_id",
                        "referrals",
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "referral_suitability_confirmations",
            "offer_confirmations",
            "offer_suitability",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).take())
                .await?;
        }
        Ok(())
    }
}
