//! That the referrer confirmed a referral although it conflicts with the offer's suitability:
//! only the moment, never which condition or age applies.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_suitability_confirmations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub referral_id: String,
    pub confirmed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
