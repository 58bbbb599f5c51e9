//! Database connection, migrations and the write-transaction helper.
//!
//! SQLite runs in WAL mode and write transactions begin `IMMEDIATE`, so concurrent writers queue
//! on the lock instead of failing on a read-to-write upgrade. Every executed statement is counted
//! ([`QueryCounter`]) so tests can prove the number of queries a request costs, and also on the
//! counter of the request whose task runs it ([`QueryCounter::scope`]), so a request can be
//! stopped past its budget.

pub mod bulk_load;

use migration::MigratorTrait;
use sea_orm::sea_query::{Alias, Expr, IntoIden, OnConflict, Query};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, Iterable, QueryFilter, Select, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait, TryGetableMany,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts SQL statements executed on a connection pool; while [`QueryCounter::start_log`] is
/// on, it also keeps them (tests read their query plans).
#[derive(Clone, Debug, Default)]
pub struct QueryCounter {
    count: Arc<AtomicU64>,
    logging: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Statement>>>,
}

tokio::task_local! {
    /// The counter of the request whose task is running (see [`QueryCounter::scope`]).
    static REQUEST: QueryCounter;
}

impl QueryCounter {
    /// Starts keeping the statements counted (dropping any kept before).
    pub fn start_log(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
        self.logging.store(true, Ordering::SeqCst);
    }

    /// Stops keeping statements and returns those kept since [`QueryCounter::start_log`], in
    /// order, with their values.
    pub fn take_log(&self) -> Vec<Statement> {
        self.logging.store(false, Ordering::SeqCst);
        self.log
            .lock()
            .map(|mut log| std::mem::take(&mut *log))
            .unwrap_or_default()
    }

    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Runs `work` with every statement it executes (in its own task; spawned tasks need their
    /// own scope) also counted on this counter.
    pub async fn scope<F: std::future::Future>(&self, work: F) -> F::Output {
        REQUEST.scope(self.clone(), work).await
    }

    fn add_one(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn add(&self, statement: &Statement) {
        self.add_one();
        if self.logging.load(Ordering::Relaxed)
            && let Ok(mut log) = self.log.lock()
        {
            log.push(statement.clone());
        }
    }
}

/// Page cache of all SQLite connections of the pool together, in KiB, shared out evenly
/// ([`sqlite_cache_kib`]). Each connection caches its own pages, so a budget per connection
/// grows with the pool: 16 connections of 16 MiB held 256 MiB of mostly the same pages at
/// 100,000 offers.
const SQLITE_CACHE_BUDGET_KIB: u32 = 64 * 1024;

/// SQLite's own default page cache (2 MiB), the least a connection gets.
const SQLITE_CACHE_MIN_KIB: u32 = 2 * 1024;

/// The page cache of each of `max_connections` SQLite connections: an even share of
/// [`SQLITE_CACHE_BUDGET_KIB`], at least SQLite's default. A single connection (a command line
/// import) gets the whole budget, so a page of a peer's feed or a bulk import fits without
/// spilling to the write-ahead log mid transaction.
fn sqlite_cache_kib(max_connections: u32) -> u32 {
    (SQLITE_CACHE_BUDGET_KIB / max_connections.max(1)).max(SQLITE_CACHE_MIN_KIB)
}

/// The settings of every SQLite connection of the pool (each connection needs its own: only
/// the journal mode is stored in the file): write-ahead log, `synchronous=NORMAL` (durable at
/// checkpoints, never corrupt), a 10 s wait for a busy database and a page cache of
/// `cache_kib`, and [`SQLITE_ROW_BUFFER`] rows read ahead.
fn sqlite_options(o: SqliteConnectOptions, cache_kib: u32) -> SqliteConnectOptions {
    o.journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", format!("-{cache_kib}"))
        .row_buffer_size(SQLITE_ROW_BUFFER)
}

/// Rows a SQLite connection's worker thread reads ahead of the task that takes them. With the
/// driver's 50, a query of thousands of rows (a feed page's offers, locations and lists) made
/// the worker and the reader wake each other every few rows.
const SQLITE_ROW_BUFFER: usize = 1024;

/// Connects (creating a SQLite file and its directory if needed) and returns the pool and its
/// statement counter.
pub async fn connect(
    url: &str,
    max_connections: u32,
) -> Result<(DatabaseConnection, QueryCounter), DbErr> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let cache_kib = sqlite_cache_kib(max_connections);
    options.map_sqlx_sqlite_opts(move |o| sqlite_options(o, cache_kib));
    let mut db = Database::connect(options).await?;
    let counter = QueryCounter::default();
    let pool_wide = counter.clone();
    // sea-orm calls this in the task that awaited the statement, so the task-local counter is
    // the one of the request that ran it.
    db.set_metric_callback(move |info| {
        pool_wide.add(info.statement);
        let _ = REQUEST.try_with(|request| request.add(info.statement));
    });
    Ok((db, counter))
}

/// Most values bound in one statement (SQLite allows 32 766, PostgreSQL 65 535).
pub const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` in as few statements as the parameter limit allows; with `upsert`, a row
/// whose key exists is updated as it says instead.
pub async fn insert_all<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    upsert: Option<&OnConflict>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter()
        .count()
        .max(1);
    let per_statement = (MAX_PARAMS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        let mut insert = <A::Entity as EntityTrait>::insert_many(chunk);
        if let Some(on_conflict) = upsert {
            insert = insert.on_conflict(on_conflict.clone());
        }
        insert.exec_without_returning(db).await?;
    }
    Ok(())
}

/// [`insert_all`] for rows that also store columns outside their entity (the derived columns
/// of [`crate::read_model::derived`]): each row is a model whose columns are all set, with
/// the values of `extra` in that order. With `upsert`, a row whose key exists is updated as it
/// says instead.
pub async fn insert_all_with<A>(
    db: &impl ConnectionTrait,
    rows: Vec<(A, Vec<sea_orm::Value>)>,
    extra: &[Alias],
    upsert: Option<&OnConflict>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns: Vec<_> = <<A::Entity as EntityTrait>::Column as Iterable>::iter().collect();
    let per_statement = (MAX_PARAMS / (columns.len() + extra.len()).max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        let names = (columns.iter().map(|c| c.into_iden()))
            .chain(extra.iter().map(|c| c.clone().into_iden()));
        insert.into_table(A::Entity::default()).columns(names);
        for (model, values) in rows.by_ref().take(per_statement) {
            if values.len() != extra.len() {
                return Err(DbErr::Custom(format!(
                    "{} derived values for {} columns",
                    values.len(),
                    extra.len()
                )));
            }
            let mut row = Vec::with_capacity(columns.len() + extra.len());
            for c in &columns {
                let value = model
                    .get(*c)
                    .into_value()
                    .ok_or_else(|| DbErr::Custom(format!("column {c:?} is not set")))?;
                row.push(Expr::val(value));
            }
            row.extend(values.into_iter().map(Expr::val));
            insert
                .values(row)
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        if let Some(on_conflict) = upsert {
            insert.on_conflict(on_conflict.clone());
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The rows `select` finds whose `column` is one of `values`, in as few statements as the
/// parameter limit allows.
pub async fn find_in<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    column: E::Column,
    values: &[impl AsRef<str>],
) -> Result<Vec<E::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in values.chunks(MAX_PARAMS) {
        let filter = column.is_in(chunk.iter().map(AsRef::as_ref));
        out.extend(select.clone().filter(filter).all(db).await?);
    }
    Ok(out)
}

/// [`find_in`] for a `select` of chosen columns (`select_only`), read as tuples.
pub async fn tuples_in<E: EntityTrait, T: TryGetableMany>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    column: E::Column,
    values: &[impl AsRef<str>],
) -> Result<Vec<T>, DbErr> {
    let mut out = Vec::new();
    for chunk in values.chunks(MAX_PARAMS) {
        let filter = column.is_in(chunk.iter().map(AsRef::as_ref));
        out.extend(select.clone().filter(filter).into_tuple().all(db).await?);
    }
    Ok(out)
}

/// Deletes the rows of `E` whose `column` is one of `values`, in as few statements as the
/// parameter limit allows.
pub async fn delete_in<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
    values: &[String],
) -> Result<(), DbErr> {
    for chunk in values.chunks(MAX_PARAMS) {
        E::delete_many()
            .filter(column.is_in(chunk.iter().map(String::as_str)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Applies pending migrations. A node migrates through [`crate::ops::migrate::run`], which
/// first hands the data migrations the rules they re-apply (without them the note purge
/// migration fails).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Begins a write transaction (`BEGIN IMMEDIATE` on SQLite). Dropping it uncommitted rolls back.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, TransactionTrait};

    /// The pool's page caches stay within the budget however many connections it has, and
    /// never below SQLite's default.
    #[test]
    fn the_page_cache_budget_is_shared_by_the_pool() {
        assert_eq!(sqlite_cache_kib(1), SQLITE_CACHE_BUDGET_KIB);
        assert_eq!(sqlite_cache_kib(0), SQLITE_CACHE_BUDGET_KIB);
        assert_eq!(sqlite_cache_kib(16) * 16, SQLITE_CACHE_BUDGET_KIB);
        assert_eq!(sqlite_cache_kib(1000), SQLITE_CACHE_MIN_KIB);
    }

    /// Every connection of the pool has the node's settings, not only the first one opened.
    #[tokio::test]
    async fn every_sqlite_connection_gets_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.sqlite?mode=rwc", dir.path().display());
        let (db, _) = connect(&url, 4).await.unwrap();
        // Four transactions open at once hold four different connections.
        let mut open = Vec::new();
        for _ in 0..4 {
            open.push(db.begin().await.unwrap());
        }
        for txn in &open {
            let get = async |pragma: &str| -> i64 {
                txn.query_one_raw(Statement::from_string(
                    txn.get_database_backend(),
                    format!("PRAGMA {pragma}"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index(0)
                .unwrap()
            };
            assert_eq!(get("cache_size").await, -i64::from(sqlite_cache_kib(4)));
            assert_eq!(get("busy_timeout").await, 10_000);
            assert_eq!(get("synchronous").await, 1, "NORMAL");
        }
        for txn in open {
            txn.rollback().await.unwrap();
        }
    }
}
