//! Life domains of an offer (join table, so SQL can filter on them).

use crate::LifeDomain;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_life_domains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub life_domain: LifeDomain,
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

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::offer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Offer.def()
    }
}
