//! How far each consumer of the change log (search indexer, peer sync) has got.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consumer_cursors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consumer: String,
    /// Last change sequence number applied.
    pub seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
