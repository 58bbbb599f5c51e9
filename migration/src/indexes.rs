//! Plain indexes given as `(table, name, columns)`, created and dropped in one place, so a
//! migration that only adds indexes lists them and nothing else; and the partial indexes over
//! the locations coverage counts ([`active_locations`]). Moving a landed migration onto
//! these helpers must leave the statements it issues unchanged.

use sea_orm_migration::prelude::*;

/// An index: `(table, name, columns)`.
pub type IndexSpec = (&'static str, &'static str, &'static [&'static str]);

/// Creates `indexes` in order.
pub async fn create_all(manager: &SchemaManager<'_>, indexes: &[IndexSpec]) -> Result<(), DbErr> {
    for &(table, name, cols) in indexes {
        let mut stmt = Index::create();
        stmt.name(name).table(Alias::new(table));
        for &col in cols {
            stmt.col(Alias::new(col));
        }
        manager.create_index(stmt).await?;
    }
    Ok(())
}

/// Drops `indexes` in reverse order.
pub async fn drop_all(manager: &SchemaManager<'_>, indexes: &[IndexSpec]) -> Result<(), DbErr> {
    for &(table, name, _) in indexes.iter().rev() {
        manager
            .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
            .await?;
    }
    Ok(())
}

/// A partial index `name` on `locations` over `cols`, of the rows whose offer counts in
/// coverage (`offer_active`).
pub fn active_locations(name: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name)
        .table(Alias::new("locations"))
        .and_where(Expr::col(Alias::new("offer_active")));
    for &col in cols {
        stmt.col(Alias::new(col));
    }
    stmt
}
