//! Population beside coverage (issue 20): the CBS figures loaded on first start and by
//! `import-areas --population`, offers per 10,000 inhabitants, inhabitants living in a gap
//! (unknown buurten apart), the gap list by inhabitants, and the region comparison with its
//! referral figures for the gemeente's analysts and admins only.
//!
//! Fixture: Heiloo's wijk 06 Ypestein (CBS 2024: 4,150 inhabitants) with buurten Willibrord
//! (255 inhabitants, 30 aged 65+), Oude Werf (no CBS figure: unknown), Zuid Oost (1,765; 440)
//! and Oosterzij (2,130; 480), and one offer for older people at Willibrord's centroid. With a
//! gap distance of 0.5 km only Willibrord is covered: Oude Werf lies about 0.62 km away, Zuid
//! Oost about 0.97 km and Oosterzij about 1.0 km.

use api::seed::population::{self, UnknownCodes};
use entities::{ReferralSource, ReferralStatus, Role, area_population, referral};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};
use tests::TestApp;

const COVERAGE: &str = r#"query($code: String!, $km: Float!) {
  coverage(areaCode: $code, distanceKm: $km) {
    populationSource gapsCsv csv
    totals { activeOffers inhabitants inhabitants65Plus offersPer10K offersForOlder
             olderOffersPer10K65Plus residentsInGaps gapBuurtenUnknownPopulation buurtenWithoutOffer }
    rows { code inhabitants offersPer10K residentsInGaps gapBuurtenUnknownPopulation }
    gaps { code inhabitants } } }"#;
const REGION: &str = r#"query($km: Float!) {
  regionComparison(distanceKm: $km) {
    populationSource csv
    rows { code name inhabitants activeOffers offersPer10K residentsInGaps
           gapBuurtenUnknownPopulation gapShare referrals { shown count per10K } groupBasedShare } } }"#;
const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const PUBLISH_ORG: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id version locations { buurt { code } } } }"#;
const PUBLISH_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version } }"#;

const WILLIBRORD: (f64, f64) = (52.59564, 4.712882);

/// A node without demo data whose region is Heiloo and Castricum, signed in as a new admin.
async fn node() -> TestApp {
    TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.node.region = vec!["GM0399".into(), "GM0383".into()];
    })
    .await
    .as_new_admin()
    .await
}

/// A published offer for older people at Willibrord's centroid; returns its id.
async fn offer_at_willibrord(app: &TestApp) -> String {
    let org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": "Ouderenwerk Heiloo", "kind": "VOLUNTEER_GROUP"}}),
        )
        .await["createOrganisation"]
        .clone();
    app.gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
        .await;
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": {"title": "Koffieochtend voor ouderen", "kind": "WALK_IN",
                "status": "OPEN", "lifeDomains": ["SOCIALE_CONTACTEN"], "targetGroups": ["OUDEREN"],
                "locations": [{"lat": WILLIBRORD.0, "lon": WILLIBRORD.1}]}}),
        )
        .await["createOffer"]
        .clone();
    assert_eq!(o["locations"][0]["buurt"]["code"], "BU03990601");
    app.gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await;
    o["id"].as_str().unwrap().to_string()
}

/// `n` referrals (status requested, made now) to `offer`.
async fn referrals_to(app: &TestApp, offer: &str, n: usize) {
    let now = chrono::Utc::now();
    for i in 0..n {
        let id = format!("test:ref-{offer}-{i}");
        referral::ActiveModel {
            id: Set(id.clone()),
            origin_node: Set("test".into()),
            offer_id: Set(offer.into()),
            offer_node: Set("test".into()),
            referrer_user_id: Set(None),
            referrer_organisation_id: Set(None),
            patient_ref: Set(None),
            consent: Set(true),
            contact_preference: Set(None),
            reason_domains: Set(Default::default()),
            practical_needs: Set(None),
            note: Set(None),
            status: Set(ReferralStatus::Requested),
            status_reason: Set(None),
            offer_was_full: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            closed_at: Set(None),
            purged_at: Set(None),
            version: Set(1),
            source: Set(ReferralSource::SelfReferral),
            outcome: Set(None),
            stop_reason: Set(None),
            first_meeting_on: Set(None),
            contact_patient: Set(false),
            contact_note: Set(None),
            expected_start: Set(None),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        // What the referral derives from its offer, as every writer stores it.
        api::read_model::derived::refresh_referral(&app.state.db, &id)
            .await
            .unwrap();
    }
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap_or_else(|| panic!("not a number: {a}"));
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

#[tokio::test]
async fn coverage_sets_offers_and_gaps_against_the_population() {
    let app = node().await;
    offer_at_willibrord(&app).await;
    let c = app
        .gql_ok(COVERAGE, json!({"code": "WK039906", "km": 0.5}))
        .await["coverage"]
        .clone();
    assert!(c["populationSource"].as_str().unwrap().contains("CBS"));
    let t = &c["totals"];
    assert_eq!(t["activeOffers"], 1);
    assert_eq!(t["inhabitants"], 4150, "the wijk's own CBS figure");
    assert_eq!(
        t["inhabitants65Plus"],
        30 + 440 + 480,
        "its buurten with a figure"
    );
    close(&t["offersPer10K"], 10_000.0 / 4150.0);
    assert_eq!(t["offersForOlder"], 1);
    close(&t["olderOffersPer10K65Plus"], 10_000.0 / 950.0);
    assert_eq!(t["buurtenWithoutOffer"], 3);
    assert_eq!(
        t["residentsInGaps"],
        1765 + 2130,
        "unknown Oude Werf is not counted as 0"
    );
    assert_eq!(t["gapBuurtenUnknownPopulation"], 1);
    // The gap list: most inhabitants first, unknown last.
    let gaps: Vec<(String, Value)> = c["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["code"].as_str().unwrap().to_string(),
                g["inhabitants"].clone(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        vec![
            ("BU03990604".to_string(), json!(2130)),
            ("BU03990603".to_string(), json!(1765)),
            ("BU03990602".to_string(), Value::Null),
        ]
    );
    // Buurt rows: Willibrord has the offer, Oude Werf's rate is unknown, not 0.
    let row = |code: &str| {
        c["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()
            .clone()
    };
    close(&row("BU03990601")["offersPer10K"], 10_000.0 / 255.0);
    assert_eq!(row("BU03990602")["inhabitants"], Value::Null);
    assert_eq!(row("BU03990602")["offersPer10K"], Value::Null);
    assert_eq!(row("BU03990602")["gapBuurtenUnknownPopulation"], 1);
    assert_eq!(row("BU03990604")["residentsInGaps"], 2130);
    // The CSV exports carry the same figures.
    let gaps_csv = c["gapsCsv"].as_str().unwrap();
    let lines: Vec<&str> = gaps_csv.lines().collect();
    assert_eq!(lines[0], "code,name,wijk_code,inhabitants,nearest_offer_km");
    assert!(lines[1].starts_with("BU03990604,Oosterzij,WK039906,2130,"));
    assert!(
        lines[3].starts_with("BU03990602,Oude Werf,WK039906,,"),
        "{}",
        lines[3]
    );
    let csv = c["csv"].as_str().unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |k: &str| header.iter().position(|h| *h == k).unwrap();
    let oosterzij: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("BU03990604"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(oosterzij[col("inhabitants")], "2130");
    assert_eq!(oosterzij[col("residents_in_gaps")], "2130");
    assert_eq!(oosterzij[col("offers_per_10k")], "0.0");

    // The gemeente: its own CBS figure, and every buurt with a figure beyond 0.5 km counted.
    let g = app
        .gql_ok(COVERAGE, json!({"code": "GM0399", "km": 0.5}))
        .await["coverage"]
        .clone();
    assert_eq!(g["totals"]["inhabitants"], 24312);
    close(&g["totals"]["offersPer10K"], 10_000.0 / 24312.0);
    let expected: i64 = g["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["inhabitants"].as_i64())
        .sum();
    assert_eq!(g["totals"]["residentsInGaps"], expected);
    let wijk_sum: i64 = g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["residentsInGaps"].as_i64().unwrap())
        .sum();
    assert_eq!(wijk_sum, expected, "the wijken add up to the gemeente");
    assert_eq!(g["totals"]["gapBuurtenUnknownPopulation"], 1);
    app.stop().await;
}

const FIXTURE: &str = "# Bron: CBS (fixture)\ncode,year,inhabitants,inhabitants_65_plus,households\n\
BU03990601,2025,300,40,150\nBU03990602,2025,,,\n";

#[tokio::test]
async fn reimport_replaces_in_place_and_a_bad_file_changes_nothing() {
    let app = node().await;
    let db = &app.state.db;
    let shipped = area_population::Entity::find().count(db).await.unwrap();
    assert!(shipped > 17_000, "loaded on first start: {shipped}");
    let willibrord = || async move {
        area_population::Entity::find_by_id("BU03990601")
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(willibrord().await.inhabitants, Some(255));

    for _ in 0..2 {
        let n = population::import(
            db,
            population::parse_csv(FIXTURE).unwrap(),
            UnknownCodes::Reject,
        )
        .await
        .unwrap();
        assert_eq!(n, 2);
        let w = willibrord().await;
        assert_eq!(
            (w.year, w.inhabitants, w.households),
            (2025, Some(300), Some(150))
        );
        assert_eq!(
            area_population::Entity::find().count(db).await.unwrap(),
            shipped + 1,
            "Oude Werf gained a row (all unknown), nothing was duplicated"
        );
    }
    let oude_werf = area_population::Entity::find_by_id("BU03990602")
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(oude_werf.inhabitants, None, "an empty cell stays unknown");

    // A bad row (line 4) after a good one: an error naming the line, nothing written.
    let bad = "code,year,inhabitants,inhabitants_65_plus,households\n\
               BU03990601,2026,999,1,1\nBU03990603,2026,10,1,1\nBU03990604,2026,-3,,\n";
    let e = population::parse_csv(bad).unwrap_err();
    assert!(e.message().contains("line 4"), "{}", e.message());
    // An unknown code (line 3) is rejected as a whole file by an operator's import.
    let unknown = "code,year,inhabitants,inhabitants_65_plus,households\n\
                   BU03990601,2026,999,1,1\nBU99999999,2026,10,1,1\n";
    let e = population::import(
        db,
        population::parse_csv(unknown).unwrap(),
        UnknownCodes::Reject,
    )
    .await
    .unwrap_err();
    assert!(e.message().contains("line 3"), "{}", e.message());
    // Through the file path too (the CLI's `import-areas --population`).
    let path = app.dir.path().join("bad-population.csv");
    std::fs::write(&path, bad).unwrap();
    assert!(population::import_file(db, &path).await.is_err());
    assert_eq!(willibrord().await.inhabitants, Some(300), "nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn region_comparison_shows_referrals_only_to_the_gemeentes_analysts_and_admins() {
    let app = node().await;
    let offer = offer_at_willibrord(&app).await;
    referrals_to(&app, &offer, 6).await;
    let analyst = app
        .user_token(
            "analist@heiloo.example",
            vec![api::auth::Membership {
                role: Role::MunicipalityAnalyst,
                organisation_id: None,
                gemeente_code: Some("GM0399".into()),
            }],
        )
        .await;
    let vars = json!({"km": 0.5});
    let admin = app.gql_ok(REGION, vars.clone()).await["regionComparison"].clone();
    let rows = admin["rows"].as_array().unwrap();
    let codes: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["GM0383", "GM0399"], "node.region, in code order");
    let heiloo = &rows[1];
    assert_eq!(heiloo["inhabitants"], 24312);
    assert_eq!(heiloo["activeOffers"], 1);
    close(&heiloo["offersPer10K"], 10_000.0 / 24312.0);
    close(
        &heiloo["gapShare"],
        heiloo["residentsInGaps"].as_f64().unwrap() / 24312.0,
    );
    assert_eq!(heiloo["referrals"]["count"], 6);
    close(&heiloo["referrals"]["per10K"], 6.0 * 10_000.0 / 24312.0);
    // All six went to the walk-in, a group-based offer; Castricum has none to share.
    close(&heiloo["groupBasedShare"], 1.0);
    assert_eq!(rows[0]["groupBasedShare"], Value::Null);
    // Castricum: no offers, every buurt a gap; no referrals shown as "< 5", not 0.
    let castricum = &rows[0];
    assert_eq!(castricum["activeOffers"], 0);
    assert_eq!(castricum["referrals"]["shown"], "< 5");
    assert_eq!(castricum["referrals"]["count"], Value::Null);
    assert!(admin["csv"].as_str().unwrap().contains("< 5"));

    // The analyst of Heiloo sees Heiloo's referrals, not Castricum's.
    let seen = app.gql_with(Some(&analyst), REGION, vars.clone()).await;
    let rows = seen["data"]["regionComparison"]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows[1]["referrals"]["count"], 6);
    assert_eq!(rows[0]["referrals"], Value::Null);
    assert_eq!(
        rows[0]["inhabitants"], castricum["inhabitants"],
        "public columns for all"
    );

    // Anonymous: the public columns, no referral figures; the page and CSV alike.
    let anon = app.gql_with(None, REGION, vars).await;
    for r in anon["data"]["regionComparison"]["rows"].as_array().unwrap() {
        assert_eq!(r["referrals"], Value::Null, "{r}");
        assert_eq!(r["groupBasedShare"], Value::Null, "{r}");
    }
    let page = reqwest::get(app.url("/dekking/regio?afstand=0.5"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Heiloo") && page.contains("24312"));
    assert!(
        !page.contains("<td class=\"num\">6</td>"),
        "no referral count for anonymous"
    );
    let csv = reqwest::get(app.url("/dekking/regio.csv?afstand=0.5&lang=en"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let heiloo_line = csv.lines().find(|l| l.starts_with("GM0399")).unwrap();
    assert!(
        heiloo_line.ends_with(",,"),
        "no referral cells: {heiloo_line}"
    );
    app.stop().await;
}

/// A published offer of `kind` at a point, of a new published organisation.
async fn offer_at(app: &TestApp, title: &str, kind: &str, (lat, lon): (f64, f64)) {
    let org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": format!("Organisatie {title}"), "kind": "VOLUNTEER_GROUP"}}),
        )
        .await["createOrganisation"]
        .clone();
    app.gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
        .await;
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": {"title": title, "kind": kind, "status": "OPEN",
                "lifeDomains": ["BEWEGING"], "locations": [{"lat": lat, "lon": lon}]}}),
        )
        .await["createOffer"]
        .clone();
    app.gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await;
}

/// The region comparison computes all its gemeenten in one set-based pass: each row carries
/// the figures of that gemeente's own coverage, at every distance, and the number of
/// statements does not grow with the number of gemeenten.
#[tokio::test]
async fn region_rows_are_each_gemeentes_coverage_in_a_bounded_number_of_statements() {
    use entities::{area, node};
    use sea_orm::{ColumnTrait, IntoActiveModel, QueryFilter};
    let app = crate::query_cost::quiet_node(|c| {
        c.seed.demo = false;
        c.node.region = vec!["GM0399".into(), "GM0383".into()];
    })
    .await
    .as_new_admin()
    .await;
    let offer = offer_at_willibrord(&app).await;
    referrals_to(&app, &offer, 7).await;
    // Two offers in Castricum (one at a buurt's centroid, one between two buurten).
    let castricum = area::Entity::find()
        .filter(area::Column::GemeenteCode.eq("GM0383"))
        .filter(area::Column::Kind.eq(entities::AreaKind::Buurt))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(castricum.len() > 2);
    let (a, b) = (&castricum[0], &castricum[castricum.len() / 2]);
    offer_at(
        &app,
        "Wandelgroep",
        "GROUP",
        (a.centroid_lat, a.centroid_lon),
    )
    .await;
    offer_at(
        &app,
        "Cursus",
        "COURSE",
        (
            (a.centroid_lat + b.centroid_lat) / 2.0,
            (a.centroid_lon + b.centroid_lon) / 2.0,
        ),
    )
    .await;
    const TOTALS: &str = r#"query($code: String!, $km: Float!) { coverage(areaCode: $code, distanceKm: $km) {
        totals { activeOffers inhabitants offersPer10K residentsInGaps gapBuurtenUnknownPopulation } } }"#;
    for km in [0.3, 0.5, 1.5, 5.0] {
        let region = app.gql_ok(REGION, json!({"km": km})).await["regionComparison"].clone();
        let rows = region["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for r in rows {
            let t = app
                .gql_ok(TOTALS, json!({"code": r["code"], "km": km}))
                .await["coverage"]["totals"]
                .clone();
            for (region_key, coverage_key) in [
                ("activeOffers", "activeOffers"),
                ("inhabitants", "inhabitants"),
                ("offersPer10K", "offersPer10K"),
                ("residentsInGaps", "residentsInGaps"),
                ("gapBuurtenUnknownPopulation", "gapBuurtenUnknownPopulation"),
            ] {
                assert_eq!(
                    r[region_key], t[coverage_key],
                    "{} at {km} km: {region_key}",
                    r["code"]
                );
            }
        }
        assert_eq!(rows[0]["activeOffers"], 2, "Castricum");
        assert_eq!(rows[1]["activeOffers"], 1, "Heiloo");
        assert_eq!(rows[1]["referrals"]["count"], 7);
        close(&rows[1]["groupBasedShare"], 1.0);
    }

    // Statements for two gemeenten and for six: the same number.
    let statements = || async {
        app.state.queries.start_log();
        app.gql_ok(REGION, json!({"km": 1.0})).await;
        app.state.queries.take_log().len()
    };
    let two = statements().await;
    let mut n = node::Entity::find_by_id(app.state.node_id.as_str())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    n.region = Set(entities::json::StringList(
        ["GM0399", "GM0383", "GM0268", "GM0361", "GM0935", "GM0363"]
            .map(String::from)
            .to_vec(),
    ));
    n.update(&app.state.db).await.unwrap();
    let six = statements().await;
    let rows = app.gql_ok(REGION, json!({"km": 1.0})).await["regionComparison"]["rows"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows, 6);
    assert_eq!(two, six, "statements for 2 and for 6 gemeenten");
    app.stop().await;
}
