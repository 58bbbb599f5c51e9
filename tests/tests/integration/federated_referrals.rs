//! Referrals across nodes: a GP at one node refers to another region's offer; the referral is
//! delivered to the offer's node, which owns its lifecycle, and the status flows back. Delivery
//! survives the peer being down and is idempotent.

use crate::federation::{offers_from, secret, sync_all, three_nodes, three_nodes_with};
use api::federation::protocol::{
    ForwardedReferral, REFERRAL_PROTOCOL_VERSION, ReferralMessage, ReferralMessageBody,
    StatusChange,
};
use entities::{ReferralStatus, referral, referral_event, referral_outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, eventually};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id status version originNode offerNode deliveryPending } }"#;
const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $s: ReferralStatus!, $note: String) {
  updateReferralStatus(id: $id, version: $v, status: $s, note: $note) { id status version } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { id status version statusReason
  originNode offerNode deliveryPending patientRef reasonDomains contactPreference note
  events { actor fromStatus toStatus note } offer { id title } } }"#;
const STATUS: &str = "{ federationStatus { id pendingDeliveries lastDeliveryError } }";

fn input(offer: &str, patient: &str) -> Value {
    json!({"offerId": offer, "patientRef": patient, "consent": true,
           "contactPreference": "EMAIL", "reasonDomains": ["SOCIALE_CONTACTEN", "BEWEGING"],
           "note": "Liefst in de ochtend"})
}

async fn send(node: &TestApp, token: &str, offer: &str, patient: &str) -> Value {
    let body = node
        .gql_with(Some(token), SEND, json!({"input": input(offer, patient)}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["sendReferral"].clone()
}

async fn step(node: &TestApp, token: &str, id: &Value, version: &Value, to: &str) -> Value {
    let body = node
        .gql_with(
            Some(token),
            MOVE,
            json!({"id": id, "v": version, "s": to, "note": null}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{to}: {body}");
    body["data"]["updateReferralStatus"].clone()
}

/// The referral as `token` sees it at `node`, once it exists there.
async fn fetch(node: &TestApp, token: &str, id: &Value) -> Option<Value> {
    let body = node.gql_with(Some(token), ONE, json!({"id": id})).await;
    body.get("errors")
        .is_none()
        .then(|| body["data"]["referral"].clone())
}

/// Waits until the referral at `node` has `status`.
async fn wait_status(node: &TestApp, token: &str, id: &Value, status: &str) -> Value {
    eventually(
        15,
        &format!("{id} is {status} at {}", node.state.node_id),
        || async {
            fetch(node, token, id)
                .await
                .filter(|r| r["status"] == status)
        },
    )
    .await
}

/// A public offer of `origin` as mirrored at `node`, with its organisation id at the origin.
pub(crate) async fn mirrored_offer(node: &TestApp, origin: &TestApp) -> (String, String) {
    let offer = offers_from(
        node,
        origin.state.node_id.as_str(),
        json!(["OPEN", "RUNNING"]),
    )
    .await
    .into_iter()
    .next()
    .expect("a mirrored open offer");
    let id = offer["id"].as_str().unwrap().to_string();
    let data = origin
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { organisation { id } } }",
            json!({"id": id}),
        )
        .await;
    (
        id,
        data["offer"]["organisation"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// What the referral page at `node` says of the other node (`#delivery`), signed in as `token`.
async fn delivery_line(node: &TestApp, token: &str, id: &Value) -> String {
    let page = node
        .client
        .get(node.url(&format!("/verwijzingen/{}", id.as_str().unwrap())))
        .header("cookie", format!("wijk_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse("#delivery").unwrap())
        .flat_map(|e| e.text())
        .collect()
}

async fn pending(node: &TestApp, peer: &str) -> Value {
    let data = node.gql_ok(STATUS, json!({})).await;
    data["federationStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == peer)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn a_referral_to_another_regions_offer_is_delivered_and_its_status_flows_back() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn, zl) = (&nodes[0], &nodes[1], &nodes[2]);
    let (offer, org) = mirrored_offer(nijmegen, nhn).await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;

    let sent = send(nijmegen, &gp, &offer, "P-NHN-0001").await;
    assert_eq!(sent["status"], "REQUESTED");
    assert_eq!(sent["originNode"], "nijmegen");
    assert_eq!(sent["offerNode"], "nhn");
    let id = sent["id"].clone();
    assert!(id.as_str().unwrap().starts_with("nijmegen:"));

    // The offer's node has it, under the same id, with what a local receiver would see.
    let there = wait_status(nhn, &editor, &id, "REQUESTED").await;
    assert_eq!(there["originNode"], "nijmegen");
    assert_eq!(there["offerNode"], "nhn");
    assert_eq!(there["patientRef"], "P-NHN-0001");
    assert_eq!(there["contactPreference"], "EMAIL");
    assert_eq!(there["note"], "Liefst in de ochtend");
    assert_eq!(
        there["reasonDomains"],
        json!(["BEWEGING", "SOCIALE_CONTACTEN"])
    );
    assert_eq!(there["offer"]["id"], offer.as_str());
    assert_eq!(there["events"][0]["actor"], "node:nijmegen");
    // Nobody else has it: not the third node, not the GP's node's admin.
    assert_eq!(
        referral::Entity::find().count(&zl.state.db).await.unwrap(),
        0
    );
    assert_eq!(
        error_code(&nijmegen.gql(ONE, json!({"id": id})).await),
        Some("NOT_FOUND")
    );
    let here = eventually(10, "delivery acknowledged", || async {
        fetch(nijmegen, &gp, &id)
            .await
            .filter(|r| r["deliveryPending"] == false)
    })
    .await;
    assert_eq!(here["status"], "REQUESTED");
    assert_eq!(pending(nijmegen, "nhn").await["pendingDeliveries"], 0);
    // Both referral pages say where it went or came from.
    for (node, token, says) in [
        (nijmegen, &gp, "Doorgestuurd naar het knooppunt nhn"),
        (nhn, &editor, "Ontvangen van het knooppunt nijmegen"),
    ] {
        let delivery = delivery_line(node, token, &id).await;
        assert!(delivery.starts_with(says), "{delivery:?}");
        assert!(!delivery.contains("nog niet afgeleverd"), "{delivery:?}");
    }

    // The offer's node owns the lifecycle; each step comes back to the GP.
    let received = step(nhn, &editor, &id, &there["version"], "RECEIVED").await;
    let accepted = step(nhn, &editor, &id, &received["version"], "ACCEPTED").await;
    let back = wait_status(nijmegen, &gp, &id, "ACCEPTED").await;
    let moves: Vec<(Value, Value, Value)> = back["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].clone(),
                e["fromStatus"].clone(),
                e["toStatus"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves[1..],
        [
            (json!("node:nhn"), json!("REQUESTED"), json!("RECEIVED")),
            (json!("node:nhn"), json!("RECEIVED"), json!("ACCEPTED")),
        ]
    );
    // The GP cannot move it on for the receiver, but may cancel it; that reaches the offer's node.
    let body = nijmegen
        .gql_with(
            Some(&gp),
            MOVE,
            json!({"id": id, "v": back["version"], "s": "IN_PROGRESS", "note": null}),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    step(nijmegen, &gp, &id, &back["version"], "CANCELLED").await;
    let cancelled = wait_status(nhn, &editor, &id, "CANCELLED").await;
    assert_eq!(cancelled["events"].as_array().unwrap().len(), 4);
    let body = nhn
        .gql_with(
            Some(&editor),
            MOVE,
            json!({"id": id, "v": accepted["version"].as_i64().unwrap() + 1, "s": "IN_PROGRESS", "note": null}),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("CONFLICT"),
        "closed stays closed: {body}"
    );
    // The cancellation is not echoed back as a second change: an echo would be queued at nhn
    // with the cancellation itself, so once nhn has nothing left to deliver, it would be here.
    eventually(15, "nhn has delivered everything", || async {
        let status = nhn.gql_ok(STATUS, json!({})).await;
        status["federationStatus"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["pendingDeliveries"] == 0)
            .then_some(())
    })
    .await;
    let final_here = fetch(nijmegen, &gp, &id).await.unwrap();
    assert_eq!(final_here["status"], "CANCELLED");
    assert_eq!(final_here["events"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn delivery_waits_for_a_peer_that_is_down_and_never_applies_a_message_twice() {
    // Three mutations per user and minute (the GP sends two referrals and cancels one); the
    // peers deliver and redeliver more than that, as they are not rate-limited.
    let mut nodes = three_nodes_with(|c| c.auth.mutations_per_minute = 3).await;
    sync_all(&nodes).await;
    let (offer, org) = mirrored_offer(&nodes[0], &nodes[1]).await;
    let nhn = nodes.remove(1);
    let nijmegen = &nodes[0];
    let gp = nijmegen.sign_in(demo::GP).await;
    let (config, dir) = nhn.stop_keeping_data().await;

    // The peer is down: the referral is kept and queued, and can still be cancelled.
    let first = send(nijmegen, &gp, &offer, "P-DOWN-0001").await;
    assert_eq!(first["status"], "REQUESTED");
    assert_eq!(first["deliveryPending"], true);
    let second = send(nijmegen, &gp, &offer, "P-DOWN-0002").await;
    step(
        nijmegen,
        &gp,
        &second["id"],
        &second["version"],
        "CANCELLED",
    )
    .await;
    let status = eventually(10, "a failed attempt is reported", || async {
        let p = pending(nijmegen, "nhn").await;
        p["lastDeliveryError"].is_string().then_some(p)
    })
    .await;
    assert_eq!(status["pendingDeliveries"], 3, "{status}");
    let attempts = referral_outbox::Entity::find()
        .order_by_asc(referral_outbox::Column::Id)
        .one(&nijmegen.state.db)
        .await
        .unwrap()
        .unwrap()
        .attempts;
    assert!(attempts >= 1);
    let list = nijmegen
        .gql_with(Some(&gp), "{ referrals { id deliveryPending } }", json!({}))
        .await;
    let list = list["data"]["referrals"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list.iter().all(|r| r["deliveryPending"] == true),
        "{list:?}"
    );
    let delivery = delivery_line(nijmegen, &gp, &first["id"]).await;
    assert!(
        delivery.contains("nog niet afgeleverd"),
        "the GP sees it waits: {delivery:?}"
    );
    // What a lost acknowledgement would make the node send again, later.
    let queued: Vec<Value> = referral_outbox::Entity::find()
        .order_by_asc(referral_outbox::Column::Id)
        .all(&nijmegen.state.db)
        .await
        .unwrap()
        .iter()
        .map(|m| serde_json::from_str(&m.body).unwrap())
        .collect();

    // Back up: everything arrives, in order.
    let nhn = TestApp::restart(config, dir).await;
    eventually(20, "the backlog is delivered", || async {
        (pending(nijmegen, "nhn").await["pendingDeliveries"] == 0).then_some(())
    })
    .await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    assert_eq!(
        wait_status(&nhn, &editor, &first["id"], "REQUESTED").await["patientRef"],
        "P-DOWN-0001"
    );
    wait_status(&nhn, &editor, &second["id"], "CANCELLED").await;
    assert_eq!(
        wait_status(nijmegen, &gp, &first["id"], "REQUESTED").await["deliveryPending"],
        false
    );

    // Redelivering a message (its acknowledgement lost) or re-sending a referral under a new
    // message id changes nothing.
    let counts = |db: sea_orm::DatabaseConnection| async move {
        (
            referral::Entity::find().count(&db).await.unwrap(),
            referral_event::Entity::find().count(&db).await.unwrap(),
        )
    };
    let before = counts(nhn.state.db.clone()).await;
    assert_eq!(before.0, 2);
    let delivered = referral_outbox::Entity::find()
        .order_by_asc(referral_outbox::Column::Id)
        .all(&nijmegen.state.db)
        .await
        .unwrap();
    assert!(
        delivered
            .iter()
            .all(|m| m.outcome.as_deref() == Some("applied"))
    );
    assert!(
        delivered.iter().all(|m| m.body.is_empty()),
        "no copy of personal data is kept once delivered"
    );
    let as_peer = |from: &'static str, message: Value| {
        let client = nhn.client.clone();
        let url = nhn.url("/graphql");
        async move {
            client
                .post(url)
                .header("x-wijk-node", from)
                .bearer_auth(secret(from, "nhn"))
                .json(&json!({
                    "query": "mutation($m: JSON!) { deliverReferralMessage(message: $m) }",
                    "variables": {"m": message},
                }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    for message in &queued {
        let again = as_peer("nijmegen", message.clone()).await;
        assert_eq!(
            again["data"]["deliverReferralMessage"]["outcome"], "applied",
            "{again}"
        );
        // A new message id: a known referral is not stored twice; a second cancellation of a
        // closed referral is refused with the status the offer's node holds.
        let mut renamed = message.clone();
        renamed["message_id"] = json!(format!("nijmegen:{}", uuid::Uuid::new_v4()));
        let again = as_peer("nijmegen", renamed).await;
        let receipt = &again["data"]["deliverReferralMessage"];
        if message["body"]["type"] == "created" {
            assert_eq!(receipt["outcome"], "applied", "{again}");
        } else {
            assert_eq!(receipt["outcome"], "refused", "{again}");
            assert_eq!(receipt["status"], "cancelled", "{again}");
        }
    }
    assert_eq!(counts(nhn.state.db.clone()).await, before);

    // A node cannot speak for another, nor send referrals under another node's ids.
    let mut forged = queued[0].clone();
    let body = as_peer("zl", forged.clone()).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    forged["from_node"] = json!("zl");
    forged["message_id"] = json!(format!("zl:{}", uuid::Uuid::new_v4()));
    forged["referral_id"] = json!(format!("nijmegen:{}", uuid::Uuid::new_v4()));
    let body = as_peer("zl", forged).await;
    assert_eq!(
        body["data"]["deliverReferralMessage"]["outcome"], "refused",
        "{body}"
    );
    let body = nhn
        .gql_with(
            None,
            "mutation($m: JSON!) { deliverReferralMessage(message: $m) }",
            json!({"m": {"nonsense": true}}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(counts(nhn.state.db.clone()).await, before);
}

#[tokio::test]
async fn a_referral_the_offers_node_refuses_fails_at_the_referrer() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer, _) = mirrored_offer(nijmegen, nhn).await;
    // The offer ends at its node; the GP's node has not pulled that yet.
    let version = nhn
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { version } }",
            json!({"id": offer}),
        )
        .await["offer"]["version"]
        .clone();
    nhn.gql_ok(
        "mutation($id: ID!, $v: Int!) { endOffer(id: $id, version: $v) { id } }",
        json!({"id": offer, "v": version}),
    )
    .await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let sent = send(nijmegen, &gp, &offer, "P-ENDED-001").await;
    let failed = wait_status(nijmegen, &gp, &sent["id"], "FAILED").await;
    assert!(
        failed["statusReason"]
            .as_str()
            .unwrap()
            .starts_with("node nhn refused"),
        "{failed}"
    );
    assert_eq!(failed["deliveryPending"], false);
    assert_eq!(
        referral::Entity::find()
            .filter(referral::Column::Id.eq(sent["id"].as_str().unwrap()))
            .count(&nhn.state.db)
            .await
            .unwrap(),
        0
    );
}

/// Delivers `message` to `node` as peer `from` (with its real credentials).
async fn deliver_as(node: &TestApp, from: &str, message: &Value) -> Value {
    node.client
        .post(node.url("/graphql"))
        .header("x-wijk-node", from)
        .bearer_auth(secret(from, node.state.node_id.as_str()))
        .json(&json!({
            "query": "mutation($m: JSON!) { deliverReferralMessage(message: $m) }",
            "variables": {"m": message},
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
}

/// A wire message from `from` about `referral_id`.
fn message(from: &str, referral_id: &str, body: ReferralMessageBody) -> Value {
    serde_json::to_value(ReferralMessage {
        version: REFERRAL_PROTOCOL_VERSION,
        message_id: format!("{from}:{}", uuid::Uuid::new_v4()),
        from_node: from.into(),
        referral_id: referral_id.into(),
        body,
    })
    .unwrap()
}

fn receipt(body: &Value) -> (String, String) {
    let r = &body["data"]["deliverReferralMessage"];
    assert!(r.is_object(), "{body}");
    (
        r["outcome"].as_str().unwrap().to_string(),
        r["reason"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_peer_cannot_name_another_nodes_practice_nor_send_reasons_a_note_may_not_hold() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer, org) = mirrored_offer(nijmegen, nhn).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    // A practice of nhn itself, with a practitioner: a forged referral naming it would be
    // followed by that practitioner.
    let own_practice = crate::referral_isolation::organisation_of(
        nhn,
        "Praktijk Schagen",
        entities::OrganisationKind::GpPractice,
    )
    .await;
    let own_gp =
        crate::referral_isolation::practitioner_of(nhn, "huisarts@schagen.example", &own_practice)
            .await;
    let created = |practice: Option<String>| {
        ReferralMessageBody::Created(Box::new(ForwardedReferral {
            offer_id: offer.clone(),
            practice_id: practice,
            patient_ref: "P-FORGED-01".into(),
            consent: true,
            contact_preference: None,
            reason_domains: vec![entities::LifeDomain::Beweging],
            practical_needs: None,
            note: None,
            created_at: chrono::Utc::now(),
            contact: None,
        }))
    };
    for practice in [
        Some(own_practice.clone()),
        Some(format!("zl:{}", uuid::Uuid::new_v4())),
        Some("not-an-id".to_string()),
        None,
    ] {
        let id = format!("nijmegen:{}", uuid::Uuid::new_v4());
        let body = deliver_as(
            nhn,
            "nijmegen",
            &message("nijmegen", &id, created(practice.clone())),
        )
        .await;
        let (outcome, reason) = receipt(&body);
        assert_eq!(outcome, "refused", "practice {practice:?}: {body}");
        assert!(reason.contains("practice"), "{reason}");
    }
    let list = nhn
        .gql_with(Some(&own_gp), "{ referrals { id } }", json!({}))
        .await;
    assert_eq!(list["data"]["referrals"], json!([]), "{list}");
    assert_eq!(
        referral::Entity::find().count(&nhn.state.db).await.unwrap(),
        0
    );

    // A real referral, then status reasons from either side that a note may not hold.
    let gp = nijmegen.sign_in(demo::GP).await;
    let sent = send(nijmegen, &gp, &offer, "P-REASON-01").await;
    let id = sent["id"].as_str().unwrap().to_string();
    let there = wait_status(nhn, &editor, &sent["id"], "REQUESTED").await;
    for (why, reason) in [
        (
            "medical",
            "Diagnose depressie, medicatie gestart".to_string(),
        ),
        ("too long", "x".repeat(281)),
    ] {
        // From the referrer's node: a cancellation.
        let change = StatusChange {
            from: ReferralStatus::Requested,
            to: ReferralStatus::Cancelled,
            reason: Some(reason.clone()),
            at: chrono::Utc::now(),
            outcome: None,
            expected_start: None,
        };
        let body = deliver_as(
            nhn,
            "nijmegen",
            &message("nijmegen", &id, ReferralMessageBody::StatusChanged(change)),
        )
        .await;
        assert_eq!(receipt(&body).0, "refused", "{why} cancellation: {body}");
        // From the offer's node: a rejection.
        let change = StatusChange {
            from: ReferralStatus::Received,
            to: ReferralStatus::Rejected,
            reason: Some(reason),
            at: chrono::Utc::now(),
            outcome: None,
            expected_start: None,
        };
        let body = deliver_as(
            nijmegen,
            "nhn",
            &message("nhn", &id, ReferralMessageBody::StatusChanged(change)),
        )
        .await;
        assert_eq!(receipt(&body).0, "refused", "{why} rejection: {body}");
    }
    let at_nhn = fetch(nhn, &editor, &sent["id"]).await.unwrap();
    assert_eq!(at_nhn["status"], "REQUESTED");
    assert_eq!(at_nhn["version"], there["version"]);
    let at_nijmegen = fetch(nijmegen, &gp, &sent["id"]).await.unwrap();
    assert_eq!(at_nijmegen["status"], "REQUESTED");
    assert_eq!(at_nijmegen["events"].as_array().unwrap().len(), 1);
    // A proper reason is taken.
    let change = StatusChange {
        from: ReferralStatus::Requested,
        to: ReferralStatus::Cancelled,
        reason: Some("Patiënt verhuist".into()),
        at: chrono::Utc::now(),
        outcome: None,
        expected_start: None,
    };
    let body = deliver_as(
        nhn,
        "nijmegen",
        &message("nijmegen", &id, ReferralMessageBody::StatusChanged(change)),
    )
    .await;
    assert_eq!(receipt(&body).0, "applied", "{body}");
    let cancelled = fetch(nhn, &editor, &sent["id"]).await.unwrap();
    assert_eq!(cancelled["statusReason"], "Patiënt verhuist");
}

/// The outbox rows about referral `id` at `node`, once everything recorded there is queued and
/// whatever is due has been delivered.
async fn queued_about(node: &TestApp, id: &Value) -> Vec<referral_outbox::Model> {
    node.state
        .delivery
        .deliver_due()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    referral_outbox::Entity::find()
        .filter(referral_outbox::Column::ReferralId.eq(id.as_str().unwrap()))
        .order_by_asc(referral_outbox::Column::Id)
        .all(&node.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_status_change_applied_from_a_peer_is_not_sent_back_to_it() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer, org) = mirrored_offer(nijmegen, nhn).await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    let sent = send(nijmegen, &gp, &offer, "P-ECHO-0001").await;
    let id = sent["id"].clone();
    let there = wait_status(nhn, &editor, &id, "REQUESTED").await;
    let received = step(nhn, &editor, &id, &there["version"], "RECEIVED").await;
    step(nhn, &editor, &id, &received["version"], "ACCEPTED").await;
    let back = wait_status(nijmegen, &gp, &id, "ACCEPTED").await;
    step(nijmegen, &gp, &id, &back["version"], "CANCELLED").await;
    wait_status(nhn, &editor, &id, "CANCELLED").await;

    // Each node sent only the changes made there: nijmegen the referral and its cancellation,
    // nhn its receipt and acceptance. What each applied from the other stays put.
    let from_nijmegen = queued_about(nijmegen, &id).await;
    assert_eq!(from_nijmegen.len(), 2, "{from_nijmegen:?}");
    assert!(from_nijmegen.iter().all(|m| m.peer_id == "nhn"));
    let from_nhn = queued_about(nhn, &id).await;
    assert_eq!(from_nhn.len(), 2, "{from_nhn:?}");
    assert!(from_nhn.iter().all(|m| m.peer_id == "nijmegen"));
    // The events applied from a peer name it as their source.
    let referral_id = id.as_str().unwrap().to_string();
    let sources = |db: sea_orm::DatabaseConnection| {
        let referral_id = referral_id.clone();
        async move {
            referral_event::Entity::find()
                .filter(referral_event::Column::ReferralId.eq(referral_id))
                .order_by_asc(referral_event::Column::Id)
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.source_node)
                .collect::<Vec<_>>()
        }
    };
    let nhn_ = Some("nhn".to_string());
    let nijmegen_ = Some("nijmegen".to_string());
    assert_eq!(
        sources(nijmegen.state.db.clone()).await,
        [None, nhn_.clone(), nhn_, None]
    );
    assert_eq!(
        sources(nhn.state.db.clone()).await,
        [nijmegen_.clone(), None, None, nijmegen_]
    );
}

#[tokio::test]
async fn a_referral_committed_just_before_a_restart_is_delivered_once() {
    let mut nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (offer, org) = mirrored_offer(&nodes[0], &nodes[1]).await;
    let nijmegen = nodes.remove(0);
    let nhn = &nodes[0];
    let gp = nijmegen.sign_in(demo::GP).await;
    let (config, dir) = nijmegen.stop_keeping_data().await;

    // The node runs without its delivery worker (as if it stopped right after the commit).
    let state = api::app::prepare(config.clone())
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let actor = api::auth::request::actor_from_token(&state.auth_ctx(), &gp)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let new = api::services::referral::NewReferral {
        offer_id: api::domain::GlobalId::parse(&offer).unwrap(),
        practice_id: None,
        patient_ref: "P-CRASH-001".into(),
        consent: true,
        contact_preference: None,
        reason_domains: vec![entities::LifeDomain::Beweging],
        practical_needs: Default::default(),
        note: None,
        contact: None,
        suitability: Default::default(),
    };
    let created = api::services::referral::create(&state, &actor, new, &*state.peers)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let queued = referral_outbox::Entity::find()
        .count(&state.db)
        .await
        .unwrap();
    assert_eq!(queued, 0, "committed, not queued yet");
    drop(state);

    // Started again: the worker finds the event after its cursor and delivers it.
    let nijmegen = TestApp::restart(config, dir)
        .await
        .signed_in(demo::ADMIN)
        .await;
    let id = json!(created.id);
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    let there = wait_status(nhn, &editor, &id, "REQUESTED").await;
    assert_eq!(there["patientRef"], "P-CRASH-001");
    eventually(15, "delivery acknowledged", || async {
        (pending(&nijmegen, "nhn").await["pendingDeliveries"] == 0).then_some(())
    })
    .await;

    // Queued again (a rewound cursor): the same message id, nothing new to send.
    entities::consumer_cursor::Entity::delete_by_id(api::federation::delivery::outbox::CONSUMER)
        .exec(&nijmegen.state.db)
        .await
        .unwrap();
    let rows = queued_about(&nijmegen, &id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].outcome.as_deref(), Some("applied"));
    let at_nhn = |db: sea_orm::DatabaseConnection| async move {
        (
            referral::Entity::find().count(&db).await.unwrap(),
            referral_event::Entity::find().count(&db).await.unwrap(),
            entities::referral_inbox::Entity::find()
                .count(&db)
                .await
                .unwrap(),
        )
    };
    assert_eq!(at_nhn(nhn.state.db.clone()).await, (1, 1, 1));
}

#[tokio::test]
async fn the_note_of_every_status_change_crosses_so_both_histories_match() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let (offer, org) = mirrored_offer(nijmegen, nhn).await;
    let gp = nijmegen.sign_in(demo::GP).await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    let id = send(nijmegen, &gp, &offer, "P-NOTE-0001").await["id"].clone();
    let there = wait_status(nhn, &editor, &id, "REQUESTED").await;
    let received = step(nhn, &editor, &id, &there["version"], "RECEIVED").await;
    let accepted = nhn
        .gql_with(
            Some(&editor),
            MOVE,
            json!({"id": id, "v": received["version"], "s": "ACCEPTED",
                   "note": "Welkom; de kwartiermaker belt maandag"}),
        )
        .await;
    assert!(accepted.get("errors").is_none(), "{accepted}");
    let here = wait_status(nijmegen, &gp, &id, "ACCEPTED").await;
    let notes = |r: &Value| -> Vec<Value> {
        r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| json!([e["toStatus"], e["note"]]))
            .collect()
    };
    let there = fetch(nhn, &editor, &id).await.unwrap();
    assert_eq!(notes(&here), notes(&there), "both histories match");
    assert!(
        notes(&here).contains(&json!([
            "ACCEPTED",
            "Welkom; de kwartiermaker belt maandag"
        ])),
        "{here}"
    );
}

/// The warm-handover details of the two-node test; looked for in every stored or served text.
const HAND_NAME: &str = "Ria de Vries";
const HAND_PHONE: &str = "0612345678";
const HAND_EMAIL: &str = "ria.devries@example.nl";
const HAND_CONTACT: &str = r#"query($id: ID!) { referral(id: $id) { id contact {
  name phone email bestTimeToCall naasteMayJoin } } }"#;

/// Whether `text` holds any of the handover details.
fn holds_contact(text: &str) -> bool {
    [HAND_NAME, HAND_PHONE, HAND_EMAIL]
        .iter()
        .any(|s| text.contains(s))
}

#[tokio::test]
async fn contact_details_travel_with_the_referral_and_leave_the_referrers_node_once_delivered() {
    let mut nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (offer, org) = mirrored_offer(&nodes[0], &nodes[1]).await;
    let nhn = nodes.remove(1);
    let nijmegen = &nodes[0];
    let gp = nijmegen.sign_in(demo::GP).await;
    let (config, dir) = nhn.stop_keeping_data().await;

    // The offer's node is down: the referral waits; its outbox message holds no contact detail,
    // the details wait sealed at the referrer's node.
    let mut input = input(&offer, "P-HAND-NHN-1");
    input["contact"] = json!({"name": HAND_NAME, "phone": HAND_PHONE, "email": HAND_EMAIL,
        "bestTimeToCall": "na 17:00", "naasteMayJoin": true, "consent": true});
    let body = nijmegen
        .gql_with(Some(&gp), SEND, json!({"input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let id = body["data"]["sendReferral"]["id"].clone();
    let id_str = id.as_str().unwrap().to_string();
    eventually(10, "a failed attempt is reported", || async {
        let p = pending(nijmegen, "nhn").await;
        p["lastDeliveryError"].is_string().then_some(())
    })
    .await;
    let queued = queued_about(nijmegen, &id).await;
    assert_eq!(queued.len(), 1);
    assert!(
        queued[0].body.contains("P-HAND-NHN-1"),
        "the message is queued"
    );
    assert!(!holds_contact(&queued[0].body), "{:?}", queued[0].body);
    let sealed_here = entities::referral_contact::Entity::find_by_id(id_str.as_str())
        .one(&nijmegen.state.db)
        .await
        .unwrap()
        .expect("sealed at the referrer's node while the message waits");
    assert!(!holds_contact(&String::from_utf8_lossy(
        &sealed_here.sealed
    )));

    // Back up: delivered; the offer's node's editors see the details, sealed under its key.
    let nhn = TestApp::restart(config, dir).await;
    eventually(20, "the referral is delivered", || async {
        (pending(nijmegen, "nhn").await["pendingDeliveries"] == 0).then_some(())
    })
    .await;
    let editor = nhn.editor_token("redactie@nhn.example", &org).await;
    wait_status(&nhn, &editor, &id, "REQUESTED").await;
    let there = nhn
        .gql_with(Some(&editor), HAND_CONTACT, json!({"id": id}))
        .await;
    assert_eq!(
        there["data"]["referral"]["contact"],
        json!({"name": HAND_NAME, "phone": HAND_PHONE, "email": HAND_EMAIL,
            "bestTimeToCall": "na 17:00", "naasteMayJoin": true}),
        "{there}"
    );
    let stored = entities::referral_contact::Entity::find_by_id(id_str.as_str())
        .one(&nhn.state.db)
        .await
        .unwrap()
        .expect("stored at the offer's node");
    assert!(!holds_contact(&String::from_utf8_lossy(&stored.sealed)));
    assert!(!stored.key_id.is_empty());
    let reads = entities::audit_log::Entity::find()
        .filter(entities::audit_log::Column::ReferralId.eq(id_str.as_str()))
        .filter(entities::audit_log::Column::Action.eq("contact_read"))
        .count(&nhn.state.db)
        .await
        .unwrap();
    assert_eq!(reads, 1, "the editor's read is audited at the offer's node");

    // The referrer's node keeps no copy once delivered: not in the outbox, not sealed.
    for m in queued_about(nijmegen, &id).await {
        assert!(m.delivered_at.is_some());
        assert!(!holds_contact(&m.body), "{:?}", m.body);
    }
    assert!(
        entities::referral_contact::Entity::find_by_id(id_str.as_str())
            .one(&nijmegen.state.db)
            .await
            .unwrap()
            .is_none(),
        "dropped at the referrer's node once delivered"
    );
    let here = nijmegen
        .gql_with(Some(&gp), HAND_CONTACT, json!({"id": id}))
        .await;
    assert_eq!(here["data"]["referral"]["contact"], Value::Null, "{here}");

    // Never in the change feed, HSDS, the metrics or the inbox's receipts of either node.
    for node in [nijmegen, &nhn] {
        let feed = api::federation::feed::page(&node.state, 0, 10_000)
            .await
            .unwrap();
        assert!(!holds_contact(&serde_json::to_string(&feed).unwrap()));
        for path in ["/hsds/services", "/hsds/organizations", "/metrics"] {
            let text = node
                .client
                .get(node.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(!holds_contact(&text), "{path}");
        }
        for m in entities::referral_inbox::Entity::find()
            .all(&node.state.db)
            .await
            .unwrap()
        {
            assert!(!holds_contact(&m.receipt));
        }
    }

    // Purged with the referral at the offer's node's retention.
    let cancelled = step(&nhn, &editor, &id, &json!(1), "CANCELLED").await;
    assert_eq!(cancelled["status"], "CANCELLED");
    let closed_at = referral::Entity::find_by_id(id_str.as_str())
        .one(&nhn.state.db)
        .await
        .unwrap()
        .unwrap()
        .closed_at
        .unwrap();
    let days = nhn.state.config.auth.referral_retention_days;
    api::app::purge_referrals(&nhn.state, closed_at + chrono::Duration::days(days + 1))
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    assert!(
        entities::referral_contact::Entity::find_by_id(id_str.as_str())
            .one(&nhn.state.db)
            .await
            .unwrap()
            .is_none(),
        "purged with the referral at the offer's node"
    );
    nhn.stop().await;
}
