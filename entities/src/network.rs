//! Networks of organisations and practices (e.g. a Netwerk Mentale Gezondheid): a name, a
//! description, a website and the gemeenten of its region. Networks are local to a node.

use crate::json::StringList;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "networks")]
pub struct Model {
    /// Global id `<node-id>:<uuid>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub origin_node: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub website: Option<String>,
    /// CBS codes of the gemeenten the network works in.
    pub region: StringList,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::network_member::Entity")]
    NetworkMember,
}

impl Related<super::network_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NetworkMember.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
