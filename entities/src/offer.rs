//! Offers (HSDS services): groups, activities, courses and Herstelcirkels.

use crate::json::{DateList, Schedule, StringList};
use crate::{CostPeriod, Intake, OfferKind, OfferStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    /// Global id `<node-id>:<uuid>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub origin_node: String,
    pub organisation_id: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub kind: OfferKind,
    pub status: OfferStatus,
    /// Set when published; unpublished offers are visible to their editors only.
    pub published_at: Option<DateTimeUtc>,
    pub intake: Intake,
    /// Cost in euro cents per `cost_period`; none or 0 means free.
    pub cost_cents: Option<i32>,
    pub cost_period: Option<CostPeriod>,
    pub cost_note: Option<String>,
    /// Maximum participants; none means no fixed limit.
    pub capacity: Option<i32>,
    pub places_taken: i32,
    pub has_waitlist: bool,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub schedule: Schedule,
    pub schedule_note: Option<String>,
    pub languages: StringList,
    pub accessibility: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub how_to_join: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Herstelcirkel year: 1, or 2-3 for Herstelcirkel+.
    pub hc_year: Option<i32>,
    /// Leefkrachtcoaches guiding the circle.
    pub hc_coaches: StringList,
    pub hc_regisseur: Option<String>,
    /// Date of the start meeting (with GP or POH).
    pub hc_start_meeting: Option<Date>,
    pub hc_sounding_board: DateList,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    #[sea_orm(has_many = "super::location::Entity")]
    Location,
    #[sea_orm(has_many = "super::offer_life_domain::Entity")]
    OfferLifeDomain,
    #[sea_orm(has_many = "super::offer_target_group::Entity")]
    OfferTargetGroup,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl Related<super::location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Location.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
