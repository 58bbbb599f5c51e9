//! Writing a large backlog (a first mirror of a peer) with the list indexes of the tables it
//! fills suspended: dropped first, created again when it is written. Each new row lands at a
//! random place in every list index, so a backlog inserted under them costs one B-tree descent
//! and page change per row and index, and every transaction rewrites most of the indexes'
//! pages; an index created afterwards is one sort. On SQLite, 100,000 locations take 7.4 s
//! under their ten indexes, 1.2 s without them plus 1.3 s to create them.
//!
//! Kept in place: unique indexes (they enforce keys) and indexes led by a foreign-key column
//! (deleting a parent, or a child's rows by parent as the mirror does, looks them up).
//! Reads while an index is suspended are answered, only slower.
//!
//! A suspended index's definition is stored (`suspended_indexes`) in the transaction that
//! drops it, so one lost to a crash before [`restore`] is created again by [`restore_all`],
//! which a node runs when it starts, before migrating (the stored definitions are of the
//! schema as it was).

use entities::suspended_index;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, Statement,
};

/// An index as the database defines it.
#[derive(Debug, FromQueryResult)]
struct IndexDef {
    name: String,
    definition: String,
}

/// The list indexes of `table`: not unique, not led by a foreign-key column.
async fn list_indexes(db: &impl ConnectionTrait, table: &str) -> Result<Vec<IndexDef>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            r#"SELECT m.name AS name, m.sql AS definition FROM sqlite_master m
               WHERE m.type = 'index' AND m.tbl_name = ?1 AND m.sql IS NOT NULL
                 AND EXISTS (SELECT 1 FROM pragma_index_list(?1) l
                             WHERE l.name = m.name AND l."unique" = 0)
                 AND (SELECT i.name FROM pragma_index_info(m.name) i WHERE i.seqno = 0)
                     NOT IN (SELECT f."from" FROM pragma_foreign_key_list(?1) f)
               ORDER BY m.name"#
        }
        _ => {
            r#"SELECT i.relname::text AS name, pg_get_indexdef(i.oid) AS definition
               FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_class t ON t.oid = x.indrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               WHERE t.relname = $1 AND n.nspname = current_schema()
                 AND NOT x.indisunique AND NOT x.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                 WHERE c.conrelid = t.oid AND c.contype = 'f'
                                   AND c.conkey[1] = x.indkey[0])
               ORDER BY 1"#
        }
    };
    IndexDef::find_by_statement(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .all(db)
        .await
}

/// Executes `sql` as a statement (counted, as every statement the node runs).
async fn execute(db: &impl ConnectionTrait, sql: String) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(())
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Indexes dropped by [`suspend`], until [`Suspended::restore`] creates them again. Dropped
/// before that (the sync that suspended them was cancelled, or failed to restore them), it
/// creates them again on a task of its own.
#[must_use = "suspended indexes are created again by `restore`"]
pub struct Suspended {
    db: DatabaseConnection,
    names: Vec<String>,
}

impl Suspended {
    /// The names of the indexes suspended, in the order they were dropped.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Creates the indexes again, one by one; those not yet created when this fails or is
    /// cancelled are left to the task [`Drop`] spawns.
    pub async fn restore(mut self) -> Result<(), DbErr> {
        while let Some(name) = self.names.first() {
            restore(&self.db, std::slice::from_ref(name)).await?;
            self.names.remove(0);
        }
        Ok(())
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.names);
        if names.is_empty() {
            return;
        }
        // Without a runtime (the node is stopping) the next start creates them.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let db = self.db.clone();
        runtime.spawn(async move {
            match restore(&db, &names).await {
                Ok(()) => tracing::info!(indexes = names.len(), "suspended list indexes created again after an interrupted load"),
                Err(e) => tracing::error!(error = %e, "suspended list indexes not created again; the next start will"),
            }
        });
    }
}

/// Drops the list indexes of `tables` (see the module's note on which), storing their
/// definitions, in one transaction.
pub async fn suspend(db: &DatabaseConnection, tables: &[&str]) -> Result<Suspended, DbErr> {
    let txn = super::begin_write(db).await?;
    let mut names = Vec::new();
    for table in tables {
        for index in list_indexes(&txn, table).await? {
            let row = suspended_index::Model {
                name: index.name.clone(),
                table_name: table.to_string(),
                definition: index.definition,
            };
            suspended_index::Entity::insert(row.into_active_model())
                .exec_without_returning(&txn)
                .await?;
            execute(&txn, format!("DROP INDEX {}", quoted(&index.name))).await?;
            names.push(index.name);
        }
    }
    txn.commit().await?;
    Ok(Suspended {
        db: db.clone(),
        names,
    })
}

/// Creates the suspended indexes `names` again from their stored definitions, each in its own
/// transaction with the removal of its definition. One that exists already (made again by
/// another way) only loses its stored definition.
async fn restore(db: &DatabaseConnection, names: &[String]) -> Result<(), DbErr> {
    for name in names {
        let txn = super::begin_write(db).await?;
        if let Some(row) = suspended_index::Entity::find_by_id(name.as_str())
            .one(&txn)
            .await?
        {
            let schema = migration::SchemaManager::new(&txn);
            if !schema.has_index(&row.table_name, name).await? {
                execute(&txn, row.definition).await?;
            }
            suspended_index::Entity::delete_by_id(name.as_str())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// [`restore`]s every suspended index (those a crash left behind), if this database has the
/// table of them yet. Returns how many there were.
pub async fn restore_all(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let manager = migration::SchemaManager::new(db);
    if !manager.has_table("suspended_indexes").await? {
        return Ok(0);
    }
    let names: Vec<String> = (suspended_index::Entity::find().all(db).await?)
        .into_iter()
        .map(|r| r.name)
        .collect();
    restore(db, &names).await?;
    Ok(names.len())
}
