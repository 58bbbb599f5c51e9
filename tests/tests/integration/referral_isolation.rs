//! Referral isolation: a referral is seen, changed and heard of only by the referring practice
//! and the organisation of its offer. The demo data has one of each, so these tests add a
//! second practice and a second organisation (with an offer) and check every way in: `referral`,
//! `referrals`, `updateReferralStatus`, the `/verwijzingen/{id}` page and the `referralUpdates`
//! subscription, on one node and across two.

use crate::auth::offer_by_title;
use crate::federation::{offers_from, sync_all, three_nodes};
use api::auth::{Actor, Membership};
use api::domain::GlobalId;
use api::services::offer::{self, LocationFields, OfferFields};
use api::services::organisation::{self, OrganisationFields};
use entities::{LifeDomain, OfferKind, OrganisationKind, Role, TargetGroup, referral};
use futures::{SinkExt, StreamExt};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::time::Duration;
use tests::{TestApp, demo, error_code, eventually};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

const SEND: &str = r#"mutation($input: ReferralInput!) {
  sendReferral(input: $input) { id status version } }"#;
const MOVE: &str = r#"mutation($id: ID!, $v: Int!, $s: ReferralStatus!, $note: String) {
  updateReferralStatus(id: $id, version: $v, status: $s, note: $note) { id status version } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { id status version patientRef } }"#;
const LIST: &str = "{ referrals { id } }";

/// A stored record's global id.
fn gid(id: &str) -> GlobalId {
    GlobalId::parse(id).unwrap()
}

/// A new organisation of `kind` at `app` (published), serving Nijmegen.
pub(crate) async fn organisation_of(app: &TestApp, name: &str, kind: OrganisationKind) -> String {
    let org = organisation::create(
        &app.state,
        &Actor::System,
        OrganisationFields {
            name: Some(name.into()),
            kind: Some(kind),
            area_codes: Some(vec!["GM0268".into()]),
            ..Default::default()
        }
        .try_into()
        .unwrap(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    organisation::publish(&app.state, &Actor::System, &gid(&org.id), org.version)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    org.id
}

/// A new published offer of organisation `org` at `app`.
pub(crate) async fn offer_of(app: &TestApp, org: &str, title: &str) -> String {
    let draft = offer::create(
        &app.state,
        &Actor::System,
        &gid(org),
        OfferFields {
            title: Some(title.into()),
            kind: Some(OfferKind::Group),
            life_domains: Some(vec![LifeDomain::Beweging]),
            target_groups: Some(vec![TargetGroup::Eenzaamheid]),
            locations: Some(vec![LocationFields {
                postcode: Some("6663".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }
        .try_into()
        .unwrap(),
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    offer::publish(
        &app.state,
        &Actor::System,
        &gid(&draft.offer.id),
        draft.offer.version,
    )
    .await
    .unwrap_or_else(|e| panic!("{}", e.message()));
    draft.offer.id
}

/// A new practitioner of practice `practice` at `app`; returns a bearer token.
pub(crate) async fn practitioner_of(app: &TestApp, email: &str, practice: &str) -> String {
    app.user_token(
        email,
        vec![Membership {
            role: Role::Practitioner,
            organisation_id: Some(practice.into()),
            gemeente_code: None,
        }],
    )
    .await
}

/// Sends a referral from `token`'s practice to `offer`.
pub(crate) async fn send(app: &TestApp, token: &str, offer: &str, patient: &str) -> Value {
    let input = json!({"offerId": offer, "patientRef": patient, "consent": true,
        "contactPreference": "PHONE", "reasonDomains": ["BEWEGING"], "note": "Graag bellen"});
    let body = app
        .gql_with(Some(token), SEND, json!({"input": input}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["sendReferral"].clone()
}

/// `GET /verwijzingen/{id}` with `token` as session cookie: status and body.
async fn page(app: &TestApp, token: &str, id: &Value) -> (u16, String) {
    let res = app
        .client
        .get(app.url(&format!("/verwijzingen/{}", id.as_str().unwrap())))
        .header("cookie", format!("wijk_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// What an outsider (`token`) gets for referral `r` at `app`: NOT_FOUND by id, nothing in the
/// list, every status change refused as NOT_FOUND, a 404 page without the patient reference.
/// Every way in is tried and every one that lets the outsider through is reported.
async fn assert_outside(app: &TestApp, token: &str, who: &str, r: &Value, patient: &str) {
    let mut through = Vec::new();
    let one = app.gql_with(Some(token), ONE, json!({"id": r["id"]})).await;
    if error_code(&one) != Some("NOT_FOUND") {
        through.push(format!("reads it: {one}"));
    }
    let list = app.gql_with(Some(token), LIST, json!({})).await;
    let listed = list["data"]["referrals"]
        .as_array()
        .is_none_or(|rs| rs.iter().any(|x| x["id"] == r["id"]));
    if listed {
        through.push(format!("lists it: {list}"));
    }
    for to in ["RECEIVED", "CANCELLED"] {
        let body = app
            .gql_with(
                Some(token),
                MOVE,
                json!({"id": r["id"], "v": r["version"], "s": to, "note": null}),
            )
            .await;
        if error_code(&body) != Some("NOT_FOUND") {
            through.push(format!("moves it to {to}: {body}"));
        }
    }
    let (status, html) = page(app, token, &r["id"]).await;
    if status != 404 || html.contains(patient) {
        through.push(format!("opens its page ({status})"));
    }
    assert!(through.is_empty(), "{who} {}", through.join("; "));
}

/// The stored status of referral `id` at `app`.
async fn stored_status(app: &TestApp, id: &Value) -> entities::ReferralStatus {
    referral::Entity::find_by_id(id.as_str().unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `referralUpdates` subscription over `/graphql/ws` as `token`.
pub(crate) struct Subscription(Ws);

impl Subscription {
    /// Opens the subscription and returns once the node has registered it (holds a receiver
    /// of its change channel), so no update sent after this is missed.
    pub(crate) async fn open(app: &TestApp, token: &str) -> Self {
        let before = app.state.referral_changes.receiver_count();
        let mut req = format!("ws://{}/graphql/ws", app.addr)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let init = json!({"type": "connection_init",
            "payload": {"authorization": format!("Bearer {token}")}});
        ws.send(Message::text(init.to_string())).await.unwrap();
        let ack = ws.next().await.unwrap().unwrap();
        assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
        let sub = json!({"id": "1", "type": "subscribe",
            "payload": {"query": "subscription { referralUpdates { referralId status } }"}});
        ws.send(Message::text(sub.to_string())).await.unwrap();
        eventually(10, "the subscription is registered", || async {
            (app.state.referral_changes.receiver_count() > before).then_some(())
        })
        .await;
        Self(ws)
    }

    /// The next protocol message (a text frame, as JSON); panics after 15 s without one,
    /// saying it `awaited` that.
    async fn message(&mut self, awaited: &str) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(15), self.0.next())
                .await
                .unwrap_or_else(|_| panic!("{awaited} within 15 s"))
                .expect("the socket stays open")
                .unwrap();
            if let Message::Text(text) = msg {
                return serde_json::from_str(&text).expect("a JSON message");
            }
        }
    }

    /// The next update: `(referralId, status)`; panics after 15 s without one.
    pub(crate) async fn next(&mut self) -> (String, String) {
        loop {
            let v = self.message("an update").await;
            if v["type"] == "next" {
                let u = &v["payload"]["data"]["referralUpdates"];
                return (
                    u["referralId"].as_str().unwrap().to_string(),
                    u["status"].as_str().unwrap().to_string(),
                );
            }
            assert_ne!(v["type"], "error", "{v}");
        }
    }

    /// Asserts that no update is waiting: the socket answers two pings, and an update it had
    /// been sent would come before the second pong (the connection polls its subscription
    /// again between the two).
    pub(crate) async fn hears_nothing(&mut self) {
        for ping in 0..2 {
            self.0
                .send(Message::text(json!({"type": "ping"}).to_string()))
                .await
                .unwrap();
            loop {
                let v = self.message("a pong").await;
                assert_ne!(
                    v["type"], "next",
                    "an update reached this socket: {v} (ping {ping})"
                );
                if v["type"] == "pong" {
                    break;
                }
            }
        }
    }

    /// Waits for the first update about referral `id` and returns every update up to it.
    pub(crate) async fn until(&mut self, id: &Value) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        loop {
            let u = self.next().await;
            let done = u.0 == id.as_str().unwrap();
            seen.push(u);
            if done {
                return seen;
            }
        }
    }
}

/// One node with two practices (A: the demo practice, B: new) and two organisations (A:
/// Bindkracht10 with "Wandelgroep Lent", B: new with its own offer).
struct TwoOfEach {
    app: TestApp,
    gp_a: String,
    editor_a: String,
    gp_b: String,
    editor_b: String,
    offer_a: String,
    offer_b: String,
}

async fn two_of_each() -> TwoOfEach {
    let app = TestApp::spawn().await;
    let practice_b = organisation_of(
        &app,
        "Huisartsenpraktijk Oost",
        OrganisationKind::GpPractice,
    )
    .await;
    let org_b = organisation_of(&app, "Buurthuis Oost", OrganisationKind::Welfare).await;
    let offer_b = offer_of(&app, &org_b, "Koffieochtend Oost").await;
    let (offer_a, _) = offer_by_title(&app, "Wandelgroep Lent").await;
    TwoOfEach {
        gp_a: app.sign_in(demo::GP).await,
        editor_a: app.sign_in(demo::EDITOR).await,
        gp_b: practitioner_of(&app, "huisarts@oost.example", &practice_b).await,
        editor_b: app.editor_token("redactie@oost.example", &org_b).await,
        offer_a,
        offer_b,
        app,
    }
}

#[tokio::test]
async fn another_practice_and_another_organisation_cannot_read_change_or_open_a_referral() {
    let w = two_of_each().await;
    let a = send(&w.app, &w.gp_a, &w.offer_a, "P-A-0001").await;
    let b = send(&w.app, &w.gp_b, &w.offer_b, "P-B-0001").await;
    assert_outside(&w.app, &w.gp_b, "practice B", &a, "P-A-0001").await;
    assert_outside(&w.app, &w.editor_b, "organisation B", &a, "P-A-0001").await;
    assert_outside(&w.app, &w.gp_a, "practice A", &b, "P-B-0001").await;
    assert_outside(&w.app, &w.editor_a, "organisation A", &b, "P-B-0001").await;
    for r in [&a, &b] {
        assert_eq!(
            stored_status(&w.app, &r["id"]).await,
            entities::ReferralStatus::Requested
        );
    }

    // Each side sees exactly its own, and the pages open for it.
    for (token, who, own) in [
        (&w.gp_a, "practice A", &a),
        (&w.editor_a, "organisation A", &a),
        (&w.gp_b, "practice B", &b),
        (&w.editor_b, "organisation B", &b),
    ] {
        let list = w.app.gql_with(Some(token), LIST, json!({})).await;
        assert_eq!(
            list["data"]["referrals"],
            json!([{"id": own["id"]}]),
            "{who}"
        );
        let one = w
            .app
            .gql_with(Some(token), ONE, json!({"id": own["id"]}))
            .await;
        assert_eq!(one["data"]["referral"]["id"], own["id"], "{who}: {one}");
        assert_eq!(page(&w.app, token, &own["id"]).await.0, 200, "{who}");
    }
    // And the receiver may still answer its own, the referrer cancel its own.
    let moved = w
        .app
        .gql_with(
            Some(&w.editor_a),
            MOVE,
            json!({"id": a["id"], "v": a["version"], "s": "RECEIVED", "note": null}),
        )
        .await;
    assert_eq!(moved["data"]["updateReferralStatus"]["status"], "RECEIVED");
    let moved = w
        .app
        .gql_with(
            Some(&w.gp_b),
            MOVE,
            json!({"id": b["id"], "v": b["version"], "s": "CANCELLED", "note": null}),
        )
        .await;
    assert_eq!(moved["data"]["updateReferralStatus"]["status"], "CANCELLED");
    w.app.stop().await;
}

#[tokio::test]
async fn another_practice_and_another_organisation_hear_nothing_of_a_referral() {
    let w = two_of_each().await;
    let mut subs = Vec::new();
    for token in [&w.gp_a, &w.editor_a, &w.gp_b, &w.editor_b] {
        subs.push(Subscription::open(&w.app, token).await);
    }
    let [gp_a, editor_a, gp_b, editor_b] = &mut subs[..] else {
        unreachable!()
    };
    // Warm-up: each subscriber hears a referral of its own before the one under test.
    let a_to_b = send(&w.app, &w.gp_a, &w.offer_b, "P-WARM-001").await;
    let b_to_a = send(&w.app, &w.gp_b, &w.offer_a, "P-WARM-002").await;
    gp_a.until(&a_to_b["id"]).await;
    editor_b.until(&a_to_b["id"]).await;
    gp_b.until(&b_to_a["id"]).await;
    editor_a.until(&b_to_a["id"]).await;

    // Under test: A's referral to A's offer and its first change.
    let r = send(&w.app, &w.gp_a, &w.offer_a, "P-A-0002").await;
    let received = w
        .app
        .gql_with(
            Some(&w.editor_a),
            MOVE,
            json!({"id": r["id"], "v": r["version"], "s": "RECEIVED", "note": null}),
        )
        .await;
    assert!(received.get("errors").is_none(), "{received}");
    let id = r["id"].as_str().unwrap().to_string();
    for sub in [&mut *gp_a, &mut *editor_a] {
        assert_eq!(sub.next().await, (id.clone(), "REQUESTED".into()));
        assert_eq!(sub.next().await, (id.clone(), "RECEIVED".into()));
    }
    // Closing control: B's next referral to B's offer. Updates arrive in order, so whatever B's
    // subscribers heard of A's referral would come before it.
    let closing = send(&w.app, &w.gp_b, &w.offer_b, "P-B-0002").await;
    let want = vec![(
        closing["id"].as_str().unwrap().to_string(),
        "REQUESTED".into(),
    )];
    assert_eq!(gp_b.until(&closing["id"]).await, want, "practice B");
    assert_eq!(editor_b.until(&closing["id"]).await, want, "organisation B");
    w.app.stop().await;
}

#[tokio::test]
async fn across_two_nodes_only_the_practice_and_the_organisation_see_a_referral() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    // The offer at nhn and its organisation X; organisation Y is another one at nhn.
    let offer = offers_from(nijmegen, "nhn", json!(["OPEN", "RUNNING"])).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let org_x = nhn
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { organisation { id } } }",
            json!({"id": offer}),
        )
        .await["offer"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let editor_x = nhn.editor_token("redactie-x@nhn.example", &org_x).await;
    let org_y = organisation_of(nhn, "Welzijn Y", OrganisationKind::Welfare).await;
    let offer_y = offer_of(nhn, &org_y, "Inloop Y").await;
    let editor_y = nhn.editor_token("redactie-y@nhn.example", &org_y).await;
    // A practice at nhn, to give Y's subscriber referrals of its own.
    let nhn_practice = organisation_of(nhn, "Praktijk NHN", OrganisationKind::GpPractice).await;
    let nhn_gp = practitioner_of(nhn, "huisarts@nhn.example", &nhn_practice).await;
    // At nijmegen: the demo practice A and another practice B.
    let gp_a = nijmegen.sign_in(demo::GP).await;
    let practice_b =
        organisation_of(nijmegen, "Praktijk Noord", OrganisationKind::GpPractice).await;
    let gp_b = practitioner_of(nijmegen, "huisarts@noord.example", &practice_b).await;
    let (local_offer, _) = offer_by_title(nijmegen, "Wandelgroep Lent").await;

    let mut x_sub = Subscription::open(nhn, &editor_x).await;
    let mut y_sub = Subscription::open(nhn, &editor_y).await;
    let mut a_sub = Subscription::open(nijmegen, &gp_a).await;
    let mut b_sub = Subscription::open(nijmegen, &gp_b).await;
    // Warm-up: each subscriber hears one referral of its own first.
    let warm_x = send(nhn, &nhn_gp, &offer, "P-WARM-X01").await;
    let warm_y = send(nhn, &nhn_gp, &offer_y, "P-WARM-Y01").await;
    let warm_a = send(nijmegen, &gp_a, &local_offer, "P-WARM-A01").await;
    let warm_b = send(nijmegen, &gp_b, &local_offer, "P-WARM-B01").await;
    x_sub.until(&warm_x["id"]).await;
    y_sub.until(&warm_y["id"]).await;
    a_sub.until(&warm_a["id"]).await;
    b_sub.until(&warm_b["id"]).await;

    // Under test: practice A at nijmegen refers to X's offer at nhn; X receives it there.
    let r = send(nijmegen, &gp_a, &offer, "P-FED-0001").await;
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(a_sub.next().await, (id.clone(), "REQUESTED".into()));
    assert_eq!(x_sub.next().await, (id.clone(), "REQUESTED".into()));
    let there = eventually(15, "the referral is at nhn", || async {
        let body = nhn
            .gql_with(Some(&editor_x), ONE, json!({"id": r["id"]}))
            .await;
        body.get("errors")
            .is_none()
            .then(|| body["data"]["referral"].clone())
    })
    .await;
    // Outsiders at the offer's node and at the referrer's node.
    assert_outside(
        nhn,
        &editor_y,
        "organisation Y at nhn",
        &there,
        "P-FED-0001",
    )
    .await;
    assert_outside(nhn, &nhn_gp, "a practice at nhn", &there, "P-FED-0001").await;
    assert_outside(nijmegen, &gp_b, "practice B at nijmegen", &r, "P-FED-0001").await;
    // X answers at nhn; the change comes back to A.
    let moved = nhn
        .gql_with(
            Some(&editor_x),
            MOVE,
            json!({"id": r["id"], "v": there["version"], "s": "RECEIVED", "note": null}),
        )
        .await;
    assert!(moved.get("errors").is_none(), "{moved}");
    assert_eq!(x_sub.next().await, (id.clone(), "RECEIVED".into()));
    assert_eq!(a_sub.next().await, (id.clone(), "RECEIVED".into()));

    // Closing controls: Y and B hear their next own referral, and nothing before it.
    let close_y = send(nhn, &nhn_gp, &offer_y, "P-CLOSE-Y1").await;
    let close_b = send(nijmegen, &gp_b, &local_offer, "P-CLOSE-B1").await;
    assert_eq!(
        y_sub.until(&close_y["id"]).await,
        vec![(
            close_y["id"].as_str().unwrap().to_string(),
            "REQUESTED".into()
        )],
        "organisation Y heard of the referral"
    );
    assert_eq!(
        b_sub.until(&close_b["id"]).await,
        vec![(
            close_b["id"].as_str().unwrap().to_string(),
            "REQUESTED".into()
        )],
        "practice B heard of the referral"
    );
}
