//! `import-areas`: the real CBS 2024 files from `../shared/data` upsert into the areas table and
//! set geometries; a second run changes nothing in the counts.

use api::seed::area_files;
use entities::area;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::path::PathBuf;
use tests::TestApp;

fn shared_data() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    [
        root.join("../shared/data"),
        root.join("../../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .find(|p| p.join("areas.csv").exists())
}

#[tokio::test]
async fn imports_cbs_csv_and_geojson() {
    let Some(dir) = shared_data() else {
        // Under CI a missing data set is a failure, not a silent pass.
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/data (CBS areas.csv and GeoJSON) is missing next to the repository"
        );
        eprintln!("SKIPPED: ../shared/data not found next to the repository");
        return;
    };
    let app = TestApp::spawn_with(|c| {
        c.seed.areas = false;
        c.seed.demo = false;
    })
    .await;
    let csv = dir.join("areas.csv");
    let gemeenten = dir.join("gemeenten_2024_nl.geojson");
    let report = area_files::import(&app.state.db, Some(&csv), &[gemeenten.as_path()])
        .await
        .unwrap();
    assert_eq!(report.upserted, 18_309);
    assert_eq!(report.geometries, 342);
    assert_eq!(report.unknown_features, 0);
    let db = &app.state.db;
    assert_eq!(area::Entity::find().count(db).await.unwrap(), 18_309);
    let with_geometry = area::Entity::find()
        .filter(area::Column::Geometry.is_not_null())
        .count(db)
        .await
        .unwrap();
    assert_eq!(with_geometry, 342);
    let nijmegen_wijken = area::Entity::find()
        .filter(area::Column::ParentCode.eq("GM0268"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(nijmegen_wijken, 9);
    let buurt = area::Entity::find_by_id("BU02680101")
        .one(db)
        .await
        .unwrap()
        .expect("a Nijmegen buurt");
    assert_eq!(buurt.gemeente_code, "GM0268");

    // Again: an upsert, geometries kept.
    let again = area_files::import(&app.state.db, Some(&csv), &[])
        .await
        .unwrap();
    assert_eq!(again.upserted, 18_309);
    assert_eq!(area::Entity::find().count(db).await.unwrap(), 18_309);
    let still = area::Entity::find()
        .filter(area::Column::Geometry.is_not_null())
        .count(db)
        .await
        .unwrap();
    assert_eq!(still, 342);
    app.stop().await;
}
