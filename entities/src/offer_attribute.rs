//! Attributes GPs filter on, one row per offer and attribute (a join table, so SQL filters on
//! an index): `peer_led`, the delivery mode (`mode_online`, `mode_hybrid`, `mode_on_site`) and
//! structured accessibility (`wheelchair`, `hearing_loop`, `public_transport`). Parsed by the
//! api's `domain::funding`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_attributes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attribute: String,
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
