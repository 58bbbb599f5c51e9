//! The editor's and the analyst's journeys in a real browser (issue 16), on a desktop window
//! and on a 390x844 phone: sign-in lands on the referrals, the beheer list and the offer form
//! (a row added on request, a save that keeps the location), and the coverage page by name.
//! Every page is checked with axe; on the phone, beheer and dekking must not scroll sideways.

use serde_json::json;
use tests::TestApp;
use tests::browser::Browser;

const EDITOR: &str = "redactie@bindkracht10.example";

const LOCATIONS: &str =
    "query($id: ID!) { offer(id: $id) { locations { postcode point { lat lon } } } }";

/// Asserts the current page does not scroll sideways.
async fn no_sideways_scroll(b: &Browser, page: &str) {
    let r = b
        .js("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    let (scroll, inner) = (r[0].as_i64().unwrap(), r[1].as_i64().unwrap());
    if scroll > inner {
        let wide = b
            .js(r#"return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + getComputedStyle(e).overflowX)
                .concat([...document.querySelectorAll('.table-scroll')].map(e => 'wrap ' + e.getBoundingClientRect().right + ' ' + getComputedStyle(e).overflowX))"#)
            .await;
        panic!("{page} scrolls sideways on a phone: {scroll} px in a {inner} px viewport; {wide}");
    }
}

#[tokio::test]
async fn browser_editor_journey_on_desktop_and_phone() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (id, _) = crate::auth::offer_by_title(&app, "Herstelcirkel Psychische Kracht Lent").await;
    let before = app.gql_ok(LOCATIONS, json!({"id": id})).await;

    // Signing in from the start page lands on the referrals.
    b.login(EDITOR).await;
    assert_eq!(b.path().await, "/verwijzingen");
    b.assert_accessible("/verwijzingen after sign-in").await;

    b.open("/beheer").await;
    assert!(b.text("main").await.contains("14 van 20 plekken bezet"));
    b.assert_accessible("/beheer").await;

    // The offer form: one more location on request, then a save of the times only.
    b.open(&format!("/beheer/aanbod/{}", web::layout::encode(&id)))
        .await;
    let locations = b.all("fieldset.period[id^='f-locations-']").await.len();
    b.click_to_load("button[name=add][value=locations]").await;
    assert_eq!(
        b.all("fieldset.period[id^='f-locations-']").await.len(),
        locations + 1
    );
    b.assert_accessible("/beheer/aanbod with an added row")
        .await;
    // A time input's typing depends on the locale; set the value as a picker does.
    b.js("document.querySelector('#f-schedule-0-opensAt').value = '09:30'; return null")
        .await;
    b.click_to_load(
        "main form[action^='/beheer/aanbod/'] > p > button[type=submit]:not([name=add])",
    )
    .await;
    b.wait_path("saved", |p| p.contains("opgeslagen=1")).await;
    assert_eq!(b.text("p.notice").await, "Opgeslagen.");
    let after = app.gql_ok(LOCATIONS, json!({"id": id})).await;
    assert_eq!(after, before, "the location did not move");

    // Coverage: a drill-down shows the wijk's name in the field.
    b.open("/dekking?gebied=GM0268").await;
    b.click_to_load("table a[href*='WK026809']").await;
    assert_eq!(
        b.attr("#f-gebied", "value").await.as_deref(),
        Some("Nijmegen-Noord")
    );
    b.assert_accessible("/dekking of a wijk").await;

    // The same pages on a phone.
    b.client.set_window_size(390, 844).await.unwrap();
    for page in [
        "/beheer",
        "/dekking?gebied=GM0268",
        "/dekking?gebied=WK026809",
    ] {
        b.open(page).await;
        b.find("main h1").await;
        no_sideways_scroll(&b, page).await;
        b.assert_accessible(&format!("{page} on a phone")).await;
    }
    b.close().await;
}
