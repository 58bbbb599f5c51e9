//! Referrals from a practitioner to an offer. The patient is a pseudonymous reference only.

use crate::json::StringList;
use crate::{ContactPreference, ReferralOutcome, ReferralSource, ReferralStatus, StopReason};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    /// Global id `<node-id>:<uuid>`; also the idempotency key of cross-node delivery.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Node of the referrer.
    pub origin_node: String,
    pub offer_id: String,
    /// Node that owns the offer and the referral's lifecycle.
    pub offer_node: String,
    pub referrer_user_id: Option<String>,
    /// The referring practice.
    pub referrer_organisation_id: Option<String>,
    /// Pseudonymous patient reference; removed when purged.
    pub patient_ref: Option<String>,
    pub consent: bool,
    pub contact_preference: Option<ContactPreference>,
    /// Life domains as the reason for referral.
    pub reason_domains: StringList,
    /// Practical needs (JSON, `api::domain::PracticalNeeds`); null when none were given or
    /// once purged.
    pub practical_needs: Option<Json>,
    /// Short note without medical content; removed when purged.
    pub note: Option<String>,
    pub status: ReferralStatus,
    pub status_reason: Option<String>,
    /// The offer had no open places when the referral was made.
    pub offer_was_full: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub purged_at: Option<DateTimeUtc>,
    pub version: i32,
    /// Who made it: a practice, or the person themselves (then no practice, no referrer user,
    /// no patient reference).
    pub source: ReferralSource,
    /// What became of the person, recorded by the receiving organisation when it closed the
    /// referral.
    pub outcome: Option<ReferralOutcome>,
    /// Why the person stopped (with outcome `stopped`).
    pub stop_reason: Option<StopReason>,
    /// The date of the first meeting (with outcome `first_meeting`).
    pub first_meeting_on: Option<Date>,
    /// The organisation asks the referrer to contact the patient ("terug naar de huisarts").
    pub contact_patient: bool,
    /// Short non-medical note with that request; removed when purged.
    pub contact_note: Option<String>,
    /// Expected start on the waiting list (status `on_hold`).
    pub expected_start: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::referral_event::Entity")]
    ReferralEvent,
}

impl Related<super::referral_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReferralEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
