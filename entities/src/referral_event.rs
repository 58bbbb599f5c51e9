//! Append-only event log of a referral's status changes, its creation included (the first
//! event, `from_status` null). Consumers (federation's delivery, notifications) read it in `id`
//! order after a cursor of their own; the contract is written in `api::services::referral`.

use crate::{ReferralOutcome, ReferralStatus, StopReason};
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
    /// Note or reason given with the change; removed when the referral is purged.
    pub note: Option<String>,
    /// The peer node whose message made this change here; null for a change made at this
    /// node (by a user or the node itself). Federation never sends a change back to its source.
    pub source_node: Option<String>,
    /// The outcome recorded with this change (a closing by the receiving organisation).
    pub outcome: Option<ReferralOutcome>,
    /// Why the person stopped (with outcome `stopped`).
    pub stop_reason: Option<StopReason>,
    /// The date of the first meeting (with outcome `first_meeting`).
    pub first_meeting_on: Option<Date>,
    /// The organisation asked the referrer to contact the patient with this change.
    pub contact_patient: bool,
    /// Short non-medical note with that request; removed when the referral is purged.
    pub contact_note: Option<String>,
    /// Expected start given with a move to the waiting list.
    pub expected_start: Option<Date>,
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
