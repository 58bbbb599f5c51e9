//! Organisations that run offers (welfare, volunteer groups, GGZ) or refer (GP practices).

use crate::{OrganisationKind, OrganisationStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    /// Global id `<node-id>:<uuid>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub origin_node: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub status: OrganisationStatus,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Kamer van Koophandel number (8 digits).
    pub kvk: Option<String>,
    /// AGB code of a care provider (8 digits).
    pub agb: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::offer::Entity")]
    Offer,
    #[sea_orm(has_many = "super::organisation_area::Entity")]
    OrganisationArea,
}

impl Related<super::offer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Offer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
