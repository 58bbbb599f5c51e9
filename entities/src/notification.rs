//! A user's in-app inbox: one row per thing the user should hear of (a new referral, a status
//! change, a reminder), pointing at the referral. No personal data of the patient.

use crate::ReferralStatus;
use sea_orm::entity::prelude::*;

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NotificationKind {
    /// A referral arrived for the user's organisation.
    #[sea_orm(string_value = "new_referral")]
    NewReferral,
    /// A referral the user sent changed status.
    #[sea_orm(string_value = "status_changed")]
    StatusChanged,
    /// A referral to the user's organisation waits for an answer.
    #[sea_orm(string_value = "reminder")]
    Reminder,
    /// The organisation closed a referral the user sent and recorded an outcome.
    #[sea_orm(string_value = "outcome_recorded")]
    OutcomeRecorded,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The local user who should hear of it.
    pub user_id: String,
    pub kind: NotificationKind,
    pub referral_id: String,
    /// The referral's status the notification tells of.
    pub status: ReferralStatus,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
