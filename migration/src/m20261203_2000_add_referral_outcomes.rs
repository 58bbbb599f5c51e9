//! Referral outcomes and the waiting list: the receiving organisation records what became of
//! the person when it closes a referral (`outcome`, `stop_reason`, `first_meeting_on`), may ask
//! the referrer to contact the patient (`contact_patient`, `contact_note`), and keeps an
//! expected start for a referral on the waiting list (`expected_start`). The same columns on
//! `referral_events` record each change, so consumers (federation, notifications) read them
//! from the log. Existing rows get no outcome and no request.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables that get the columns.
const TABLES: [&str; 2] = ["referrals", "referral_events"];

/// The new columns (SQLite adds one column per statement).
fn columns() -> Vec<ColumnDef> {
    let a = Alias::new;
    vec![
        ColumnDef::new(a("outcome")).string().null().to_owned(),
        ColumnDef::new(a("stop_reason")).string().null().to_owned(),
        ColumnDef::new(a("first_meeting_on"))
            .date()
            .null()
            .to_owned(),
        ColumnDef::new(a("contact_patient"))
            .boolean()
            .not_null()
            .default(false)
            .to_owned(),
        ColumnDef::new(a("contact_note")).string().null().to_owned(),
        ColumnDef::new(a("expected_start")).date().null().to_owned(),
    ]
}

const NAMES: [&str; 6] = [
    "outcome",
    "stop_reason",
    "first_meeting_on",
    "contact_patient",
    "contact_note",
    "expected_start",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            for mut col in columns() {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .add_column(&mut col)
                            .take(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            for name in NAMES {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(name))
                            .take(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
