//! `import-areas`: upserts CBS areas from an `areas.csv` file (`code,type,name,parent_code,
//! centroid_lat,centroid_lon`) and sets geometries from GeoJSON files whose features carry a
//! `code` property (the CBS 2024 files in `shared/data`).

use crate::error::{AppError, AppResult};
use crate::geo::AreaRow;
use entities::{AreaKind, area};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait,
    sea_query::Expr,
};
use std::collections::HashMap;
use std::path::Path;

/// Counts of an area import.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AreaImport {
    /// Rows inserted or updated from the CSV.
    pub upserted: usize,
    /// Areas whose geometry was set from GeoJSON.
    pub geometries: usize,
    /// GeoJSON features whose code is not a known area.
    pub unknown_features: usize,
}

/// Checks a CBS code against its type: `GM` + 4 digits, `WK` + 6, `BU` + 8 characters (CBS uses
/// letters in some codes, e.g. Amsterdam's `WK0363AA`, so this is looser than
/// [`AreaCode::parse`](crate::domain::AreaCode::parse)).
fn check_code(raw: &str, kind: AreaKind) -> AppResult<String> {
    let code = raw.trim().to_ascii_uppercase();
    let (prefix, len) = match kind {
        AreaKind::Gemeente => ("GM", 6),
        AreaKind::Wijk => ("WK", 8),
        AreaKind::Buurt => ("BU", 10),
    };
    let ok = code.len() == len
        && code.starts_with(prefix)
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
        && code.as_bytes()[2..6].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(code)
    } else {
        Err(AppError::bad_input(format!(
            "'{raw}' is not a CBS {} code",
            kind.as_str()
        )))
    }
}

/// Parses `areas.csv` text into area rows (with each row's gemeente worked out).
pub fn parse_csv(text: &str) -> AppResult<Vec<area::ActiveModel>> {
    let rows: Vec<AreaRow> = csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::bad_input(format!("areas CSV: {e}")))?;
    let parents: HashMap<String, String> = rows
        .iter()
        .filter(|r| !r.parent_code.is_empty())
        .map(|r| (r.code.clone(), r.parent_code.clone()))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.into_iter().enumerate() {
        let line = i + 2;
        let kind = AreaKind::from_str_opt(&r.kind).ok_or_else(|| {
            AppError::bad_input(format!("line {line}: unknown area type '{}'", r.kind))
        })?;
        let code = check_code(&r.code, kind)
            .map_err(|e| AppError::bad_input(format!("line {line}: {}", e.message())))?;
        let gemeente = match kind {
            AreaKind::Gemeente => r.code.clone(),
            AreaKind::Wijk => r.parent_code.clone(),
            AreaKind::Buurt => parents.get(&r.parent_code).cloned().unwrap_or_default(),
        };
        crate::geo::check_point(r.centroid_lat, r.centroid_lon)
            .map_err(|e| AppError::bad_input(format!("line {line}: {}", e.message())))?;
        out.push(area::ActiveModel {
            code: Set(code),
            kind: Set(kind),
            name: Set(r.name),
            parent_code: Set(Some(r.parent_code).filter(|p| !p.is_empty())),
            gemeente_code: Set(gemeente),
            centroid_lat: Set(r.centroid_lat),
            centroid_lon: Set(r.centroid_lon),
            geometry: Set(None),
        });
    }
    Ok(out)
}

/// Reads `(code, geometry JSON)` pairs from a GeoJSON FeatureCollection.
pub fn parse_geojson(text: &str) -> AppResult<Vec<(String, String)>> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| AppError::bad_input(format!("GeoJSON: {e}")))?;
    let features = doc["features"]
        .as_array()
        .ok_or_else(|| AppError::bad_input("GeoJSON: not a FeatureCollection"))?;
    Ok(features
        .iter()
        .filter_map(|f| {
            let code = f["properties"]["code"].as_str()?;
            let geometry = f.get("geometry").filter(|g| !g.is_null())?;
            Some((code.to_string(), geometry.to_string()))
        })
        .collect())
}

/// Upserts the CSV's areas (keeping stored geometries) and then sets the GeoJSON geometries.
pub async fn import(
    db: &DatabaseConnection,
    csv: Option<&Path>,
    geojson: &[&Path],
) -> AppResult<AreaImport> {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", p.display())))
    };
    let mut report = AreaImport::default();
    if let Some(path) = csv {
        let rows = parse_csv(&read(path)?)?;
        report.upserted = rows.len();
        let txn = db.begin().await?;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(500).collect();
            area::Entity::insert_many(chunk)
                .on_conflict(
                    OnConflict::column(area::Column::Code)
                        .update_columns([
                            area::Column::Kind,
                            area::Column::Name,
                            area::Column::ParentCode,
                            area::Column::GemeenteCode,
                            area::Column::CentroidLat,
                            area::Column::CentroidLon,
                        ])
                        .to_owned(),
                )
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    for path in geojson {
        let features = parse_geojson(&read(path)?)?;
        let txn = db.begin().await?;
        for (code, geometry) in features {
            let done = area::Entity::update_many()
                .col_expr(area::Column::Geometry, Expr::value(geometry))
                .filter(area::Column::Code.eq(code.as_str()))
                .exec(&txn)
                .await?;
            if done.rows_affected == 1 {
                report.geometries += 1;
            } else {
                report.unknown_features += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_csv_and_derives_gemeente() {
        let csv = "code,type,name,parent_code,centroid_lat,centroid_lon\n\
                   GM0268,gemeente,Nijmegen,,51.84,5.85\n\
                   WK026801,wijk,Centrum,GM0268,51.84,5.86\n\
                   BU02680101,buurt,Stadscentrum,WK026801,51.845,5.865\n";
        let rows = parse_csv(csv).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].gemeente_code.clone().unwrap(), "GM0268");
        assert_eq!(rows[1].parent_code.clone().unwrap(), Some("GM0268".into()));
    }

    #[test]
    fn rejects_bad_rows() {
        let bad_code =
            "code,type,name,parent_code,centroid_lat,centroid_lon\nXX1,gemeente,X,,52,5\n";
        assert!(parse_csv(bad_code).is_err());
        let bad_kind =
            "code,type,name,parent_code,centroid_lat,centroid_lon\nGM0268,stad,X,,52,5\n";
        assert!(parse_csv(bad_kind).is_err());
    }

    #[test]
    fn reads_feature_codes() {
        let doc = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"GM0268"},"geometry":{"type":"Point","coordinates":[5.8,51.8]}},
            {"type":"Feature","properties":{"name":"no code"},"geometry":null}]}"#;
        let f = parse_geojson(doc).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "GM0268");
    }
}
