//! Fresh listings (issue 19): editors confirm an offer current in one step (others get
//! FORBIDDEN), offers not confirmed for `[offers] stale_after_days` are marked and listed, and
//! coverage can leave them out. Time is moved by setting the confirmation date in the database.

use crate::auth::offer_by_title;
use chrono::{Duration, Utc};
use entities::{offer_confirmation, organisation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use tests::{TestApp, demo, error_code};

const CONFIRM: &str = r#"mutation($id: ID!) { confirmOfferCurrent(offerId: $id) {
  confirmedAt confirmedBy stale monthsAgo } }"#;
const FRESH: &str = r#"query($id: ID!) { offer(id: $id) { version
  freshness { confirmedBy stale monthsAgo } } }"#;
const STALE: &str = "{ staleOffers { id } }";
const COVERAGE: &str = r#"query($stale: Boolean!) { coverage(areaCode: "GM0268",
  kind: HERSTELCIRKEL, excludeStale: $stale) { totals { activeOffers } } }"#;

/// Moves the last confirmation of `offer` `days` into the past.
async fn age(app: &TestApp, offer: &str, days: i64) {
    offer_confirmation::Entity::insert(offer_confirmation::ActiveModel {
        offer_id: Set(offer.to_string()),
        confirmed_at: Set(Utc::now() - Duration::days(days)),
        confirmed_by: Set(None),
        reminded_at: Set(None),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(offer_confirmation::Column::OfferId)
            .update_columns([
                offer_confirmation::Column::ConfirmedAt,
                offer_confirmation::Column::ConfirmedBy,
            ])
            .to_owned(),
    )
    .exec(&app.state.db)
    .await
    .unwrap();
}

async fn alcander_editor(app: &TestApp) -> String {
    let other = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Alcander"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    app.editor_token("redactie@alcander.example", &other.id)
        .await
}

#[tokio::test]
async fn only_editors_of_the_offers_organisation_confirm_it_current() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let stranger = alcander_editor(&app).await;
    let (id, version) = offer_by_title(&app, "Wandelgroep Lent").await;
    age(&app, &id, 240).await;

    let body = app.gql(CONFIRM, json!({"id": id})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = app
        .gql_with(Some(&stranger), CONFIRM, json!({"id": id}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let still = app.gql_ok(FRESH, json!({"id": id})).await;
    assert_eq!(still["offer"]["freshness"]["stale"], json!(true));

    let body = app
        .gql_with(Some(&editor), CONFIRM, json!({"id": id}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let f = &body["data"]["confirmOfferCurrent"];
    assert_eq!(f["stale"], json!(false));
    assert_eq!(f["monthsAgo"], json!(0));
    assert!(
        f["confirmedBy"].as_str().is_some_and(|s| !s.is_empty()),
        "{f}"
    );
    // Confirming does not change the offer's version (open edit forms stay valid).
    let now = app.gql_ok(FRESH, json!({"id": id})).await;
    assert_eq!(now["offer"]["version"], json!(version));
    assert_eq!(now["offer"]["freshness"]["confirmedBy"], f["confirmedBy"]);
}

#[tokio::test]
async fn stale_offers_are_marked_listed_for_their_editors_and_left_out_of_coverage() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let stranger = alcander_editor(&app).await;
    let (id, _) = offer_by_title(&app, "Herstelcirkel Psychische Kracht Lent").await;
    let count = |v: serde_json::Value| v["coverage"]["totals"]["activeOffers"].as_u64().unwrap();
    let before = count(app.gql_ok(COVERAGE, json!({"stale": true})).await);
    assert!(before >= 1);

    age(&app, &id, 245).await;
    let f = app.gql_ok(FRESH, json!({"id": id})).await["offer"]["freshness"].clone();
    assert_eq!(f["stale"], json!(true));
    assert_eq!(f["monthsAgo"], json!(8));

    let listed = app.gql_with(Some(&editor), STALE, json!({})).await;
    let ids: Vec<&str> = listed["data"]["staleOffers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, vec![id.as_str()], "{listed}");
    let theirs = app.gql_with(Some(&stranger), STALE, json!({})).await;
    assert_eq!(theirs["data"]["staleOffers"], json!([]), "{theirs}");

    assert_eq!(
        count(app.gql_ok(COVERAGE, json!({"stale": false})).await),
        before
    );
    assert_eq!(
        count(app.gql_ok(COVERAGE, json!({"stale": true})).await),
        before - 1
    );
}

#[tokio::test]
async fn a_stale_offer_reminds_its_editors_by_mail_once_per_period() {
    if !tests::smtp::SmtpServer::available() {
        return;
    }
    let smtp = tests::smtp::SmtpServer::start(0).await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.mail.smtp_url = Some(smtp_url);
        c.mail.base_url = Some("https://wijk.example".into());
        c.mail.poll_ms = 50;
        c.mail.max_backoff_secs = 1;
    })
    .await;
    let (id, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    age(&app, &id, 200).await;
    let mail = tests::eventually(20, "the stale-offer reminder", || async {
        smtp.received_by(demo::EDITOR)
            .into_iter()
            .find(|m| m.text().contains("Wandelgroep Lent"))
    })
    .await;
    let text = mail.text();
    assert!(text.contains("https://wijk.example/beheer"), "{text}");
    assert!(text.contains("6 maanden"), "{text}");

    // Once per period: a later round within the period sends nothing more.
    let node = app.state.node_id.as_str().to_string();
    let links = api::notify::MailLinks {
        base_url: "https://wijk.example".into(),
    };
    let later = Utc::now() + Duration::days(30);
    let again =
        api::notify::stale_offers::remind_stale(&app.state.db, &node, Some(&links), 180, later)
            .await
            .unwrap();
    assert_eq!(again, 0);
    let queued = entities::mail_outbox::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.body.contains("Wandelgroep Lent"))
        .count();
    assert_eq!(queued, 1);
    app.stop().await;
}
