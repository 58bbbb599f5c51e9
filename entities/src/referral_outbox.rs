//! Referral messages waiting for (or past) delivery to a peer node, oldest first per peer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_outbox")]
pub struct Model {
    /// Delivery order per peer.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `<node-id>:<uuid>`; the receiver applies a message id once.
    pub message_id: String,
    /// The node it goes to.
    pub peer_id: String,
    pub referral_id: String,
    /// The message in the wire format (JSON); emptied once delivered (it may carry personal
    /// data).
    pub body: String,
    pub created_at: DateTimeUtc,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not sent again before this time (backoff).
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    /// When the peer acknowledged it; null while pending.
    pub delivered_at: Option<DateTimeUtc>,
    /// `applied` or `refused` (with the peer's reason in `last_error`).
    pub outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
