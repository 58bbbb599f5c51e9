//! The Herstelcirkel plan of an offer (issue 19): roles (kwartiermaker, leefkrachtcoaches,
//! regisseurs, klankbordgroep), partner practices, subgroups, start meeting, group size,
//! Herstelcirkel+ continuation and evaluations. One row per offer; the lists that are shown
//! and never filtered on in SQL are typed JSON columns.

use crate::json::{DateList, SchedulePeriod, StringList};
use chrono::NaiveDate;
use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_circles")]
pub struct Model {
    /// The offer this plan belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    /// 1, or 2-3 for Herstelcirkel+.
    pub year: Option<i32>,
    /// The offer of the same group's previous year (Herstelcirkel+).
    pub previous_offer_id: Option<String>,
    /// The kwartiermaker: contact person for practitioners.
    pub kwartiermaker_name: Option<String>,
    pub kwartiermaker_organisation: Option<String>,
    pub kwartiermaker_phone: Option<String>,
    pub kwartiermaker_email: Option<String>,
    /// Leefkrachtcoaches guiding the circle.
    pub coaches: StringList,
    /// Regisseurs chosen by the group from its own members (only once the circle runs).
    pub regisseurs: StringList,
    pub start_meeting: Option<Date>,
    /// Who is invited to the start meeting: `huisarts`, `poh`, `partners`.
    pub start_meeting_invited: StringList,
    pub klankbord_members: KlankbordMembers,
    pub klankbord_meetings: DateList,
    /// Group size range, e.g. 16-20.
    pub group_min: Option<i32>,
    pub group_max: Option<i32>,
    pub subgroups: Subgroups,
    pub partners: PartnerPractices,
    pub evaluations: Evaluations,
    pub updated_at: DateTimeUtc,
}

/// One member of the klankbordgroep, by role; the name is optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlankbordMember {
    /// `kwartiermaker`, `regisseur`, `leefkrachtcoach`, `participant` or `huisarts_poh`.
    pub role: String,
    pub name: Option<String>,
}

/// The klankbordgroep's members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct KlankbordMembers(pub Vec<KlankbordMember>);

/// A subgroup around an activity, with its own schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subgroup {
    /// `koken`, `bewegen`, `ontspannen` or `informatie`.
    pub activity: String,
    #[serde(default)]
    pub schedule: Vec<SchedulePeriod>,
}

/// The subgroups of a circle.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Subgroups(pub Vec<Subgroup>);

/// A GP practice that recruits for the circle, with the agreement made with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerPractice {
    /// Global id of an organisation of kind `gp_practice`.
    pub organisation_id: String,
    pub agreed_on: Option<NaiveDate>,
    /// What was agreed: `responsibilities`, `research`, `check_ups`.
    #[serde(default)]
    pub agreements: Vec<String>,
}

/// The partner practices of a circle.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct PartnerPractices(pub Vec<PartnerPractice>);

/// A published evaluation of the offer (no individual measurements).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub title: String,
    /// An http(s) URL.
    pub url: String,
    pub year: i32,
    /// One published outcome, e.g. "90% meer grip op de eigen gezondheid".
    pub outcome: Option<String>,
}

/// The evaluations of an offer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Evaluations(pub Vec<Evaluation>);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::offer::Entity",
        from = "Column::OfferId",
        to = "super::offer::Column::Id",
        on_delete = "Cascade"
    )]
    Offer,
}

impl Related<super::offer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Offer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
