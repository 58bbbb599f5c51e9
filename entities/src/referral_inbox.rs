//! Referral messages received from peer nodes, with the receipt given, so a message delivered
//! twice is applied once and answered alike.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_inbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: String,
    /// The node that sent it.
    pub peer_id: String,
    pub referral_id: String,
    /// The receipt sent back (JSON).
    pub receipt: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
