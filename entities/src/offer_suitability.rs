//! Who an offer is for and not for: contra-indications from a fixed list (codes of
//! `api::domain::suitability::ContraIndication`), a free note and what a participant commits
//! to at intake. The age range and languages stay on the offer row.

use crate::json::StringList;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_suitability")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: String,
    /// Contra-indication codes (`acute_psychose`, ...).
    pub contra_indications: StringList,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// What a participant commits to (e.g. agreements signed at intake).
    pub commitments: StringList,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
