//! Loads the embedded CBS 2024 areas (and the demo gemeenten's polygons) into an empty table.

use crate::error::{AppError, AppResult};
use crate::geo::area_rows;
use entities::{AreaKind, area};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait};
use std::collections::HashMap;

const GEOMETRY_GEOJSON: &str =
    include_str!("../../data/selected_gemeenten_wijken_buurten_2024.geojson");

fn geometries() -> AppResult<HashMap<String, String>> {
    let doc: serde_json::Value =
        serde_json::from_str(GEOMETRY_GEOJSON).map_err(|e| AppError::Internal(e.into()))?;
    let mut map = HashMap::new();
    for feature in doc["features"].as_array().into_iter().flatten() {
        if let (Some(code), Some(geometry)) = (
            feature["properties"]["code"].as_str(),
            feature.get("geometry"),
        ) {
            map.insert(code.to_string(), geometry.to_string());
        }
    }
    Ok(map)
}

/// Inserts all areas when the table is empty; returns how many were inserted.
pub async fn load_if_empty(db: &DatabaseConnection) -> AppResult<usize> {
    if area::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let mut geometry = geometries()?;
    let rows = area_rows()?;
    let mut parents: HashMap<String, String> = HashMap::new();
    for r in &rows {
        if !r.parent_code.is_empty() {
            parents.insert(r.code.clone(), r.parent_code.clone());
        }
    }
    let models: Vec<area::ActiveModel> = rows
        .into_iter()
        .filter_map(|r| {
            let kind = AreaKind::from_str_opt(&r.kind)?;
            let gemeente = match kind {
                AreaKind::Gemeente => r.code.clone(),
                AreaKind::Wijk => r.parent_code.clone(),
                AreaKind::Buurt => parents.get(&r.parent_code).cloned().unwrap_or_default(),
            };
            Some(area::ActiveModel {
                geometry: Set(geometry.remove(&r.code)),
                code: Set(r.code),
                kind: Set(kind),
                name: Set(r.name),
                parent_code: Set(Some(r.parent_code).filter(|p| !p.is_empty())),
                gemeente_code: Set(gemeente),
                centroid_lat: Set(r.centroid_lat),
                centroid_lon: Set(r.centroid_lon),
            })
        })
        .collect();
    let count = models.len();
    let txn = db.begin().await?;
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<_> = models.by_ref().take(1000).collect();
        area::Entity::insert_many(chunk).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(count)
}
