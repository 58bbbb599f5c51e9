//! The web UI in a real browser (headless Chromium through chromedriver): the main path of each
//! role, checked against the API and the database, and an axe-core accessibility check of every
//! page. Skipped (with a message) without chromedriver, unless `CI` is set.

use entities::{ReferralStatus, offer};
use fantoccini::key::Key;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::TestApp;
use tests::browser::Browser;
use web::i18n::Lang;
use web::labels::{self, Label};

const GP: &str = "huisarts@lent.example";
const EDITOR: &str = "redactie@bindkracht10.example";

/// An id as it appears in the pages' links (`:` percent-encoded).
fn encoded(id: &str) -> String {
    web::layout::encode(id)
}

/// The element id suffix of an offer on `/beheer`.
fn row_id(id: &str) -> String {
    id.replace(':', "-")
}

/// The Dutch label of a status as the API names it (`IN_PROGRESS`).
fn status_label(api: &Value) -> &'static str {
    let s = api.as_str().unwrap().to_lowercase();
    ReferralStatus::from_str_opt(&s)
        .unwrap_or_else(|| panic!("unknown status {s}"))
        .label(Lang::Nl)
}

/// How the pages word an offer's places, from its row in the database.
async fn places_text(app: &TestApp, id: &str) -> String {
    let model = offer::Entity::find_by_id(id.to_string())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    labels::places(Lang::Nl, &model)
}

const SEARCH: &str = r#"query($q: String!, $pc: String!, $km: Float!) {
  searchOffers(query: $q, near: {postcode: $pc, radiusKm: $km}, first: 10,
    filter: {lifeDomains: [SOCIALE_CONTACTEN], statuses: [PLANNED, OPEN, FULL, RUNNING]}) {
    totalCount hits { offer { id title capacity organisation { name } locations { id } } } } }"#;

const REFERRAL: &str = r#"query($id: ID!) { referral(id: $id) {
  status patientRef offerId consent contactPreference reasonDomains } }"#;

const OFFER: &str = r#"query($id: ID!) { offer(id: $id) {
  id title version capacity placesTaken openPlaces organisation { id } } }"#;

#[tokio::test]
async fn browser_gp_searches_refers_and_sees_the_answer() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.login(GP).await;
    b.open("/").await;
    b.assert_accessible("search form (signed in)").await;

    // Search: words, a postcode, a distance and a life domain.
    b.fill("#f-q", "herstelcirkel").await;
    b.fill("#f-waar", "6663").await;
    b.click("#f-afstand option[value='10']").await;
    b.click("#f-domein input[value='sociale_contacten']").await;
    b.click_to_load("form[role=search] button[type=submit]")
        .await;
    let path = b.wait_path("the results", |p| p.starts_with("/?q=")).await;
    assert!(path.contains("domein=sociale_contacten"), "{path}");
    assert!(path.contains("afstand=10"), "{path}");

    let api = app
        .gql_ok(
            SEARCH,
            json!({"q": "herstelcirkel", "pc": "6663", "km": 10.0}),
        )
        .await["searchOffers"]
        .clone();
    let hits = api["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "the demo data has circles near Lent");
    let titles: Vec<String> = hits
        .iter()
        .map(|h| h["offer"]["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(b.texts("ol.results > li h3").await, titles);
    let heading = b.text("#resultaten").await;
    assert!(
        heading.starts_with(&format!("{} resultat", api["totalCount"])),
        "{heading}"
    );
    assert!(
        b.find("#f-domein input[value='sociale_contacten']")
            .await
            .is_selected()
            .await
            .unwrap(),
        "the filter stays ticked"
    );

    // The map shows the list's numbers, each linking where the list links.
    let list = b
        .js(
            r#"return [...document.querySelectorAll('ol.results > li')].map(li => [
            li.querySelector('.num').textContent.trim(),
            li.querySelector('h3').textContent.trim(),
            li.querySelector('h3 a').getAttribute('href')])"#,
        )
        .await;
    let markers = b
        .js(r#"const svg = document.querySelector('figure.map svg[aria-labelledby^="resultaten-kaart"]');
            if (!svg) return null;
            return [...svg.querySelectorAll('circle')].map(c => [
              c.querySelector('title').textContent.trim(),
              c.closest('a') ? c.closest('a').getAttribute('href') : null,
              c.nextElementSibling.textContent.trim()])"#)
        .await;
    let markers = markers.as_array().expect("a results map");
    let expected: Vec<Value> = hits
        .iter()
        .zip(list.as_array().unwrap())
        .filter(|(h, _)| !h["offer"]["locations"].as_array().unwrap().is_empty())
        .map(|(_, li)| {
            json!([
                format!("{}. {}", li[0].as_str().unwrap(), li[1].as_str().unwrap()),
                li[2],
                li[0]
            ])
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(markers, &expected);
    b.assert_accessible("search results").await;

    // Open an offer of Bindkracht10 (whose editor answers below) from the list.
    let (n, target) = hits
        .iter()
        .enumerate()
        .find(|(_, h)| h["offer"]["organisation"]["name"] == "Bindkracht10")
        .expect("a Bindkracht10 circle in the results");
    let offer_id = target["offer"]["id"].as_str().unwrap().to_string();
    b.click_to_load(&format!("ol.results > li:nth-child({}) h3 a", n + 1))
        .await;
    let offer_path = format!("/aanbod/{}", encoded(&offer_id));
    b.wait_path("the offer", |p| p == offer_path).await;
    assert_eq!(
        b.text("h1").await,
        target["offer"]["title"].as_str().unwrap()
    );
    b.assert_accessible("offer page").await;

    // Refer: first without consent.
    b.click_to_load(&format!("a.button[href='{offer_path}/verwijzen']"))
        .await;
    b.wait_path("the referral form", |p| p.ends_with("/verwijzen"))
        .await;
    b.assert_accessible("referral form").await;
    let gp_token = app.sign_in(GP).await;
    let before = app
        .gql_with(Some(&gp_token), "{ referrals { id } }", json!({}))
        .await["data"]["referrals"]
        .as_array()
        .unwrap()
        .len();
    b.fill("#f-patientRef", "P-2026-0107").await;
    b.click("#f-contactPreference input[value='phone']").await;
    // The phone route asks for the number (a warm handover, with the person's consent).
    b.fill("#f-contact-name", "Ria").await;
    b.fill("#f-contact-phone", "06 12345678").await;
    b.click("#f-contact-consent-0").await;
    b.fill("#f-note", "Liever 's middags bellen").await;
    b.click_to_load("main form button[type=submit]").await;
    // The API's own refusal, in the page's language, stands beside the field.
    let refused = app
        .gql_with(
            Some(&gp_token),
            r#"mutation($offer: ID!) { sendReferral(input: {offerId: $offer,
                 patientRef: "P-2026-0107", consent: false, reasonDomains: [SOCIALE_CONTACTEN]}) { id } }"#,
            json!({"offer": offer_id}),
        )
        .await;
    assert_eq!(
        tests::error_field(&refused),
        Some("input.consent"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    let expected = web::i18n::service_message(
        Lang::Nl,
        message.strip_prefix("input.consent: ").unwrap_or(message),
    );
    let error = b.text("#f-consent-error").await;
    assert!(error.ends_with(&expected), "{error} / {expected}");
    assert_eq!(
        b.attr("#f-consent", "aria-describedby").await.as_deref(),
        Some("f-consent-error")
    );
    assert_eq!(
        b.text(".error-summary a[href='#f-consent']").await,
        expected
    );
    let focused = b
        .js("return document.activeElement.classList.contains('error-summary')")
        .await;
    assert_eq!(focused, json!(true), "app.js moves focus to the summary");
    assert_eq!(
        b.find("#f-patientRef")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("P-2026-0107"),
        "what was typed stays"
    );
    b.assert_accessible("referral form with an error").await;
    let after = app
        .gql_with(Some(&gp_token), "{ referrals { id } }", json!({}))
        .await["data"]["referrals"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before, "nothing was sent");

    // With consent (and a life domain: none is ticked in advance) it is sent.
    b.click("#f-consent-0").await;
    b.click("#f-reasonDomains-0").await;
    b.click_to_load("main form button[type=submit]").await;
    let path = b
        .wait_path("the referral", |p| p.starts_with("/verwijzingen/"))
        .await;
    let referral_path = path.split('?').next().unwrap().to_string();
    let referral_id = referral_path
        .trim_start_matches("/verwijzingen/")
        .replace("%3A", ":");
    let sent = app
        .gql_with(Some(&gp_token), REFERRAL, json!({"id": referral_id}))
        .await["data"]["referral"]
        .clone();
    assert_eq!(sent["offerId"], offer_id.as_str());
    assert_eq!(sent["patientRef"], "P-2026-0107");
    assert_eq!(sent["consent"], true);
    assert_eq!(sent["contactPreference"], "PHONE");
    assert!(!b.text("p.notice").await.is_empty());
    assert_eq!(b.text("#status").await, status_label(&sent["status"]));
    b.assert_accessible("referral page").await;

    // "My referrals" lists it with its status.
    let row_status = format!(
        r#"const a = document.querySelector('a[href="{referral_path}"]');
           return a ? a.closest('tr').lastElementChild.textContent.trim() : null"#
    );
    b.open("/verwijzingen").await;
    assert_eq!(
        b.js(&row_status).await,
        json!(status_label(&sent["status"]))
    );
    b.assert_accessible("my referrals").await;
    b.logout().await;

    // The organisation confirms receipt, then accepts.
    b.login(EDITOR).await;
    b.open("/verwijzingen").await;
    assert_eq!(
        b.js(&row_status).await,
        json!(status_label(&sent["status"]))
    );
    b.assert_accessible("received referrals").await;
    b.open(&referral_path).await;
    b.assert_accessible("referral page of the organisation")
        .await;
    let editor_token = app.sign_in(EDITOR).await;
    for (to, api_status) in [("received", "RECEIVED"), ("accepted", "ACCEPTED")] {
        if to == "accepted" {
            // This offer may be full: an accept that takes a place would put the referral on
            // the waiting list (browser_outcomes.rs and referral_outcomes.rs cover that).
            b.click("#takePlace").await;
        }
        b.click_to_load(&format!("button[name=to][value={to}]"))
            .await;
        b.wait_path("the updated referral", |p| p.contains("bijgewerkt=1"))
            .await;
        let now = app
            .gql_with(Some(&editor_token), REFERRAL, json!({"id": referral_id}))
            .await["data"]["referral"]["status"]
            .clone();
        assert_eq!(now, api_status);
        assert_eq!(b.text("#status").await, status_label(&now));
    }
    b.logout().await;

    // The GP sees the answer.
    b.login(GP).await;
    let now = app
        .gql_with(Some(&gp_token), REFERRAL, json!({"id": referral_id}))
        .await["data"]["referral"]["status"]
        .clone();
    assert_eq!(now, "ACCEPTED");
    b.open("/verwijzingen").await;
    assert_eq!(b.js(&row_status).await, json!(status_label(&now)));
    b.open(&referral_path).await;
    assert_eq!(b.text("#status").await, status_label(&now));
    // The inbox lists the answers and says when e-mail comes.
    b.open("/meldingen").await;
    b.assert_accessible("/meldingen").await;
    b.close().await;
}

#[tokio::test]
async fn browser_editor_updates_places() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let editor_token = app.sign_in(EDITOR).await;
    let offers = app
        .gql_ok(
            "{ offers(first: 100) { nodes { id capacity status organisation { name } } } }",
            json!({}),
        )
        .await;
    // A Bindkracht10 offer whose places read as a number (not "after an intake").
    let mut id = None;
    for o in offers["offers"]["nodes"].as_array().unwrap() {
        let candidate = o["id"].as_str().unwrap();
        if o["organisation"]["name"] == "Bindkracht10"
            && o["status"] != "ENDED"
            && o["capacity"].is_number()
            && places_text(&app, candidate)
                .await
                .contains(&o["capacity"].to_string())
        {
            id = Some(candidate.to_string());
            break;
        }
    }
    let id = id.expect("a Bindkracht10 offer with counted places");
    let before = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    let capacity = before["capacity"].as_i64().unwrap();
    let taken = before["placesTaken"].as_i64().unwrap();
    let new = if taken < capacity {
        taken + 1
    } else {
        taken - 1
    };

    b.login(EDITOR).await;
    b.open("/beheer").await;
    b.assert_accessible("/beheer").await;
    let row = format!("#aanbod-{}", row_id(&id));
    let input = format!("#places-{}", row_id(&id));
    b.fill(&input, &new.to_string()).await;
    b.click_to_load(&format!("{row} button[type=submit]")).await;
    b.wait_path("saved", |p| p.starts_with("/beheer?opgeslagen=1"))
        .await;
    assert!(!b.text("p.notice").await.is_empty());
    let after = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    assert_eq!(after["placesTaken"], new);
    assert_eq!(after["openPlaces"], capacity - new);
    let shown = places_text(&app, &id).await;
    assert!(
        shown.contains(&(capacity - new).to_string()),
        "{shown} names the open places"
    );
    assert_eq!(
        b.text(&format!("{row} td:nth-child(3)")).await,
        shown,
        "the overview shows the new places"
    );
    assert_eq!(
        b.find(&input).await.prop("value").await.unwrap(),
        Some(new.to_string())
    );

    // The offer's page says the same.
    b.open(&format!("/aanbod/{}", encoded(&id))).await;
    assert!(
        b.texts("dl.facts dd").await.contains(&shown),
        "the offer page shows {shown}"
    );

    // More places taken than there are: the error stands beside the field, nothing changes.
    b.open("/beheer").await;
    b.fill(&input, &(capacity + 1).to_string()).await;
    b.click_to_load(&format!("{row} button[type=submit]")).await;
    let error = b.text(&format!("{input}-error")).await;
    assert!(!error.is_empty());
    assert_eq!(
        b.attr(&input, "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        b.attr(&input, "aria-describedby").await,
        Some(format!("places-{}-error", row_id(&id)))
    );
    assert_eq!(
        b.find(&input).await.prop("value").await.unwrap(),
        Some((capacity + 1).to_string()),
        "the typed value stays"
    );
    b.assert_accessible("/beheer with an error").await;
    assert_eq!(
        app.gql_ok(OFFER, json!({"id": id})).await["offer"],
        after,
        "nothing was written"
    );

    // Someone else changed the offer since the form was drawn: the stale form loses.
    b.open("/beheer").await;
    let moved = app
        .gql_with(
            Some(&editor_token),
            r#"mutation($id: ID!, $v: Int!) { updateOffer(id: $id, version: $v,
                 input: {placesTaken: 0}) { version placesTaken } }"#,
            json!({"id": id, "v": after["version"]}),
        )
        .await;
    assert_eq!(moved["data"]["updateOffer"]["placesTaken"], 0, "{moved}");
    b.fill(&input, "1").await;
    b.click_to_load(&format!("{row} button[type=submit]")).await;
    let error = b.text(&format!("{input}-error")).await;
    assert!(error.contains("gewijzigd"), "{error}");
    assert_eq!(
        app.gql_ok(OFFER, json!({"id": id})).await["offer"]["placesTaken"],
        0
    );

    // The other pages of an editor.
    b.open(&format!("/beheer/aanbod/{}", encoded(&id))).await;
    assert_eq!(
        b.find("#f-title")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        before["title"].as_str()
    );
    b.assert_accessible("offer form").await;
    let org = before["organisation"]["id"].as_str().unwrap();
    b.open(&format!("/beheer/organisatie/{}", encoded(org)))
        .await;
    b.assert_accessible("organisation form").await;
    b.open(&format!(
        "/beheer/organisatie/{}/aanbod/nieuw",
        encoded(org)
    ))
    .await;
    b.assert_accessible("new offer form").await;
    b.close().await;
}

const COVERAGE: &str = r#"query($code: String!) { coverage(areaCode: $code, distanceKm: 1.5) {
  area { code name } totals { activeOffers buurten buurtenWithoutOffer }
  rows { code name kind activeOffers buurten buurtenWithoutOffer geometry } } }"#;

/// What the coverage page shows: the map's areas (title text, hatched or not), the table rows
/// (name, active offers) and the map's title and description.
async fn coverage_shown(b: &Browser) -> Value {
    b.js(r#"const svg = document.querySelector('figure.map svg[aria-labelledby]');
        const labelled = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent.trim());
        const table = document.querySelector('section[aria-labelledby=dekking-titel] table');
        return {
          labelled,
          heading: document.getElementById('dekking-titel').textContent.trim(),
          areas: [...svg.querySelectorAll('path')].filter(p => !p.getAttribute('fill').startsWith('url(')).map(p => p.querySelector('title').textContent.trim()),
          hatched: svg.querySelectorAll('path[fill^="url("]').length,
          rows: [...table.querySelectorAll('tbody tr')].map(tr => [tr.querySelector('th').textContent.trim(), tr.querySelector('td').textContent.trim()]),
        }"#)
        .await
}

/// Checks the page against the API's coverage of `code`.
async fn assert_coverage(app: &TestApp, b: &Browser, code: &str) -> Value {
    let api = app.gql_ok(COVERAGE, json!({"code": code})).await["coverage"].clone();
    let shown = coverage_shown(b).await;
    let rows = api["rows"].as_array().unwrap();
    let name = api["area"]["name"].as_str().unwrap();
    assert!(
        shown["heading"].as_str().unwrap().ends_with(name),
        "{shown}"
    );
    assert_eq!(shown["labelled"][0], shown["heading"], "the map's title");
    assert!(
        !shown["labelled"][1].as_str().unwrap().is_empty(),
        "a description"
    );
    let drawn: Vec<Value> = rows
        .iter()
        .filter(|r| r["geometry"].is_string())
        .map(|r| {
            let gap = r["buurten"].as_i64() > Some(0) && r["buurten"] == r["buurtenWithoutOffer"];
            let mut t = format!("{}: {}", r["name"].as_str().unwrap(), r["activeOffers"]);
            if gap {
                t.push_str(" (Geen aanbod dichtbij)");
            }
            json!(t)
        })
        .collect();
    assert!(!drawn.is_empty(), "{code} has shapes");
    assert_eq!(shown["areas"].as_array().unwrap(), &drawn);
    let gaps = drawn
        .iter()
        .filter(|t| t.as_str().unwrap().ends_with(')'))
        .count();
    assert_eq!(shown["hatched"], gaps, "every gap is hatched");
    let table: Vec<Value> = rows
        .iter()
        .map(|r| json!([r["name"], r["activeOffers"].to_string()]))
        .collect();
    assert_eq!(shown["rows"].as_array().unwrap(), &table);
    let summary = b.text("p.summary").await;
    let t = &api["totals"];
    assert!(
        summary.starts_with(&format!("{} ", t["activeOffers"])),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "{} van de {}",
            t["buurtenWithoutOffer"], t["buurten"]
        )),
        "{summary}"
    );
    api
}

#[tokio::test]
async fn browser_coverage_map_drills_down_and_exports() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    b.open("/dekking").await;
    b.assert_accessible("/dekking").await;
    b.fill("#f-gebied", "Nijmegen").await;
    b.click_to_load("form.filters button[type=submit]").await;
    b.wait_path("the coverage of Nijmegen", |p| {
        p.starts_with("/dekking?gebied=Nijmegen")
    })
    .await;
    let api = assert_coverage(&app, &b, "GM0268").await;
    b.assert_accessible("/dekking of a gemeente").await;

    // Both exports answer with the figures shown.
    let http = reqwest::Client::new();
    let csv = b
        .find("a[href^='/dekking.csv']")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    let res = http.get(&csv).send().await.unwrap();
    assert_eq!(res.status(), 200, "{csv}");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let codes: Vec<String> = res
        .text()
        .await
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(';').next().unwrap().to_string())
        .collect();
    let api_codes: Vec<String> = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, api_codes, "the CSV has the rows shown");
    let geojson = b
        .find("a[href^='/dekking.geojson']")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    let res = http.get(&geojson).send().await.unwrap();
    assert_eq!(res.status(), 200, "{geojson}");
    let features: Value = res.json().await.unwrap();
    assert_eq!(
        features["features"].as_array().unwrap().len(),
        api["rows"].as_array().unwrap().len()
    );

    // Drill down from the gemeente to a wijk by clicking its area on the map (one whose
    // centre lies inside it). The map's links stay out of the tab order: the table has them.
    let wijk = b
        .js(r#"document.querySelector('figure.map').scrollIntoView();
               for (const a of document.querySelectorAll('figure.map svg a')) {
                 const r = a.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 if (hit && hit.closest('a') === a) return new URL(a.href.baseVal || a.getAttribute('href'), location).searchParams.get('gebied');
               }
               return null"#)
        .await;
    let wijk = wijk.as_str().expect("a wijk area to click").to_string();
    let row = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == wijk.as_str())
        .expect("the clicked area is a row");
    assert_eq!(row["kind"], "WIJK");
    let tab_stops = b
        .js("return [...document.querySelectorAll('figure.map svg a')].filter(a => a.tabIndex >= 0).length")
        .await;
    assert_eq!(tab_stops, json!(0));
    b.click_to_load(&format!("figure.map svg a[href*='gebied={wijk}']"))
        .await;
    b.wait_path("the wijk", |p| p.contains(&format!("gebied={wijk}")))
        .await;
    assert_coverage(&app, &b, &wijk).await;
    b.assert_accessible("/dekking of a wijk").await;
    // And one level up again.
    b.click_to_load("a[href^='/dekking?gebied=GM0268']").await;
    b.wait_path("the gemeente", |p| p.contains("gebied=GM0268"))
        .await;
    assert_coverage(&app, &b, "GM0268").await;
    b.close().await;
}

#[tokio::test]
async fn browser_other_pages_are_accessible_and_keyboard_ready() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    // Tab from the top of the page reaches the skip link first; it moves focus to main.
    b.open("/").await;
    b.assert_accessible("/").await;
    b.press(Key::Tab).await;
    let focused = b
        .js("const e = document.activeElement; return [e.tagName, e.className, e.getAttribute('href')]")
        .await;
    assert_eq!(focused, json!(["A", "skip", "#inhoud"]));
    let visible = b
        .js("return document.activeElement.getBoundingClientRect().left >= 0")
        .await;
    assert_eq!(visible, json!(true), "the focused skip link is on screen");
    b.press(Key::Enter).await;
    let focused = b.js("return document.activeElement.id").await;
    assert_eq!(focused, json!("inhoud"), "focus is in main");

    // A search with an error.
    b.open("/?waar=12").await;
    assert!(!b.text("#f-waar-error").await.is_empty());
    b.assert_accessible("search with an error").await;

    // Sign-in, also with a wrong password.
    b.open("/inloggen").await;
    b.assert_accessible("/inloggen").await;
    b.fill("#f-email", GP).await;
    b.fill("#f-password", "wrong").await;
    b.click_to_load("main form button[type=submit]").await;
    assert!(!b.text("#f-password-error").await.is_empty());
    b.assert_accessible("/inloggen with an error").await;

    // Not found.
    b.open("/bestaat-niet").await;
    assert_eq!(b.text("h1").await, "Niet gevonden");
    b.assert_accessible("404").await;

    // English.
    b.open("/?lang=en").await;
    assert_eq!(b.attr("html", "lang").await.as_deref(), Some("en"));
    b.assert_accessible("/ in English").await;
    b.open("/dekking?gebied=GM0268").await;
    assert_eq!(b.attr("html", "lang").await.as_deref(), Some("en"));
    b.assert_accessible("/dekking in English").await;
    b.close().await;
}
