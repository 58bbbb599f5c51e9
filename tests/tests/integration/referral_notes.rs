//! The short note of a referral carries no medical data (issue 16), on every way in: GraphQL
//! refuses it with `BAD_USER_INPUT` on `note`, the web form shows the refusal beside the field,
//! the note check the form's script calls answers the same, and the data migration purges notes
//! stored under the older rule. Practical needs, chosen from options, travel instead and are
//! shown to the organisation.

use crate::auth::offer_by_title;
use crate::web::{client, cookie, texts};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, ORIGIN};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, error_field};

const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

const READ: &str = r#"query($id: ID!) { referral(id: $id) { note practicalNeeds {
  stepFreeAccess nearbyOnly language companion days dayParts contactGender } } }"#;

/// The notes of issue 16 (the first was refused before, the others were stored).
const MEDICAL: &[&str] = &[
    "Slikt oxazepam en heeft een depressie",
    "Gebruikt sertraline 50 mg, graag rustig beginnen.",
    "Takes oxazepam, has depression",
];

/// Sends a referral to the Wandelgroep Lent as the demo GP with `extra` input fields.
async fn send(app: &TestApp, token: &str, extra: Value) -> Value {
    let (offer, _) = offer_by_title(app, "Wandelgroep Lent").await;
    let mut input = json!({"offerId": offer, "patientRef": "P-NOTE-0001", "consent": true,
        "reasonDomains": ["BEWEGING"]});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.gql_with(Some(token), SEND, json!({"input": input}))
        .await
}

async fn referral_count(app: &TestApp) -> u64 {
    use sea_orm::PaginatorTrait;
    entities::referral::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn graphql_refuses_a_medical_note_on_its_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let before = referral_count(&app).await;
    for note in MEDICAL {
        let body = send(&app, &gp, json!({"note": note})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{note}: {body}");
        assert_eq!(error_field(&body), Some("input.note"), "{note}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("medical information"), "{message}");
        assert!(
            !message.to_lowercase().contains("oxazepam"),
            "names the kind, not the word"
        );
    }
    assert_eq!(referral_count(&app).await, before, "no half write");
    let body = send(&app, &gp, json!({"note": "Graag bellen na 17 uur"})).await;
    assert!(body["data"]["sendReferral"]["id"].is_string(), "{body}");
}

#[tokio::test]
async fn the_web_form_shows_the_refusal_in_dutch_beside_the_note() {
    let app = TestApp::spawn().await;
    let gp = cookie(&app, demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let before = referral_count(&app).await;
    for note in MEDICAL {
        let res = client()
            .post(app.url(&format!("/aanbod/{offer}/verwijzen")))
            .header(COOKIE, &gp)
            .form(&[
                ("patientRef", "P-NOTE-0002"),
                ("consent", "1"),
                ("reasonDomains", "beweging"),
                ("contactPreference", "via_practice"),
                ("note", note),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{note}");
        let html = res.text().await.unwrap();
        let beside = texts(&html, "#f-note-error").join(" ");
        assert!(
            beside.contains("mag geen medische informatie bevatten"),
            "{note}: {beside}"
        );
        // The note is given back for correction; the rest of the form is kept.
        assert!(html.contains("P-NOTE-0002"));
    }
    assert_eq!(referral_count(&app).await, before);
}

/// Practical needs go in through GraphQL and the web form, come back from GraphQL, and the
/// organisation reads them on the referral's page. A referral to an offer for "angst- en
/// depressieklachten" is not refused for its target group: structured fields are not notes.
#[tokio::test]
async fn practical_needs_round_trip_and_show_to_the_organisation() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let needs = json!({"stepFreeAccess": true, "language": "ARABIC", "companion": true,
        "days": ["FRIDAY", "MONDAY"], "dayParts": ["MORNING"], "contactGender": "WOMAN"});
    let body = send(&app, &gp, json!({"practicalNeeds": needs})).await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let read = app.gql_with(Some(&gp), READ, json!({"id": id})).await;
    let got = &read["data"]["referral"]["practicalNeeds"];
    assert_eq!(got["stepFreeAccess"], true, "{read}");
    assert_eq!(got["nearbyOnly"], false);
    assert_eq!(got["language"], "ARABIC");
    assert_eq!(got["companion"], true);
    assert_eq!(got["days"], json!(["MONDAY", "FRIDAY"]));
    assert_eq!(got["dayParts"], json!(["MORNING"]));
    assert_eq!(got["contactGender"], "WOMAN");

    let editor = cookie(&app, demo::EDITOR).await;
    let html = client()
        .get(app.url(&format!("/verwijzingen/{id}")))
        .header(COOKIE, &editor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shown = texts(&html, "#practical-needs li");
    assert!(shown.iter().any(|l| l.contains("Arabisch")), "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|l| l.contains("maandag, vrijdag; ochtend")),
        "{shown:?}"
    );
    assert!(shown.iter().any(|l| l.contains("een vrouw")), "{shown:?}");
    assert!(shown.iter().any(|l| l.contains("drempels")), "{shown:?}");

    // The web form sends the same needs (and no life domain is ticked in advance).
    let web = cookie(&app, demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let form = client()
        .get(app.url(&format!("/aanbod/{offer}/verwijzen")))
        .header(COOKIE, &web)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        texts(&form, "input[name=reasonDomains][checked]").is_empty(),
        "a life domain is ticked in advance"
    );
    let res = client()
        .post(app.url(&format!("/aanbod/{offer}/verwijzen")))
        .header(COOKIE, &web)
        .form(&[
            ("patientRef", "P-NOTE-0003"),
            ("consent", "1"),
            ("reasonDomains", "beweging"),
            ("contactPreference", "via_practice"),
            ("needs", "nearbyOnly"),
            ("language", "turkish"),
            ("dayParts", "evening"),
            ("contactGender", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let row = entities::referral::Entity::find()
        .filter(entities::referral::Column::PatientRef.eq("P-NOTE-0003"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stored = api::domain::PracticalNeeds::from_json(row.practical_needs.as_ref());
    assert!(stored.nearby_only && !stored.step_free_access);
    assert_eq!(
        stored.language,
        Some(api::domain::practical_needs::Language::Turkish)
    );
    assert_eq!(stored.contact_gender, None);

    let offer = entities::offer_target_group::Entity::find()
        .filter(
            entities::offer_target_group::Column::TargetGroup
                .eq(entities::TargetGroup::AngstDepressie),
        )
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a demo offer for angst- en depressieklachten")
        .offer_id;
    let body = app
        .gql_with(
            Some(&gp),
            SEND,
            json!({"input": {"offerId": offer, "patientRef": "P-NOTE-0004", "consent": true,
                "reasonDomains": ["ONTSPANNING"], "practicalNeeds": {"companion": true},
                "note": "Graag bellen na 17 uur"}}),
        )
        .await;
    assert!(body["data"]["sendReferral"]["id"].is_string(), "{body}");
}

/// Notes stored under the older rule are removed when the data migration runs (here: run
/// again after stepping back over it), recorded in the audit trail without their text; a
/// practical note stays.
#[tokio::test]
async fn the_migration_purges_notes_the_rule_now_refuses() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let body = send(&app, &gp, json!({"note": "Graag bellen na 17 uur"})).await;
        ids.push(
            body["data"]["sendReferral"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let ph = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    // As an older node stored them: a dose in the note, a diagnosis in an event's note.
    let old = "Takes oxazepam, has depression";
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("UPDATE referrals SET note = {} WHERE id = {}", ph(1), ph(2)),
        [old.into(), ids[0].clone().into()],
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE referral_events SET note = {} WHERE referral_id = {}",
            ph(1),
            ph(2)
        ),
        ["Bekend met angststoornis".into(), ids[0].clone().into()],
    ))
    .await
    .unwrap();

    app.migrate_down_to_before("m20261203_4020_purge_medical_notes")
        .await;
    app.migrate_up().await;

    assert_eq!(
        row(&app, &ids[0]).await.note,
        None,
        "the old note is purged"
    );
    assert_eq!(
        row(&app, &ids[1]).await.note.as_deref(),
        Some("Graag bellen na 17 uur"),
        "a practical note stays"
    );
    let events = entities::referral_event::Entity::find()
        .filter(entities::referral_event::Column::ReferralId.eq(ids[0].as_str()))
        .all(db)
        .await
        .unwrap();
    assert!(events.iter().all(|e| e.note.is_none()), "{events:?}");
    let audit = entities::audit_log::Entity::find()
        .filter(entities::audit_log::Column::ReferralId.eq(ids[0].as_str()))
        .filter(entities::audit_log::Column::Actor.eq("system"))
        .all(db)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"note_purged"), "{actions:?}");
    assert!(actions.contains(&"event_note_purged"), "{actions:?}");
    assert!(audit.iter().all(|a| !a.action.contains("oxazepam")));
    let read = app.gql_with(Some(&gp), READ, json!({"id": ids[0]})).await;
    assert_eq!(read["data"]["referral"]["note"], Value::Null, "{read}");
}

async fn row(app: &TestApp, id: &str) -> entities::referral::Model {
    entities::referral::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_note_check_answers_signed_in_same_origin_callers() {
    let app = TestApp::spawn().await;
    let gp = cookie(&app, demo::GP).await;
    let check = |cookie: Option<String>, origin: Option<&'static str>, note: &'static str| {
        let mut req = client()
            .post(app.url("/verwijzingen/notitie-check"))
            .form(&[("note", note)]);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for note in MEDICAL {
        let (status, body) = check(Some(gp.clone()), None, note).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["ok"], false, "{note}: {body}");
        let problem = body["problem"].as_str().unwrap();
        assert!(
            problem.contains("mag geen medische informatie"),
            "{problem}"
        );
    }
    let (_, body) = check(Some(gp.clone()), None, "Gebruikt sertraline 50 mg").await;
    assert_eq!(body["kind"], "dose");
    let (_, body) = check(Some(gp.clone()), None, "Graag bellen na 17 uur").await;
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["problem"], Value::Null);
    let (status, _) = check(None, None, "Takes oxazepam").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = check(Some(gp), Some("https://evil.example"), "Takes oxazepam").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Practical needs travel with a referral to another region's offer: the offer's node shows the
/// same needs to its organisation.
#[tokio::test]
async fn practical_needs_travel_to_the_offers_node() {
    use crate::federation::{sync_all, three_nodes};
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer, org) = crate::federated_referrals::mirrored_offer(nijmegen, nhn).await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    let body = nijmegen
        .gql_with(
            Some(&gp),
            SEND,
            json!({"input": {"offerId": offer, "patientRef": "P-NOTE-NHN1", "consent": true,
                "reasonDomains": ["BEWEGING"], "practicalNeeds": {"nearbyOnly": true,
                "language": "POLISH", "dayParts": ["AFTERNOON"], "contactGender": "MAN"}}}),
        )
        .await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let there = tests::eventually(15, "the referral at the offer's node", || async {
        let read = nhn.gql_with(Some(&editor), READ, json!({"id": id})).await;
        read.get("errors")
            .is_none()
            .then(|| read["data"]["referral"]["practicalNeeds"].clone())
    })
    .await;
    assert_eq!(there["nearbyOnly"], true, "{there}");
    assert_eq!(there["language"], "POLISH");
    assert_eq!(there["dayParts"], json!(["AFTERNOON"]));
    assert_eq!(there["contactGender"], "MAN");
}
