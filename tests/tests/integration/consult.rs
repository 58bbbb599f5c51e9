//! Pages for a GP between two consults, over plain HTTP (as without JavaScript): the patient
//! handout of an offer in Dutch and English, with a referral's lines only for those who may
//! see that referral; comparing offers; a postcode that does not exist; the favicon.

use super::auth::offer_by_title;
use crate::web::client;
use api::services::referral::contact::{self, ConsentBy, ContactConsent};
use entities::{offer, referral};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use sea_orm::EntityTrait;
use serde_json::json;
use tests::{TestApp, demo};
use web::i18n::Lang;

/// GET as `who` (a demo account) or anonymously: status, `Location` and body.
async fn get(app: &TestApp, who: Option<&str>, path: &str) -> (StatusCode, Option<String>, String) {
    let mut req = client().get(app.url(path));
    if let Some(email) = who {
        req = req.header(COOKIE, format!("wijk_session={}", app.sign_in(email).await));
    }
    let res = req.send().await.unwrap();
    let location = res
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_string());
    (res.status(), location, res.text().await.unwrap())
}

async fn offer_row(app: &TestApp, title: &str) -> offer::Model {
    let (id, _) = offer_by_title(app, title).await;
    offer::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

fn handout_path(id: &str) -> String {
    format!("/aanbod/{}/meegeven", web::layout::encode(id))
}

/// The visible text of a page (tags stripped, whitespace collapsed).
fn text(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let main = scraper::Selector::parse("main").unwrap();
    doc.select(&main)
        .flat_map(|m| m.text())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn the_handout_says_what_where_when_cost_next_step_and_stopping_in_dutch_and_english() {
    let app = TestApp::spawn().await;
    let o = offer_row(&app, "Koffieochtend in Geesterhage").await;
    assert!(web::pages::offer::is_walk_in(&o));
    let days = app.state.config.mail.reminder_working_days;
    for (lang, query, words) in [
        (
            Lang::Nl,
            "",
            [
                "Wat is het?",
                "Waar en wanneer?",
                "Kosten",
                "Hoe gaat het verder?",
                "Stoppen?",
                "kom gewoon langs",
            ],
        ),
        (
            Lang::En,
            "?lang=en",
            [
                "What is it?",
                "Where and when?",
                "Cost",
                "What happens next?",
                "Want to stop?",
                "just drop in",
            ],
        ),
    ] {
        let (status, _, html) = get(&app, None, &format!("{}{query}", handout_path(&o.id))).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let page = text(&html);
        assert!(page.contains(&o.title), "{page}");
        for w in words {
            assert!(page.contains(w), "{lang:?}: '{w}' missing in {page}");
        }
        assert!(page.contains(&web::labels::cost(lang, &o)), "{page}");
        for p in &o.schedule.0 {
            let when = web::pages::offer::capitalise(&web::labels::period(lang, p));
            assert!(page.contains(&when), "'{when}' missing in {page}");
        }
        assert!(html.contains("@media print") || html.contains("/static/app.css"));
    }
    // An offer that needs a referral says so, and within how many working days they call.
    let circle = offer_row(&app, "Mindfulness en ontspanning met de POH-GGZ").await;
    let (_, _, html) = get(&app, None, &handout_path(&circle.id)).await;
    let page = text(&html);
    assert!(page.contains("U heeft een verwijzing nodig"), "{page}");
    assert!(page.contains(&format!("binnen {days} werkdagen")), "{page}");
}

const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

/// A referral from the demo GP to `o`, with contact details giving a best time to call.
async fn referral_to(app: &TestApp, o: &offer::Model, patient: &str) -> referral::Model {
    let gp = app.sign_in(demo::GP).await;
    let input = json!({"offerId": o.id, "patientRef": patient, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"]});
    let body = app.gql_with(Some(&gp), SEND, json!({"input": input})).await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let r = referral::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let row = api::auth::users::find_by_email(&app.state.db, demo::GP)
        .await
        .unwrap()
        .unwrap();
    let actor = api::auth::Actor::User(
        api::auth::users::find(&app.state.db, &row.id)
            .await
            .unwrap()
            .unwrap(),
    );
    let details = api::domain::ContactDetails::parse(
        "Ria de Vries",
        Some("0612345678"),
        None,
        Some("doordeweeks na 17:00"),
        false,
    )
    .unwrap();
    let consent = ContactConsent {
        given: true,
        by: ConsentBy::User(row.id.clone()),
    };
    contact::store(
        &app.state.db,
        &app.state.contact_keys,
        &actor,
        &r.id,
        &consent,
        &details,
    )
    .await
    .unwrap();
    r
}

#[tokio::test]
async fn the_handout_adds_a_referrals_lines_only_for_those_who_may_see_it() {
    let app = TestApp::spawn().await;
    let o = offer_row(&app, "Wandelgroep Lent").await;
    let r = referral_to(&app, &o, "P-HANDOUT-77").await;
    let path = format!(
        "{}?verwijzing={}",
        handout_path(&o.id),
        web::layout::encode(&r.id)
    );

    // The referring GP finds it on the referral's page; the organisation does not.
    let referral_page = format!("/verwijzingen/{}", web::layout::encode(&r.id));
    let (_, _, html) = get(&app, Some(demo::GP), &referral_page).await;
    assert!(html.contains(&format!(r#"href="{path}""#)), "{html}");
    let (_, _, html) = get(&app, Some(demo::EDITOR), &referral_page).await;
    assert!(
        html.contains("Wandelgroep Lent") && !html.contains("/meegeven"),
        "{html}"
    );

    let (status, _, html) = get(&app, Some(demo::GP), &path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let page = text(&html);
    assert!(
        page.contains("Bindkracht10 neemt binnen 3 werkdagen contact met u op en belt u op."),
        "{page}"
    );
    assert!(
        page.contains("doordeweeks na 17:00"),
        "the best time: {page}"
    );
    for secret in ["P-HANDOUT-77", "Ria de Vries", "0612345678"] {
        assert!(!html.contains(secret), "{secret} printed: {page}");
    }
    let (_, _, en) = get(&app, Some(demo::GP), &format!("{path}&lang=en")).await;
    assert!(text(&en).contains("will contact you within 3 working days and will phone you"));

    // Someone who may not see the referral gets no page at all, and no referral lines.
    let (status, _, html) = get(&app, Some(demo::ANALYST), &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    assert!(!html.contains("doordeweeks") && !html.contains("werkdagen contact met u op en"));
    let (status, location, _) = get(&app, None, &path).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().starts_with("/inloggen?next="));
    // Nor on the handout of another offer.
    let other = offer_row(&app, "Samen koken en eten in Nijmegen-Noord").await;
    let elsewhere = format!(
        "{}?verwijzing={}",
        handout_path(&other.id),
        web::layout::encode(&r.id)
    );
    let (status, _, _) = get(&app, Some(demo::GP), &elsewhere).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn offers_compare_side_by_side_two_to_four() {
    let app = TestApp::spawn().await;
    let a = offer_row(&app, "Wandelgroep Lent").await;
    let b = offer_row(&app, "Samen koken en eten in Nijmegen-Noord").await;
    let q = |ids: &[&str]| {
        let parts: Vec<String> = ids
            .iter()
            .map(|i| format!("id={}", web::layout::encode(i)))
            .collect();
        format!("/vergelijken?{}&terug=waar%3D6663", parts.join("&"))
    };
    let (status, _, html) = get(&app, None, &q(&[&a.id, &b.id])).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let doc = scraper::Html::parse_document(&html);
    let heads: Vec<String> = doc
        .select(&scraper::Selector::parse("table.compare thead th").unwrap())
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(heads, [a.title.clone(), b.title.clone()]);
    let page = text(&html);
    assert!(page.contains(&web::labels::cost(Lang::Nl, &b)), "{page}");
    assert!(
        html.contains(r#"href="/?waar=6663""#),
        "back to the search: {html}"
    );

    let (status, _, html) = get(&app, None, &q(&[&a.id])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text(&html).contains("Vink op de zoekpagina 2 tot 4 aanbiedingen aan"));
    let node = a.id.split(':').next().unwrap();
    let ids: Vec<String> = (0..3)
        .map(|i| format!("{node}:00000000-0000-4000-8000-00000000000{i}"))
        .chain([a.id.clone(), b.id.clone()])
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (status, _, html) = get(&app, None, &q(&refs)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text(&html).contains("meer dan 4"), "{html}");
}

#[tokio::test]
async fn a_postcode_that_does_not_exist_says_so() {
    let app = TestApp::spawn().await;
    app.state.search.sync_now().await.unwrap();
    for (raw, message) in [
        (
            "1000 AA",
            "Postcode 1000 AA bestaat niet. Kijk de cijfers na.",
        ),
        // 9999 is a 4-digit area (Het Hogeland), far from any offer of the demo region.
        (
            "9999 ZZ",
            "Postcode 9999 ZZ ligt buiten het gebied van deze Wijkwijzer: binnen 50 km is geen aanbod.",
        ),
    ] {
        let (status, _, html) =
            get(&app, None, &format!("/?waar={}", web::layout::encode(raw))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}");
        let page = text(&html);
        assert!(page.contains(message), "{raw}: {page}");
        assert!(
            !page.contains("resultaten"),
            "no '0 resultaten' for {raw}: {page}"
        );
    }
    let (_, _, html) = get(&app, None, "/?waar=1000+AA&lang=en").await;
    assert!(text(&html).contains("Postcode 1000 AA does not exist."));
    // A postcode of the region finds what is there, "in this neighbourhood" when it is.
    let (status, _, html) = get(&app, None, "/?waar=6663").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&html).contains("in deze buurt"), "{html}");
    assert!(!text(&html).contains("0,0 km"));
}

#[tokio::test]
async fn the_favicon_answers_as_svg_and_ico() {
    let app = TestApp::spawn().await;
    let res = client().get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/svg+xml");
    assert!(res.text().await.unwrap().starts_with("<svg"));
    let res = client().get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/x-icon");
    assert_eq!(
        &res.bytes().await.unwrap()[..4],
        &[0, 0, 1, 0],
        "an ICO header"
    );
    let (_, _, html) = get(&app, None, "/").await;
    assert!(html.contains(r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#));
}
