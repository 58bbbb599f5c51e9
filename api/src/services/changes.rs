//! Appends to the change log inside the writing transaction.
//!
//! On PostgreSQL a transaction-scoped advisory lock serialises appends, so sequence numbers are
//! committed in order and a consumer reading `seq > cursor` can never skip a change that
//! commits late. SQLite serialises writers already.

use entities::{ChangeOp, RecordKind, change};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Set, Statement};

/// Advisory lock key for change-log appends ("wijk" in ASCII).
const CHANGE_LOG_LOCK: i64 = 0x7769_6a6b;

/// Records that a public record changed (or was deleted).
pub async fn record(
    txn: &DatabaseTransaction,
    kind: RecordKind,
    id: &str,
    op: ChangeOp,
    origin_node: &str,
) -> Result<(), DbErr> {
    record_many(txn, kind, std::iter::once(id), op, origin_node).await
}

/// [`record`] for many records of one kind, in order, in as few statements as possible.
pub async fn record_many<'a>(
    txn: &DatabaseTransaction,
    kind: RecordKind,
    ids: impl IntoIterator<Item = &'a str>,
    op: ChangeOp,
    origin_node: &str,
) -> Result<(), DbErr> {
    let at = chrono::Utc::now();
    let rows: Vec<change::ActiveModel> = ids
        .into_iter()
        .map(|id| change::ActiveModel {
            record_kind: Set(kind),
            record_id: Set(id.to_string()),
            op: Set(op),
            origin_node: Set(origin_node.to_string()),
            at: Set(at),
            ..Default::default()
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [CHANGE_LOG_LOCK.into()],
        ))
        .await?;
    }
    crate::db::insert_all(txn, rows, None).await
}
