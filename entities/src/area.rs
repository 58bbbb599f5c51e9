//! CBS areas: gemeente, wijk, buurt, each with its parent and centroid.

use crate::AreaKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "areas")]
pub struct Model {
    /// CBS code: `GM0268`, `WK026801`, `BU02680101`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub kind: AreaKind,
    pub name: String,
    /// Wijk for a buurt, gemeente for a wijk, none for a gemeente.
    pub parent_code: Option<String>,
    /// The gemeente this area lies in (itself for a gemeente).
    pub gemeente_code: String,
    pub centroid_lat: f64,
    pub centroid_lon: f64,
    /// GeoJSON geometry, where known.
    #[sea_orm(column_type = "Text", nullable)]
    pub geometry: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
