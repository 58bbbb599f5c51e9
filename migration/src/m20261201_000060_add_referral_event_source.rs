//! Referral events say which peer node caused them (`source_node`, null for a change made at
//! this node), so federation never sends a change back to the node it came from. Federation
//! now turns events into messages itself, reading the log after its cursor
//! (`consumer_cursors`, `referral-delivery`); events written before this migration were already
//! queued by the old code, so the cursor starts past them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The delivery worker's cursor in `consumer_cursors`.
const CONSUMER: &str = "referral-delivery";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .alter_table(
                Table::alter()
                    .table(a("referral_events"))
                    .add_column(ColumnDef::new(a("source_node")).string().null())
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let max = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT MAX(id) AS last FROM referral_events",
            ))
            .await?
            .and_then(|row| row.try_get::<Option<i64>>("", "last").ok())
            .flatten();
        if let Some(last) = max {
            let now = chrono_now_text(backend);
            let insert = Query::insert()
                .into_table(a("consumer_cursors"))
                .columns([a("consumer"), a("seq"), a("updated_at")])
                .values_panic([CONSUMER.into(), last.into(), now])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let a = Alias::new;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(a("consumer_cursors"))
                    .and_where(Expr::col(a("consumer")).eq(CONSUMER))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(a("referral_events"))
                    .drop_column(a("source_node"))
                    .take(),
            )
            .await
    }
}

/// The current time as the database stores a `timestamp with time zone`.
fn chrono_now_text(backend: sea_orm_migration::sea_orm::DbBackend) -> SimpleExpr {
    match backend {
        sea_orm_migration::sea_orm::DbBackend::Sqlite => {
            Expr::cust("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')")
        }
        _ => Expr::cust("CURRENT_TIMESTAMP"),
    }
}
