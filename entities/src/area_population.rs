//! Population of a CBS area (CBS Kerncijfers wijken en buurten). A missing row or a `None`
//! means unknown, never zero.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "area_populations")]
pub struct Model {
    /// CBS code of the area.
    #[sea_orm(primary_key, auto_increment = false)]
    pub area_code: String,
    /// Reference year (1 January).
    pub year: i32,
    pub inhabitants: Option<i64>,
    pub inhabitants_65_plus: Option<i64>,
    pub households: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
