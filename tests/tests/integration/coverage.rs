//! Coverage per gemeente, wijk and buurt (GraphQL `coverage` and the `/dekking` page with its
//! exports), checked against offers created in the test and against the area data.

use api::geo::distance_km;
use entities::{AreaKind, area};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, error_code, error_field};

const COVERAGE: &str = r#"query($code: String!, $kind: OfferKind, $domain: LifeDomain, $km: Float = 1.5) {
  coverage(areaCode: $code, kind: $kind, lifeDomain: $domain, distanceKm: $km) {
    area { code name } distanceKm csv geojson
    totals { activeOffers buurten buurtenWithoutOffer herstelcirkelsWithPlaces byKind { value count }
             byDomain { value count } }
    rows { code name kind activeOffers buurten buurtenWithoutOffer nearestOfferKm geometry
           byKind { value count } byDomain { value count } }
    gaps { code name wijkCode nearestOfferKm } } }"#;
const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const PUBLISH_ORG: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id version locations { buurt { code parent { code } } } } }"#;
const PUBLISH_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version } }"#;
const END_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { endOffer(id: $id, version: $v) { id version } }"#;

async fn coverage(app: &TestApp, vars: Value) -> Value {
    app.gql_ok(COVERAGE, vars).await["coverage"].clone()
}

fn row<'a>(c: &'a Value, code: &str) -> &'a Value {
    c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code} in {c:#}"))
}

fn gap_codes(c: &Value) -> Vec<String> {
    c["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap().to_string())
        .collect()
}

/// A published organisation of this node.
async fn organisation(app: &TestApp) -> Value {
    let org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": "Buurtkamer De Ronde", "kind": "VOLUNTEER_GROUP"}}),
        )
        .await["createOrganisation"]
        .clone();
    app.gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
        .await["publishOrganisation"]
        .clone()
}

/// A published offer at a point; returns (id, version, buurt code, wijk code).
async fn offer_at(
    app: &TestApp,
    org: &Value,
    kind: &str,
    lat: f64,
    lon: f64,
) -> (Value, i64, String, String) {
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": {"title": "Inloop in de buurtkamer", "kind": kind,
                "status": "OPEN", "lifeDomains": ["SOCIALE_CONTACTEN"],
                "locations": [{"lat": lat, "lon": lon}]}}),
        )
        .await["createOffer"]
        .clone();
    let buurt = o["locations"][0]["buurt"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let wijk = o["locations"][0]["buurt"]["parent"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let p = app
        .gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await["publishOffer"]
        .clone();
    (p["id"].clone(), p["version"].as_i64().unwrap(), buurt, wijk)
}

async fn buurten_of(app: &TestApp, gemeente: &str) -> Vec<area::Model> {
    area::Entity::find()
        .filter(area::Column::Kind.eq(AreaKind::Buurt))
        .filter(area::Column::GemeenteCode.eq(gemeente))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn rows_follow_the_area_tree_and_offers_move_the_figures() {
    let app = TestApp::spawn().await.signed_in(tests::demo::ADMIN).await;
    let before = coverage(&app, json!({"code": "GM0268", "km": 1.0})).await;
    assert_eq!(before["area"]["name"], "Nijmegen");
    assert_eq!(
        before["rows"].as_array().unwrap().len(),
        9,
        "Nijmegen has 9 wijken"
    );
    assert_eq!(before["totals"]["buurten"], 44);
    let row_buurten: i64 = before["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["buurten"].as_i64().unwrap())
        .sum();
    assert_eq!(row_buurten, 44);
    assert_eq!(
        before["totals"]["buurtenWithoutOffer"].as_u64().unwrap() as usize,
        before["gaps"].as_array().unwrap().len()
    );

    // A new offer in a gap buurt: its wijk gains one offer, that buurt is no gap any more.
    let nijmegen = buurten_of(&app, "GM0268").await;
    let gaps = gap_codes(&before);
    let target = nijmegen
        .iter()
        .find(|b| gaps.contains(&b.code))
        .expect("a gap in Nijmegen");
    let org = organisation(&app).await;
    let (id, version, buurt, wijk) = offer_at(
        &app,
        &org,
        "WALK_IN",
        target.centroid_lat,
        target.centroid_lon,
    )
    .await;
    assert_eq!(buurt, target.code);
    let after = coverage(&app, json!({"code": "GM0268", "km": 1.0})).await;
    let (was, now) = (row(&before, &wijk), row(&after, &wijk));
    assert_eq!(
        now["activeOffers"].as_i64().unwrap(),
        was["activeOffers"].as_i64().unwrap() + 1
    );
    assert!(!gap_codes(&after).contains(&target.code));
    assert_eq!(
        after["totals"]["activeOffers"].as_i64().unwrap(),
        before["totals"]["activeOffers"].as_i64().unwrap() + 1
    );
    let walk_ins = |c: &Value| {
        c["byKind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["value"] == "WALK_IN")
            .map(|k| k["count"].as_i64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!(walk_ins(now), walk_ins(was) + 1);

    // Filters: another kind does not see it; a wijk maps its buurten.
    let courses = coverage(&app, json!({"code": "GM0268", "km": 1.0, "kind": "COURSE"})).await;
    assert!(gap_codes(&courses).contains(&target.code));
    assert!(
        courses["totals"]["byKind"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["value"] == "COURSE")
    );
    let by_wijk = coverage(&app, json!({"code": wijk, "km": 1.0})).await;
    assert_eq!(row(&by_wijk, &target.code)["activeOffers"], 1);
    assert_eq!(
        row(&by_wijk, &target.code)["nearestOfferKm"]
            .as_f64()
            .unwrap(),
        0.0
    );

    // Ended, it no longer counts.
    app.gql_ok(END_OFFER, json!({"id": id, "v": version})).await;
    let ended = coverage(&app, json!({"code": "GM0268", "km": 1.0})).await;
    assert_eq!(row(&ended, &wijk)["activeOffers"], was["activeOffers"]);
    assert_eq!(gap_codes(&ended), gaps);

    // Exports describe the same rows.
    let csv = after["csv"].as_str().unwrap();
    assert_eq!(csv.lines().count(), 1 + 9);
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("code,name,kind,active_offers")
    );
    let geo = &after["geojson"];
    assert_eq!(geo["type"], "FeatureCollection");
    assert_eq!(geo["features"].as_array().unwrap().len(), 9);
    let f = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == wijk.as_str())
        .unwrap();
    assert_eq!(f["properties"]["active_offers"], now["activeOffers"]);
    assert_eq!(
        f["geometry"]["type"]
            .as_str()
            .map(|t| t.ends_with("Polygon")),
        Some(true)
    );
}

/// The count of `value` in a `byKind` or `byDomain` list (0 when absent).
fn count_of(list: &Value, value: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|k| k["value"] == value)
        .map(|k| k["count"].as_i64().unwrap())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_offer_in_two_wijken_counts_in_each_and_once_in_the_gemeente() {
    let app = TestApp::spawn().await.signed_in(tests::demo::ADMIN).await;
    let nijmegen = buurten_of(&app, "GM0268").await;
    let first = &nijmegen[0];
    let second = nijmegen
        .iter()
        .find(|b| b.parent_code != first.parent_code)
        .expect("buurten in two wijken");
    let (wijk_a, wijk_b) = (
        first.parent_code.clone().unwrap(),
        second.parent_code.clone().unwrap(),
    );
    let before = coverage(&app, json!({"code": "GM0268"})).await;
    let org = organisation(&app).await;
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": {"title": "Wandelgroep op twee plekken",
                "kind": "ACTIVITY", "status": "OPEN", "lifeDomains": ["BEWEGING"],
                "locations": [{"lat": first.centroid_lat, "lon": first.centroid_lon},
                              {"lat": second.centroid_lat, "lon": second.centroid_lon}]}}),
        )
        .await["createOffer"]
        .clone();
    app.gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await;
    let after = coverage(&app, json!({"code": "GM0268"})).await;
    for wijk in [&wijk_a, &wijk_b] {
        let (was, now) = (row(&before, wijk), row(&after, wijk));
        assert_eq!(
            now["activeOffers"].as_i64().unwrap(),
            was["activeOffers"].as_i64().unwrap() + 1,
            "{wijk}"
        );
        assert_eq!(
            count_of(&now["byDomain"], "BEWEGING"),
            count_of(&was["byDomain"], "BEWEGING") + 1
        );
    }
    let (was, now) = (&before["totals"], &after["totals"]);
    assert_eq!(
        now["activeOffers"].as_i64().unwrap(),
        was["activeOffers"].as_i64().unwrap() + 1,
        "the gemeente counts the offer once"
    );
    assert_eq!(
        count_of(&now["byKind"], "ACTIVITY"),
        count_of(&was["byKind"], "ACTIVITY") + 1
    );
    assert_eq!(
        count_of(&now["byDomain"], "BEWEGING"),
        count_of(&was["byDomain"], "BEWEGING") + 1
    );
    app.stop().await;
}

#[tokio::test]
async fn an_offer_with_two_locations_in_one_wijk_counts_once_there_before_and_after_an_edit() {
    let app = TestApp::spawn().await.signed_in(tests::demo::ADMIN).await;
    let nijmegen = buurten_of(&app, "GM0268").await;
    // Two buurten of one wijk, and a buurt of another wijk.
    let (a, b) = nijmegen
        .iter()
        .enumerate()
        .find_map(|(i, x)| {
            nijmegen[i + 1..]
                .iter()
                .find(|y| y.parent_code == x.parent_code)
                .map(|y| (x, y))
        })
        .expect("a wijk with two buurten");
    let c = nijmegen
        .iter()
        .find(|x| x.parent_code != a.parent_code)
        .expect("another wijk");
    let (wijk, other) = (
        a.parent_code.clone().unwrap(),
        c.parent_code.clone().unwrap(),
    );
    let at = |x: &area::Model| json!({"lat": x.centroid_lat, "lon": x.centroid_lon});
    let input = |locations: Vec<Value>| {
        json!({"title": "Koffieochtend op drie plekken", "kind": "ACTIVITY", "status": "OPEN",
               "lifeDomains": ["SOCIALE_CONTACTEN"], "locations": locations})
    };
    let before = coverage(&app, json!({"code": "GM0268"})).await;
    let before_wijk = coverage(&app, json!({"code": wijk})).await;
    let org = organisation(&app).await;
    let o = app
        .gql_ok(
            CREATE_OFFER,
            json!({"org": org["id"], "input": input(vec![at(a), at(b), at(a), at(c)])}),
        )
        .await["createOffer"]
        .clone();
    let p = app
        .gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await["publishOffer"]
        .clone();
    let active = |c: &Value| c["activeOffers"].as_i64().unwrap();
    let check = |after: &Value, after_wijk: &Value, what: &str| {
        assert_eq!(
            active(&after["totals"]),
            active(&before["totals"]) + 1,
            "{what}"
        );
        assert_eq!(
            active(row(after, &wijk)),
            active(row(&before, &wijk)) + 1,
            "{what}"
        );
        assert_eq!(
            active(row(after, &other)),
            active(row(&before, &other)) + 1,
            "{what}"
        );
        assert_eq!(
            active(&after_wijk["totals"]),
            active(&before_wijk["totals"]) + 1,
            "{what}: the wijk counts the offer once"
        );
        for buurt in [&a.code, &b.code] {
            assert_eq!(
                active(row(after_wijk, buurt)),
                active(row(&before_wijk, buurt)) + 1,
                "{what}: buurt {buurt} counts it once"
            );
        }
    };
    let after = coverage(&app, json!({"code": "GM0268"})).await;
    let after_wijk = coverage(&app, json!({"code": wijk})).await;
    check(&after, &after_wijk, "created");
    // The same places in another order, one fewer: each still counts once where it lies
    // (whichever of its locations was first there before).
    app.gql_ok(
        r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
            updateOffer(id: $id, version: $v, input: $input) { id } }"#,
        json!({"id": p["id"], "v": p["version"], "input": input(vec![at(c), at(b), at(a)])}),
    )
    .await;
    let after = coverage(&app, json!({"code": "GM0268"})).await;
    let after_wijk = coverage(&app, json!({"code": wijk})).await;
    check(&after, &after_wijk, "edited");
    app.stop().await;
}

#[tokio::test]
async fn an_offer_across_the_border_closes_a_gap_without_counting_inside() {
    let app = TestApp::spawn().await.signed_in(tests::demo::ADMIN).await;
    let nijmegen = buurten_of(&app, "GM0268").await;
    let others = area::Entity::find()
        .filter(area::Column::Kind.eq(AreaKind::Buurt))
        .filter(area::Column::GemeenteCode.ne("GM0268"))
        .filter(area::Column::CentroidLat.between(51.75, 51.95))
        .filter(area::Column::CentroidLon.between(5.7, 6.0))
        .all(&app.state.db)
        .await
        .unwrap();
    let (inside, outside, d) = nijmegen
        .iter()
        .flat_map(|n| {
            others.iter().map(move |o| {
                (
                    n,
                    o,
                    distance_km(
                        (n.centroid_lat, n.centroid_lon),
                        (o.centroid_lat, o.centroid_lon),
                    ),
                )
            })
        })
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .unwrap();
    assert!(d < 3.0, "neighbouring buurten are close: {d}");
    let km = d + 0.5;
    let before = coverage(&app, json!({"code": "GM0268", "km": km, "kind": "COURSE"})).await;
    let org = organisation(&app).await;
    let (_, _, buurt, _) = offer_at(
        &app,
        &org,
        "COURSE",
        outside.centroid_lat,
        outside.centroid_lon,
    )
    .await;
    assert!(
        !nijmegen.iter().any(|b| b.code == buurt),
        "the offer lies outside Nijmegen"
    );
    let after = coverage(&app, json!({"code": "GM0268", "km": km, "kind": "COURSE"})).await;
    assert_eq!(
        after["totals"]["activeOffers"],
        before["totals"]["activeOffers"]
    );
    assert!(
        !gap_codes(&after).contains(&inside.code),
        "{} is served across the border",
        inside.name
    );
    assert!(gap_codes(&after).len() < gap_codes(&before).len());
}

#[tokio::test]
async fn gaps_shrink_with_distance_and_bad_input_is_named() {
    let app = TestApp::spawn().await;
    let mut last = usize::MAX;
    for km in [0.5, 1.0, 2.0, 5.0, 20.0] {
        let c = coverage(&app, json!({"code": "GM0268", "km": km})).await;
        let n = c["gaps"].as_array().unwrap().len();
        assert!(n <= last, "{km} km: {n} gaps after {last}");
        last = n;
    }
    assert_eq!(last, 0, "every Nijmegen buurt is within 20 km of Lent");
    for (vars, code, field) in [
        (
            json!({"code": "GM0268", "km": 0.0}),
            "BAD_USER_INPUT",
            Some("distanceKm"),
        ),
        (
            json!({"code": "GM0268", "km": 80.0}),
            "BAD_USER_INPUT",
            Some("distanceKm"),
        ),
        (json!({"code": "GM9999"}), "NOT_FOUND", None),
        (
            json!({"code": "Nijmegen"}),
            "BAD_USER_INPUT",
            Some("areaCode"),
        ),
    ] {
        let body = app.gql(COVERAGE, vars.clone()).await;
        assert_eq!(error_code(&body), Some(code), "{vars}: {body}");
        assert_eq!(error_field(&body), field, "{vars}");
    }
}

#[tokio::test]
async fn the_coverage_page_and_its_exports_show_the_api_figures() {
    let app = TestApp::spawn().await;
    let api = coverage(&app, json!({"code": "GM0268", "km": 1.5})).await;
    let client = reqwest::Client::new();
    let page = client
        .get(app.url("/dekking?gebied=Nijmegen&afstand=1.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"role="group""#),
        "a map of links to each wijk"
    );
    for r in api["rows"].as_array().unwrap() {
        assert!(
            html.contains(r["name"].as_str().unwrap()),
            "row {} on the page",
            r["name"]
        );
    }
    let summary = format!("{} van de 44 buurten", api["totals"]["buurtenWithoutOffer"]);
    assert!(html.contains(&summary), "{summary}");
    let csv = client
        // The API's CSV format is the English page's (a Dutch page writes for a Dutch
        // spreadsheet, see web_editors.rs).
        .get(app.url("/dekking.csv?gebied=GM0268&afstand=1.5&lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("dekking-GM0268-1.5km.csv")
    );
    assert_eq!(csv.text().await.unwrap(), api["csv"].as_str().unwrap());
    let geo: Value = client
        .get(app.url("/dekking.geojson?gebied=GM0268&afstand=1.5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(geo, api["geojson"]);
    let bad = client
        .get(app.url("/dekking?gebied=GM0268&afstand=99"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains(r#"id="f-afstand-error""#)
    );
}

/// The SQL forms of the activity rules that coverage counts with ([`rules::is_active_expr`],
/// [`rules::has_room_expr`], [`freshness::confirmed_since_expr`]) select exactly the offers the
/// Rust rules accept, over every status, capacity, waiting list and intake, and confirmations
/// old and new (and none).
#[tokio::test]
async fn activity_rules_agree_in_sql() {
    use api::read_model::rules;
    use api::services::offer::freshness;
    use chrono::{Duration, Utc};
    use entities::{Intake, OfferStatus, offer, offer_confirmation};
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Iterable, Set};
    use std::collections::BTreeSet;

    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let demo = offer::Entity::find().one(db).await.unwrap().unwrap();
    let now = Utc::now();
    let mut n: i64 = 0;
    for status in OfferStatus::iter() {
        for (capacity, taken) in [
            (None, 0),
            (Some(5), 0),
            (Some(5), 4),
            (Some(5), 5),
            (Some(5), 7),
            (Some(0), 0),
        ] {
            for waitlist in [false, true] {
                for intake in Intake::iter() {
                    n += 1;
                    let mut o = demo.clone();
                    o.id = format!("test:rule-{n:04}");
                    o.title = format!("Regel {n}");
                    o.status = status;
                    o.capacity = capacity;
                    o.places_taken = taken;
                    o.has_waitlist = waitlist;
                    o.intake = intake;
                    // Changed 0 to 200 days ago; every third confirmed 0 to 160 days ago.
                    o.updated_at = now - Duration::days((n * 37) % 200);
                    o.into_active_model().insert(db).await.unwrap();
                    if n % 3 == 0 {
                        offer_confirmation::ActiveModel {
                            offer_id: Set(format!("test:rule-{n:04}")),
                            confirmed_at: Set(now - Duration::days((n * 53) % 160)),
                            confirmed_by: Set(None),
                            reminded_at: Set(None),
                        }
                        .insert(db)
                        .await
                        .unwrap();
                    }
                }
            }
        }
    }
    let ours = || offer::Entity::find().filter(offer::Column::Id.starts_with("test:rule-"));
    let all = ours().all(db).await.unwrap();
    assert_eq!(all.len() as i64, n);
    let ids = |v: Vec<offer::Model>| v.into_iter().map(|o| o.id).collect::<BTreeSet<_>>();
    let rust =
        |keep: fn(&offer::Model) -> bool| ids(all.iter().filter(|o| keep(o)).cloned().collect());
    let active = ids(ours()
        .filter(rules::is_active_expr())
        .all(db)
        .await
        .unwrap());
    assert_eq!(active, rust(rules::is_active));
    assert!(!active.is_empty() && active.len() < all.len());
    let room = ids(ours().filter(rules::has_room_expr()).all(db).await.unwrap());
    assert_eq!(room, rust(rules::has_room));
    assert!(!room.is_empty() && room.len() < all.len());
    // Half a day off every stored date: no confirmation sits on the cutoff itself, where the
    // databases' microseconds and chrono's nanoseconds would round differently.
    let cutoff = now - Duration::days(90) - Duration::hours(12);
    let fresh = ids(ours()
        .filter(freshness::confirmed_since_expr(cutoff))
        .all(db)
        .await
        .unwrap());
    let stale = freshness::stale_ids(db, cutoff).await.unwrap();
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|o| !stale.contains(&o.id))
        .map(|o| o.id.clone())
        .collect();
    assert_eq!(fresh, expected);
    assert!(!fresh.is_empty() && fresh.len() < all.len());
}
