//! Unmet search demand, anonymous: how often a normalised query text found no or few offers,
//! per gemeente (empty when unknown) and ISO week. No user, IP, session or finer time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_demand")]
pub struct Model {
    /// The query text, normalised (lower case, accents folded, single spaces).
    #[sea_orm(primary_key, auto_increment = false)]
    pub query_text: String,
    /// Gemeente code (`GM0268`), or empty when the search named no place.
    #[sea_orm(primary_key, auto_increment = false)]
    pub gemeente_code: String,
    /// ISO week, `2026-W49`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub iso_week: String,
    /// Searches in that week.
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
