//! The recovery focus of an offer, one row per offer and word (`verbinding`, `hoop`,
//! `identiteit`, `betekenis`, `eigen_regie`; parsed by the api's `domain::recovery_focus`).
//! Words from the Trimbos knowledge bundle, not a clinical classification.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_recovery_focus")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub focus: String,
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
