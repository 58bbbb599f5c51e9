//! Herstelcirkel plans (issue 19): the regisseur rule, the recruiting line, dated schedule
//! phases, practitioner-only parts, evaluation URLs.

use serde_json::{Value, json};
use tests::{TestApp, error_code, error_field};

const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const PUBLISH_ORG: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id version } }"#;
const PUBLISH_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version } }"#;
const UPDATE_OFFER: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
  updateOffer(id: $id, version: $v, input: $input) { id version } }"#;
const SET_PLAN: &str = r#"mutation($id: ID!, $v: Int!, $input: CirclePlanInput!) {
  setCirclePlan(offerId: $id, version: $v, input: $input) { id version
    schedule { validFrom validUntil }
    circle { regisseurs groupMin groupMax recruitingNeed } } }"#;
const READ: &str = r#"query($id: ID!) { offer(id: $id) { circle {
  kwartiermaker { name phone } regisseurs klankbordMembers { role name } klankbordMeetings
  partnerPractices { name agreedOn agreements } evaluations { title url year outcome }
  coaches recruitingNeed practitionerPartsHidden } } }"#;

async fn org(app: &TestApp, name: &str, kind: &str) -> String {
    let data = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": name, "kind": kind, "areaCodes": ["GM0268"]}}),
        )
        .await;
    let o = &data["createOrganisation"];
    app.gql_ok(PUBLISH_ORG, json!({"id": o["id"], "v": o["version"]}))
        .await;
    o["id"].as_str().unwrap().to_string()
}

/// A published, open Herstelcirkel starting next year with 10 places taken: `(id, version)`.
async fn circle(app: &TestApp) -> (String, i64) {
    let org_id = org(app, "Cirkelorganisatie", "WELFARE").await;
    let input = json!({
        "title": "Herstelcirkel Test", "kind": "HERSTELCIRKEL", "status": "OPEN",
        "description": "Test", "intake": "CONVERSATION", "capacity": 20, "placesTaken": 10,
        "startDate": "2099-01-05",
        "locations": [{"postcode": "6535AB", "city": "Nijmegen"}]
    });
    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org_id, "input": input}))
        .await;
    let o = &data["createOffer"];
    let data = app
        .gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
        .await;
    let o = &data["publishOffer"];
    (
        o["id"].as_str().unwrap().to_string(),
        o["version"].as_i64().unwrap(),
    )
}

/// The offer page of `id` as an anonymous visitor sees it.
async fn offer_page(app: &TestApp, id: &str) -> String {
    reqwest::get(app.url(&format!("/aanbod/{}", id.replace(':', "%3A"))))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn plan() -> Value {
    json!({
        "year": 1,
        "kwartiermaker": {"name": "K. Kwartier (illustratief)", "organisation": "Cirkelorganisatie", "phone": "024 123 45 67"},
        "coaches": ["Coach A"],
        "klankbordMembers": [{"role": "kwartiermaker"}, {"role": "huisarts_poh", "name": "Dokter X"}],
        "klankbordMeetings": ["2099-06-01", "2099-02-01"],
        "groupMin": 16, "groupMax": 20,
        "evaluations": [{"title": "Pilotrapport", "url": "https://example.org/rapport.pdf", "year": 2024,
                         "outcome": "90% meer grip op de eigen gezondheid"}]
    })
}

#[tokio::test]
async fn a_regisseur_is_named_only_once_the_circle_runs() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    let mut p = plan();
    p["regisseurs"] = json!(["Deelnemer A"]);
    let body = app
        .gql(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("input.regisseurs"), "{body}");
    let data = app
        .gql_ok(
            UPDATE_OFFER,
            json!({"id": id, "v": v, "input": {"status": "RUNNING"}}),
        )
        .await;
    let v = data["updateOffer"]["version"].clone();
    let data = app
        .gql_ok(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;
    assert_eq!(
        data["setCirclePlan"]["circle"]["regisseurs"],
        json!(["Deelnemer A"])
    );
    // Running: no longer recruiting.
    assert_eq!(
        data["setCirclePlan"]["circle"]["recruitingNeed"],
        Value::Null
    );
    app.stop().await;
}

/// A circle without a plan keeps the free-text regisseur of the offer form; it is shown only
/// once the circle runs, by the same rule as a plan's regisseurs, in the API and on the page.
#[tokio::test]
async fn a_free_text_regisseur_shows_only_once_the_circle_runs() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    let data = app
        .gql_ok(
            UPDATE_OFFER,
            json!({"id": id, "v": v, "input": {"herstelcirkel": {"regisseur": "Vroege Regisseur"}}}),
        )
        .await;
    let v = data["updateOffer"]["version"].clone();
    let shown = || async {
        let api = app
            .gql_ok(
                "query($id: ID!) { offer(id: $id) { herstelcirkel { regisseur } } }",
                json!({"id": id}),
            )
            .await["offer"]["herstelcirkel"]["regisseur"]
            .clone();
        (
            api,
            offer_page(&app, &id).await.contains("Vroege Regisseur"),
        )
    };
    assert_eq!(shown().await, (Value::Null, false), "before the start");
    app.gql_ok(
        UPDATE_OFFER,
        json!({"id": id, "v": v, "input": {"status": "RUNNING"}}),
    )
    .await;
    assert_eq!(
        shown().await,
        (json!("Vroege Regisseur"), true),
        "once it runs"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_recruiting_line_counts_to_the_minimum_on_the_page() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    let data = app
        .gql_ok(SET_PLAN, json!({"id": id, "v": v, "input": plan()}))
        .await;
    assert_eq!(data["setCirclePlan"]["circle"]["recruitingNeed"], 6);
    assert_eq!(data["setCirclePlan"]["circle"]["groupMin"], 16);
    let html = offer_page(&app, &id).await;
    assert!(html.contains("Werving: nog 6 deelnemers nodig"), "{html}");
    assert!(html.contains("Pilotrapport"));
    // Anonymous visitors do not see the kwartiermaker's number.
    assert!(!html.contains("024 123 45 67"));
    app.stop().await;
}

#[tokio::test]
async fn dated_schedule_periods_go_in_order_without_overlap() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    let period = |from: &str, until: Option<&str>, interval: i32, freq: &str| {
        json!({"freq": freq, "interval": interval, "byday": ["TU"], "opensAt": "10:00",
               "closesAt": "12:00", "validFrom": from, "validUntil": until})
    };
    let mut p = plan();
    p["schedule"] = json!([
        period("2099-01-05", Some("2099-04-30"), 2, "WEEKLY"),
        period("2099-04-01", None, 2, "MONTHLY")
    ]);
    let body = app
        .gql(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        error_field(&body),
        Some("input.schedule.1.validFrom"),
        "{body}"
    );
    p["schedule"] = json!([
        period("2099-01-05", Some("2099-04-30"), 2, "WEEKLY"),
        period("2099-05-01", None, 2, "MONTHLY")
    ]);
    let data = app
        .gql_ok(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;
    let s = &data["setCirclePlan"]["schedule"];
    assert_eq!(s[0]["validUntil"], "2099-04-30");
    assert_eq!(s[1]["validFrom"], "2099-05-01");
    app.stop().await;
}

#[tokio::test]
async fn practitioner_parts_are_for_signed_in_practitioners_only() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    let practice = org(&app, "Huisartsenpraktijk Cirkel", "GP_PRACTICE").await;
    let welfare = org(&app, "Geen praktijk", "WELFARE").await;
    let mut p = plan();
    p["partnerPractices"] = json!([{"organisationId": welfare, "agreedOn": "2098-11-01"}]);
    let body = app
        .gql(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;
    assert_eq!(
        error_field(&body),
        Some("input.partnerPractices.0.organisationId"),
        "{body}"
    );
    p["partnerPractices"] = json!([{"organisationId": practice, "agreedOn": "2098-11-01",
                                     "agreements": ["responsibilities", "research", "check_ups"]}]);
    app.gql_ok(SET_PLAN, json!({"id": id, "v": v, "input": p}))
        .await;

    let anonymous = app.gql_with(None, READ, json!({"id": id})).await;
    let c = &anonymous["data"]["offer"]["circle"];
    assert_eq!(c["kwartiermaker"], Value::Null, "{anonymous}");
    assert_eq!(c["partnerPractices"], json!([]));
    assert_eq!(c["klankbordMembers"], json!([]));
    assert_eq!(c["practitionerPartsHidden"], true);
    assert_eq!(c["klankbordMeetings"], json!(["2099-02-01", "2099-06-01"]));
    assert_eq!(c["coaches"], json!(["Coach A"]));

    let gp = app
        .user_token(
            "huisarts@cirkel.example",
            vec![api::auth::Membership {
                role: entities::Role::Practitioner,
                organisation_id: Some(practice.clone()),
                gemeente_code: None,
            }],
        )
        .await;
    let seen = app.gql_with(Some(&gp), READ, json!({"id": id})).await;
    let c = &seen["data"]["offer"]["circle"];
    assert_eq!(c["kwartiermaker"]["phone"], "024 123 45 67", "{seen}");
    assert_eq!(
        c["partnerPractices"][0]["name"],
        "Huisartsenpraktijk Cirkel"
    );
    assert_eq!(
        c["partnerPractices"][0]["agreements"],
        json!(["responsibilities", "research", "check_ups"])
    );
    assert_eq!(c["klankbordMembers"][1]["role"], "huisarts_poh");
    assert_eq!(c["practitionerPartsHidden"], false);
    app.stop().await;
}

#[tokio::test]
async fn evaluation_links_must_be_web_urls() {
    let app = TestApp::spawn().await.as_new_admin().await;
    let (id, v) = circle(&app).await;
    for bad in [
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.org/x",
        "niet een url",
    ] {
        let mut p = plan();
        p["evaluations"][0]["url"] = json!(bad);
        let body = app
            .gql(SET_PLAN, json!({"id": id, "v": v, "input": p}))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
        assert_eq!(
            error_field(&body),
            Some("input.evaluations.0.url"),
            "{bad}: {body}"
        );
    }
    // A stale version is a conflict, nothing written.
    app.gql_ok(SET_PLAN, json!({"id": id, "v": v, "input": plan()}))
        .await;
    let body = app
        .gql(SET_PLAN, json!({"id": id, "v": v, "input": plan()}))
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    app.stop().await;
}
