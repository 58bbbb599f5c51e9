//! A list index dropped while the node writes a large backlog, to be created again from its
//! definition when the write is done (or when the node next starts, after a crash).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suspended_indexes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The table the index belongs to.
    pub table_name: String,
    /// The statement that creates the index as it was, as the database printed it.
    #[sea_orm(column_type = "Text")]
    pub definition: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
