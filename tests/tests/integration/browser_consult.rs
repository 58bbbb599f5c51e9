//! A GP between two consults, in a real browser: search by postcode with result cards that
//! compare at a glance, the compare view, filters that apply on change, "in deze buurt", a
//! postcode that does not exist, the walk-in handout, sign-in to refer; and every page a GP
//! or editor uses on a 390x844 phone without sideways scrolling, axe clean (with the WCAG 2.2
//! target size). Skipped (with a message) without chromedriver, unless `CI` is set.

use entities::offer;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::browser::Browser;
use tests::{TestApp, demo};
use web::i18n::Lang;
use web::labels::{self, Label};

async fn offer_row(app: &TestApp, title: &str) -> offer::Model {
    offer::Entity::find()
        .filter(offer::Column::Title.eq(title))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo offer {title}"))
}

fn offer_path(id: &str) -> String {
    format!("/aanbod/{}", web::layout::encode(id))
}

/// What each result card shows, read from the page.
const CARDS: &str = r#"return [...document.querySelectorAll('ol.results > li')].map(li => ({
  title: li.querySelector('h3').textContent.trim(),
  when: li.querySelector('dd.when').textContent.trim(),
  forWhom: li.querySelector('dd.for-whom').textContent.trim(),
  intake: li.querySelector('dd.intake').textContent.trim(),
  cost: li.querySelector('dd.cost').textContent.trim(),
  distance: li.querySelector('.distance') ? li.querySelector('.distance').textContent.trim() : null}))"#;

#[tokio::test]
async fn browser_gp_searches_by_postcode_compares_and_filters() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.login(demo::GP).await;
    b.open("/").await;
    b.fill("#f-waar", "6663").await;
    b.click_to_load("form[role=search] .search-button button")
        .await;
    b.wait_path("the results", |p| p.contains("waar=6663"))
        .await;

    // Each card shows day and time, target group, intake and cost, as the offer has them.
    let cards = b.js(CARDS).await;
    let cards = cards.as_array().unwrap();
    assert!(cards.len() >= 2, "{cards:?}");
    for card in cards {
        let o = offer_row(&app, card["title"].as_str().unwrap()).await;
        assert_eq!(card["when"], web::pages::search::when_short(Lang::Nl, &o));
        assert_eq!(card["cost"], labels::cost(Lang::Nl, &o));
        assert_eq!(card["intake"], o.intake.label(Lang::Nl));
        assert!(!card["forWhom"].as_str().unwrap().is_empty());
    }
    let distances: Vec<&str> = cards
        .iter()
        .filter_map(|c| c["distance"].as_str())
        .collect();
    assert!(distances.contains(&"in deze buurt"), "{distances:?}");
    assert!(
        !distances.iter().any(|d| d.starts_with("0,0")),
        "{distances:?}"
    );
    // The postcode is a pin; markers are at least 24 px.
    assert_eq!(b.all("figure.map .search-pin").await.len(), 1);
    let sizes = b
        .js("return [...document.querySelectorAll('figure.map circle.marker')].map(c => c.getBoundingClientRect().width)")
        .await;
    let sizes = sizes.as_array().unwrap();
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|s| s.as_f64().unwrap() >= 24.0),
        "{sizes:?}"
    );
    b.assert_accessible("search results as cards").await;

    // Tick two offers and compare them side by side.
    b.click("#vergelijk-1").await;
    b.click("#vergelijk-2").await;
    b.click_to_load("#vergelijk button[type=submit]").await;
    b.wait_path("the compare view", |p| p.starts_with("/vergelijken?"))
        .await;
    assert_eq!(
        b.texts("table.compare thead th").await,
        [cards[0]["title"].clone(), cards[1]["title"].clone()]
            .map(|t| t.as_str().unwrap().to_string())
    );
    b.assert_accessible("compare view").await;
    b.click_to_load("main p a[href^='/?']").await;
    b.wait_path("back at the results", |p| p.contains("waar=6663"))
        .await;

    // A filter applies as soon as it is ticked: no button.
    assert_eq!(
        b.js("return document.querySelector('.filter-apply').hidden")
            .await,
        json!(true)
    );
    b.click_to_load("#f-gratis").await;
    b.wait_path("the free offers", |p| p.contains("gratis=1"))
        .await;
    let free = b.js(CARDS).await;
    let free = free.as_array().unwrap();
    assert!(!free.is_empty() && free.len() < cards.len(), "{free:?}");
    assert!(free.iter().all(|c| c["cost"] == "Gratis"), "{free:?}");

    // A postcode that does not exist says so, beside the box; so does one outside the region.
    b.open("/?waar=1000+AA").await;
    let error = b.text("#f-waar-error").await;
    assert!(error.contains("Postcode 1000 AA bestaat niet"), "{error}");
    b.open("/?waar=9999+ZZ").await;
    let error = b.text("#f-waar-error").await;
    assert!(
        error.contains("Postcode 9999 ZZ ligt buiten het gebied"),
        "{error}"
    );
    assert!(b.all("ol.results").await.is_empty());
    b.assert_accessible("unknown postcode").await;
    b.close().await;
}

#[tokio::test]
async fn browser_walk_in_offers_are_handed_over_and_visitors_sign_in_to_refer() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let circle = offer_row(&app, "Herstelcirkel Psychische Kracht Lent").await;
    let walk_in = offer_row(&app, "Koffieochtend in Geesterhage").await;

    // Anonymous: "Log in om te verwijzen", and back to the offer after signing in.
    b.open(&offer_path(&circle.id)).await;
    assert_eq!(
        b.text("main .actions a.button").await,
        "Log in om te verwijzen"
    );
    b.assert_accessible("offer page (anonymous)").await;
    b.click_to_load("main .actions a.button").await;
    b.wait_path("the sign-in form", |p| p.starts_with("/inloggen?next="))
        .await;
    b.fill("#f-email", demo::GP).await;
    b.fill("#f-password", api::seed::users::DEMO_PASSWORD).await;
    b.click_to_load("main form button[type=submit]").await;
    let back = format!("/aanbod/{}", circle.id);
    b.wait_path("the offer again", |p| p.replace("%3A", ":") == back)
        .await;
    assert_eq!(b.text("main .actions a.button").await, "Patiënt verwijzen");

    // A walk-in offer: the handout instead of a referral.
    b.open(&offer_path(&walk_in.id)).await;
    assert_eq!(
        b.text("main .actions a.button").await,
        "Zonder aanmelding: geef de patiënt dit mee"
    );
    assert!(b.all("main a[href$='/verwijzen']").await.is_empty());
    b.click_to_load("main .actions a.button").await;
    let handout = format!("{}/meegeven", offer_path(&walk_in.id));
    b.wait_path("the handout", |p| {
        p == handout || p.replace(':', "%3A") == handout
    })
    .await;
    assert_eq!(b.text("h1").await, walk_in.title);
    assert!(
        b.find("button[data-print]")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    b.assert_accessible("patient handout").await;
    b.close().await;
}

const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

/// Opens `path` on the phone and checks it fits and is accessible.
async fn fits_a_phone(b: &Browser, path: &str, name: &str) {
    b.open(path).await;
    b.find("main h1").await;
    b.assert_no_horizontal_scroll(name).await;
    b.assert_accessible(name).await;
}

#[tokio::test]
async fn browser_gp_pages_fit_a_phone() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    let Some(b) = Browser::start_phone(&app).await else {
        return;
    };
    let o = offer_row(&app, "Wandelgroep Lent").await;
    let gp = app.sign_in(demo::GP).await;
    let sent = app
        .gql_with(
            Some(&gp),
            SEND,
            json!({"input": {"offerId": o.id, "patientRef": "P-PHONE-1", "consent": true,
                "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"]}}),
        )
        .await;
    let referral: &Value = &sent["data"]["sendReferral"]["id"];
    let referral = referral.as_str().unwrap_or_else(|| panic!("{sent}"));
    b.login(demo::GP).await;

    // Search: the results come first, the filters wait behind "Filters".
    fits_a_phone(&b, "/?waar=6663&q=wandel", "search results on a phone").await;
    assert_eq!(b.js("return window.innerWidth").await, json!(390));
    let sizes = b
        .js("return [...document.querySelectorAll('figure.map circle.marker')].map(c => c.getBoundingClientRect().width)")
        .await;
    let sizes = sizes.as_array().unwrap();
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|s| s.as_f64().unwrap() >= 24.0),
        "markers on a phone: {sizes:?}"
    );
    assert_eq!(
        b.js("return document.querySelector('details.filter-panel').open")
            .await,
        json!(false)
    );
    assert!(!b.find("#f-domein").await.is_displayed().await.unwrap());
    assert!(
        b.find("ol.results h3 a")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    b.click("details.filter-panel > summary").await;
    assert!(b.find("#f-domein").await.is_displayed().await.unwrap());
    b.assert_no_horizontal_scroll("search filters open on a phone")
        .await;

    fits_a_phone(&b, "/", "search form on a phone").await;
    fits_a_phone(&b, &offer_path(&o.id), "offer on a phone").await;
    fits_a_phone(
        &b,
        &format!("{}/verwijzen", offer_path(&o.id)),
        "referral form on a phone",
    )
    .await;
    fits_a_phone(
        &b,
        &format!("/verwijzingen/{}", web::layout::encode(referral)),
        "referral on a phone",
    )
    .await;
    fits_a_phone(&b, "/verwijzingen", "referral list on a phone").await;
    fits_a_phone(
        &b,
        &format!("{}/meegeven", offer_path(&o.id)),
        "handout on a phone",
    )
    .await;
    b.close().await;
}

#[tokio::test]
async fn browser_editor_and_analyst_pages_fit_a_phone() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start_phone(&app).await else {
        return;
    };
    b.login(demo::EDITOR).await;
    fits_a_phone(&b, "/beheer", "beheer on a phone").await;
    fits_a_phone(&b, "/verwijzingen", "received referrals on a phone").await;
    b.logout().await;
    b.login(demo::ANALYST).await;
    fits_a_phone(&b, "/dekking", "dekking on a phone").await;
    fits_a_phone(
        &b,
        "/dekking?gebied=GM0268",
        "dekking of a gemeente on a phone",
    )
    .await;
    b.close().await;
}
