//! Wijkwijzer nodes: this node and its federation peers.

use crate::json::StringList;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "nodes")]
pub struct Model {
    /// Short stable node id, the prefix of global ids (`nijmegen`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub base_url: Option<String>,
    /// True for the node this database belongs to.
    pub is_local: bool,
    /// Gemeente codes of the node's region.
    pub region: StringList,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
