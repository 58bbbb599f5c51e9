//! Search helpers of issue 18 on a real node: suggestions while typing (`suggest`), "Bedoelde
//! u …" (`didYouMean`, GraphQL and the page) and anonymous unmet search demand
//! (`unmetSearchDemand`, `/beheer/zoekvraag`). Suggestions and corrections are built from the
//! indexed documents, the same for both backends; they run on the embedded index here.

use api::search::demand;
use entities::search_demand;
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code};

const CREATE_ORG: &str = r#"mutation($input: OrganisationInput!) {
  createOrganisation(input: $input) { id version } }"#;
const PUBLISH_ORG: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOrganisation(id: $id, version: $v) { id version } }"#;
const CREATE_OFFER: &str = r#"mutation($org: ID!, $input: OfferInput!) {
  createOffer(organisationId: $org, input: $input) { id version } }"#;
const PUBLISH_OFFER: &str =
    r#"mutation($id: ID!, $v: Int!) { publishOffer(id: $id, version: $v) { id version } }"#;
const SUGGEST: &str = r#"query($p: String!, $n: Int) {
  suggest(prefix: $p, first: $n) { kind label value query } }"#;
const SEARCH: &str = r#"query($q: String, $filter: SearchFilterInput) {
  searchOffers(query: $q, filter: $filter) { totalCount partialMatch didYouMean hits { offer { title } } } }"#;
const DEMAND: &str = r#"query($g: String, $w: Int) {
  unmetSearchDemand(gemeente: $g, weeks: $w) { query gemeenteCode gemeenteName searches } }"#;

/// A node with demo data, signed in as the admin, its index caught up.
async fn spawn() -> TestApp {
    let app = TestApp::spawn().await.signed_in(demo::ADMIN).await;
    app.state.search.sync_now().await.unwrap();
    app
}

/// An organisation (published when `public`) with offers of `titles` (published likewise).
async fn offers(app: &TestApp, org_name: &str, titles: &[&str], public: bool) -> Value {
    let mut org = app
        .gql_ok(
            CREATE_ORG,
            json!({"input": {"name": org_name, "kind": "VOLUNTEER_GROUP"}}),
        )
        .await["createOrganisation"]
        .clone();
    if public {
        org = app
            .gql_ok(PUBLISH_ORG, json!({"id": org["id"], "v": org["version"]}))
            .await["publishOrganisation"]
            .clone();
    }
    for title in titles {
        let o = app
            .gql_ok(
                CREATE_OFFER,
                json!({"org": org["id"], "input": {"title": title, "kind": "GROUP",
                    "status": "OPEN", "description": "Elke week samen, rustig aan.",
                    "locations": [{"postcode": "6535"}]}}),
            )
            .await["createOffer"]
            .clone();
        if public {
            app.gql_ok(PUBLISH_OFFER, json!({"id": o["id"], "v": o["version"]}))
                .await;
        }
    }
    app.state.search.sync_now().await.unwrap();
    org
}

async fn suggest(app: &TestApp, prefix: &str) -> Vec<Value> {
    app.gql_ok(SUGGEST, json!({"p": prefix})).await["suggest"]
        .as_array()
        .unwrap()
        .clone()
}

fn has(list: &[Value], kind: &str, label: &str) -> bool {
    list.iter()
        .any(|s| s["kind"] == kind && s["label"].as_str() == Some(label))
}

#[tokio::test]
async fn suggest_offers_organisations_areas_and_domains_by_prefix() {
    let app = spawn().await;
    offers(
        &app,
        "Stichting Zonnebloemveld",
        &["Taalcafé Dukenburg"],
        true,
    )
    .await;
    offers(
        &app,
        "Verborgen Vereniging",
        &["Taalcafé Geheimschrift"],
        false,
    )
    .await;

    // Case and accents ignored; a later word of the label matches too.
    for prefix in ["taalcaf", "TAALCAFE D", "dukenb"] {
        let got = suggest(&app, prefix).await;
        assert!(
            has(&got, "OFFER", "Taalcafé Dukenburg"),
            "{prefix}: {got:?}"
        );
        let s = got
            .iter()
            .find(|s| s["label"] == "Taalcafé Dukenburg")
            .unwrap();
        assert_eq!(s["query"], "Taalcafé Dukenburg");
    }
    // Only public records: a draft offer of an unpublished organisation is never suggested.
    let got = suggest(&app, "taalcafe geh").await;
    assert!(got.is_empty(), "{got:?}");
    assert!(suggest(&app, "verborgen").await.is_empty());

    let got = suggest(&app, "zonnebloem").await;
    assert!(
        has(&got, "ORGANISATION", "Stichting Zonnebloemveld"),
        "{got:?}"
    );
    let got = suggest(&app, "lent").await;
    let lent = got.iter().find(|s| s["kind"] == "AREA").expect("an area");
    assert!(
        lent["label"].as_str().unwrap().starts_with("Lent ("),
        "{got:?}"
    );
    assert!(
        lent["value"].as_str().unwrap().starts_with("WK")
            || lent["value"].as_str().unwrap().starts_with("BU"),
        "{lent}"
    );
    let got = suggest(&app, "sociale con").await;
    assert_eq!(got[0]["kind"], "LIFE_DOMAIN", "{got:?}");
    assert_eq!(got[0]["label"], "Sociale contacten");
    let got = suggest(&app, "mantelz").await;
    assert!(has(&got, "TARGET_GROUP", "Mantelzorgers"), "{got:?}");
    let two = app.gql_ok(SUGGEST, json!({"p": "a", "n": 2})).await;
    assert_eq!(two["suggest"].as_array().unwrap().len(), 2);

    // The page's JSON route answers the same.
    let res = reqwest::get(app.url("/zoeken/suggesties?q=taalcaf"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "offer" && s["label"] == "Taalcafé Dukenburg"),
        "{list}"
    );
    let res = reqwest::get(app.url("/zoeken/suggesties?q="))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn suggest_refuses_bad_input() {
    let app = spawn().await;
    for (vars, field) in [
        (json!({"p": ""}), "prefix"),
        (json!({"p": "   "}), "prefix"),
        (json!({"p": "x".repeat(61)}), "prefix"),
        (json!({"p": "taal", "n": 0}), "first"),
        (json!({"p": "taal", "n": 21}), "first"),
    ] {
        let body = app.gql(SUGGEST, vars.clone()).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{vars}: {body}");
        assert_eq!(tests::error_field(&body), Some(field), "{vars}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn did_you_mean_offers_a_close_term_with_more_results() {
    let app = spawn().await;
    offers(
        &app,
        "Qigong Vereniging Dukenburg",
        &[
            "Qigong in het park",
            "Qigong voor ouderen",
            "Qigong op maandag",
        ],
        true,
    )
    .await;
    // "chigong" is two edits from "qigong" (7 letters: the search itself allows one).
    let res = app.gql_ok(SEARCH, json!({"q": "chigong"})).await["searchOffers"].clone();
    assert_eq!(res["totalCount"], 0, "{res}");
    assert_eq!(res["didYouMean"], "qigong", "{res}");
    let two = app.gql_ok(SEARCH, json!({"q": "chigong dukenburg"})).await["searchOffers"].clone();
    assert_eq!(two["didYouMean"], "qigong dukenburg", "{two}");
    // A query with enough results gets none; nor one without a close term.
    let fine = app.gql_ok(SEARCH, json!({"q": "qigong"})).await["searchOffers"].clone();
    assert_eq!(fine["didYouMean"], Value::Null, "{fine}");
    let far = app.gql_ok(SEARCH, json!({"q": "xyzzyq"})).await["searchOffers"].clone();
    assert_eq!(far["didYouMean"], Value::Null, "{far}");
    // The page links it.
    let html = reqwest::get(app.url("/?q=chigong"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bedoelde u: "), "{html}");
    assert!(html.contains(r#"href="/?q=qigong""#), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn unmet_demand_is_for_admins_and_editors_only() {
    let app = spawn().await;
    let anonymous = app.gql_with(None, DEMAND, json!({})).await;
    assert_eq!(error_code(&anonymous), Some("FORBIDDEN"), "{anonymous}");
    let gp = app.sign_in(demo::GP).await;
    let body = app.gql_with(Some(&gp), DEMAND, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let editor = app.sign_in(demo::EDITOR).await;
    let body = app.gql_with(Some(&editor), DEMAND, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app.gql(DEMAND, json!({"w": 0})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // The page likewise.
    let gp_cookie = crate::web::cookie(&app, demo::GP).await;
    let (status, _) = crate::web::get(&app, Some(&gp_cookie), "/beheer/zoekvraag").await;
    assert_eq!(status, 403);
    let editor_cookie = crate::web::cookie(&app, demo::EDITOR).await;
    let (status, _) = crate::web::get(&app, Some(&editor_cookie), "/beheer/zoekvraag").await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn unmet_demand_counts_per_gemeente_and_week_without_personal_data() {
    let app = spawn().await;
    let nijmegen = json!({"areaCode": "GM0268"});
    for _ in 0..3 {
        app.gql_ok(SEARCH, json!({"q": "sterrenkijken  ", "filter": nijmegen}))
            .await;
    }
    app.gql_ok(SEARCH, json!({"q": "sterrenkijken"})).await;
    // Texts that look like personal data: never stored.
    for q in [
        "jan.jansen@example.nl",
        "06-12345678",
        "111222333",
        "6535 AB 12",
        "wandelen Pietersen",
        "mevr de wit",
        "geboren 12-03-1960",
    ] {
        let res = app
            .gql_ok(SEARCH, json!({"q": q, "filter": nijmegen}))
            .await["searchOffers"]
            .clone();
        // Each would count as unmet demand, so only the filter keeps it out.
        assert!(
            res["totalCount"].as_u64().unwrap() <= 2 || res["partialMatch"] == true,
            "{q}: {res}"
        );
    }
    // Searches that found enough are not demand.
    app.gql_ok(SEARCH, json!({"q": "wandelen"})).await;

    let rows = search_demand::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| r.query_text.as_str()).collect();
    for personal in [
        "jansen",
        "12345678",
        "111222333",
        "6535",
        "pietersen",
        "wit",
        "1960",
    ] {
        assert!(
            !texts.iter().any(|t| t.contains(personal)),
            "stored personal-looking text {personal}: {texts:?}"
        );
    }
    assert!(!texts.contains(&"wandelen"), "{texts:?}");

    let all = app.gql_ok(DEMAND, json!({"w": 4})).await["unmetSearchDemand"].clone();
    let list = all.as_array().unwrap();
    let wanted: Vec<&Value> = list
        .iter()
        .filter(|r| r["query"] == "sterrenkijken")
        .collect();
    assert_eq!(wanted.len(), 2, "per gemeente: {all}");
    assert_eq!(wanted[0]["searches"], 3, "{all}");
    assert_eq!(wanted[0]["gemeenteCode"], "GM0268");
    assert_eq!(wanted[0]["gemeenteName"], "Nijmegen");
    assert_eq!(wanted[1]["gemeenteCode"], Value::Null, "no place: {all}");
    let one = app.gql_ok(DEMAND, json!({"g": "GM0268", "w": 4})).await["unmetSearchDemand"].clone();
    assert!(
        one.as_array()
            .unwrap()
            .iter()
            .all(|r| r["gemeenteCode"] == "GM0268"),
        "{one}"
    );

    // The page for the editor lists it.
    let editor = crate::web::cookie(&app, demo::EDITOR).await;
    let (_, html) =
        crate::web::get(&app, Some(&editor), "/beheer/zoekvraag?gemeente=Nijmegen").await;
    assert!(html.contains(">sterrenkijken</a>"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn unmet_demand_table_holds_no_user_ip_or_session_and_is_purged() {
    let app = spawn().await;
    let db = &app.state.db;
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'search_demand' ORDER BY column_name"
        }
        _ => "SELECT name FROM pragma_table_info('search_demand') ORDER BY name",
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let columns: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    assert_eq!(
        columns,
        ["count", "gemeente_code", "iso_week", "query_text"],
        "only text, gemeente, week and count"
    );

    let known = |_: &str| true;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let old = today - chrono::Duration::weeks(30);
    assert!(
        demand::record(db, "dementie", None, known, old, 26)
            .await
            .unwrap()
    );
    assert!(
        demand::record(db, "dementie", None, known, today, 26)
            .await
            .unwrap()
    );
    assert!(
        demand::record(db, "dementie", None, known, today, 26)
            .await
            .unwrap()
    );
    let rows = search_demand::Entity::find().all(db).await.unwrap();
    assert_eq!(rows.len(), 1, "the old week is purged: {rows:?}");
    assert_eq!(rows[0].count, 2);
    assert_eq!(rows[0].iso_week, "2026-W49");
    app.stop().await;
}
