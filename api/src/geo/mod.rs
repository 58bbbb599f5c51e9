//! Places: 4-digit postcode centroids and the CBS buurt a point lies in.
//!
//! Loaded once from the embedded CBS data into memory ([`Gazetteer`]).

pub mod names;

use crate::domain::Postcode;
use crate::error::{AppError, AppResult};
use std::collections::HashMap;

/// Distance in kilometres between two WGS84 points (haversine).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

/// Checks a WGS84 point lies in or near the Netherlands.
pub fn check_point(lat: f64, lon: f64) -> AppResult<(f64, f64)> {
    if (50.5..=53.8).contains(&lat) && (3.2..=7.3).contains(&lon) {
        Ok((lat, lon))
    } else {
        Err(AppError::bad_input(format!(
            "({lat}, {lon}) is not a point in the Netherlands"
        )))
    }
}

/// A postcode area's centroid and gemeente.
#[derive(Clone, Debug)]
pub struct PostcodeArea {
    pub lat: f64,
    pub lon: f64,
    pub gemeente_code: String,
}

#[derive(Clone, Debug)]
struct BuurtPoint {
    code: String,
    lat: f64,
    lon: f64,
}

/// In-memory lookup of postcode centroids and buurt centroids.
#[derive(Debug, Default)]
pub struct Gazetteer {
    postcodes: HashMap<String, PostcodeArea>,
    buurten: Vec<BuurtPoint>,
}

/// The embedded CBS area table (`code,type,name,parent_code,centroid_lat,centroid_lon`).
pub const AREAS_CSV: &str = include_str!("../../data/areas.csv");
/// The embedded 4-digit postcode centroids (`postcode4,lat,lon,gemeente_code`).
pub const PC4_CSV: &str = include_str!("../../data/pc4.csv");

/// One row of `areas.csv`.
#[derive(Debug, serde::Deserialize)]
pub struct AreaRow {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub parent_code: String,
    pub centroid_lat: f64,
    pub centroid_lon: f64,
}

/// Parses the embedded area table.
pub fn area_rows() -> AppResult<Vec<AreaRow>> {
    csv::Reader::from_reader(AREAS_CSV.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Internal(e.into()))
}

impl Gazetteer {
    /// Builds the gazetteer from the embedded data.
    pub fn embedded() -> AppResult<Self> {
        #[derive(serde::Deserialize)]
        struct Pc4Row {
            postcode4: String,
            lat: f64,
            lon: f64,
            gemeente_code: String,
        }
        let mut postcodes = HashMap::new();
        for row in csv::Reader::from_reader(PC4_CSV.as_bytes()).deserialize::<Pc4Row>() {
            let row = row.map_err(|e| AppError::Internal(e.into()))?;
            postcodes.insert(
                row.postcode4,
                PostcodeArea {
                    lat: row.lat,
                    lon: row.lon,
                    gemeente_code: row.gemeente_code,
                },
            );
        }
        let buurten = area_rows()?
            .into_iter()
            .filter(|r| r.kind == "buurt")
            .map(|r| BuurtPoint {
                code: r.code,
                lat: r.centroid_lat,
                lon: r.centroid_lon,
            })
            .collect();
        Ok(Self { postcodes, buurten })
    }

    /// The centroid of a postcode's 4-digit area.
    pub fn postcode(&self, postcode: &Postcode) -> AppResult<&PostcodeArea> {
        self.postcodes.get(postcode.pc4()).ok_or_else(|| {
            AppError::bad_input(format!("postcode {postcode} is not a known postcode area"))
        })
    }

    /// The buurt whose centroid is nearest to a point.
    pub fn nearest_buurt(&self, lat: f64, lon: f64) -> Option<&str> {
        self.buurten
            .iter()
            .min_by(|a, b| {
                let da = (a.lat - lat).powi(2) + ((a.lon - lon) * lat.to_radians().cos()).powi(2);
                let db = (b.lat - lat).powi(2) + ((b.lon - lon) * lat.to_radians().cos()).powi(2);
                da.total_cmp(&db)
            })
            .map(|b| b.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against independent reference values: the WGS84 ellipsoidal geodesic distance
    /// (Vincenty's inverse formula, computed outside this code base) between city centres.
    /// A sphere differs from the ellipsoid by well under 0.5 % at these latitudes.
    #[test]
    fn distances_match_reference_city_pairs() {
        let pairs = [
            // Amsterdam, Dam (52.3731, 4.8926) - Utrecht, Domtoren (52.0907, 5.1214): 35.10 km.
            ((52.3731, 4.8926), (52.0907, 5.1214), 35.10),
            // Nijmegen, Grote Markt (51.8475, 5.8625) - Alkmaar, Waag (52.6317, 4.7489): 115.76 km.
            ((51.8475, 5.8625), (52.6317, 4.7489), 115.76),
            // Maastricht, Vrijthof (50.8489, 5.6887) - Groningen, Grote Markt (53.2190, 6.5680):
            // 270.53 km.
            ((50.8489, 5.6887), (53.2190, 6.5680), 270.53),
            // Den Haag, Binnenhof (52.0799, 4.3130) - Enschede, Oude Markt (52.2215, 6.8937):
            // 177.33 km.
            ((52.0799, 4.3130), (52.2215, 6.8937), 177.33),
        ];
        for (a, b, reference) in pairs {
            let km = distance_km(a, b);
            assert!(
                (km - reference).abs() <= reference * 0.005,
                "{a:?}-{b:?}: {km} km, reference {reference} km"
            );
            assert!((distance_km(b, a) - km).abs() < 1e-9, "symmetric");
        }
        assert_eq!(distance_km((52.0, 5.0), (52.0, 5.0)), 0.0);
    }

    #[test]
    fn postcode_and_buurt() {
        let g = Gazetteer::embedded().unwrap();
        let lent = g.postcode(&Postcode::parse("6663").unwrap()).unwrap();
        assert_eq!(lent.gemeente_code, "GM0268");
        let buurt = g.nearest_buurt(lent.lat, lent.lon).unwrap();
        assert!(buurt.starts_with("BU0268"), "{buurt}");
        assert!(
            g.postcode(&Postcode::parse("1000").unwrap()).is_err(),
            "1000 is a PO-box range, no area"
        );
    }
}
