//! Recovery focus of offers (issue 19): the words of the Trimbos knowledge bundle (verbinding,
//! hoop, identiteit, betekenis/zingeving, eigen regie) set by an offer's editors with its
//! version, shown on the offer page as words and found by search.

use crate::auth::offer_by_title;
use entities::organisation;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code};

const SET: &str = r#"mutation($id: ID!, $v: Int!, $focus: [RecoveryFocus!]!) {
  setOfferRecoveryFocus(offerId: $id, version: $v, focus: $focus) { id version recoveryFocus } }"#;
const READ: &str = r#"query($id: ID!) { offer(id: $id) { version recoveryFocus } }"#;
const SEARCH: &str = r#"query($q: String) { searchOffers(query: $q, first: 50) {
  hits { offer { title } } } }"#;

async fn found(app: &TestApp, q: &str) -> Vec<String> {
    app.state.search.sync_now().await.unwrap();
    let res = app.gql_ok(SEARCH, json!({"q": q})).await;
    res["searchOffers"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offer"]["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn editors_set_the_recovery_focus_which_shows_as_words_and_is_found_by_search() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (id, v) = offer_by_title(&app, "Wandelgroep Lent").await;
    let title = "Wandelgroep Lent".to_string();
    assert!(!found(&app, "zingeving").await.contains(&title));

    let body = app
        .gql_with(
            Some(&editor),
            SET,
            json!({"id": id, "v": v, "focus": ["HOOP", "BETEKENIS", "HOOP"]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let set = &body["data"]["setOfferRecoveryFocus"];
    assert_eq!(set["recoveryFocus"], json!(["HOOP", "BETEKENIS"]));
    assert_eq!(set["version"], json!(v + 1));

    // A GP typing "zingeving" or "hoop" finds it.
    assert!(found(&app, "zingeving").await.contains(&title));
    assert!(found(&app, "hoop").await.contains(&title));

    // The offer page shows the words.
    let html = app
        .client
        .get(app.url(&format!("/aanbod/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Herstelgericht:"), "{html}");
    assert!(html.contains("hoop, betekenis en zingeving"), "{html}");

    // A stale version, another organisation's editor and an anonymous caller are refused;
    // nothing changes.
    let body = app
        .gql_with(Some(&editor), SET, json!({"id": id, "v": v, "focus": []}))
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let other = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Alcander"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stranger = app.editor_token("redactie@elders.example", &other.id).await;
    let body = app
        .gql_with(
            Some(&stranger),
            SET,
            json!({"id": id, "v": v + 1, "focus": []}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql_with(None, SET, json!({"id": id, "v": v + 1, "focus": []}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let got = app.gql_ok(READ, json!({"id": id})).await["offer"].clone();
    assert_eq!(
        got,
        json!({"version": v + 1, "recoveryFocus": ["HOOP", "BETEKENIS"]})
    );

    // Cleared with an empty list.
    let body = app
        .gql_with(
            Some(&editor),
            SET,
            json!({"id": id, "v": v + 1, "focus": []}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["setOfferRecoveryFocus"]["recoveryFocus"],
        json!([])
    );
    assert!(!found(&app, "zingeving").await.contains(&title));
}

#[tokio::test]
async fn demo_recovery_offers_carry_their_focus() {
    let app = TestApp::spawn().await;
    let (id, _) = offer_by_title(
        &app,
        "De Hoofdzaak: voor- en door-netwerk mentale gezondheid",
    )
    .await;
    let got = app.gql_ok(READ, json!({"id": id})).await["offer"]["recoveryFocus"].clone();
    assert_eq!(got, json!(["VERBINDING", "HOOP"]));
    let (id, _) = offer_by_title(&app, "Herstelacademie: werken aan je eigen herstel").await;
    let got: Value = app.gql_ok(READ, json!({"id": id})).await["offer"]["recoveryFocus"].clone();
    assert_eq!(got, json!(["VERBINDING", "BETEKENIS", "EIGEN_REGIE"]));
}
