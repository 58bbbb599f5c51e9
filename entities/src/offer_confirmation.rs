//! When an offer was last confirmed current, and by whom (a display name or organisation);
//! plus when its editors were last reminded that it is stale (once per period).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_confirmations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    pub confirmed_at: DateTimeUtc,
    /// Who confirmed: a user's display name, or the origin's organisation for a mirror; none
    /// for offers that started confirmed at their last change.
    pub confirmed_by: Option<String>,
    /// When the editors were last reminded of this offer being stale.
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
