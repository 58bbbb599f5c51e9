//! Where an offer takes place.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "locations")]
pub struct Model {
    /// Global id `<node-id>:<uuid>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub origin_node: String,
    pub offer_id: String,
    /// Position in the offer's list of locations.
    pub position: i32,
    pub name: Option<String>,
    pub street: Option<String>,
    /// Normalised postcode `1234AB` (or `1234`).
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// The CBS buurt the location lies in.
    pub buurt_code: Option<String>,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

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
