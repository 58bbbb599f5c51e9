//! Suitability of offers (issue 19): who an offer is (not) for, set by its editors with the
//! offer's version, and a referral that conflicts refused with `NEEDS_CONFIRMATION` until the
//! GP confirms, storing only that confirmation.

use crate::auth::offer_by_title;
use entities::{organisation, referral_suitability_confirmation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, error_field};

const SET: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferSuitabilityInput!) {
  setOfferSuitability(offerId: $id, version: $v, input: $input) { id version
    suitability { contraIndications note commitments minAge maxAge languages } } }"#;
const AGES: &str = r#"mutation($id: ID!, $v: Int!) {
  updateOffer(id: $id, version: $v, input: {minAge: 35, maxAge: 75}) { version } }"#;
const READ: &str = r#"query($id: ID!) { offer(id: $id) { version
  suitability { contraIndications note commitments minAge maxAge } } }"#;
const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

fn referral(offer: &str, suitability: Value) -> Value {
    json!({"input": {"offerId": offer, "patientRef": "P-2026-0077", "consent": true,
        "reasonDomains": ["SOCIALE_CONTACTEN"], "suitability": suitability}})
}

/// Gives "Wandelgroep Lent" an age range of 35-75 and two contra-indications, as its editor;
/// returns the offer id.
pub(crate) async fn suitable_offer(app: &TestApp, editor: &str) -> String {
    let (id, v) = offer_by_title(app, "Wandelgroep Lent").await;
    let body = app
        .gql_with(Some(editor), AGES, json!({"id": id, "v": v}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let v = body["data"]["updateOffer"]["version"].clone();
    let input = json!({"contraIndications": ["TERMINAL_ILLNESS", "ACUTE_PSYCHOSIS"],
        "note": "Niet in een acute crisis.",
        "commitments": ["Afspraken over vertrouwelijkheid ondertekenen", " "]});
    let body = app
        .gql_with(Some(editor), SET, json!({"id": id, "v": v, "input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    id
}

#[tokio::test]
async fn suitability_round_trips_with_the_offers_version_and_only_for_its_editors() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (_, v0) = offer_by_title(&app, "Wandelgroep Lent").await;
    let id = suitable_offer(&app, &editor).await;
    let got = app.gql_ok(READ, json!({"id": id})).await["offer"].clone();
    assert_eq!(got["version"], json!(v0 + 2));
    assert_eq!(
        got["suitability"],
        json!({"contraIndications": ["ACUTE_PSYCHOSIS", "TERMINAL_ILLNESS"],
            "note": "Niet in een acute crisis.",
            "commitments": ["Afspraken over vertrouwelijkheid ondertekenen"],
            "minAge": 35, "maxAge": 75})
    );

    // A stale version is refused, and nothing changes.
    let input = json!({"contraIndications": []});
    let body = app
        .gql_with(
            Some(&editor),
            SET,
            json!({"id": id, "v": v0, "input": input}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");

    // Another organisation's editor may not set it.
    let other = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Alcander"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stranger = app.editor_token("redactie@elders.example", &other.id).await;
    let v = got["version"].clone();
    let body = app
        .gql_with(
            Some(&stranger),
            SET,
            json!({"id": id, "v": v, "input": input}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    // A too long note names its field.
    let long = json!({"note": "x".repeat(1001)});
    let body = app
        .gql_with(Some(&editor), SET, json!({"id": id, "v": v, "input": long}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("input.note"), "{body}");
    let again = app.gql_ok(READ, json!({"id": id})).await["offer"].clone();
    assert_eq!(again, got);
}

#[tokio::test]
async fn a_conflicting_referral_needs_confirmation_and_stores_only_that() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let gp = app.sign_in(demo::GP).await;
    let id = suitable_offer(&app, &editor).await;

    // A ticked contra-indication of the offer and an age outside its range: refused, naming
    // both conflicts.
    let ask = json!({"contraIndications": ["ACUTE_PSYCHOSIS", "BIPOLAR_DISORDER"], "age": 30});
    let body = app
        .gql_with(Some(&gp), SEND, referral(&id, ask.clone()))
        .await;
    assert_eq!(error_code(&body), Some("NEEDS_CONFIRMATION"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["conflicts"],
        json!(["acute_psychose", "age"])
    );

    // No conflict (a contra-indication the offer does not list, an age within range): sent,
    // and nothing is stored about suitability.
    let fine = json!({"contraIndications": ["BIPOLAR_DISORDER"], "age": 40});
    let body = app.gql_with(Some(&gp), SEND, referral(&id, fine)).await;
    assert!(body.get("errors").is_none(), "{body}");
    let plain = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Confirmed: sent, and only the moment of the confirmation is kept.
    let mut confirmed = ask;
    confirmed["confirmed"] = json!(true);
    let body = app
        .gql_with(Some(&gp), SEND, referral(&id, confirmed))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let sent = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = referral_suitability_confirmation::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].referral_id, sent);
    assert_ne!(rows[0].referral_id, plain);

    // An impossible age names its field.
    let body = app
        .gql_with(Some(&gp), SEND, referral(&id, json!({"age": 300})))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("input.suitability.age"), "{body}");
}

const LIST_WITH_PARTS: &str = r#"query($first: Int) { offers(first: $first) { edges { node {
  id suitability { contraIndications note commitments minAge maxAge languages }
  freshness { confirmedAt confirmedBy stale monthsAgo } recoveryFocus
  circle { year coaches groupMin groupMax recruitingNeed previousYear { title } nextYears { title }
    subgroups { activity } evaluations { title } } } } } }"#;

/// `Offer.suitability`, `freshness`, `recoveryFocus` and `circle` are batched per list: a list
/// of 20 offers costs about what a list of 3 does, not a statement (or four) per offer.
#[tokio::test]
async fn a_list_of_offers_with_suitability_freshness_focus_and_circle_costs_bounded_statements() {
    let app = crate::query_cost::quiet_node(|_| {}).await;
    let admin = app.admin_token().await;
    let first = app
        .gql_ok(
            "{ offers(first: 20) { edges { node { id version } } } }",
            json!({}),
        )
        .await;
    let node = &first["offers"]["edges"][4]["node"];
    let input = json!({"contraIndications": ["BIPOLAR_DISORDER"], "note": "Niet in crisis."});
    let body = app
        .gql_with(
            Some(&admin),
            SET,
            json!({"id": node["id"], "v": node["version"], "input": input}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    crate::query_cost::settle(&app).await;
    let cost = |first: i64| {
        let app = &app;
        async move {
            let before = app.state.queries.get();
            let data = app.gql_ok(LIST_WITH_PARTS, json!({"first": first})).await;
            let edges = data["offers"]["edges"].as_array().unwrap().clone();
            (app.state.queries.get() - before, edges)
        }
    };
    let (small, few) = cost(3).await;
    let (large, many) = cost(20).await;
    assert_eq!(few.len(), 3);
    assert_eq!(many.len(), 20);
    let circles = many
        .iter()
        .filter(|e| e["node"]["circle"].is_object())
        .count();
    let with_suitability = many
        .iter()
        .filter(|e| e["node"]["suitability"]["contraIndications"] != json!([]))
        .count();
    assert!(circles >= 2, "the list holds circles: {many:?}");
    assert!(
        with_suitability >= 1,
        "the list holds a suitability: {many:?}"
    );
    // The offers, then one batch per part (suitability, confirmations, focus; circle plans,
    // their later years and linked offers): a fixed number, not one per offer.
    assert!(small <= 24, "3 offers cost {small} statements");
    assert!(
        large <= small + 6,
        "20 offers cost {large} statements (3 cost {small}): an N+1 crept in"
    );
}
