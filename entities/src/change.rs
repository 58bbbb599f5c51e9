//! The change log: one row per write of a public record, in commit order.
//!
//! Written in the same transaction as the change. The search outbox worker and the federation
//! change feed both read it from a stored cursor, so no consumer can miss a change.

use crate::{ChangeOp, RecordKind};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    /// Monotonic sequence number.
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub record_kind: RecordKind,
    pub record_id: String,
    pub op: ChangeOp,
    pub origin_node: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
