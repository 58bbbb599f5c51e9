//! Writing organisations and offers: lifecycle, validation, optimistic concurrency, atomicity.

use entities::{change, offer};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, error_field};

const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id status version originNode areas { code } } }"#;
const PUBLISH_ORG: &str = r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id status version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) {
    id version published status capacity placesTaken openPlaces capacityStatus
    cost { amountCents period free }
    schedule { freq interval byday opensAt closesAt rrule }
    locations { id postcode buurtCode }
    herstelcirkel { year coaches regisseur startMeeting soundingBoardMeetings }
    lifeDomains targetGroups } }"#;
const UPDATE_OFFER: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
  updateOffer(id: $id, version: $v, input: $input) {
    id version title capacity placesTaken openPlaces locations { id postcode } } }"#;
const PUBLISH_OFFER: &str = r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version published } }"#;
const END_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { endOffer(id: $id, version: $v) { id version status } }"#;

fn circle_input() -> Value {
    json!({
        "title": "Herstelcirkel Psychische Kracht Hatert",
        "kind": "HERSTELCIRKEL",
        "status": "OPEN",
        "description": "Een jaar lang om de week samen werken aan leefstijl.",
        "intake": "CONVERSATION",
        "costCents": 750, "costPeriod": "PER_MONTH",
        "capacity": 20, "placesTaken": 4, "hasWaitlist": true,
        "startDate": "2027-01-05", "endDate": "2027-12-14",
        "schedule": [{"freq": "weekly", "interval": 2, "byday": ["tu"], "opensAt": "10:00", "closesAt": "12:30"}],
        "lifeDomains": ["BEWEGING", "SLAPEN", "ZINGEVING"],
        "targetGroups": ["ANGST_DEPRESSIE"],
        "locations": [{"name": "Wijkcentrum", "postcode": "6535 ab", "city": "Nijmegen"}],
        "herstelcirkel": {"year": 1, "coaches": ["Coach A", "Coach B"], "regisseur": "Regisseur",
                           "startMeeting": "2027-01-05", "soundingBoardMeetings": ["2027-06-01", "2027-03-01"]}
    })
}

async fn published_org(app: &TestApp) -> String {
    let data = app
        .gql_ok(CREATE_ORG, json!({"input": {"name": "Buurtwerk Hatert", "kind": "WELFARE", "areaCodes": ["GM0268", "wk026806"]}}))
        .await;
    let org = &data["createOrganisation"];
    assert_eq!(org["status"], "DRAFT");
    assert_eq!(org["originNode"], "test");
    assert!(org["id"].as_str().unwrap().starts_with("test:"));
    let data = app
        .gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
        .await;
    assert_eq!(data["publishOrganisation"]["status"], "PUBLISHED");
    org["id"].as_str().unwrap().to_string()
}

async fn counts(app: &TestApp) -> (u64, u64) {
    (
        offer::Entity::find().count(&app.state.db).await.unwrap(),
        change::Entity::find().count(&app.state.db).await.unwrap(),
    )
}

#[tokio::test]
async fn offer_lifecycle_create_publish_update_end() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let org = published_org(&app).await;
    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    let o = &data["createOffer"];
    assert_eq!(o["published"], false);
    assert_eq!(o["openPlaces"], 16);
    assert_eq!(o["capacityStatus"], "ADDITIONAL_ASSESSMENT_REQUIRED");
    assert_eq!(
        o["cost"],
        json!({"amountCents": 750, "period": "PER_MONTH", "free": false})
    );
    assert_eq!(o["schedule"][0]["rrule"], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU");
    assert_eq!(o["locations"][0]["postcode"], "6535AB");
    assert!(
        o["locations"][0]["buurtCode"]
            .as_str()
            .unwrap()
            .starts_with("BU0268")
    );
    assert_eq!(
        o["herstelcirkel"]["soundingBoardMeetings"],
        json!(["2027-03-01", "2027-06-01"])
    );
    let id = o["id"].as_str().unwrap().to_string();

    let hidden = app
        .gql(
            r#"query($id: ID!) { offer(id: $id) { id } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        error_code(&hidden),
        Some("NOT_FOUND"),
        "unpublished offers are not public"
    );

    let data = app.gql_ok(PUBLISH_OFFER, json!({"id": id, "v": 1})).await;
    assert_eq!(data["publishOffer"]["version"], 2);
    let public = app
        .gql_ok(
            r#"query($id: ID!) { offer(id: $id) { title organisation { name } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(public["offer"]["organisation"]["name"], "Buurtwerk Hatert");

    let location_id = o["locations"][0]["id"].clone();
    let data = app
        .gql_ok(UPDATE_OFFER, json!({"id": id, "v": 2, "input": {"placesTaken": 20, "locations": [{"postcode": "6535"}]}}))
        .await;
    let u = &data["updateOffer"];
    assert_eq!(u["version"], 3);
    assert_eq!(u["openPlaces"], 0);
    assert_eq!(u["capacity"], 20, "omitted fields keep their value");
    assert_eq!(
        u["locations"][0]["id"], location_id,
        "location ids are stable across edits"
    );

    let cleared = app
        .gql_ok(
            UPDATE_OFFER,
            json!({"id": id, "v": 3, "input": {"capacity": null}}),
        )
        .await;
    assert_eq!(cleared["updateOffer"]["capacity"], Value::Null);
    assert_eq!(cleared["updateOffer"]["openPlaces"], Value::Null);

    let ended = app.gql_ok(END_OFFER, json!({"id": id, "v": 4})).await;
    assert_eq!(ended["endOffer"]["status"], "ENDED");
    let listed = app
        .gql_ok(
            r#"query($org: ID!) { offers(filter: {organisationId: $org}) { totalCount } }"#,
            json!({"org": org}),
        )
        .await;
    assert_eq!(
        listed["offers"]["totalCount"], 0,
        "ended offers are not listed by default"
    );
    let again = app
        .gql(
            UPDATE_OFFER,
            json!({"id": id, "v": 5, "input": {"title": "Weer open"}}),
        )
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"));
}

#[tokio::test]
async fn stale_version_is_refused_and_nothing_is_lost() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let org = published_org(&app).await;
    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    let id = data["createOffer"]["id"].as_str().unwrap().to_string();

    let first = app
        .gql_ok(
            UPDATE_OFFER,
            json!({"id": id, "v": 1, "input": {"placesTaken": 10}}),
        )
        .await;
    assert_eq!(first["updateOffer"]["version"], 2);
    let stale = app
        .gql(
            UPDATE_OFFER,
            json!({"id": id, "v": 1, "input": {"placesTaken": 5, "title": "Overschreven"}}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"));

    let stored = offer::Entity::find_by_id(id.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.places_taken, 10,
        "the first writer's change survives"
    );
    assert_eq!(stored.title, "Herstelcirkel Psychische Kracht Hatert");
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn concurrent_updates_with_the_same_version_let_exactly_one_win() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let org = published_org(&app).await;
    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    let id = data["createOffer"]["id"].as_str().unwrap().to_string();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (client, url, id) = (app.client.clone(), app.url("/graphql"), id.clone());
            let token = app.token.clone().unwrap();
            tokio::spawn(async move {
                let body = json!({"query": UPDATE_OFFER, "variables": {"id": id, "v": 1, "input": {"placesTaken": i}}});
                client.post(url).bearer_auth(token).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        let body = t.await.unwrap();
        match error_code(&body) {
            None => wins += 1,
            Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
        }
    }
    assert_eq!(wins, 1);
    let stored = offer::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn invalid_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let org = published_org(&app).await;
    let before = counts(&app).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"capacity": -1}), "input.capacity"),
        (
            json!({"capacity": 10, "placesTaken": 11}),
            "input.placesTaken",
        ),
        (json!({"placesTaken": -2}), "input.placesTaken"),
        (
            json!({"startDate": "2027-05-01", "endDate": "2027-04-01"}),
            "input.endDate",
        ),
        (
            json!({"locations": [{"postcode": "12345"}]}),
            "input.locations.0.postcode",
        ),
        (
            json!({"locations": [{"postcode": "1000"}]}),
            "input.locations.0.postcode",
        ),
        (
            json!({"locations": [{"lat": 48.85, "lon": 2.35}]}),
            "input.locations.0.lat",
        ),
        (
            json!({"locations": [{"name": "nergens"}]}),
            "input.locations.0.postcode",
        ),
        (json!({"title": "  "}), "input.title"),
        (
            json!({"costCents": 500, "costPeriod": null}),
            "input.costPeriod",
        ),
        (
            json!({"costCents": -5, "costPeriod": "ONCE"}),
            "input.costCents",
        ),
        (json!({"minAge": 65, "maxAge": 18}), "input.maxAge"),
        (json!({"contactEmail": "geen-mail"}), "input.contactEmail"),
        (
            json!({"schedule": [{"freq": "DAILY", "byday": ["MO"], "opensAt": "10:00", "closesAt": "11:00"}]}),
            "input.schedule.0.freq",
        ),
        (
            json!({"schedule": [{"freq": "WEEKLY", "byday": ["XX"], "opensAt": "10:00", "closesAt": "11:00"}]}),
            "input.schedule.0.byday.0",
        ),
        (
            json!({"schedule": [{"freq": "WEEKLY", "byday": ["MO"], "opensAt": "12:00", "closesAt": "11:00"}]}),
            "input.schedule.0.closesAt",
        ),
        (
            json!({"kind": "GROUP", "herstelcirkel": {"year": 1}}),
            "input.herstelcirkel",
        ),
        (
            json!({"herstelcirkel": {"year": 4}}),
            "input.herstelcirkel.year",
        ),
        (json!({"status": "ENDED"}), "input.status"),
    ];
    for (patch, field) in cases {
        let mut input = circle_input();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app
            .gql(CREATE_OFFER, json!({"org": org, "input": input}))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{patch}: {body}");
        assert_eq!(error_field(&body), Some(field), "{patch}: {body}");
    }
    let missing = app
        .gql(
            CREATE_OFFER,
            json!({"org": org, "input": {"kind": "GROUP"}}),
        )
        .await;
    assert_eq!(error_field(&missing), Some("input.title"));
    let unknown = app
        .gql(
            CREATE_OFFER,
            json!({"org": "test:7d8e7bd4-3d0f-4a59-9d10-3d3f0b8f6c01", "input": circle_input()}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    let malformed = app
        .gql(
            CREATE_OFFER,
            json!({"org": "geen-id", "input": circle_input()}),
        )
        .await;
    assert_eq!(error_field(&malformed), Some("organisationId"));
    assert_eq!(
        counts(&app).await,
        before,
        "no offer and no change-log row was written"
    );

    // The same rules hold on update, and a refused update leaves the record as it was.
    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    let id = data["createOffer"]["id"].as_str().unwrap().to_string();
    let before = offer::Entity::find_by_id(id.clone())
        .one(&app.state.db)
        .await
        .unwrap();
    let bad = app
        .gql(
            UPDATE_OFFER,
            json!({"id": id, "v": 1, "input": {"title": "Nieuw", "placesTaken": 99}}),
        )
        .await;
    assert_eq!(error_field(&bad), Some("input.placesTaken"));
    assert_eq!(
        offer::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn organisation_rules() {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    let bad_area = app
        .gql(
            CREATE_ORG,
            json!({"input": {"name": "X", "areaCodes": ["GM0268", "GM9999"]}}),
        )
        .await;
    assert_eq!(error_field(&bad_area), Some("input.areaCodes.1"));
    let bad_code = app
        .gql(
            CREATE_ORG,
            json!({"input": {"name": "X", "areaCodes": ["Nijmegen"]}}),
        )
        .await;
    assert_eq!(error_field(&bad_code), Some("input.areaCodes.0"));
    for (field, value) in [
        ("kvk", "123"),
        ("agb", "abcdefgh"),
        ("website", "ftp://x"),
        ("email", "a@b"),
        ("phone", "12"),
    ] {
        let body = app
            .gql(CREATE_ORG, json!({"input": {"name": "X", field: value}}))
            .await;
        assert_eq!(
            error_field(&body),
            Some(format!("input.{field}").as_str()),
            "{body}"
        );
    }
    let nameless = app
        .gql(CREATE_ORG, json!({"input": {"kind": "WELFARE"}}))
        .await;
    assert_eq!(error_field(&nameless), Some("input.name"));

    let org = published_org(&app).await;
    let listed = app
        .gql_ok(
            r#"{ organisations(nameContains: "Hatert") { name areas { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        listed["organisations"][0]["areas"],
        json!([{"code": "GM0268"}, {"code": "WK026806"}])
    );

    let data = app
        .gql_ok(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    let offer_id = data["createOffer"]["id"].as_str().unwrap().to_string();
    let stale = app
        .gql(
            r#"mutation($id: ID!) { endOrganisation(id: $id, version: 1) { status } }"#,
            json!({"id": org}),
        )
        .await;
    assert_eq!(error_code(&stale), Some("CONFLICT"));
    let ended = app
        .gql_ok(
            r#"mutation($id: ID!) { endOrganisation(id: $id, version: 2) { status } }"#,
            json!({"id": org}),
        )
        .await;
    assert_eq!(ended["endOrganisation"]["status"], "ENDED");
    let stored = offer::Entity::find_by_id(offer_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status,
        entities::OfferStatus::Ended,
        "ending an organisation ends its offers"
    );
    let more = app
        .gql(CREATE_OFFER, json!({"org": org, "input": circle_input()}))
        .await;
    assert_eq!(error_code(&more), Some("CONFLICT"));
}
