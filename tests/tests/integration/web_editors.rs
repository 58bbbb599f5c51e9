//! Editors and analysts over plain HTTP (issue 16): where an editor lands after signing in and
//! the count of new referrals in the menu, the beheer list, the offer form (rows, notices, the
//! location that must not move, the postcode error), the coverage page (area names as people
//! type them, one rule for distances and for open places, CSV for Dutch spreadsheets) and
//! error texts in the page's language.

use crate::auth::offer_by_title;
use crate::referrals::{send, step};
use crate::web::{client, cookie, form_fields, get, pairs, post, texts};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, LOCATION};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use tests::{TestApp, demo};

/// The error beside field `id` (without the hidden "Fout: " / "Error: " for screen readers).
fn field_error(html: &str, id: &str) -> Vec<String> {
    texts(html, &format!("#{id}-error"))
        .into_iter()
        .map(|t| {
            t.trim_start_matches("Fout: ")
                .trim_start_matches("Error: ")
                .to_string()
        })
        .collect()
}

fn attrs(html: &str, css: &str, name: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(name).map(str::to_string))
        .collect()
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    f.1 = value.to_string();
}

fn edit_action(id: &str) -> String {
    format!("/beheer/aanbod/{}", id.replace(':', "%3A"))
}

/// Signs in through the form; returns where the browser is sent.
async fn sign_in_to(app: &TestApp, email: &str, next: &str) -> String {
    let res = client()
        .post(app.url("/inloggen"))
        .form(&pairs(&[
            ("email", email),
            ("password", api::seed::users::DEMO_PASSWORD),
            ("next", next),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()[LOCATION].to_str().unwrap().to_string()
}

/// The referrals to the editor's organisations still waiting for receipt, per the API.
async fn waiting(app: &TestApp, token: &str) -> usize {
    let body = app
        .gql_with(Some(token), "{ referrals { id status } }", json!({}))
        .await;
    body["data"]["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "REQUESTED")
        .count()
}

/// The menu's referrals link text.
async fn menu_referrals(app: &TestApp, cookie: &str) -> String {
    let (_, html) = get(app, Some(cookie), "/").await;
    texts(&html, "nav a[href='/verwijzingen']").join(" ")
}

#[tokio::test]
async fn an_editor_lands_on_the_referrals_with_the_new_ones_counted() {
    let app = TestApp::spawn().await;
    assert_eq!(sign_in_to(&app, demo::EDITOR, "/").await, "/verwijzingen");
    assert_eq!(sign_in_to(&app, demo::EDITOR, "/beheer").await, "/beheer");
    assert_eq!(sign_in_to(&app, demo::GP, "/").await, "/");

    let editor_token = app.sign_in(demo::EDITOR).await;
    let editor = format!("wijk_session={editor_token}");
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer).await;
    let n = waiting(&app, &editor_token).await;
    assert!(n >= 1);
    assert_eq!(
        menu_referrals(&app, &editor).await,
        format!("Verwijzingen ({n} nieuw)")
    );
    step(&app, &editor_token, &r, "RECEIVED", None).await;
    let shown = menu_referrals(&app, &editor).await;
    if n == 1 {
        assert_eq!(shown, "Verwijzingen", "no count when nothing is new");
    } else {
        assert_eq!(shown, format!("Verwijzingen ({} nieuw)", n - 1));
    }
    // A practitioner receives nothing, so the menu counts nothing for them.
    let gp_cookie = format!("wijk_session={gp}");
    assert_eq!(menu_referrals(&app, &gp_cookie).await, "Verwijzingen");
}

#[tokio::test]
async fn the_beheer_list_says_how_full_and_keeps_a_saved_row_in_place() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, demo::EDITOR).await;
    let (id, _) = offer_by_title(&app, "Herstelcirkel Psychische Kracht Lent").await;
    let (_, html) = get(&app, Some(&editor), "/beheer").await;
    assert!(html.contains("14 van 20 plekken bezet"), "{html}");
    let order = attrs(&html, "tbody tr", "id");
    assert!(order.len() >= 3, "{order:?}");

    // Save the places of the last row: it stays last.
    let last = order.last().unwrap().clone();
    let (row_offer, version) = {
        let doc = Html::parse_document(&html);
        let sel = Selector::parse(&format!("#{last} form")).unwrap();
        let form = doc
            .select(&sel)
            .next()
            .expect("a places form in the last row");
        let action = form.value().attr("action").unwrap().to_string();
        let v = Selector::parse("input[name=version]").unwrap();
        let version = form
            .select(&v)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_string();
        (action, version)
    };
    let (status, location, _) = post(
        &app,
        &editor,
        &row_offer.replace("%3A", ":"),
        &pairs(&[("version", &version), ("placesTaken", "1")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().ends_with(&format!("#{last}")));
    let (_, html) = get(&app, Some(&editor), "/beheer").await;
    assert_eq!(
        attrs(&html, "tbody tr", "id"),
        order,
        "the same order after a save"
    );

    // Too many places: the error names the capacity, in Dutch.
    let o = app
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { version } }",
            json!({"id": id}),
        )
        .await;
    let version = o["offer"]["version"].to_string();
    let (status, _, html) = post(
        &app,
        &editor,
        &format!("/beheer/aanbod/{id}/plekken"),
        &pairs(&[("version", &version), ("placesTaken", "21")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = texts(&html, &format!("#places-{}-error", id.replace(':', "-"))).join(" ");
    assert!(error.contains("De capaciteit is 20"), "{error}");
}

#[tokio::test]
async fn a_new_offer_is_a_draft_until_published_and_the_form_adds_rows_on_request() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, demo::EDITOR).await;
    let (_, html) = get(&app, Some(&editor), "/beheer").await;
    let new = attrs(&html, "a[href$='/aanbod/nieuw']", "href")[0].clone();
    let (_, html) = get(&app, Some(&editor), &new).await;
    // One schedule period and one location, each with "nog een toevoegen".
    assert_eq!(texts(&html, "fieldset.period[id^='f-schedule-']").len(), 1);
    assert_eq!(texts(&html, "fieldset.period[id^='f-locations-']").len(), 1);
    let mut fields = form_fields(&html, &new);
    set(&mut fields, "title", "Tuinieren in Lent");
    set(&mut fields, "locations.0.postcode", "6663");
    fields.push(("add".into(), "locations".into()));
    let (status, _, html) = post(&app, &editor, &new, &fields).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(texts(&html, "fieldset.period[id^='f-locations-']").len(), 2);
    assert_eq!(
        attrs(&html, "#f-title", "value"),
        ["Tuinieren in Lent"],
        "kept"
    );

    let mut fields = form_fields(&html, &new);
    set(&mut fields, "locations.1.name", "Dorpshuis");
    set(&mut fields, "locations.1.city", "Lent");
    let (status, _, html) = post(&app, &editor, &new, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_error(&html, "f-locations-1-postcode"),
        ["Vul een postcode in"],
        "{html}"
    );
    assert!(!html.contains("verplicht"), "no half-translated message");

    set(&mut fields, "locations.1.postcode", "1000");
    let (_, _, html) = post(&app, &editor, &new, &fields).await;
    assert_eq!(
        field_error(&html, "f-locations-1-postcode"),
        ["Postcode 1000 bestaat niet"]
    );

    set(&mut fields, "locations.1.postcode", "6663 AB");
    let (status, location, _) = post(&app, &editor, &new, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let edit = location.unwrap();
    assert!(edit.ends_with("?opgeslagen=concept"), "{edit}");
    let (_, html) = get(&app, Some(&editor), &edit).await;
    assert!(
        texts(&html, "p.notice")
            .join(" ")
            .contains("Aangemaakt als concept")
    );
    assert!(!html.contains("Opgeslagen."));
    // "Beëindigen" lives in its own section after the form, away from "Opslaan".
    let end = html.find("/beeindigen").unwrap();
    let save = html.find("Opslaan").unwrap();
    assert!(end > save, "the end button comes after the save button");

    let id = edit
        .trim_start_matches("/beheer/aanbod/")
        .split('?')
        .next()
        .unwrap()
        .replace("%3A", ":");
    let version = attrs(
        &html,
        "form[action$='/publiceren'] input[name=version]",
        "value",
    )[0]
    .clone();
    let (status, location, _) = post(
        &app,
        &editor,
        &format!("/beheer/aanbod/{id}/publiceren"),
        &pairs(&[("version", &version)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = get(&app, Some(&editor), &location.unwrap()).await;
    assert_eq!(texts(&html, "p.notice"), ["Gepubliceerd."]);
}

const LOCATIONS: &str =
    "query($id: ID!) { offer(id: $id) { version locations { postcode point { lat lon } } } }";

#[tokio::test]
async fn saving_the_times_only_does_not_move_the_locations() {
    let app = TestApp::spawn().await;
    let editor = cookie(&app, demo::EDITOR).await;
    // One location with a postcode and a precise point, one with a point and no postcode.
    for title in [
        "Herstelcirkel Psychische Kracht Lent",
        "Herstelcirkel Psychische Kracht Oosterhout",
    ] {
        let (id, _) = offer_by_title(&app, title).await;
        let before = app.gql_ok(LOCATIONS, json!({"id": id})).await["offer"]["locations"].clone();
        let path = format!("/beheer/aanbod/{id}");
        let (_, html) = get(&app, Some(&editor), &path).await;
        let mut fields = form_fields(&html, &edit_action(&id));
        set(&mut fields, "schedule.0.opensAt", "09:30");
        let (status, _, body) = post(&app, &editor, &path, &fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{title}: {body}");
        let after = app.gql_ok(LOCATIONS, json!({"id": id})).await["offer"]["locations"].clone();
        assert_eq!(after, before, "{title}: the locations did not move");
    }
}

#[tokio::test]
async fn error_texts_follow_the_page_language() {
    let app = TestApp::spawn().await;
    let (status, html) = get(&app, None, "/aanbod/bestaat-niet").await;
    assert!(status.is_client_error());
    assert!(!html.contains("is not"), "{html}");
    assert!(!html.contains("<node-id>"), "{html}");
    assert!(!html.contains("id:"), "{html}");
    let (_, html) = get(&app, Some("lang=en"), "/aanbod/bestaat-niet").await;
    assert!(
        html.contains(r#"<html lang="en">"#) && !html.contains("bestaat niet meer"),
        "{html}"
    );
    let editor = cookie(&app, demo::EDITOR).await;
    let (status, html) = get(&app, Some(&editor), "/beheer/aanbod/bestaat-niet").await;
    assert!(status.is_client_error());
    assert!(!html.contains("is not an id"), "{html}");
    let english = format!("{editor}; lang=en");
    let (id, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let path = format!("/beheer/aanbod/{id}");
    let (_, html) = get(&app, Some(&english), &path).await;
    let mut fields = form_fields(&html, &edit_action(&id));
    set(&mut fields, "locations.0.postcode", "1000");
    let (status, _, html) = post(&app, &english, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert_eq!(
        field_error(&html, "f-locations-0-postcode"),
        ["postcode 1000 is not a known postcode area"]
    );
}

const GAPS: &str = r#"query($code: String!, $km: Float!) { coverage(areaCode: $code, distanceKm: $km) {
  rows { code } gaps { code nearestOfferKm } } }"#;

#[tokio::test]
async fn distances_agree_between_gemeente_and_wijk() {
    let app = TestApp::spawn().await;
    for km in [0.5, 1.5] {
        let gemeente = app.gql_ok(GAPS, json!({"code": "GM0268", "km": km})).await;
        let at_gemeente: std::collections::HashMap<String, Value> = gemeente["coverage"]["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["code"].as_str().unwrap().to_string(),
                    g["nearestOfferKm"].clone(),
                )
            })
            .collect();
        let mut compared = 0;
        for wijk in gemeente["coverage"]["rows"].as_array().unwrap() {
            let c = app
                .gql_ok(GAPS, json!({"code": wijk["code"], "km": km}))
                .await;
            for g in c["coverage"]["gaps"].as_array().unwrap() {
                let code = g["code"].as_str().unwrap();
                assert_eq!(
                    at_gemeente.get(code),
                    Some(&g["nearestOfferKm"]),
                    "buurt {code} within {km} km: the same at both levels"
                );
                compared += 1;
            }
        }
        assert_eq!(compared, at_gemeente.len(), "the same gaps at both levels");
    }
}

#[tokio::test]
async fn open_herstelcirkels_follow_the_search_filter() {
    let app = TestApp::spawn().await;
    let cov = app
        .gql_ok(
            r#"{ coverage(areaCode: "WK026809", kind: HERSTELCIRKEL) { totals { herstelcirkelsWithPlaces } } }"#,
            json!({}),
        )
        .await;
    let open = app
        .gql_ok(
            r#"{ offers(first: 100, filter: {kinds: [HERSTELCIRKEL], openPlacesOnly: true}) {
                 nodes { locations { buurt { parent { code } } } } } }"#,
            json!({}),
        )
        .await;
    let in_wijk = open["offers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            o["locations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["buurt"]["parent"]["code"] == "WK026809")
        })
        .count();
    assert!(
        in_wijk >= 1,
        "the demo has an open Herstelcirkel in Nijmegen-Noord"
    );
    assert_eq!(
        cov["coverage"]["totals"]["herstelcirkelsWithPlaces"], in_wijk,
        "one rule for 'open places'"
    );
}

#[tokio::test]
async fn the_coverage_page_finds_areas_as_people_type_them() {
    let app = TestApp::spawn().await;
    let (status, html) = get(&app, None, "/dekking?gebied=nijmegen+noord").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(texts(&html, "h2#dekking-titel")[0].ends_with("Nijmegen-Noord"));
    // After a drill-down link (a code), the field shows the name.
    let (_, html) = get(&app, None, "/dekking?gebied=WK026809").await;
    assert_eq!(attrs(&html, "#f-gebied", "value"), ["Nijmegen-Noord"]);
    // An ambiguous name lists the areas with their gemeente; that form finds one.
    let (status, html) = get(&app, None, "/dekking?gebied=centrum").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = texts(&html, "#f-gebied-error").join(" ");
    assert!(error.contains("Centrum (Alkmaar)"), "{error}");
    let (status, html) = get(&app, None, "/dekking?gebied=Centrum+(Alkmaar)").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attrs(&html, "#f-gebied", "value"), ["Centrum (Alkmaar)"]);
    assert!(html.contains("WK036108") || html.contains("Centrum"));
}

#[tokio::test]
async fn the_coverage_csv_opens_in_a_dutch_spreadsheet() {
    let app = TestApp::spawn().await;
    let res = client()
        .get(app.url("/dekking.csv?gebied=WK026809&soort=herstelcirkel&afstand=1.5"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("dekking-WK026809-herstelcirkel-1.5km.csv"),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte order mark"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("Code;Naam;Soort gebied;Actief aanbod;"),
        "{header}"
    );
    let cells: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|c| c.len() == header.split(';').count()));
    assert!(
        cells.iter().any(|c| c[7].contains(',')),
        "decimal commas in the distances: {text}"
    );
    assert!(cells.iter().all(|c| !c[7].contains('.')));
    // On an English page: the API's format.
    let res = client()
        .get(app.url("/dekking.csv?gebied=WK026809&afstand=1.5&lang=en"))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.starts_with("code,name,kind,"), "{text}");
}
