//! Append-only event log of a referral's status changes.

use crate::ReferralStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub referral_id: String,
    pub at: DateTimeUtc,
    /// User id or `node:<id>` of whoever made the change.
    pub actor: String,
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::referral::Entity",
        from = "Column::ReferralId",
        to = "super::referral::Column::Id",
        on_delete = "Cascade"
    )]
    Referral,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::referral::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Referral.def()
    }
}
