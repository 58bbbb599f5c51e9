//! Retention of referral data: closed referrals lose everything about the patient after
//! `auth.referral_retention_days` (not a day earlier), referrals left open are cancelled after
//! `auth.open_referral_max_days`, undelivered messages lose their personal data, the node's
//! scheduled job does all this by itself, and an offer with referrals is ended, not deleted.

use crate::auth::offer_by_title;
use crate::federation::{offers_from, sync_all, three_nodes};
use crate::referrals::step;
use api::app::{RetentionReport, purge_referrals};
use chrono::{DateTime, Duration, Utc};
use entities::{ReferralStatus, audit_log, referral, referral_event, referral_outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, eventually};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id status version } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { id status version patientRef note
  statusReason reasonDomains contactPreference events { actor fromStatus toStatus note }
  offer { title } } }"#;

async fn send(app: &TestApp, token: &str, offer: &str, patient: &str) -> Value {
    let input = json!({"offerId": offer, "patientRef": patient, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING", "SOCIALE_CONTACTEN"],
        "note": "Graag bellen na 17:00"});
    let body = app
        .gql_with(Some(token), SEND, json!({"input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["sendReferral"].clone()
}

async fn row(app: &TestApp, id: &Value) -> referral::Model {
    referral::Entity::find_by_id(id.as_str().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn purge(app: &TestApp, now: DateTime<Utc>) -> RetentionReport {
    purge_referrals(&app.state, now)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()))
}

/// Notes of the referral's events.
async fn event_notes(app: &TestApp, id: &Value) -> Vec<Option<String>> {
    referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.eq(id.as_str().unwrap()))
        .order_by_asc(referral_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.note)
        .collect()
}

#[tokio::test]
async fn a_closed_referral_keeps_its_data_until_the_boundary_and_loses_all_of_it_after() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer, "P-KEEP-0001").await;
    let r = step(&app, &editor, &r, "RECEIVED", None).await;
    let r = step(&app, &editor, &r, "REJECTED", Some("Groep is te ver weg")).await;
    let closed_at = row(&app, &r["id"]).await.closed_at.unwrap();
    let days = app.state.config.auth.referral_retention_days;

    // The day before the boundary: everything is still there.
    let report = purge(&app, closed_at + Duration::days(days - 1)).await;
    assert_eq!(report.purged, 0);
    let kept = row(&app, &r["id"]).await;
    assert_eq!(kept.patient_ref.as_deref(), Some("P-KEEP-0001"));
    assert_eq!(kept.note.as_deref(), Some("Graag bellen na 17:00"));
    assert_eq!(kept.status_reason.as_deref(), Some("Groep is te ver weg"));
    assert_eq!(kept.reason_domains.0.len(), 2);
    assert!(kept.contact_preference.is_some());
    assert!(kept.purged_at.is_none());
    assert!(
        event_notes(&app, &r["id"])
            .await
            .iter()
            .any(Option::is_some)
    );

    // The day after: the patient reference, note, status reason, reasons (life domains),
    // contact preference and event notes are gone; the row stays for anonymous counts.
    let report = purge(&app, closed_at + Duration::days(days + 1)).await;
    assert_eq!(report.purged, 1);
    let gone = row(&app, &r["id"]).await;
    assert_eq!(gone.patient_ref, None);
    assert_eq!(gone.note, None);
    assert_eq!(gone.status_reason, None);
    assert!(gone.reason_domains.0.is_empty(), "{gone:?}");
    assert_eq!(gone.contact_preference, None);
    assert!(gone.purged_at.is_some());
    assert_eq!(gone.status, ReferralStatus::Rejected);
    assert!(
        event_notes(&app, &r["id"])
            .await
            .iter()
            .all(Option::is_none),
        "event notes are purged"
    );
    let seen = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    let seen = &seen["data"]["referral"];
    assert_eq!(seen["patientRef"], Value::Null, "{seen}");
    assert_eq!(seen["statusReason"], Value::Null);
    assert_eq!(seen["reasonDomains"], json!([]));
    let text = seen.to_string();
    for personal in ["P-KEEP-0001", "Graag bellen", "te ver weg"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let purges = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("purge"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(purges, 1);
    // Counts stay: the purged referral is still counted by status (the analysts' figures read
    // these rows, suppressed; see insight.rs).
    let rejected = referral::Entity::find()
        .filter(referral::Column::Status.eq(ReferralStatus::Rejected))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rejected, 1);
    // A second run finds nothing more.
    assert_eq!(
        purge(&app, closed_at + Duration::days(days + 2)).await,
        RetentionReport::default()
    );
}

#[tokio::test]
async fn a_referral_left_open_is_cancelled_and_then_purged_like_a_closed_one() {
    let app = TestApp::spawn_with(|c| {
        c.auth.open_referral_max_days = 30;
        c.auth.referral_retention_days = 10;
    })
    .await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer, "P-OPEN-0001").await;
    let r = step(&app, &editor, &r, "RECEIVED", None).await;
    let last_change = row(&app, &r["id"]).await.updated_at;

    let report = purge(&app, last_change + Duration::days(29)).await;
    assert_eq!((report.closed, report.purged), (0, 0));
    assert_eq!(row(&app, &r["id"]).await.status, ReferralStatus::Received);

    let closing = last_change + Duration::days(31);
    let report = purge(&app, closing).await;
    assert_eq!((report.closed, report.purged), (1, 0));
    let closed = row(&app, &r["id"]).await;
    assert_eq!(closed.status, ReferralStatus::Cancelled);
    assert_eq!(closed.closed_at, Some(closing));
    assert!(
        closed
            .status_reason
            .as_deref()
            .unwrap()
            .starts_with("Automatisch geannuleerd"),
        "{closed:?}"
    );
    assert_eq!(closed.patient_ref.as_deref(), Some("P-OPEN-0001"));
    let seen = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    let last = seen["data"]["referral"]["events"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["actor"], "system");
    assert_eq!(last["fromStatus"], "RECEIVED");
    assert_eq!(last["toStatus"], "CANCELLED");
    let autos = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("auto_close"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(autos, 1);

    // Then the retention period of a closed referral: not the day before, the day after.
    let report = purge(&app, closing + Duration::days(9)).await;
    assert_eq!((report.closed, report.purged), (0, 0));
    let report = purge(&app, closing + Duration::days(11)).await;
    assert_eq!((report.closed, report.purged), (0, 1));
    let gone = row(&app, &r["id"]).await;
    assert_eq!(gone.patient_ref, None);
    assert_eq!(gone.status_reason, None);
}

#[tokio::test]
async fn the_node_runs_the_purge_by_itself() {
    // Every second; a referral is left open for at most zero days and kept zero days after.
    let app = TestApp::spawn_with(|c| {
        c.auth.purge_interval_secs = 1;
        c.auth.open_referral_max_days = 0;
        c.auth.referral_retention_days = 0;
    })
    .await;
    let gp = app.sign_in(demo::GP).await;
    let (offer, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer, "P-JOB-00001").await;
    let purged = eventually(15, "the scheduled job closes and purges", || async {
        let r = row(&app, &r["id"]).await;
        r.purged_at.is_some().then_some(r)
    })
    .await;
    assert_eq!(purged.status, ReferralStatus::Cancelled);
    assert_eq!(purged.patient_ref, None);
    assert_eq!(purged.note, None);
    assert!(purged.reason_domains.0.is_empty());
    assert!(
        event_notes(&app, &r["id"])
            .await
            .iter()
            .all(Option::is_none)
    );
}

#[tokio::test]
async fn an_offer_with_referrals_is_ended_not_deleted_and_its_referrals_stay_readable() {
    let app = TestApp::spawn().await;
    let gp = app.sign_in(demo::GP).await;
    let editor = app.sign_in(demo::EDITOR).await;
    let (offer, version) = offer_by_title(&app, "Wandelgroep Lent").await;
    let r = send(&app, &gp, &offer, "P-DEL-00001").await;
    let body = app
        .gql_with(
            Some(&editor),
            "mutation($id: ID!, $v: Int!) { deleteOffer(id: $id, version: $v) }",
            json!({"id": offer, "v": version}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let ended = app
        .gql_with(
            Some(&editor),
            "mutation($id: ID!, $v: Int!) { endOffer(id: $id, version: $v) { status } }",
            json!({"id": offer, "v": version}),
        )
        .await;
    assert_eq!(ended["data"]["endOffer"]["status"], "ENDED", "{ended}");
    for token in [&gp, &editor] {
        let seen = app.gql_with(Some(token), ONE, json!({"id": r["id"]})).await;
        assert_eq!(
            seen["data"]["referral"]["offer"]["title"], "Wandelgroep Lent",
            "{seen}"
        );
    }
    // An offer that is gone here all the same (a mirrored offer its node deleted) leaves the
    // referral to the referrer: still readable, still cancellable.
    entities::offer::Entity::delete_by_id(offer.clone())
        .exec(&app.state.db)
        .await
        .unwrap();
    let seen = app.gql_with(Some(&gp), ONE, json!({"id": r["id"]})).await;
    assert_eq!(seen["data"]["referral"]["offer"], Value::Null, "{seen}");
    assert_eq!(seen["data"]["referral"]["patientRef"], "P-DEL-00001");
    let cancelled = step(&app, &gp, &seen["data"]["referral"], "CANCELLED", None).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    let page = app
        .client
        .get(app.url(&format!("/verwijzingen/{}", r["id"].as_str().unwrap())))
        .header("cookie", format!("wijk_session={gp}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn undelivered_messages_lose_personal_data_at_retention() {
    let mut nodes = three_nodes().await;
    sync_all(&nodes).await;
    let offer = offers_from(&nodes[0], "nhn", json!(["OPEN", "RUNNING"])).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let nhn = nodes.remove(1);
    let nijmegen = &nodes[0];
    let gp = nijmegen.sign_in(demo::GP).await;
    // One referral reaches nhn; then nhn goes down and a second one waits.
    let delivered = send(nijmegen, &gp, &offer, "P-OUT-00001").await;
    eventually(15, "the first referral is delivered", || async {
        referral::Entity::find_by_id(delivered["id"].as_str().unwrap())
            .one(&nhn.state.db)
            .await
            .unwrap()
    })
    .await;
    eventually(15, "its delivery is settled", || async {
        let waiting = referral_outbox::Entity::find()
            .filter(referral_outbox::Column::DeliveredAt.is_null())
            .count(&nijmegen.state.db)
            .await
            .unwrap();
        (waiting == 0).then_some(())
    })
    .await;
    let (config, dir) = nhn.stop_keeping_data().await;
    let waiting = send(nijmegen, &gp, &offer, "P-OUT-00002").await;
    let delivered = step(
        nijmegen,
        &gp,
        &delivered,
        "CANCELLED",
        Some("Verhuist naar Zwolle"),
    )
    .await;
    let waiting = step(
        nijmegen,
        &gp,
        &waiting,
        "CANCELLED",
        Some("Verhuist naar Ede"),
    )
    .await;
    // The changes are queued for nhn (as the delivery worker does after each commit).
    api::federation::delivery::outbox::enqueue_new(&nijmegen.state)
        .await
        .unwrap();
    let pending = referral_outbox::Entity::find()
        .filter(referral_outbox::Column::DeliveredAt.is_null())
        .order_by_asc(referral_outbox::Column::Id)
        .all(&nijmegen.state.db)
        .await
        .unwrap();
    assert_eq!(pending.len(), 3, "{pending:?}");
    assert!(pending.iter().any(|m| m.body.contains("P-OUT-00002")));
    assert!(
        pending
            .iter()
            .any(|m| m.body.contains("Verhuist naar Zwolle"))
    );

    let closed_at = row(nijmegen, &waiting["id"]).await.closed_at.unwrap();
    let days = nijmegen.state.config.auth.referral_retention_days;
    let report = purge(nijmegen, closed_at + Duration::days(days + 1)).await;
    assert_eq!(report.purged, 2);
    // The referral nhn never received is given up with its cancellation; the cancellation of
    // the one it has still goes, without its reason.
    assert_eq!((report.messages_expired, report.messages_redacted), (2, 1));
    let all = referral_outbox::Entity::find()
        .all(&nijmegen.state.db)
        .await
        .unwrap();
    for m in &all {
        for personal in ["P-OUT-0000", "Verhuist", "Graag bellen"] {
            assert!(!m.body.contains(personal), "{personal} kept in {m:?}");
        }
    }
    let expired: Vec<&referral_outbox::Model> = all
        .iter()
        .filter(|m| m.outcome.as_deref() == Some("expired"))
        .collect();
    assert_eq!(expired.len(), 2);
    assert!(
        expired
            .iter()
            .all(|m| m.referral_id == waiting["id"].as_str().unwrap() && m.delivered_at.is_some())
    );

    // nhn is back: the cancellation arrives; the given-up referral never does.
    let nhn = TestApp::restart(config, dir).await;
    eventually(20, "the cancellation reaches nhn", || async {
        let r = referral::Entity::find_by_id(delivered["id"].as_str().unwrap())
            .one(&nhn.state.db)
            .await
            .unwrap()?;
        (r.status == ReferralStatus::Cancelled).then_some(r)
    })
    .await;
    eventually(20, "nothing waits", || async {
        let waiting = referral_outbox::Entity::find()
            .filter(referral_outbox::Column::DeliveredAt.is_null())
            .count(&nijmegen.state.db)
            .await
            .unwrap();
        (waiting == 0).then_some(())
    })
    .await;
    assert!(
        referral::Entity::find_by_id(waiting["id"].as_str().unwrap())
            .one(&nhn.state.db)
            .await
            .unwrap()
            .is_none()
    );
}
