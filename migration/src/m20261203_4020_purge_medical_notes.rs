//! A data migration: referral notes, status reasons and event notes stored under the older,
//! looser note rule that the current rule refuses are removed (set to null), and each removal is
//! recorded in the referral's audit trail (`audit_log`, actor `system`, action `note_purged`,
//! `status_reason_purged` or `event_note_purged`), never with the text.
//!
//! The rule is the node's own (`api::services::referral::note_check::is_refused`), handed in
//! with [`set_note_rule`] before migrating (`api::ops::migrate::run` does), so the migration and the
//! forms can never disagree. Without it this migration fails instead of skipping the purge.
//! The removal is not written to `referral_events`: an event there is a status change to its
//! consumers (federation would send it to the peer, notifications would tell the referrer).
//! `down` cannot bring removed text back and does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use std::sync::OnceLock;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The note rule: `true` for a text that must not be kept.
pub type NoteRule = fn(&str) -> bool;

static NOTE_RULE: OnceLock<NoteRule> = OnceLock::new();

/// Hands the node's note rule to this migration; call before running the migrations (the first
/// rule set stays).
pub fn set_note_rule(rule: NoteRule) {
    let _ = NOTE_RULE.set(rule);
}

/// One column of free text to re-check, and the audit action of its removal.
struct TextColumn {
    table: &'static str,
    /// The table's `id` is an integer (else text).
    numeric_id: bool,
    text: &'static str,
    /// The column holding the referral id of a row.
    referral: &'static str,
    action: &'static str,
}

const COLUMNS: &[TextColumn] = &[
    TextColumn {
        table: "referrals",
        numeric_id: false,
        text: "note",
        referral: "id",
        action: "note_purged",
    },
    TextColumn {
        table: "referrals",
        numeric_id: false,
        text: "status_reason",
        referral: "id",
        action: "status_reason_purged",
    },
    TextColumn {
        table: "referral_events",
        numeric_id: true,
        text: "note",
        referral: "referral_id",
        action: "event_note_purged",
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rule = NOTE_RULE.get().ok_or_else(|| {
            DbErr::Migration(
                "the note rule is not set: run migrations with `wijkwijzer migrate`, which \
                 purges notes the current rule refuses"
                    .into(),
            )
        })?;
        for column in COLUMNS {
            purge_column(manager, column, *rule).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Sets `column.text` to null where `rule` refuses it, with one audit record per row.
async fn purge_column(
    manager: &SchemaManager<'_>,
    column: &TextColumn,
    rule: NoteRule,
) -> Result<(), DbErr> {
    let a = Alias::new;
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let select = Query::select()
        .expr_as(Expr::col(a("id")), a("key"))
        .expr_as(Expr::col(a(column.referral)), a("referral"))
        .expr_as(Expr::col(a(column.text)), a("text"))
        .from(a(column.table))
        .and_where(Expr::col(a(column.text)).is_not_null())
        .to_owned();
    let rows = db.query_all(&select).await?;
    for row in rows {
        let referral: String = row.try_get("", "referral")?;
        let text: String = row.try_get("", "text")?;
        if !rule(&text) {
            continue;
        }
        let key: Value = if column.numeric_id {
            row.try_get::<i64>("", "key")?.into()
        } else {
            row.try_get::<String>("", "key")?.into()
        };
        let update = Query::update()
            .table(a(column.table))
            .value(a(column.text), Option::<String>::None)
            .and_where(Expr::col(a("id")).eq(key))
            .to_owned();
        manager.exec_stmt(update).await?;
        let audit = Query::insert()
            .into_table(a("audit_log"))
            .columns([a("at"), a("actor"), a("action"), a("referral_id")])
            .values_panic([
                now_text(backend),
                "system".into(),
                column.action.into(),
                referral.into(),
            ])
            .to_owned();
        manager.exec_stmt(audit).await?;
    }
    Ok(())
}

/// The current time as the database stores a `timestamp with time zone`.
fn now_text(backend: DbBackend) -> SimpleExpr {
    match backend {
        DbBackend::Sqlite => Expr::cust("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"),
        _ => Expr::cust("CURRENT_TIMESTAMP"),
    }
}
