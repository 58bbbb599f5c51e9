//! The Herstelcirkel plan and suitability forms (issue 19). In a real browser: an editor fills
//! in the circle plan (a row added on request, nothing typed lost, Enter in a field saves) and
//! sees it on the offer page; an overlapping period is refused beside its field with the input kept; an editor sets
//! who an offer is for in the offer form, a GP sees it before referring, and a conflicting
//! referral asks for confirmation. Over plain HTTP: another organisation's editor is refused
//! the circle form, a group size below its minimum stands beside its field, and the offer
//! form's suitability errors stand beside theirs (an unchanged suitability is not written
//! again). Every page is
//! checked with axe; the browser tests are skipped without chromedriver unless `CI` is set.

use crate::auth::offer_by_title;
use crate::web::{client, form_fields, get, post};
use entities::{organisation, referral_suitability_confirmation};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::browser::Browser;
use tests::{TestApp, demo, error_field};
use web::i18n::Lang;

const CIRCLE: &str = "Herstelcirkel Psychische Kracht Lent";

const READ: &str = r#"query($id: ID!) { offer(id: $id) { version
  schedule { validFrom validUntil }
  circle { kwartiermaker { name phone } groupMin groupMax recruitingNeed
    subgroups { activity schedule { byday opensAt closesAt } }
    klankbordMembers { role name } partnerPractices { name agreedOn agreements }
    evaluations { title url year outcome } } } }"#;

const SET_PLAN: &str = r#"mutation($id: ID!, $v: Int!, $input: CirclePlanInput!) {
  setCirclePlan(offerId: $id, version: $v, input: $input) { id } }"#;

fn circle_path(id: &str) -> String {
    format!("/aanbod/{}/cirkel", web::layout::encode(id))
}

/// Sets the value of a form control as a picker or a select does (a date or time input's
/// typing depends on the browser's locale).
async fn set(b: &Browser, css: &str, value: &str) {
    let script = format!(
        "const e = document.querySelector({css:?}); if (!e) return false; e.value = {value:?}; return e.value === {value:?}"
    );
    assert_eq!(b.js(&script).await, json!(true), "set {css} to {value}");
}

/// The value an input shows.
async fn value(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Chooses the option of a select whose text contains `text`.
async fn choose(b: &Browser, css: &str, text: &str) {
    let script = format!(
        "const s = document.querySelector({css:?}); const o = [...s.options].find(o => o.text.includes({text:?}));
         if (!o) return false; s.value = o.value; return true"
    );
    assert_eq!(b.js(&script).await, json!(true), "{css} has {text}");
}

const SAVE: &str = "form.circle-form > p > button[type=submit]:not([name=add])";

#[tokio::test]
async fn browser_an_editor_fills_in_a_circle_plan_and_sees_it_on_the_offer_page() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (id, _) = offer_by_title(&app, CIRCLE).await;
    b.login(demo::EDITOR).await;

    // From the offer page to the circle form.
    b.open(&format!("/aanbod/{}", web::layout::encode(&id)))
        .await;
    b.click_to_load("p.circle-edit a").await;
    assert_eq!(b.path().await, circle_path(&id));
    b.assert_accessible("circle form").await;

    b.fill("#f-kwartiermaker-name", "K. Kwartier (illustratief)")
        .await;
    b.fill("#f-kwartiermaker-phone", "024 123 45 67").await;
    b.fill("#f-groupMin", "16").await;
    b.fill("#f-groupMax", "20").await;
    // The demo's two plenary times become dated phases.
    set(&b, "#f-schedule-0-validFrom", "2027-01-12").await;
    set(&b, "#f-schedule-0-validUntil", "2027-03-31").await;
    set(&b, "#f-schedule-1-validFrom", "2027-04-01").await;
    set(&b, "#f-subgroups-0-activity", "bewegen").await;
    set(&b, "#f-subgroups-0-schedule-0-opensAt", "10:00").await;
    set(&b, "#f-subgroups-0-schedule-0-closesAt", "11:00").await;
    b.click("#f-subgroups-0-schedule-0-byday-3").await;
    set(&b, "#f-klankbordMembers-0-role", "kwartiermaker").await;

    // One more klankbord row on request, without JavaScript's help: everything typed stays.
    let members = b.all("fieldset[id^='f-klankbordMembers-']").await.len();
    b.click_to_load("button[name=add][value=klankbordMembers]")
        .await;
    assert_eq!(
        b.all("fieldset[id^='f-klankbordMembers-']").await.len(),
        members + 1
    );
    assert_eq!(
        value(&b, "#f-kwartiermaker-name").await,
        "K. Kwartier (illustratief)"
    );
    assert_eq!(value(&b, "#f-schedule-1-validFrom").await, "2027-04-01");
    assert_eq!(value(&b, "#f-subgroups-0-activity").await, "bewegen");
    b.assert_accessible("circle form with an added row").await;
    set(&b, "#f-klankbordMembers-1-role", "huisarts_poh").await;
    b.fill("#f-klankbordMembers-1-name", "Dokter Lent (illustratief)")
        .await;

    choose(
        &b,
        "#f-partnerPractices-0-organisationId",
        "Huisartsenpraktijk Lent",
    )
    .await;
    set(&b, "#f-partnerPractices-0-agreedOn", "2026-11-02").await;
    b.click("#f-partnerPractices-0-agreements-0").await;
    b.fill("#f-evaluations-0-title", "Pilotrapport (illustratief)")
        .await;
    b.fill("#f-evaluations-0-url", "https://example.org/pilot.pdf")
        .await;
    b.fill("#f-evaluations-0-year", "2025").await;
    b.fill(
        "#f-evaluations-0-outcome",
        "90% meer grip op de eigen gezondheid",
    )
    .await;
    // Enter in a field saves, as on any form: it does not press the first "add" button.
    b.click("#f-evaluations-0-year").await;
    b.press(fantoccini::key::Key::Enter).await;
    let offer_path = format!("/aanbod/{}", web::layout::encode(&id));
    b.wait_path("the offer page", |p| p == offer_path).await;

    // The API holds what was typed.
    let editor = app.sign_in(demo::EDITOR).await;
    let got = app.gql_with(Some(&editor), READ, json!({"id": id})).await;
    let o = &got["data"]["offer"];
    assert_eq!(
        o["schedule"],
        json!([{"validFrom": "2027-01-12", "validUntil": "2027-03-31"},
               {"validFrom": "2027-04-01", "validUntil": null}]),
        "{got}"
    );
    let c = &o["circle"];
    assert_eq!(
        c["kwartiermaker"],
        json!({"name": "K. Kwartier (illustratief)", "phone": "024 123 45 67"})
    );
    assert_eq!(
        (c["groupMin"].clone(), c["groupMax"].clone()),
        (json!(16), json!(20))
    );
    assert_eq!(c["recruitingNeed"], json!(2), "14 of at least 16");
    assert_eq!(
        c["subgroups"],
        json!([{"activity": "bewegen", "schedule": [{"byday": ["TH"], "opensAt": "10:00", "closesAt": "11:00"}]}])
    );
    assert_eq!(
        c["klankbordMembers"],
        json!([{"role": "kwartiermaker", "name": null},
               {"role": "huisarts_poh", "name": "Dokter Lent (illustratief)"}])
    );
    assert_eq!(
        c["partnerPractices"],
        json!([{"name": "Huisartsenpraktijk Lent", "agreedOn": "2026-11-02", "agreements": ["responsibilities"]}])
    );
    assert_eq!(
        c["evaluations"],
        json!([{"title": "Pilotrapport (illustratief)", "url": "https://example.org/pilot.pdf",
                "year": 2025, "outcome": "90% meer grip op de eigen gezondheid"}])
    );

    // And the offer page shows it.
    let section = b.text("section.circle").await;
    for shown in [
        "Werving: nog 2 deelnemers nodig",
        "16–20 deelnemers",
        "K. Kwartier (illustratief)",
        "Bewegen",
        "Dokter Lent (illustratief) (huisarts of POH)",
        "Huisartsenpraktijk Lent, afspraken van",
        "90% meer grip op de eigen gezondheid",
    ] {
        assert!(section.contains(shown), "{shown} in {section}");
    }
    assert_eq!(
        b.attr("ul.evaluations a", "href").await.as_deref(),
        Some("https://example.org/pilot.pdf")
    );
    let when = b.text("dl.facts").await;
    assert!(when.contains("tot en met 31 maart 2027"), "{when}");
    b.assert_accessible("offer page with the circle plan").await;
    b.close().await;
}

#[tokio::test]
async fn browser_an_overlapping_period_is_refused_beside_its_field_and_the_input_stays() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (id, _) = offer_by_title(&app, CIRCLE).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let before = app.gql_with(Some(&editor), READ, json!({"id": id})).await;

    b.login(demo::EDITOR).await;
    b.open(&circle_path(&id)).await;
    b.fill("#f-kwartiermaker-name", "Kwartiermaker Test").await;
    set(&b, "#f-schedule-0-validFrom", "2027-01-12").await;
    set(&b, "#f-schedule-0-validUntil", "2027-03-31").await;
    set(&b, "#f-schedule-1-validFrom", "2027-03-01").await;
    b.click_to_load(SAVE).await;

    // The API's own refusal of the same periods, in the page's language, beside the field.
    let period = |from: &str, until: Value| {
        json!({"freq": "WEEKLY", "interval": 2, "byday": ["TU"], "opensAt": "10:00",
               "closesAt": "12:30", "validFrom": from, "validUntil": until})
    };
    let v = before["data"]["offer"]["version"].clone();
    let refused = app
        .gql_with(
            Some(&editor),
            SET_PLAN,
            json!({"id": id, "v": v, "input": {"schedule": [
                period("2027-01-12", json!("2027-03-31")), period("2027-03-01", Value::Null)]}}),
        )
        .await;
    assert_eq!(
        error_field(&refused),
        Some("input.schedule.1.validFrom"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    let expected = web::i18n::service_message(
        Lang::Nl,
        message
            .strip_prefix("input.schedule.1.validFrom: ")
            .unwrap_or(message),
    );
    let error = b.text("#f-schedule-1-validFrom-error").await;
    assert!(error.ends_with(&expected), "{error} / {expected}");
    assert!(error.contains("overlappen niet"), "{error}");
    assert_eq!(
        b.attr("#f-schedule-1-validFrom", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        b.text(".error-summary a[href='#f-schedule-1-validFrom']")
            .await,
        expected
    );
    assert_eq!(value(&b, "#f-schedule-1-validFrom").await, "2027-03-01");
    assert_eq!(value(&b, "#f-schedule-0-validUntil").await, "2027-03-31");
    assert_eq!(
        value(&b, "#f-kwartiermaker-name").await,
        "Kwartiermaker Test"
    );
    b.assert_accessible("circle form with an error").await;
    let after = app.gql_with(Some(&editor), READ, json!({"id": id})).await;
    assert_eq!(after, before, "nothing was saved");
    b.close().await;
}

#[tokio::test]
async fn browser_a_gp_sees_suitability_before_referring_and_confirms_a_conflict() {
    let app = TestApp::spawn().await;
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    let (id, _) = offer_by_title(&app, CIRCLE).await;
    let offer_path = format!("/aanbod/{}", web::layout::encode(&id));

    // The editor says who the circle is for, in the offer form.
    b.login(demo::EDITOR).await;
    b.open(&format!("/beheer/aanbod/{}", web::layout::encode(&id)))
        .await;
    b.click("#f-suitability-contraIndications-0").await;
    b.fill("#f-minAge", "18").await;
    b.fill("#f-maxAge", "75").await;
    b.fill("#f-suitability-note", "Niet in een acute crisis.")
        .await;
    b.fill(
        "#f-suitability-commitments",
        "Afspraken over vertrouwelijkheid ondertekenen",
    )
    .await;
    b.assert_accessible("offer form with suitability").await;
    b.click_to_load(
        "main form[action^='/beheer/aanbod/'] > p > button[type=submit]:not([name=add])",
    )
    .await;
    b.wait_path("saved", |p| p.contains("opgeslagen=")).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let got = app
        .gql_with(
            Some(&editor),
            r#"query($id: ID!) { offer(id: $id) { suitability { contraIndications note commitments minAge maxAge } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        got["data"]["offer"]["suitability"],
        json!({"contraIndications": ["ACUTE_PSYCHOSIS"], "note": "Niet in een acute crisis.",
               "commitments": ["Afspraken over vertrouwelijkheid ondertekenen"],
               "minAge": 18, "maxAge": 75}),
        "{got}"
    );
    b.logout().await;

    // The GP sees it on the offer page and in the referral form.
    b.login(demo::GP).await;
    b.open(&offer_path).await;
    let section = b.text("section.suitability-section").await;
    assert!(section.contains("Acute psychose"), "{section}");
    assert!(section.contains("18-75 jaar"), "{section}");
    assert!(section.contains("Niet in een acute crisis."), "{section}");
    b.assert_accessible("offer page with suitability").await;
    b.click_to_load(&format!("a.button[href='{offer_path}/verwijzen']"))
        .await;
    assert!(
        b.text("fieldset.suitability-fields")
            .await
            .contains("Acute psychose")
    );
    let gp = app.sign_in(demo::GP).await;
    let count = || async {
        app.gql_with(Some(&gp), "{ referrals { id } }", json!({}))
            .await["data"]["referrals"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = count().await;
    b.fill("#f-patientRef", "P-2026-0311").await;
    b.click("#f-consent-0").await;
    b.click("#f-contactPreference input[value='via_practice']")
        .await;
    b.click("#f-geschikt-acute_psychose").await;
    b.click("#f-reasonDomains-0").await;
    b.click_to_load("main form button[type=submit]").await;

    // A conflict: the form asks for confirmation, keeps what was typed, sends nothing.
    let conflicts = b.text("div.conflicts").await;
    assert!(conflicts.contains("Acute psychose"), "{conflicts}");
    assert_eq!(value(&b, "#f-patientRef").await, "P-2026-0311");
    assert_eq!(count().await, before);
    b.assert_accessible("referral form asking for confirmation")
        .await;
    b.click("#f-bevestig").await;
    b.click_to_load("main form button[type=submit]").await;
    let path = b
        .wait_path("the referral", |p| p.starts_with("/verwijzingen/"))
        .await;
    let referral_id = path
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches("/verwijzingen/")
        .replace("%3A", ":");
    assert_eq!(count().await, before + 1);
    let confirmed = referral_suitability_confirmation::Entity::find_by_id(referral_id.as_str())
        .one(&app.state.db)
        .await
        .unwrap();
    assert!(
        confirmed.is_some(),
        "the confirmation of {referral_id} is kept"
    );
    b.close().await;
}

#[tokio::test]
async fn another_organisations_editor_is_refused_the_circle_form() {
    let app = TestApp::spawn().await;
    let (id, _) = offer_by_title(&app, CIRCLE).await;
    let path = circle_path(&id);
    let other = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Alcander"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stranger = app.editor_token("redactie@elders.example", &other.id).await;
    let stranger = format!("wijk_session={stranger}");
    let own = format!("wijk_session={}", app.sign_in(demo::EDITOR).await);

    // The own editor gets the form; its fields are what a save posts.
    let (status, html) = get(&app, Some(&own), &path).await;
    assert_eq!(status, StatusCode::OK);
    let mut fields = form_fields(&html, &path);
    assert!(fields.iter().any(|(k, _)| k == "kwartiermaker.name"));

    // Another organisation's editor gets neither the form nor a save.
    let (status, html) = get(&app, Some(&stranger), &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(!html.contains("circle-form"), "{html}");
    for (k, v) in fields.iter_mut() {
        if k == "kwartiermaker.name" {
            *v = "Iemand anders".into();
        }
    }
    let (status, _, _) = post(&app, &stranger, &path, &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let anonymous = client().get(app.url(&path)).send().await.unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK);
    let read = app
        .gql_with(
            Some(&app.sign_in(demo::EDITOR).await),
            r#"query($id: ID!) { offer(id: $id) { circle { kwartiermaker { name } } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_ne!(
        read["data"]["offer"]["circle"]["kwartiermaker"]["name"],
        json!("Iemand anders")
    );

    // A group size below its minimum stands beside the field, with what was typed.
    for (k, v) in fields.iter_mut() {
        match k.as_str() {
            "groupMin" => *v = "20".into(),
            "groupMax" => *v = "16".into(),
            _ => {}
        }
    }
    let (status, _, html) = post(&app, &own, &path, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = crate::web::texts(&html, "#f-groupMax-error").join(" ");
    assert!(
        error.contains("mag niet kleiner zijn dan de minimale groepsgrootte"),
        "{error}"
    );
    let kept = form_fields(&html, &path);
    assert!(kept.contains(&("groupMax".to_string(), "16".to_string())));
    assert!(kept.contains(&("groupMin".to_string(), "20".to_string())));
}

#[tokio::test]
async fn suitability_errors_in_the_offer_form_stand_beside_their_fields() {
    let app = TestApp::spawn().await;
    let (id, v0) = offer_by_title(&app, CIRCLE).await;
    let path = format!("/beheer/aanbod/{}", id.replace(':', "%3A"));
    let own = format!("wijk_session={}", app.sign_in(demo::EDITOR).await);
    let (status, html) = get(&app, Some(&own), &path).await;
    assert_eq!(status, StatusCode::OK);
    let shown = form_fields(&html, &path);
    let with = |changes: &[(&str, &str)]| {
        let mut f = shown.clone();
        for (k, v) in changes {
            match f.iter_mut().find(|(name, _)| name == k) {
                Some(field) => field.1 = v.to_string(),
                None => f.push((k.to_string(), v.to_string())),
            }
        }
        f
    };

    // A note that is too long: beside the note, the offer not saved, what was typed kept.
    let long = "x".repeat(1001);
    let (status, _, html) = post(
        &app,
        &own,
        &path,
        &with(&[("suitability.note", &long), ("minAge", "35")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !crate::web::texts(&html, "#f-suitability-note-error").is_empty(),
        "{html}"
    );
    let kept = form_fields(&html, &path);
    assert!(kept.contains(&("suitability.note".to_string(), long.clone())));
    assert!(kept.contains(&("minAge".to_string(), "35".to_string())));
    assert_eq!(offer_by_title(&app, CIRCLE).await.1, v0, "nothing saved");

    // An age range upside down: the offer's own rule, beside the upper age.
    let (status, _, html) = post(
        &app,
        &own,
        &path,
        &with(&[("minAge", "75"), ("maxAge", "35")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = crate::web::texts(&html, "#f-maxAge-error").join(" ");
    assert!(!error.is_empty(), "{html}");

    // Saved unchanged, the suitability is not written again (one new version, not two).
    let (status, _, html) = post(&app, &own, &path, &with(&[])).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{:?}",
        crate::web::texts(&html, ".error-summary")
    );
    assert_eq!(offer_by_title(&app, CIRCLE).await.1, v0 + 1);
    // The form of before that save is stale now, and loses.
    let tick = [("suitability.contraIndications", "terminale_ziekte")];
    let (status, _, _) = post(&app, &own, &path, &with(&tick)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Ticked on a current form, it is written: the offer and then its suitability.
    let v1 = (v0 + 1).to_string();
    let (status, _, _) = post(
        &app,
        &own,
        &path,
        &with(&[tick[0], ("version", v1.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(offer_by_title(&app, CIRCLE).await.1, v0 + 3);
    let s = api::services::offer::suitability::load(&app.state.db, &id)
        .await
        .unwrap();
    assert_eq!(
        s.contra_indications,
        [api::domain::suitability::ContraIndication::TerminalIllness]
    );
}
