//! Where this node stands in each peer's change feed, and how the last sync went.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "peer_sync")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub peer_id: String,
    /// Last feed sequence number applied.
    pub cursor: i64,
    /// The peer's highest sequence number when last read.
    pub head_seq: i64,
    /// Records applied from this peer since the node started mirroring it.
    pub records_applied: i64,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
