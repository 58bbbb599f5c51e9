//! The web UI over plain HTTP, as a browser without JavaScript uses it: GET forms, POST forms,
//! redirects, errors beside fields, and what the pages show checked against the API.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use tests::TestApp;

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed-in browser: the session cookie of a demo account.
pub(crate) async fn cookie(app: &TestApp, email: &str) -> String {
    format!("wijk_session={}", app.sign_in(email).await)
}

pub(crate) async fn get(app: &TestApp, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut req = client().get(app.url(path));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// Posts a form; returns the status, the `Location` and the body.
pub(crate) async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(String, String)],
) -> (StatusCode, Option<String>, String) {
    let res = client()
        .post(app.url(path))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    (res.status(), location, res.text().await.unwrap())
}

pub(crate) fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The fields a browser would submit with the form at `action` (ticked boxes, selected
/// options, textareas), as the page rendered them.
pub(crate) fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").unwrap();
    let control = Selector::parse("input, select, textarea").unwrap();
    let option = Selector::parse("option").unwrap();
    let form = doc
        .select(&form_sel)
        .find(|f| f.value().attr("action") == Some(action))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let mut out = Vec::new();
    for c in form.select(&control) {
        let el = c.value();
        let Some(name) = el.attr("name") else {
            continue;
        };
        match (el.name(), el.attr("type")) {
            ("input", Some("checkbox" | "radio")) if el.attr("checked").is_some() => {
                out.push((name.into(), el.attr("value").unwrap_or("on").into()));
            }
            ("input", Some("checkbox" | "radio")) => {}
            ("input", _) => out.push((name.into(), el.attr("value").unwrap_or("").into())),
            ("textarea", _) => out.push((name.into(), c.text().collect())),
            ("select", _) => {
                let opts: Vec<_> = c.select(&option).collect();
                let chosen = opts
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(opts.first());
                if let Some(o) = chosen {
                    out.push((name.into(), o.value().attr("value").unwrap_or("").into()));
                }
            }
            _ => {}
        }
    }
    out
}

const OFFER: &str = r#"query($id: ID!) { offer(id: $id) { id title version placesTaken capacity
  kind status cost { amountCents period } schedule { freq interval byday opensAt closesAt }
  locations { postcode street } lifeDomains targetGroups organisation { id name } } }"#;

/// The demo offers of Bindkracht10 (edited by redactie@bindkracht10.example).
async fn bindkracht_offer(app: &TestApp) -> Value {
    let res = app
        .gql_ok(
            "{ offers(first: 100) { nodes { id title capacity organisation { name } } } }",
            json!({}),
        )
        .await;
    res["offers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["organisation"]["name"] == "Bindkracht10" && o["capacity"].is_number())
        .cloned()
        .expect("a Bindkracht10 offer with a capacity in the demo data")
}

#[tokio::test]
async fn search_page_shows_what_the_search_api_finds() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    let (status, html) = get(
        &app,
        None,
        "/?waar=6663&afstand=10&domein=sociale_contacten",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let shown = texts(&html, "ol.results > li h3");
    let api = app
        .gql_ok(
            r#"{ searchOffers(near: {postcode: "6663", radiusKm: 10}, sort: DISTANCE, first: 10,
                 filter: {lifeDomains: [SOCIALE_CONTACTEN], statuses: [PLANNED, OPEN, FULL, RUNNING]}) {
                 totalCount hits { offer { title } } } }"#,
            json!({}),
        )
        .await;
    let expected: Vec<String> = api["searchOffers"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["offer"]["title"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !expected.is_empty(),
        "the demo data has social offers near Lent"
    );
    assert_eq!(shown, expected);
    let heading = texts(&html, "#resultaten").join(" ");
    let total = api["searchOffers"]["totalCount"].as_i64().unwrap();
    assert!(
        heading.starts_with(&format!("{total} resultat")),
        "{heading}"
    );
    // The ticked filter stays ticked.
    assert!(html.contains(r#"value="sociale_contacten" checked"#));
}

#[tokio::test]
async fn bad_search_input_is_explained_beside_its_field() {
    let app = TestApp::spawn().await;
    let (status, html) = get(&app, None, "/?waar=12").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let errors = texts(&html, "#f-waar-error");
    assert_eq!(errors.len(), 1, "{html}");
    assert!(errors[0].contains("postcode"), "{errors:?}");
    assert!(
        html.contains(r##"href="#f-waar""##),
        "summary links to the field"
    );
    assert!(html.contains(r#"aria-invalid="true""#));
    let (status, html) = get(&app, None, "/?waar=Nergenshuizen").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(texts(&html, "#f-waar-error")[0].contains("Nergenshuizen"));
}

#[tokio::test]
async fn english_is_chosen_once_and_remembered() {
    let app = TestApp::spawn().await;
    let res = client().get(app.url("/?lang=en")).send().await.unwrap();
    let set = res
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.starts_with("lang=en"), "{set}");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Find local offers"));
    let (_, html) = get(&app, Some("lang=en"), "/inloggen").await;
    assert!(html.contains(r#"<html lang="en">"#));
    let (_, html) = get(&app, None, "/").await;
    assert!(html.contains(r#"<html lang="nl">"#));
}

#[tokio::test]
async fn pages_that_need_sign_in_send_the_browser_to_the_login_form_and_back() {
    let app = TestApp::spawn().await;
    let res = client().get(app.url("/beheer")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/inloggen?next=%2Fbeheer");
    let form = pairs(&[
        ("email", "redactie@bindkracht10.example"),
        ("password", api::seed::users::DEMO_PASSWORD),
        ("next", "/beheer"),
    ]);
    let res = client()
        .post(app.url("/inloggen"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/beheer");
    let session = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (status, html) = get(&app, Some(&session), "/beheer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Bindkracht10"));
    // A wrong password is shown beside the password field; an open redirect is not followed.
    let form = pairs(&[
        ("email", "redactie@bindkracht10.example"),
        ("password", "wrong"),
        ("next", "//evil.example"),
    ]);
    let res = client()
        .post(app.url("/inloggen"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.unwrap();
    assert_eq!(texts(&html, "#f-password-error").len(), 1);
    assert!(html.contains(r#"name="next" value="/""#));
    // A practitioner has no listings to manage.
    let gp = cookie(&app, "huisarts@lent.example").await;
    let (status, _) = get(&app, Some(&gp), "/beheer").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, "redactie@bindkracht10.example").await;
    let offer = bindkracht_offer(&app).await;
    let id = offer["id"].as_str().unwrap();
    let before = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    let version = before["version"].to_string();
    let res = client()
        .post(app.url(&format!("/beheer/aanbod/{id}/plekken")))
        .header(COOKIE, &editor)
        .header(ORIGIN, "http://evil.example")
        .form(&pairs(&[("version", &version), ("placesTaken", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let after = app.gql_ok(OFFER, json!({"id": id})).await;
    assert_eq!(after["offer"], before, "nothing was written");
    // The same post from the node's own pages goes through.
    let res = client()
        .post(app.url(&format!("/beheer/aanbod/{id}/plekken")))
        .header(COOKIE, &editor)
        .header(ORIGIN, app.url(""))
        .form(&pairs(&[("version", &version), ("placesTaken", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_editor_updates_places_and_bad_values_change_nothing() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, "redactie@bindkracht10.example").await;
    let offer = bindkracht_offer(&app).await;
    let id = offer["id"].as_str().unwrap();
    let capacity = offer["capacity"].as_i64().unwrap();
    let before = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    let version = before["version"].as_i64().unwrap().to_string();
    let path = format!("/beheer/aanbod/{id}/plekken");

    let too_many = (capacity + 1).to_string();
    let (status, _, html) = post(
        &app,
        &editor,
        &path,
        &pairs(&[("version", &version), ("placesTaken", &too_many)]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let row = format!("#places-{}-error", id.replace(':', "-"));
    assert_eq!(
        texts(&html, &row).len(),
        1,
        "error beside the offer's field: {html}"
    );
    assert!(
        html.contains(&format!(r#"value="{too_many}""#)),
        "the typed value is kept"
    );
    assert_eq!(app.gql_ok(OFFER, json!({"id": id})).await["offer"], before);

    let (status, location, _) = post(
        &app,
        &editor,
        &path,
        &pairs(&[("version", &version), ("placesTaken", "2")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().starts_with("/beheer?opgeslagen=1"));
    let after = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    assert_eq!(after["placesTaken"], 2);
    // The same (now stale) version again loses.
    let (status, _, html) = post(
        &app,
        &editor,
        &path,
        &pairs(&[("version", &version), ("placesTaken", "3")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html, &row)[0].contains("gewijzigd"), "{html}");
    assert_eq!(
        app.gql_ok(OFFER, json!({"id": id})).await["offer"]["placesTaken"],
        2
    );
}

#[tokio::test]
async fn the_offer_form_saves_what_it_shows() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, "redactie@bindkracht10.example").await;
    let offer = bindkracht_offer(&app).await;
    let id = offer["id"].as_str().unwrap();
    let before = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    let path = format!("/beheer/aanbod/{id}");
    let (status, html) = get(&app, Some(&editor), &path).await;
    assert_eq!(status, StatusCode::OK);
    let action = format!("/beheer/aanbod/{}", id.replace(':', "%3A"));
    let mut fields = form_fields(&html, &action);

    // Unchanged, the form stores the same offer (only the version moves).
    let (status, _, body) = post(&app, &editor, &path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let mut after = app.gql_ok(OFFER, json!({"id": id})).await["offer"].clone();
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    after["version"] = before["version"].clone();
    assert_eq!(after, before);

    // A bad time in the new schedule row lands beside that field; nothing is written.
    let version = (before["version"].as_i64().unwrap() + 1).to_string();
    for (k, v) in fields.iter_mut() {
        if k == "version" {
            *v = version.clone();
        }
    }
    let row = before["schedule"].as_array().unwrap().len();
    fields.retain(|(k, _)| !k.starts_with(&format!("schedule.{row}.")));
    fields.extend(pairs(&[
        (&format!("schedule.{row}.interval"), "1"),
        (&format!("schedule.{row}.freq"), "WEEKLY"),
        (&format!("schedule.{row}.byday"), "WE"),
        (&format!("schedule.{row}.opensAt"), "25:00"),
        (&format!("schedule.{row}.closesAt"), "26:00"),
    ]));
    let (status, _, html) = post(&app, &editor, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        texts(&html, &format!("#f-schedule-{row}-opensAt-error")).len(),
        1,
        "{html}"
    );
    assert_eq!(
        app.gql_ok(OFFER, json!({"id": id})).await["offer"]["version"],
        after["version"].as_i64().unwrap() + 1
    );

    // Fixed, the new period is stored and read in plain Dutch on the offer's page.
    for (k, v) in fields.iter_mut() {
        if k == &format!("schedule.{row}.opensAt") {
            *v = "19:30".into();
        }
        if k == &format!("schedule.{row}.closesAt") {
            *v = "21:00".into();
        }
    }
    let (status, _, body) = post(&app, &editor, &path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, page) = get(&app, None, &format!("/aanbod/{id}")).await;
    assert!(
        page.contains("Elke week op woensdag, 19:30-21:00"),
        "{page}"
    );
}

#[tokio::test]
async fn a_gp_refers_and_the_organisation_answers() {
    let app = TestApp::spawn().await;
    let gp = cookie(&app, "huisarts@lent.example").await;
    let editor = cookie(&app, "redactie@bindkracht10.example").await;
    let offer = bindkracht_offer(&app).await;
    let id = offer["id"].as_str().unwrap();
    let refer = format!("/aanbod/{id}/verwijzen");

    let (status, _, html) = post(
        &app,
        &gp,
        &refer,
        &pairs(&[
            ("patientRef", "123456782"),
            ("consent", "1"),
            ("contactPreference", "via_practice"),
            ("reasonDomains", "beweging"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html, "#f-patientRef-error")[0].contains("BSN"));

    let (status, location, _) = post(
        &app,
        &gp,
        &refer,
        &pairs(&[
            ("patientRef", "P-2026-0042"),
            ("consent", "1"),
            ("contactPreference", "phone"),
            ("contact.name", "Ria"),
            ("contact.phone", "06 12345678"),
            ("contact.consent", "1"),
            ("reasonDomains", "sociale_contacten"),
            ("note", "Liever 's middags bellen"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let (_, html) = get(&app, Some(&gp), &location).await;
    assert_eq!(texts(&html, "#status"), ["Verstuurd"]);
    let referral_path = location.split('?').next().unwrap().to_string();

    // The organisation sees it in its list and confirms, then accepts.
    let (_, html) = get(&app, Some(&editor), "/verwijzingen").await;
    assert!(html.contains(&referral_path), "{html}");
    assert!(html.contains("P-2026-0042"));
    for (version, to) in [("1", "received"), ("2", "accepted")] {
        let (status, _, body) = post(
            &app,
            &editor,
            &format!("{referral_path}/status"),
            &pairs(&[("version", version), ("to", to)]),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    // The referrer may only cancel; a forged "completed" is refused and changes nothing.
    let (status, _, html) = post(
        &app,
        &gp,
        &format!("{referral_path}/status"),
        &pairs(&[("version", "3"), ("to", "completed")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!texts(&html, ".error-summary li").is_empty());
    let (_, html) = get(&app, Some(&gp), &referral_path).await;
    assert_eq!(texts(&html, "#status"), ["Geaccepteerd"]);
    let buttons = texts(&html, "button[name=to]");
    assert_eq!(buttons, ["Annuleren"], "the GP is offered only cancel");
}

#[tokio::test]
async fn an_editor_keeps_the_organisation_details_current() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, "redactie@bindkracht10.example").await;
    let offer = bindkracht_offer(&app).await;
    let org = app.gql_ok(OFFER, json!({"id": offer["id"]})).await["offer"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/beheer/organisatie/{org}");
    let (status, html) = get(&app, Some(&editor), &path).await;
    assert_eq!(status, StatusCode::OK);
    let mut fields = form_fields(
        &html,
        &format!("/beheer/organisatie/{}", org.replace(':', "%3A")),
    );
    for (k, v) in fields.iter_mut() {
        if k == "website" {
            *v = "geen website".into();
        }
    }
    let (status, _, html) = post(&app, &editor, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(texts(&html, "#f-website-error").len(), 1, "{html}");
    for (k, v) in fields.iter_mut() {
        match k.as_str() {
            "website" => *v = "https://www.bindkracht10.nl/wijkteams".into(),
            "phone" => *v = "024 123 45 67".into(),
            _ => {}
        }
    }
    let (status, _, _) = post(&app, &editor, &path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let q = r#"query($id: ID!) { organisation(id: $id) { website phone } }"#;
    let after = app.gql_ok(q, json!({"id": org})).await;
    assert_eq!(
        after["organisation"]["website"],
        "https://www.bindkracht10.nl/wijkteams"
    );
    assert_eq!(after["organisation"]["phone"], "024 123 45 67");
    // Someone who does not edit it cannot open it (nor learn that it exists).
    let other = cookie(&app, "huisarts@lent.example").await;
    let (status, _) = get(&app, Some(&other), &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
