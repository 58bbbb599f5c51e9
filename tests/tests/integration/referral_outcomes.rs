//! Outcomes back to the GP, the waiting list and places: the organisation closes a referral
//! with an outcome (and may ask the practice to contact the patient), a full offer puts an
//! accept on the waiting list, accepting takes a place in the same transaction (also when two
//! accepts race for the last place), the practice's figures, the referral page's forms without
//! JavaScript, and all of it across two nodes.

use crate::auth::offer_by_title;
use crate::federation::{sync_all, three_nodes};
use crate::web::client;
use chrono::{Duration, Utc};
use entities::{change, offer, referral};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, error_field, eventually};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id status version referrerOrganisationId } }"#;
const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $s: ReferralStatus!, $note: String,
  $outcome: OutcomeInput, $start: NaiveDate, $take: Boolean) {
  updateReferralStatus(id: $id, version: $v, status: $s, note: $note, outcome: $outcome,
    expectedStart: $start, takePlace: $take) {
    id status version statusReason expectedStart contactPatientRequested contactPatientNote
    outcome { outcome stopReason firstMeetingOn } } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { id status version expectedStart
  contactPatientRequested contactPatientNote outcome { outcome stopReason firstMeetingOn }
  events { toStatus outcome contactPatientRequested expectedStart } } }"#;
const STATS: &str = r#"query($p: ID!, $from: NaiveDate!, $to: NaiveDate!) {
  practiceReferralStats(practiceId: $p, from: $from, to: $to) {
    practiceId total { sent accepted started completed stopped medianDaysToFirstContact
      stopReasons { reason count } }
    offers { offerId title figures { sent accepted started completed stopped
      medianDaysToFirstContact } } } }"#;

fn input(offer: &str, patient: &str) -> Value {
    json!({"offerId": offer, "patientRef": patient, "consent": true,
           "contactPreference": "PHONE", "reasonDomains": ["SOCIALE_CONTACTEN"]})
}

async fn send(app: &TestApp, token: &str, offer: &str, patient: &str) -> Value {
    let body = app
        .gql_with(Some(token), SEND, json!({"input": input(offer, patient)}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["sendReferral"].clone()
}

/// A move with everything it may carry; the raw answer.
async fn try_move(app: &TestApp, token: &str, r: &Value, to: &str, extra: Value) -> Value {
    let mut vars = json!({"id": r["id"], "v": r["version"], "s": to});
    if let (Some(v), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
        v.extend(e.clone());
    }
    app.gql_with(Some(token), MOVE, vars).await
}

/// A move that must succeed; the referral after it.
async fn step(app: &TestApp, token: &str, r: &Value, to: &str, extra: Value) -> Value {
    let body = try_move(app, token, r, to, extra).await;
    assert!(body.get("errors").is_none(), "{to}: {body}");
    body["data"]["updateReferralStatus"].clone()
}

/// Sends a referral and walks it to `upto` (RECEIVED, ACCEPTED or IN_PROGRESS) as `editor`.
async fn walked(
    app: &TestApp,
    gp: &str,
    editor: &str,
    offer: &str,
    patient: &str,
    upto: &str,
) -> Value {
    let mut r = send(app, gp, offer, patient).await;
    for to in ["RECEIVED", "ACCEPTED", "IN_PROGRESS"] {
        r = step(app, editor, &r, to, json!({})).await;
        if to == upto {
            break;
        }
    }
    r
}

async fn places(app: &TestApp, offer_id: &str) -> (i32, i32) {
    let o = offer::Entity::find_by_id(offer_id.to_string())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (o.places_taken, o.version)
}

/// Whether each location of the offer stores that it has room (what coverage counts).
async fn stored_room(app: &TestApp, offer_id: &str) -> Vec<bool> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    db.query_all_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "SELECT offer_has_room FROM locations WHERE offer_id = $1 ORDER BY position"
            }
            _ => "SELECT offer_has_room FROM locations WHERE offer_id = ? ORDER BY position",
        },
        [offer_id.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("", "offer_has_room").unwrap())
    .collect()
}

/// Gives the offer `capacity` places of which `taken` are taken, with a waiting list.
async fn set_places(app: &TestApp, offer_id: &str, capacity: i32, taken: i32) {
    let o = offer::Entity::find_by_id(offer_id.to_string())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut a: offer::ActiveModel = o.into();
    a.capacity = Set(Some(capacity));
    a.places_taken = Set(taken);
    a.has_waitlist = Set(true);
    a.status = Set(entities::OfferStatus::Open);
    a.update(&app.state.db).await.unwrap();
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn every_outcome_path_reaches_the_gp() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let day = today().to_string();

    // Completing needs an outcome that fits it.
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0001", "IN_PROGRESS").await;
    let body = try_move(&app, &editor, &r, "COMPLETED", json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("outcome"));
    let stopped = json!({"outcome": {"outcome": "STOPPED", "stopReason": "MOVED"}});
    let body = try_move(&app, &editor, &r, "COMPLETED", stopped).await;
    assert_eq!(error_field(&body), Some("outcome"), "{body}");
    let body = try_move(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "FIRST_MEETING"}}),
    )
    .await;
    assert_eq!(error_field(&body), Some("firstMeetingOn"), "{body}");
    let future = (today() + Duration::days(3)).to_string();
    let body = try_move(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "FIRST_MEETING", "firstMeetingOn": future}}),
    )
    .await;
    assert_eq!(error_field(&body), Some("firstMeetingOn"), "{body}");
    // The contact note is checked like any note: nothing medical reaches the practice.
    let body = try_move(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "JOINED",
        "contactPatient": true, "contactNote": "Slikt oxazepam en heeft een depressie"}}),
    )
    .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body), Some("contactNote"), "{body}");
    let body = try_move(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "JOINED",
        "contactNote": "Graag even bellen"}}),
    )
    .await;
    assert_eq!(
        error_field(&body),
        Some("contactNote"),
        "a note needs the request: {body}"
    );
    let stored = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    assert_eq!(
        stored["data"]["referral"]["status"], "IN_PROGRESS",
        "nothing half written"
    );
    assert_eq!(stored["data"]["referral"]["version"], r["version"]);

    // Each completing outcome.
    let done = step(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "JOINED"}}),
    )
    .await;
    assert_eq!(
        done["outcome"],
        json!({"outcome": "JOINED", "stopReason": null, "firstMeetingOn": null})
    );
    assert_eq!(done["contactPatientRequested"], false);
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0002", "IN_PROGRESS").await;
    let done = step(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "FIRST_MEETING", "firstMeetingOn": day}}),
    )
    .await;
    assert_eq!(done["outcome"]["firstMeetingOn"], day.as_str());
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0003", "IN_PROGRESS").await;
    let done = step(
        &app,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "COMPLETED"}}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");

    // Stopping once accepted needs STOPPED with a reason; every reason is taken.
    let reasons = [
        "NOT_SUITABLE",
        "NO_LONGER_WANTED",
        "MOVED",
        "FOUND_OTHER_HELP",
        "UNREACHABLE",
    ];
    for (i, reason) in reasons.iter().enumerate() {
        let upto = if i % 2 == 0 {
            "ACCEPTED"
        } else {
            "IN_PROGRESS"
        };
        let r = walked(&app, &gp, &editor, &offer, &format!("P-STOP-{i:04}"), upto).await;
        let body = try_move(&app, &editor, &r, "CANCELLED", json!({})).await;
        assert_eq!(error_field(&body), Some("outcome"), "{body}");
        let body = try_move(
            &app,
            &editor,
            &r,
            "CANCELLED",
            json!({"outcome": {"outcome": "STOPPED"}}),
        )
        .await;
        assert_eq!(error_field(&body), Some("stopReason"), "{body}");
        let done = step(
            &app,
            &editor,
            &r,
            "CANCELLED",
            json!({"outcome": {"outcome": "STOPPED", "stopReason": reason}}),
        )
        .await;
        assert_eq!(done["status"], "CANCELLED");
        assert_eq!(done["outcome"]["stopReason"], *reason);
    }

    // "Terug naar de huisarts": the GP sees the outcome, the request and its note.
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0009", "IN_PROGRESS").await;
    step(
        &app,
        &editor,
        &r,
        "CANCELLED",
        json!({"outcome": {"outcome": "STOPPED",
        "stopReason": "NOT_SUITABLE", "contactPatient": true,
        "contactNote": "Graag bellen over ander aanbod"}}),
    )
    .await;
    let seen =
        app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await["data"]["referral"].clone();
    assert_eq!(seen["outcome"]["outcome"], "STOPPED");
    assert_eq!(seen["outcome"]["stopReason"], "NOT_SUITABLE");
    assert_eq!(seen["contactPatientRequested"], true);
    assert_eq!(seen["contactPatientNote"], "Graag bellen over ander aanbod");
    let last = seen["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["outcome"], "STOPPED");
    assert_eq!(last["contactPatientRequested"], true);
    // The GP hears "outcome recorded" (no personal data in the notification).
    let note = eventually(15, "the outcome notification", || async {
        let n = app
            .gql_with(
                Some(&gp),
                "{ notifications(first: 50) { items { kind referralId } } }",
                json!({}),
            )
            .await;
        n["data"]["notifications"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["referralId"] == r["id"] && i["kind"] == "OUTCOME_RECORDED")
            .cloned()
    })
    .await;
    assert_eq!(note["kind"], "OUTCOME_RECORDED");

    // The referrer cancels without an outcome and cannot give one; before accepting the
    // organisation may stop without one.
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0010", "IN_PROGRESS").await;
    let body = try_move(
        &app,
        &gp,
        &r,
        "CANCELLED",
        json!({"outcome": {"outcome": "STOPPED", "stopReason": "MOVED"}}),
    )
    .await;
    assert_eq!(error_field(&body), Some("outcome"), "{body}");
    assert_eq!(
        step(&app, &gp, &r, "CANCELLED", json!({})).await["outcome"],
        Value::Null
    );
    let r = walked(&app, &gp, &editor, &offer, "P-OUT-0011", "RECEIVED").await;
    assert_eq!(
        step(&app, &editor, &r, "CANCELLED", json!({})).await["status"],
        "CANCELLED"
    );
}

#[tokio::test]
async fn accepting_takes_a_place_and_a_full_offer_puts_it_on_the_waiting_list() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    set_places(&app, &offer, 3, 1).await;
    let changes_before = change::Entity::find()
        .filter(change::Column::RecordId.eq(offer.as_str()))
        .count(&app.state.db)
        .await
        .unwrap();

    // Without takePlace nothing changes on the offer.
    let r = walked(&app, &gp, &editor, &offer, "P-PLACE-001", "RECEIVED").await;
    let (taken, version) = places(&app, &offer).await;
    assert_eq!(
        step(&app, &editor, &r, "ACCEPTED", json!({})).await["status"],
        "ACCEPTED"
    );
    assert_eq!(places(&app, &offer).await, (taken, version));
    // With it, one place is taken, the offer's version goes up and peers and search hear of it.
    let r = walked(&app, &gp, &editor, &offer, "P-PLACE-002", "RECEIVED").await;
    // A stale version is a CONFLICT and takes nothing.
    let mut stale = r.clone();
    stale["version"] = json!(1);
    let body = try_move(&app, &editor, &stale, "ACCEPTED", json!({"take": true})).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(places(&app, &offer).await.0, 1);
    let done = step(&app, &editor, &r, "ACCEPTED", json!({"take": true})).await;
    assert_eq!(done["status"], "ACCEPTED");
    assert_eq!(places(&app, &offer).await, (2, version + 1));
    let changes_after = change::Entity::find()
        .filter(change::Column::RecordId.eq(offer.as_str()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(changes_after, changes_before + 1);
    // takePlace goes only with accepting.
    let r3 = walked(&app, &gp, &editor, &offer, "P-PLACE-003", "RECEIVED").await;
    let body = try_move(
        &app,
        &editor,
        &r3,
        "REJECTED",
        json!({"note": "vol", "take": true}),
    )
    .await;
    assert_eq!(error_field(&body), Some("takePlace"), "{body}");
    // The last place: coverage no longer counts the offer's room (stored beside its locations).
    let room = stored_room(&app, &offer).await;
    assert!(!room.is_empty() && room.iter().all(|r| *r), "{room:?}");
    assert_eq!(
        step(&app, &editor, &r3, "ACCEPTED", json!({"take": true})).await["status"],
        "ACCEPTED"
    );
    assert_eq!(places(&app, &offer).await.0, 3);
    let room = stored_room(&app, &offer).await;
    assert!(!room.is_empty() && room.iter().all(|r| !*r), "{room:?}");

    // Full: the accept puts it on the waiting list with its expected start.
    let start = (today() + Duration::days(30)).to_string();
    let r4 = walked(&app, &gp, &editor, &offer, "P-PLACE-004", "RECEIVED").await;
    let past = (today() - Duration::days(1)).to_string();
    let body = try_move(
        &app,
        &editor,
        &r4,
        "ACCEPTED",
        json!({"take": true, "start": past}),
    )
    .await;
    assert_eq!(error_field(&body), Some("expectedStart"), "{body}");
    let held = step(
        &app,
        &editor,
        &r4,
        "ACCEPTED",
        json!({"take": true, "start": start}),
    )
    .await;
    assert_eq!(held["status"], "ON_HOLD");
    assert_eq!(held["expectedStart"], start.as_str());
    assert_eq!(places(&app, &offer).await.0, 3, "no place over capacity");
    let seen =
        app.gql_with(Some(&gp), ONE, json!({"id": r4["id"]})).await["data"]["referral"].clone();
    assert_eq!(seen["status"], "ON_HOLD");
    assert_eq!(seen["expectedStart"], start.as_str());
    // From the waiting list an accept on a still full offer is a CONFLICT and it stays there.
    let body = try_move(&app, &editor, &held, "ACCEPTED", json!({"take": true})).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let seen =
        app.gql_with(Some(&gp), ONE, json!({"id": r4["id"]})).await["data"]["referral"].clone();
    assert_eq!(seen["status"], "ON_HOLD");
    assert_eq!(seen["version"], held["version"]);
    // A place frees up: accepted from the waiting list, taking it.
    set_places(&app, &offer, 3, 2).await;
    let done = step(&app, &editor, &held, "ACCEPTED", json!({"take": true})).await;
    assert_eq!(done["status"], "ACCEPTED");
    assert_eq!(places(&app, &offer).await.0, 3);

    // The waiting list directly, and a stop from it (by either side).
    let r5 = walked(&app, &gp, &editor, &offer, "P-PLACE-005", "RECEIVED").await;
    let held = step(&app, &editor, &r5, "ON_HOLD", json!({"start": start})).await;
    assert_eq!(held["expectedStart"], start.as_str());
    let body = try_move(&app, &editor, &held, "IN_PROGRESS", json!({})).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "accept first: {body}");
    let stopped = step(
        &app,
        &editor,
        &held,
        "CANCELLED",
        json!({"outcome": {"outcome": "STOPPED", "stopReason": "FOUND_OTHER_HELP"}}),
    )
    .await;
    assert_eq!(stopped["status"], "CANCELLED");
    let r6 = walked(&app, &gp, &editor, &offer, "P-PLACE-006", "RECEIVED").await;
    let held = step(&app, &editor, &r6, "ON_HOLD", json!({})).await;
    assert_eq!(
        step(&app, &gp, &held, "CANCELLED", json!({})).await["status"],
        "CANCELLED"
    );
    // The referrer cannot put a referral on the waiting list.
    let r7 = walked(&app, &gp, &editor, &offer, "P-PLACE-007", "RECEIVED").await;
    let body = try_move(&app, &gp, &r7, "ON_HOLD", json!({})).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
}

#[tokio::test]
async fn two_accepts_racing_for_the_last_place_take_it_once() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    for round in 0..4 {
        set_places(&app, &offer, 5, 4).await;
        let a = walked(
            &app,
            &gp,
            &editor,
            &offer,
            &format!("P-RACE-{round}A"),
            "RECEIVED",
        )
        .await;
        let b = walked(
            &app,
            &gp,
            &editor,
            &offer,
            &format!("P-RACE-{round}B"),
            "RECEIVED",
        )
        .await;
        let (x, y) = tokio::join!(
            try_move(&app, &editor, &a, "ACCEPTED", json!({"take": true})),
            try_move(&app, &editor, &b, "ACCEPTED", json!({"take": true})),
        );
        let outcome = |body: &Value| match error_code(body) {
            Some(code) => code.to_string(),
            None => body["data"]["updateReferralStatus"]["status"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        let mut got = [outcome(&x), outcome(&y)];
        got.sort();
        assert!(
            got == ["ACCEPTED", "ON_HOLD"] || got == ["ACCEPTED", "CONFLICT"],
            "round {round}: {got:?} ({x} / {y})"
        );
        assert_eq!(
            places(&app, &offer).await.0,
            5,
            "round {round}: one place taken once"
        );
    }
}

#[tokio::test]
async fn practice_figures_count_by_hand_and_only_for_the_practice() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (walk, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let (cook, _) = offer_by_title(&app, "Samen koken en eten in Nijmegen-Noord").await;

    // r1 joined, r2 stopped (moved), r3 rejected, r4 unanswered (walking group); r5 unanswered
    // (cooking); r6 sent long ago (outside the period).
    let r1 = walked(&app, &gp, &editor, &walk, "P-FIG-0001", "IN_PROGRESS").await;
    step(
        &app,
        &editor,
        &r1,
        "COMPLETED",
        json!({"outcome": {"outcome": "JOINED"}}),
    )
    .await;
    let r2 = walked(&app, &gp, &editor, &walk, "P-FIG-0002", "ACCEPTED").await;
    step(
        &app,
        &editor,
        &r2,
        "CANCELLED",
        json!({"outcome": {"outcome": "STOPPED", "stopReason": "MOVED"}}),
    )
    .await;
    let r3 = walked(&app, &gp, &editor, &walk, "P-FIG-0003", "RECEIVED").await;
    step(
        &app,
        &editor,
        &r3,
        "REJECTED",
        json!({"note": "Past niet bij de groep"}),
    )
    .await;
    let r4 = send(&app, &gp, &walk, "P-FIG-0004").await;
    let r5 = send(&app, &gp, &cook, "P-FIG-0005").await;
    let r6 = walked(&app, &gp, &editor, &walk, "P-FIG-0006", "ACCEPTED").await;
    // Sent 4, 2 and 1 days before their first answer (which happened just now).
    for (r, days) in [(&r1, 4), (&r2, 2), (&r3, 1), (&r4, 3), (&r5, 3), (&r6, 400)] {
        let row = referral::Entity::find_by_id(r["id"].as_str().unwrap().to_string())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut a: referral::ActiveModel = row.into();
        a.created_at = Set(Utc::now() - Duration::days(days));
        a.update(&app.state.db).await.unwrap();
    }
    let practice = r4["referrerOrganisationId"].as_str().unwrap().to_string();
    let vars = json!({"p": practice, "from": (today() - Duration::days(30)).to_string(), "to": today().to_string()});
    let body = app.gql_with(Some(&gp), STATS, vars.clone()).await;
    assert!(body.get("errors").is_none(), "{body}");
    let s = &body["data"]["practiceReferralStats"];
    let t = &s["total"];
    assert_eq!(
        [
            &t["sent"],
            &t["accepted"],
            &t["started"],
            &t["completed"],
            &t["stopped"]
        ],
        [&json!(5), &json!(2), &json!(1), &json!(1), &json!(1)],
        "{s}"
    );
    let median = t["medianDaysToFirstContact"].as_f64().unwrap();
    assert!(
        (median - 2.0).abs() < 0.01,
        "median of 4, 2 and 1 days: {median}"
    );
    let moved = t["stopReasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reason"] == "MOVED")
        .unwrap();
    assert_eq!(moved["count"], 1);
    assert_eq!(t["stopReasons"].as_array().unwrap().len(), 5);
    let offers = s["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[0]["offerId"], walk.as_str());
    assert_eq!(offers[0]["title"], "Wandelgroep Lent");
    assert_eq!(offers[0]["figures"]["sent"], 4);
    assert_eq!(offers[1]["offerId"], cook.as_str());
    assert_eq!(offers[1]["figures"]["sent"], 1);
    assert_eq!(
        offers[1]["figures"]["medianDaysToFirstContact"],
        Value::Null
    );
    // No person, no referral in the answer.
    let text = body.to_string();
    for r in [&r1, &r2, &r3, &r4, &r5] {
        assert!(!text.contains(r["id"].as_str().unwrap()));
    }
    assert!(!text.contains("P-FIG"));

    // The POH of the same practice may; nobody else.
    let poh = app.sign_in(demo::POH).await;
    assert!(
        app.gql_with(Some(&poh), STATS, vars.clone())
            .await
            .get("errors")
            .is_none()
    );
    let other_org = entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Id.ne(practice.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let other_gp = app
        .user_token(
            "andere-praktijk@example.nl",
            vec![api::auth::Membership {
                role: entities::Role::Practitioner,
                organisation_id: Some(other_org),
                gemeente_code: None,
            }],
        )
        .await;
    for token in [
        &other_gp,
        &editor,
        &app.sign_in(demo::ANALYST).await,
        &app.sign_in(demo::ADMIN).await,
    ] {
        let body = app.gql_with(Some(token), STATS, vars.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    }
    let body = app.gql_with(None, STATS, vars.clone()).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let mut backwards = vars.clone();
    backwards["from"] = json!(today().to_string());
    backwards["to"] = json!((today() - Duration::days(1)).to_string());
    let body = app.gql_with(Some(&gp), STATS, backwards).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    // The page: linked from the list for practitioners, counts only, forbidden to others.
    let (status, list) = page(&app, &gp, "/verwijzingen").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/verwijzingen/cijfers\""));
    let (_, list) = page(&app, &editor, "/verwijzingen").await;
    assert!(!list.contains("/verwijzingen/cijfers"));
    let (status, html) = page(&app, &gp, "/verwijzingen/cijfers").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let doc = scraper::Html::parse_document(&html);
    let first_row: Vec<String> = doc
        .select(&scraper::Selector::parse("#figures tbody tr:first-child td").unwrap())
        .map(|td| td.text().collect::<String>())
        .collect();
    assert_eq!(first_row, ["5", "2", "1", "1", "1", "2,0"], "{html}");
    assert!(!html.contains("P-FIG"));
    let (status, html) = page(&app, &other_gp, "/verwijzingen/cijfers").await;
    assert_eq!(status, StatusCode::OK, "its own practice: nothing sent");
    assert!(!html.contains("P-FIG"));
    let ours = format!("/verwijzingen/cijfers?praktijk={}", encode(&practice));
    let (status, _) = page(&app, &other_gp, &ours).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another practice's figures");
    let (status, _) = page(
        &app,
        &gp,
        &format!(
            "/verwijzingen/cijfers?praktijk={}",
            encode(&other_org_of(&app, &practice).await)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another practice by its id");
}

/// Some organisation other than `practice`.
async fn other_org_of(app: &TestApp, practice: &str) -> String {
    entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Id.ne(practice))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn encode(s: &str) -> String {
    s.replace(':', "%3A")
}

async fn page(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let res = client()
        .get(app.url(path))
        .header(COOKIE, format!("wijk_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let res = client()
        .post(app.url(path))
        .header(COOKIE, format!("wijk_session={token}"))
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

fn texts(html: &str, css: &str) -> Vec<String> {
    scraper::Html::parse_document(html)
        .select(&scraper::Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[tokio::test]
async fn the_referral_page_closes_with_an_outcome_and_confirms_a_cancel_without_javascript() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    set_places(&app, &offer, 10, 1).await;
    let r = walked(&app, &gp, &editor, &offer, "P-WEB-0001", "RECEIVED").await;
    let path = format!("/verwijzingen/{}", encode(r["id"].as_str().unwrap()));

    // The organisation's page: take a place (on by default), the waiting list, rejection with
    // its reason field; the GP's page has none of these.
    let (_, html) = page(&app, &editor, &path).await;
    assert_eq!(
        texts(&html, "input[name=takePlace][checked]").len(),
        1,
        "{html}"
    );
    assert!(html.contains("nodig bij afwijzen"));
    assert_eq!(texts(&html, "button.warning[value=rejected]"), ["Afwijzen"]);
    assert!(texts(&html, "button.warning[value=cancelled]").is_empty());
    let (_, html) = page(&app, &gp, &path).await;
    assert!(
        !html.contains("nodig bij afwijzen"),
        "the referrer does not see the reason field"
    );
    assert!(!html.contains("name=\"takePlace\""));
    assert_eq!(texts(&html, "button[name=to]"), ["Annuleren"]);
    assert!(
        texts(&html, "button.warning").is_empty(),
        "cancel is not red"
    );
    assert_eq!(
        texts(&html, "form[data-confirm] button[value=cancelled]").len(),
        1
    );

    // Accept with the checkbox ticked: a place is taken.
    let (status, _, body) = post(
        &app,
        &editor,
        &format!("{path}/status"),
        &[
            ("version", "2"),
            ("to", "accepted"),
            ("takePlace", "1"),
            ("expectedStart", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(places(&app, &offer).await.0, 2);
    post(
        &app,
        &editor,
        &format!("{path}/status"),
        &[("version", "3"), ("to", "in_progress")],
    )
    .await;

    // Closing without an outcome is refused beside the field, in Dutch.
    let (status, _, html) = post(
        &app,
        &editor,
        &format!("{path}/status"),
        &[("version", "4"), ("to", "close")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("kies wat er van de verwijzing is geworden"),
        "{html}"
    );
    // Closing as stopped, asking the practice to contact the patient.
    let (status, _, body) = post(
        &app,
        &editor,
        &format!("{path}/status"),
        &[
            ("version", "4"),
            ("to", "close"),
            ("outcome", "stopped"),
            ("stopReason", "unreachable"),
            ("firstMeetingOn", ""),
            ("contactPatient", "1"),
            ("contactNote", "Graag zelf even bellen"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&app, &gp, &path).await;
    let outcome = texts(&html, "#outcome dd").join(" ");
    assert!(
        outcome.contains("Gestopt") && outcome.contains("Niet bereikbaar"),
        "{outcome}"
    );
    assert!(texts(&html, "#contact-patient")[0].contains("Graag zelf even bellen"));

    // The GP's cancel asks for confirmation first (without JavaScript: a page).
    let r = send(&app, &gp, &offer, "P-WEB-0002").await;
    let path = format!("/verwijzingen/{}", encode(r["id"].as_str().unwrap()));
    let (status, _, html) = post(
        &app,
        &gp,
        &format!("{path}/status"),
        &[
            ("version", "1"),
            ("to", "cancelled"),
            ("bevestigd", "0"),
            ("note", "Patiënt wil niet meer"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Weet u zeker"), "{html}");
    let now = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    assert_eq!(
        now["data"]["referral"]["status"], "REQUESTED",
        "nothing changed yet"
    );
    let (status, _, _) = post(
        &app,
        &gp,
        &format!("{path}/status"),
        &[
            ("version", "1"),
            ("to", "cancelled"),
            ("bevestigd", "1"),
            ("note", "Patiënt wil niet meer"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let now = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    assert_eq!(now["data"]["referral"]["status"], "CANCELLED");
}

#[tokio::test]
async fn the_gp_on_one_node_sees_the_outcome_recorded_on_the_other() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer_id, org) = crate::federated_referrals::mirrored_offer(nijmegen, nhn).await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    // Closed with an outcome and a request to contact the patient.
    let sent = send(nijmegen, &gp, &offer_id, "P-FED-0001").await;
    let mut r = at(nhn, &editor, &sent["id"], "REQUESTED").await;
    for to in ["RECEIVED", "ACCEPTED", "IN_PROGRESS"] {
        r = step(nhn, &editor, &r, to, json!({})).await;
    }
    let day = today().to_string();
    step(
        nhn,
        &editor,
        &r,
        "COMPLETED",
        json!({"outcome": {"outcome": "FIRST_MEETING",
        "firstMeetingOn": day, "contactPatient": true, "contactNote": "Graag nabellen"}}),
    )
    .await;
    let seen = at(nijmegen, &gp, &sent["id"], "COMPLETED").await;
    assert_eq!(seen["outcome"]["outcome"], "FIRST_MEETING");
    assert_eq!(seen["outcome"]["firstMeetingOn"], day.as_str());
    assert_eq!(seen["contactPatientRequested"], true);
    assert_eq!(seen["contactPatientNote"], "Graag nabellen");

    // The waiting list with its expected start.
    let sent = send(nijmegen, &gp, &offer_id, "P-FED-0002").await;
    let r = at(nhn, &editor, &sent["id"], "REQUESTED").await;
    let r = step(nhn, &editor, &r, "RECEIVED", json!({})).await;
    let start = (today() + Duration::days(21)).to_string();
    step(nhn, &editor, &r, "ON_HOLD", json!({"start": start})).await;
    let seen = at(nijmegen, &gp, &sent["id"], "ON_HOLD").await;
    assert_eq!(seen["expectedStart"], start.as_str());
}

/// The referral at `node` once it has status `want`.
async fn at(node: &TestApp, token: &str, id: &Value, want: &str) -> Value {
    eventually(
        20,
        &format!("{id} is {want} at {}", node.state.node_id),
        || async {
            let body = node.gql_with(Some(token), ONE, json!({"id": id})).await;
            Some(body["data"]["referral"].clone()).filter(|r| r["status"] == want)
        },
    )
    .await
}
