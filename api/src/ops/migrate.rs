//! Applying the database migrations with what the data migrations need from the node: the
//! referral note rule (`services::referral::note_check`), so the migration that purges stored
//! notes the rule now refuses applies the very function the forms call. Every way a node
//! migrates (start, `wijkwijzer migrate`, the database-only commands) goes through [`run`].

use crate::services::referral::note_check;
use sea_orm::{DatabaseConnection, DbErr};

/// Creates again the list indexes a crash left suspended (their definitions are of the schema
/// before any pending migration), hands the data migrations their rules, then applies the
/// pending migrations.
pub async fn run(db: &DatabaseConnection) -> Result<(), DbErr> {
    let restored = crate::db::bulk_load::restore_all(db).await?;
    if restored > 0 {
        tracing::warn!(
            indexes = restored,
            "list indexes left suspended by an interrupted bulk load created again"
        );
    }
    migration::set_note_rule(note_check::is_refused);
    crate::db::migrate(db).await
}
