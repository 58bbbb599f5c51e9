//! Three regional nodes in-process, each with its own database, pulling each other's feeds.

use api::config::{Config, PeerConfig};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::HashMap;
use tests::{TestApp, demo, error_code, eventually, listener, port_of};

pub(crate) const REGIONS: [(&str, &str); 3] = [
    ("nijmegen", "nijmegen"),
    ("nhn", "noord-holland-noord"),
    ("zl", "zuid-limburg"),
];

pub(crate) fn secret(a: &str, b: &str) -> String {
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    format!("secret-{x}-{y}")
}

fn peer(me: &str, id: &str, port: u16) -> PeerConfig {
    PeerConfig {
        id: id.into(),
        base_url: format!("http://127.0.0.1:{port}"),
        secret: Some(secret(me, id)),
        interval_secs: 0,
        token_url: None,
        client_id: None,
        client_secret: None,
        inbound_client_id: None,
    }
}

/// Starts the three regional nodes, each seeded with its own region's demo data.
pub(crate) async fn three_nodes() -> Vec<TestApp> {
    three_nodes_with(|_| {}).await
}

/// [`three_nodes`] with every node's config further adjusted by `edit`.
pub(crate) async fn three_nodes_with(edit: impl Fn(&mut Config)) -> Vec<TestApp> {
    nodes_with(&REGIONS, edit).await
}

/// The nodes of `regions` (of [`REGIONS`]), each a peer of every other, configured by `edit`.
async fn nodes_with(regions: &[(&str, &str)], edit: impl Fn(&mut Config)) -> Vec<TestApp> {
    let mut listeners = Vec::new();
    for _ in regions {
        listeners.push(listener().await);
    }
    let ports: Vec<u16> = listeners.iter().map(port_of).collect();
    let mut nodes = Vec::new();
    for ((i, (id, region)), listener) in regions.iter().enumerate().zip(listeners) {
        let peers: Vec<PeerConfig> = regions
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, (pid, _))| peer(id, pid, ports[j]))
            .collect();
        nodes.push(
            TestApp::spawn_on(listener, |c: &mut Config| {
                c.node.id = id.to_string();
                c.seed.demo_regions = vec![region.to_string()];
                c.federation.peers = peers;
                // Referral deliveries to a peer that is down are retried every second.
                c.federation.delivery_max_backoff_secs = 1;
                edit(c);
            })
            .await
            .signed_in(demo::ADMIN)
            .await,
        );
    }
    nodes
}

async fn sync(node: &TestApp, peer: &str) -> Value {
    let data = node
        .gql_ok(
            "mutation($id: String!) { syncPeer(id: $id) { id cursor headSeq lagRecords recordsApplied lastError lastSuccessAt } }",
            json!({"id": peer}),
        )
        .await;
    data["syncPeer"].clone()
}

pub(crate) async fn sync_all(nodes: &[TestApp]) {
    for node in nodes {
        for (peer, _) in REGIONS {
            if peer != node.state.node_id.as_str() {
                let status = sync(node, peer).await;
                assert_eq!(status["lastError"], Value::Null, "{status}");
            }
        }
    }
}

pub(crate) async fn offers_from(node: &TestApp, origin: &str, statuses: Value) -> Vec<Value> {
    let data = node
        .gql_ok(
            r#"query($origin: String, $statuses: [OfferStatus!]) {
                 offers(filter: {originNode: $origin, statuses: $statuses}, first: 100) {
                   edges { node { id title originNode placesTaken status version organisation { name originNode } } } } }"#,
            json!({"origin": origin, "statuses": statuses}),
        )
        .await;
    data["offers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn three_nodes_converge_on_create_update_end_delete() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let own = own_offer_counts(&nodes).await;
    for node in &nodes {
        for (origin, _) in REGIONS {
            let mirrored = offers_from(node, origin, Value::Null).await;
            let at_origin = offers_from(
                &nodes[REGIONS.iter().position(|(id, _)| *id == origin).unwrap()],
                origin,
                Value::Null,
            )
            .await;
            assert_eq!(
                mirrored.len(),
                at_origin.len(),
                "{} sees all of {origin}'s offers",
                node.state.node_id
            );
            assert!(
                mirrored
                    .iter()
                    .all(|o| o["organisation"]["originNode"] == origin)
            );
        }
    }
    assert!(own.iter().all(|n| *n > 0));

    // Create at Nijmegen; the others see it after a sync.
    let a = &nodes[0];
    let org = offers_from(a, "nijmegen", Value::Null).await[0]["organisation"]["name"].clone();
    let orgs = a
        .gql_ok(
            "query($n: String) { organisations(nameContains: $n) { id } }",
            json!({"n": org}),
        )
        .await;
    let org_id = orgs["organisations"][0]["id"].clone();
    let created = a
        .gql_ok(
            r#"mutation($org: ID!) { createOffer(organisationId: $org, input: {title: "Grenswandeling Ooij", kind: GROUP,
                 capacity: 12, placesTaken: 2, locations: [{postcode: "6576"}]}) { id version } }"#,
            json!({"org": org_id}),
        )
        .await;
    let id = created["createOffer"]["id"].as_str().unwrap().to_string();
    a.gql_ok(
        "mutation($id: ID!) { publishOffer(id: $id, version: 1) { id } }",
        json!({"id": id}),
    )
    .await;
    sync_all(&nodes).await;
    for node in &nodes[1..] {
        let o = seen(node, &id, Value::Null)
            .await
            .expect("created offer mirrored");
        assert_eq!(o["placesTaken"], 2);
        assert_eq!(o["originNode"], "nijmegen");
    }

    // Update.
    a.gql_ok(
        "mutation($id: ID!) { updateOffer(id: $id, version: 2, input: {placesTaken: 7}) { id } }",
        json!({"id": id}),
    )
    .await;
    sync_all(&nodes).await;
    for node in &nodes[1..] {
        assert_eq!(
            seen(node, &id, Value::Null).await.expect("still mirrored")["placesTaken"],
            7
        );
    }

    // End.
    a.gql_ok(
        "mutation($id: ID!) { endOffer(id: $id, version: 3) { id } }",
        json!({"id": id}),
    )
    .await;
    sync_all(&nodes).await;
    for node in &nodes[1..] {
        assert!(
            seen(node, &id, json!(["ENDED"])).await.is_none(),
            "an ended offer leaves the mirrors"
        );
    }

    // Delete: a tombstone removes it everywhere.
    a.gql_ok(
        "mutation($id: ID!) { deleteOffer(id: $id, version: 4) }",
        json!({"id": id}),
    )
    .await;
    sync_all(&nodes).await;
    for node in &nodes[1..] {
        assert!(
            seen(node, &id, json!(["ENDED"])).await.is_none(),
            "deleted offer gone at {}",
            node.state.node_id
        );
        let row = entities::offer::Entity::find_by_id(id.clone())
            .one(&node.state.db)
            .await
            .unwrap();
        assert!(row.is_none(), "mirror row deleted");
    }
}

/// The Nijmegen offer `id` as `node` lists it with these statuses, if it does.
async fn seen(node: &TestApp, id: &str, statuses: Value) -> Option<Value> {
    offers_from(node, "nijmegen", statuses)
        .await
        .into_iter()
        .find(|o| o["id"] == id)
}

async fn own_offer_counts(nodes: &[TestApp]) -> Vec<usize> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(
            offers_from(node, node.state.node_id.as_str(), Value::Null)
                .await
                .len(),
        );
    }
    out
}

#[tokio::test]
async fn border_search_finds_offers_across_regions_and_mirrors_are_read_only() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let nhn = &nodes[1];
    // A GP in Noord-Holland-Noord looking in Nijmegen finds Nijmegen's offers, with provenance.
    let data = nhn
        .gql_ok(
            r#"{ offers(filter: {areaCode: "WK026809"}, first: 50) { edges { node { id title originNode } } } }"#,
            json!({}),
        )
        .await;
    let edges = data["offers"]["edges"].as_array().unwrap();
    assert!(edges.len() >= 4, "{data}");
    assert!(edges.iter().all(|e| e["node"]["originNode"] == "nijmegen"));

    let id = edges[0]["node"]["id"].clone();
    let body = nhn
        .gql("mutation($id: ID!) { updateOffer(id: $id, version: 1, input: {placesTaken: 1}) { id } }", json!({"id": id}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn peers_must_prove_who_they_are() {
    let nodes = three_nodes().await;
    let a = &nodes[0];
    let feed = |node: &'static str, token: &'static str| {
        let client = a.client.clone();
        let url = a.url("/graphql");
        async move {
            client
                .post(url)
                .header("x-wijk-node", node)
                .bearer_auth(token)
                .json(&json!({"query": "{ changeFeed(since: 0, first: 10) }"}))
                .send()
                .await
                .unwrap()
        }
    };
    let ok = feed("nhn", "secret-nhn-nijmegen").await;
    assert_eq!(ok.status(), 200);
    let page: Value = ok.json().await.unwrap();
    assert_eq!(page["data"]["changeFeed"]["node"], "nijmegen");
    let entries = page["data"]["changeFeed"]["entries"].as_array().unwrap();
    // Ten change-log rows; a record created and then published appears once.
    assert!(!entries.is_empty() && entries.len() < 10, "{page}");
    assert_eq!(page["data"]["changeFeed"]["next_cursor"], 10);
    assert_eq!(page["data"]["changeFeed"]["has_more"], true);

    for (node, token) in [
        ("nhn", "wrong"),
        ("nhn", "secret-nijmegen-zl"),
        ("elsewhere", "secret-nhn-nijmegen"),
    ] {
        let res = feed(node, token).await;
        assert_eq!(res.status(), 401, "{node}/{token}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
}

#[tokio::test]
async fn sync_resumes_after_the_peer_restarts() {
    let mut nodes = three_nodes().await;
    sync_all(&nodes).await;
    let a = nodes.remove(0);
    let (config, dir) = a.stop_keeping_data().await;

    let nhn = &nodes[0];
    let before = sync(nhn, "nijmegen").await;
    assert!(
        before["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("unreachable")),
        "{before}"
    );
    let cursor = before["cursor"].clone();

    let a = TestApp::restart(config, dir)
        .await
        .signed_in(demo::ADMIN)
        .await;
    let orgs = a
        .gql_ok(
            r#"{ organisations(nameContains: "Bindkracht10") { id } }"#,
            json!({}),
        )
        .await;
    let created = a
        .gql_ok(
            r#"mutation($org: ID!) { createOffer(organisationId: $org, input: {title: "Na de herstart", kind: ACTIVITY,
                 locations: [{postcode: "6663"}]}) { id } }"#,
            json!({"org": orgs["organisations"][0]["id"]}),
        )
        .await;
    let id = created["createOffer"]["id"].clone();
    a.gql_ok(
        "mutation($id: ID!) { publishOffer(id: $id, version: 1) { id } }",
        json!({"id": id}),
    )
    .await;

    let after = sync(nhn, "nijmegen").await;
    assert_eq!(after["lastError"], Value::Null, "{after}");
    assert!(after["cursor"].as_i64() > cursor.as_i64());
    assert_eq!(after["lagRecords"], 0);
    assert!(
        offers_from(nhn, "nijmegen", Value::Null)
            .await
            .iter()
            .any(|o| o["id"] == id)
    );

    let status = nhn
        .gql_ok(
            "{ federationStatus { id lagRecords lagSeconds lastError } }",
            json!({}),
        )
        .await;
    let nij = status["federationStatus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "nijmegen")
        .unwrap()
        .clone();
    assert_eq!(nij["lagRecords"], 0);
    assert!(nij["lagSeconds"].as_i64().is_some());

    let metrics = nhn
        .client
        .get(nhn.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("federation_peers 2"), "{metrics}");
    assert!(
        metrics.contains("federation_peer_up{peer=\"nijmegen\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("federation_peer_lag_records{peer=\"nijmegen\"} 0"),
        "{metrics}"
    );
}

/// A fake peer on loopback whose `/graphql` answers each request (its JSON body, null if it
/// has none) with `answer(request)`.
async fn serve_fake_peer(answer: impl Fn(&Value) -> String + Clone + Send + Sync + 'static) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |request: axum::body::Bytes| {
            let request = serde_json::from_slice(&request).unwrap_or(Value::Null);
            let body = answer(&request);
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// A fake peer whose `/graphql` answers with whatever body the test sets.
async fn fake_peer(body: std::sync::Arc<std::sync::Mutex<String>>) -> u16 {
    serve_fake_peer(move |_| body.lock().unwrap().clone()).await
}

/// A node `nhn` (no demo data) pulling from a `nijmegen` at `port` on loopback.
async fn nhn_pulling_nijmegen_at(port: u16) -> TestApp {
    TestApp::spawn_with(|c: &mut Config| {
        c.node.id = "nhn".into();
        c.seed.demo_regions = vec!["noord-holland-noord".into()];
        c.federation.peers = vec![peer("nhn", "nijmegen", port)];
    })
    .await
    .signed_in(demo::ADMIN)
    .await
}

fn page_json(next_cursor: i64, entries: Vec<api::federation::protocol::FeedEntry>) -> String {
    let page = api::federation::protocol::FeedPage {
        version: api::federation::protocol::FEED_VERSION,
        node: "nijmegen".into(),
        head_seq: next_cursor,
        next_cursor,
        has_more: false,
        entries,
    };
    json!({"data": {"changeFeed": page}}).to_string()
}

#[tokio::test]
async fn garbage_and_replayed_pages_never_corrupt_the_mirror() {
    use api::federation::protocol::{FeedEntry, OfferRecord, OrganisationRecord, Record};
    use entities::{
        Intake, OfferKind, OfferStatus, OrganisationKind, OrganisationStatus, RecordKind,
    };

    let body = std::sync::Arc::new(std::sync::Mutex::new(String::from(
        "<html>502 Bad Gateway</html>",
    )));
    let node = nhn_pulling_nijmegen_at(fake_peer(body.clone()).await).await;
    let mirrored = |node: &TestApp| {
        let db = node.state.db.clone();
        async move {
            use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
            entities::offer::Entity::find()
                .filter(entities::offer::Column::OriginNode.eq("nijmegen"))
                .count(&db)
                .await
                .unwrap()
        }
    };

    let status = sync(&node, "nijmegen").await;
    assert!(
        status["lastError"].as_str().unwrap().contains("no JSON"),
        "{status}"
    );
    assert_eq!(status["cursor"], 0);

    let now = chrono::Utc::now();
    let org = OrganisationRecord {
        id: "nijmegen:5f0c7a4e-9a43-4c1e-8f7b-0d0d3c6b1a01".into(),
        origin_node: "nijmegen".into(),
        name: "Buurtwerk over de grens".into(),
        kind: OrganisationKind::Welfare,
        status: OrganisationStatus::Published,
        description: String::new(),
        kvk: None,
        agb: None,
        website: None,
        email: None,
        phone: None,
        area_codes: vec!["GM0268".into()],
        created_at: now,
        updated_at: now,
        version: 2,
    };
    let offer = |version: i32, title: &str, id: &str| OfferRecord {
        id: id.into(),
        origin_node: "nijmegen".into(),
        organisation_id: org.id.clone(),
        title: title.into(),
        description: String::new(),
        kind: OfferKind::Group,
        status: OfferStatus::Open,
        published_at: Some(now),
        intake: Intake::None,
        cost_cents: None,
        cost_period: None,
        cost_note: None,
        capacity: Some(10),
        places_taken: 1,
        has_waitlist: false,
        start_date: None,
        end_date: None,
        min_age: None,
        max_age: None,
        schedule: vec![],
        schedule_note: None,
        languages: vec!["nl".into()],
        accessibility: None,
        how_to_join: None,
        contact_name: None,
        contact_email: None,
        contact_phone: None,
        hc_year: None,
        hc_coaches: vec![],
        hc_regisseur: None,
        hc_start_meeting: None,
        hc_sounding_board: vec![],
        circle: None,
        life_domains: vec![],
        target_groups: vec![],
        locations: vec![],
        created_at: now,
        updated_at: now,
        version,
        network: None,
        suitability: None,
        confirmed_at: None,
        recovery_focus: None,
    };
    let offer_id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e11";
    let org_entry = FeedEntry {
        seq: 1,
        kind: RecordKind::Organisation,
        id: org.id.clone(),
        record: Some(Record::Organisation(Box::new(org.clone()))),
    };

    // A record claiming another node's id is refused; nothing of the page is applied.
    let foreign = "zl:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12";
    *body.lock().unwrap() = page_json(
        3,
        vec![
            org_entry.clone(),
            FeedEntry {
                seq: 3,
                kind: RecordKind::Offer,
                id: foreign.into(),
                record: Some(Record::Offer(Box::new(offer(1, "Kaping", foreign)))),
            },
        ],
    );
    let status = sync(&node, "nijmegen").await;
    assert!(
        status["lastError"]
            .as_str()
            .unwrap()
            .contains("does not belong"),
        "{status}"
    );
    assert_eq!(status["cursor"], 0);
    assert_eq!(mirrored(&node).await, 0);
    assert!(
        entities::organisation::Entity::find_by_id(org.id.clone())
            .one(&node.state.db)
            .await
            .unwrap()
            .is_none()
    );

    // A good page applies.
    *body.lock().unwrap() = page_json(
        5,
        vec![
            org_entry.clone(),
            FeedEntry {
                seq: 5,
                kind: RecordKind::Offer,
                id: offer_id.into(),
                record: Some(Record::Offer(Box::new(offer(
                    3,
                    "Wandelen aan de Waal",
                    offer_id,
                )))),
            },
        ],
    );
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(status["cursor"], 5);
    assert_eq!(mirrored(&node).await, 1);

    // A replayed older version does not roll the record back.
    *body.lock().unwrap() = page_json(
        6,
        vec![FeedEntry {
            seq: 6,
            kind: RecordKind::Offer,
            id: offer_id.into(),
            record: Some(Record::Offer(Box::new(offer(2, "Oude titel", offer_id)))),
        }],
    );
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let stored = entities::offer::Entity::find_by_id(offer_id)
        .one(&node.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "Wandelen aan de Waal");
    assert_eq!(stored.version, 3);

    // A peer that moves its cursor backwards is refused.
    *body.lock().unwrap() = page_json(2, vec![]);
    let status = sync(&node, "nijmegen").await;
    assert!(
        status["lastError"].as_str().unwrap().contains("backwards"),
        "{status}"
    );
    assert_eq!(status["cursor"], 6);
    assert_eq!(mirrored(&node).await, 1);
}

#[tokio::test]
async fn mirrored_offers_are_found_by_search_with_their_origin() {
    let nodes = three_nodes().await;
    sync_all(&nodes).await;
    let nhn = &nodes[1];
    nhn.state
        .search
        .sync_now()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let data = nhn
        .gql_ok(
            r#"{ searchOffers(query: "wandelgroep lent", first: 5) { totalCount hits { offer { title originNode } } } }"#,
            json!({}),
        )
        .await;
    let top = &data["searchOffers"]["hits"][0]["offer"];
    assert_eq!(top["title"], "Wandelgroep Lent", "{data}");
    assert_eq!(top["originNode"], "nijmegen");

    // A tombstone removes the mirrored offer from the index too.
    let a = &nodes[0];
    let listed = offers_from(a, "nijmegen", Value::Null).await;
    let walk = listed
        .iter()
        .find(|o| o["title"] == "Wandelgroep Lent")
        .unwrap();
    a.gql_ok(
        "mutation($id: ID!, $v: Int!) { deleteOffer(id: $id, version: $v) }",
        json!({"id": walk["id"], "v": walk["version"]}),
    )
    .await;
    sync(nhn, "nijmegen").await;
    nhn.state
        .search
        .sync_now()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message()));
    let data = nhn
        .gql_ok(
            r#"{ searchOffers(query: "wandelgroep lent", first: 5) { hits { offer { title } } } }"#,
            json!({}),
        )
        .await;
    let titles: Vec<&Value> = data["searchOffers"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["offer"]["title"])
        .collect();
    assert!(!titles.contains(&&json!("Wandelgroep Lent")), "{data}");
}

const PEER_ORG: &str = "nijmegen:5f0c7a4e-9a43-4c1e-8f7b-0d0d3c6b1a01";
const PEER_OFFER: &str = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e11";

/// A valid, public organisation record of node `nijmegen`.
fn peer_org() -> api::federation::protocol::OrganisationRecord {
    let now = chrono::Utc::now();
    api::federation::protocol::OrganisationRecord {
        id: PEER_ORG.into(),
        origin_node: "nijmegen".into(),
        name: "Buurtwerk over de grens".into(),
        kind: entities::OrganisationKind::Welfare,
        status: entities::OrganisationStatus::Published,
        description: String::new(),
        kvk: Some("41048127".into()),
        agb: None,
        website: Some("https://buurtwerk.example/".into()),
        email: Some("info@buurtwerk.example".into()),
        phone: Some("024 - 382 28 38".into()),
        area_codes: vec!["GM0268".into()],
        created_at: now,
        updated_at: now,
        version: 2,
    }
}

/// A valid, published offer record of [`peer_org`] with one location.
fn peer_offer() -> api::federation::protocol::OfferRecord {
    let now = chrono::Utc::now();
    api::federation::protocol::OfferRecord {
        id: PEER_OFFER.into(),
        origin_node: "nijmegen".into(),
        organisation_id: PEER_ORG.into(),
        title: "Wandelen aan de Waal".into(),
        description: String::new(),
        kind: entities::OfferKind::Group,
        status: entities::OfferStatus::Open,
        published_at: Some(now),
        intake: entities::Intake::None,
        cost_cents: None,
        cost_period: None,
        cost_note: None,
        capacity: Some(10),
        places_taken: 1,
        has_waitlist: false,
        start_date: None,
        end_date: None,
        min_age: None,
        max_age: None,
        schedule: vec![],
        schedule_note: None,
        languages: vec!["nl".into()],
        accessibility: None,
        how_to_join: None,
        contact_name: None,
        contact_email: Some("wandelen@buurtwerk.example".into()),
        contact_phone: None,
        hc_year: None,
        hc_coaches: vec![],
        hc_regisseur: None,
        hc_start_meeting: None,
        hc_sounding_board: vec![],
        circle: None,
        life_domains: vec![],
        target_groups: vec![],
        locations: vec![api::federation::protocol::LocationRecord {
            id: "nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6".into(),
            name: Some("Waalkade".into()),
            street: None,
            postcode: Some("6511AA".into()),
            city: Some("Nijmegen".into()),
            lat: 51.8475,
            lon: 5.8625,
            buurt_code: Some("BU02680000".into()),
            version: 1,
        }],
        created_at: now,
        updated_at: now,
        version: 3,
        network: None,
        suitability: None,
        confirmed_at: None,
        recovery_focus: None,
    }
}

/// A page of `node` with the organisation and offer as given.
fn page_of(
    node: &str,
    org: api::federation::protocol::OrganisationRecord,
    offer: api::federation::protocol::OfferRecord,
) -> String {
    use api::federation::protocol::{FeedEntry, FeedPage, Record};
    let page = FeedPage {
        version: api::federation::protocol::FEED_VERSION,
        node: node.into(),
        head_seq: 2,
        next_cursor: 2,
        has_more: false,
        entries: vec![
            FeedEntry {
                seq: 1,
                kind: entities::RecordKind::Organisation,
                id: org.id.clone(),
                record: Some(Record::Organisation(Box::new(org))),
            },
            FeedEntry {
                seq: 2,
                kind: entities::RecordKind::Offer,
                id: offer.id.clone(),
                record: Some(Record::Offer(Box::new(offer))),
            },
        ],
    };
    json!({"data": {"changeFeed": page}}).to_string()
}

/// A node `nhn` (no demo data) pulling from a fake `nijmegen` that serves `body`.
async fn node_with_fake_nijmegen() -> (TestApp, std::sync::Arc<std::sync::Mutex<String>>) {
    let body = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let node = nhn_pulling_nijmegen_at(fake_peer(body.clone()).await).await;
    (node, body)
}

/// How many records of `nijmegen` the node stores (organisations, offers, locations).
async fn stored_from_nijmegen(node: &TestApp) -> (u64, u64, u64) {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let db = &node.state.db;
    (
        entities::organisation::Entity::find()
            .filter(entities::organisation::Column::OriginNode.eq("nijmegen"))
            .count(db)
            .await
            .unwrap(),
        entities::offer::Entity::find()
            .filter(entities::offer::Column::OriginNode.eq("nijmegen"))
            .count(db)
            .await
            .unwrap(),
        entities::location::Entity::find()
            .filter(entities::location::Column::OriginNode.eq("nijmegen"))
            .count(db)
            .await
            .unwrap(),
    )
}

/// Every typed field of a peer's record goes through the domain type a local editor's input
/// goes through: a page with one bad value (a `javascript:` or `data:` website, a broken
/// e-mail, phone, KvK or postcode, an over-long name, a draft or ended record) is refused
/// whole, and nothing of it reaches the database or the offer page.
#[tokio::test]
async fn a_hostile_peer_cannot_plant_links_or_bad_fields() {
    use api::federation::protocol::{OfferRecord, OrganisationRecord};
    let (node, body) = node_with_fake_nijmegen().await;
    type OrgEdit = fn(&mut OrganisationRecord);
    type OfferEdit = fn(&mut OfferRecord);
    fn org(what: &'static str, edit: OrgEdit) -> (&'static str, OrgEdit) {
        (what, edit)
    }
    fn off(what: &'static str, edit: OfferEdit) -> (&'static str, OfferEdit) {
        (what, edit)
    }
    let org_cases = [
        org("website", |o| {
            o.website = Some("javascript:alert(document.cookie)".into())
        }),
        org("website", |o| {
            o.website = Some("JavaScript:alert(1)//https://x.nl".into())
        }),
        org("website", |o| {
            o.website = Some("data:text/html,<script>alert(1)</script>".into())
        }),
        org("website", |o| {
            o.website = Some("java\tscript:alert(1)".into())
        }),
        org("website", |o| {
            o.website = Some("https://user:pw@evil.example/".into())
        }),
        org("email", |o| {
            o.email = Some("javascript:alert(1)//@x.nl".into())
        }),
        org("phone", |o| o.phone = Some("tel:0243822838".into())),
        org("kvk", |o| o.kvk = Some("4104812x".into())),
        org("agb", |o| o.agb = Some("1".into())),
        org("name", |o| o.name = "x".repeat(201)),
        org("not public", |o| {
            o.status = entities::OrganisationStatus::Draft
        }),
        org("not public", |o| {
            o.status = entities::OrganisationStatus::Ended
        }),
    ];
    let offer_cases = [
        off("contactEmail", |o| {
            o.contact_email = Some("a b@c.nl".into())
        }),
        off("contactPhone", |o| {
            o.contact_phone = Some("javascript:1".into())
        }),
        off("postcode", |o| {
            o.locations[0].postcode = Some("0123 AB".into())
        }),
        off("buurtCode", |o| {
            o.locations[0].buurt_code = Some("GM0268".into())
        }),
        off("lat", |o| o.locations[0].lat = 48.85),
        off("title", |o| o.title = "x".repeat(201)),
        off("languages", |o| o.languages = vec!["<script>".into()]),
        off("placesTaken", |o| o.places_taken = 11),
        off("not public", |o| o.published_at = None),
        off("not public", |o| o.status = entities::OfferStatus::Ended),
    ];
    let mut pages = Vec::new();
    for (what, edit) in org_cases {
        let mut org = peer_org();
        edit(&mut org);
        pages.push((what, page_of("nijmegen", org, peer_offer())));
    }
    for (what, edit) in offer_cases {
        let mut offer = peer_offer();
        edit(&mut offer);
        pages.push((what, page_of("nijmegen", peer_org(), offer)));
    }
    for (what, page) in pages {
        *body.lock().unwrap() = page;
        let status = sync(&node, "nijmegen").await;
        let error = status["lastError"].as_str().unwrap_or_default();
        assert!(error.contains(what), "{what}: {status}");
        assert_eq!(status["cursor"], 0, "{what}");
        assert_eq!(stored_from_nijmegen(&node).await, (0, 0, 0), "{what}");
        let page = node
            .client
            .get(node.url(&format!("/aanbod/{PEER_OFFER}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 404, "{what}");
    }

    // The same page with valid values applies, and the link on the offer page is the URL.
    *body.lock().unwrap() = page_of("nijmegen", peer_org(), peer_offer());
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 1, 1));
    let html = node
        .client
        .get(node.url(&format!("/aanbod/{PEER_OFFER}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"href="https://buurtwerk.example/""#),
        "{html}"
    );
}

/// The page renders only http(s) links even from a value that was stored unchecked (defence in
/// depth, e.g. data written before the rule).
#[tokio::test]
async fn the_offer_page_links_only_validated_urls() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let (node, body) = node_with_fake_nijmegen().await;
    *body.lock().unwrap() = page_of("nijmegen", peer_org(), peer_offer());
    assert_eq!(sync(&node, "nijmegen").await["lastError"], Value::Null);
    let stored = entities::organisation::Entity::find_by_id(PEER_ORG)
        .one(&node.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = stored.into_active_model();
    active.website = Set(Some("javascript:alert(1)".into()));
    active.update(&node.state.db).await.unwrap();
    let offer = entities::offer::Entity::find_by_id(PEER_OFFER)
        .one(&node.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut active = offer.into_active_model();
    active.contact_email = Set(Some("x\"onclick=alert(1)@y.nl".into()));
    active.update(&node.state.db).await.unwrap();
    let html = node
        .client
        .get(node.url(&format!("/aanbod/{PEER_OFFER}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("mailto:x"), "{html}");
}

/// A page whose `node`, or a record whose `origin_node`, organisation or location id disagrees
/// with the peer (the id prefix) is refused whole.
#[tokio::test]
async fn a_page_whose_node_or_origin_disagrees_with_the_ids_is_refused_whole() {
    let (node, body) = node_with_fake_nijmegen().await;
    let mut cases = vec![("page is from node", page_of("zl", peer_org(), peer_offer()))];
    let mut org = peer_org();
    org.origin_node = "zl".into();
    cases.push(("does not match", page_of("nijmegen", org, peer_offer())));
    let mut offer = peer_offer();
    offer.origin_node = "zl".into();
    cases.push(("does not match", page_of("nijmegen", peer_org(), offer)));
    let mut offer = peer_offer();
    offer.organisation_id = "zl:5f0c7a4e-9a43-4c1e-8f7b-0d0d3c6b1a01".into();
    cases.push(("does not belong", page_of("nijmegen", peer_org(), offer)));
    let mut offer = peer_offer();
    offer.locations[0].id = "nhn:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6".into();
    cases.push(("does not belong", page_of("nijmegen", peer_org(), offer)));
    // A record of a third node relayed by the peer.
    let mut org = peer_org();
    org.id = "zl:5f0c7a4e-9a43-4c1e-8f7b-0d0d3c6b1a01".into();
    org.origin_node = "zl".into();
    cases.push(("does not belong", page_of("nijmegen", org, peer_offer())));
    for (what, page) in cases {
        *body.lock().unwrap() = page;
        let status = sync(&node, "nijmegen").await;
        let error = status["lastError"].as_str().unwrap_or_default();
        assert!(error.contains(what), "{what}: {status}");
        assert_eq!(status["cursor"], 0, "{what}");
        assert_eq!(stored_from_nijmegen(&node).await, (0, 0, 0), "{what}");
    }
}

/// A fake peer whose `/graphql` answers a feed request with the page the test set for its
/// `since` (an empty answer for any other).
async fn fake_paged_peer(pages: std::sync::Arc<std::sync::Mutex<HashMap<i64, String>>>) -> u16 {
    serve_fake_peer(move |request| {
        let since = request["variables"]["since"].as_i64().unwrap_or(-1);
        pages
            .lock()
            .unwrap()
            .get(&since)
            .cloned()
            .unwrap_or_default()
    })
    .await
}

/// An entry of a fake feed: the record's kind, id and record (none for a tombstone).
type Entry = (
    entities::RecordKind,
    String,
    Option<api::federation::protocol::Record>,
);

/// The entry carrying `record`.
fn upsert(record: api::federation::protocol::Record) -> Entry {
    use api::federation::protocol::Record;
    match &record {
        Record::Organisation(o) => (
            entities::RecordKind::Organisation,
            o.id.clone(),
            Some(record),
        ),
        Record::Offer(o) => (entities::RecordKind::Offer, o.id.clone(), Some(record)),
    }
}

/// A page of nijmegen's feed after `since` holding `entries` in sequence from `since + 1`.
fn feed_page(since: i64, has_more: bool, entries: Vec<Entry>) -> String {
    use api::federation::protocol::{FeedEntry, FeedPage};
    let entries: Vec<FeedEntry> = (entries.into_iter().enumerate())
        .map(|(i, (kind, id, record))| FeedEntry {
            seq: since + 1 + i as i64,
            kind,
            id,
            record,
        })
        .collect();
    let next = since + entries.len() as i64;
    let page = FeedPage {
        version: api::federation::protocol::FEED_VERSION,
        node: "nijmegen".into(),
        head_seq: next + i64::from(has_more),
        next_cursor: next,
        has_more,
        entries,
    };
    json!({"data": {"changeFeed": page}}).to_string()
}

/// A node `nhn` (no demo data) pulling from a fake `nijmegen` that serves the pages set for
/// each cursor.
async fn node_with_paged_nijmegen() -> (
    TestApp,
    std::sync::Arc<std::sync::Mutex<HashMap<i64, String>>>,
) {
    let pages = std::sync::Arc::new(std::sync::Mutex::new(HashMap::new()));
    let node = nhn_pulling_nijmegen_at(fake_paged_peer(pages.clone()).await).await;
    (node, pages)
}

/// The indexes of the tables a mirror bulk-loads, as the database defines them, by name.
async fn bulk_indexes(node: &TestApp) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = &node.state.db;
    let tables = (api::federation::mirror::BULK_TABLES.iter())
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => format!(
            "SELECT name, COALESCE(sql, '(automatic)') AS def FROM sqlite_master \
             WHERE type = 'index' AND tbl_name IN ({tables}) ORDER BY name"
        ),
        _ => format!(
            "SELECT indexname::text AS name, indexdef AS def FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ({tables}) ORDER BY 1"
        ),
    };
    let stmt = Statement::from_string(db.get_database_backend(), sql);
    (db.query_all_raw(stmt).await.unwrap().into_iter())
        .map(|r| {
            (
                r.try_get::<String>("", "name").unwrap(),
                r.try_get::<String>("", "def").unwrap(),
            )
        })
        .collect()
}

/// The definitions of suspended indexes the node keeps.
async fn stored_definitions(node: &TestApp) -> Vec<entities::suspended_index::Model> {
    entities::suspended_index::Entity::find()
        .all(&node.state.db)
        .await
        .unwrap()
}

/// Suspends the list indexes of the tables a mirror bulk-loads, as a large sync does.
async fn suspend_bulk_indexes(node: &TestApp) -> api::db::bulk_load::Suspended {
    api::db::bulk_load::suspend(&node.state.db, api::federation::mirror::BULK_TABLES)
        .await
        .unwrap()
}

/// A sync that finds a backlog larger than `federation.bulk_load_min_changes` and than the
/// offers stored writes it with the list indexes of the mirrored tables dropped, and creates
/// them again, as they were, before it returns; unique indexes and those led by a foreign key
/// stay throughout. A small backlog leaves every index alone.
#[tokio::test]
async fn a_large_backlog_is_written_with_the_list_indexes_suspended() {
    use api::federation::protocol::Record;
    use sea_orm::PaginatorTrait;
    let pages = std::sync::Arc::new(std::sync::Mutex::new(HashMap::new()));
    let port = fake_paged_peer(pages.clone()).await;
    let node = TestApp::spawn_with(|c: &mut Config| {
        c.node.id = "nhn".into();
        c.seed.demo_regions = vec!["noord-holland-noord".into()];
        c.federation.peers = vec![peer("nhn", "nijmegen", port)];
        c.federation.bulk_load_min_changes = 50;
    })
    .await;
    let stored = entities::offer::Entity::find()
        .count(&node.state.db)
        .await
        .unwrap() as i64;
    let offer = |i: usize| {
        let mut o = peer_offer();
        o.id = format!("nijmegen:00000000-0000-4000-8000-{i:012}");
        o.locations[0].id = format!("nijmegen:00000000-0000-4000-9000-{i:012}");
        upsert(Record::Offer(Box::new(o)))
    };
    // Two pages of a feed whose head is as far ahead as `backlog` says.
    let feed = |backlog: i64| {
        let mut first = vec![upsert(Record::Organisation(Box::new(peer_org())))];
        first.extend((0..10).map(offer));
        let mut first: Value = serde_json::from_str(&feed_page(0, true, first)).unwrap();
        first["data"]["changeFeed"]["head_seq"] = json!(backlog);
        let second = feed_page(11, false, (10..20).map(offer).collect());
        let mut pages = pages.lock().unwrap();
        pages.clear();
        pages.insert(0, first.to_string());
        pages.insert(11, second);
    };
    let before = bulk_indexes(&node).await;
    let sync_logged = async || {
        node.state.queries.start_log();
        let status = node.state.puller().sync_peer("nijmegen").await;
        let log = node.state.queries.take_log();
        let status = status.unwrap_or_else(|e| panic!("{}", e.message()));
        assert_eq!(status.cursor, 21, "{status:?}");
        (log.into_iter().map(|s| s.sql))
            .filter(|sql| sql.contains("INDEX"))
            .collect::<Vec<_>>()
    };

    // Fewer changes than the node's offers: the indexes stay.
    feed(stored.max(50) - 1);
    assert_eq!(sync_logged().await, Vec::<String>::new());
    assert_eq!(bulk_indexes(&node).await, before);

    // The same pages again with a head far ahead (replayed, so skipped), from a new cursor.
    entities::peer_sync::Entity::delete_by_id("nijmegen")
        .exec(&node.state.db)
        .await
        .unwrap();
    feed(stored + 1000);
    let ddl = sync_logged().await;
    let dropped: Vec<&String> = ddl.iter().filter(|s| s.starts_with("DROP INDEX")).collect();
    let created = ddl.iter().filter(|s| s.starts_with("CREATE INDEX")).count();
    for list in ["idx_locations_gemeente_title", "idx_offers_public_title"] {
        assert!(
            dropped.iter().any(|s| s.contains(list)),
            "{list} suspended: {ddl:#?}"
        );
    }
    for kept in ["idx_locations_offer", "idx_offers_org_title"] {
        assert!(
            !ddl.iter().any(|s| s.contains(&format!("\"{kept}\""))),
            "{kept} (led by a foreign key) kept: {ddl:#?}"
        );
    }
    assert_eq!(created, dropped.len(), "{ddl:#?}");
    assert_eq!(bulk_indexes(&node).await, before, "every index as it was");
    assert_eq!(
        stored_definitions(&node).await,
        vec![],
        "no definition left behind"
    );
    assert_eq!(stored_from_nijmegen(&node).await, (1, 20, 20));
}

/// List indexes a node suspended and did not create again (it stopped in the middle of a
/// bulk load) are created again, as they were, when it next starts, before it migrates.
#[tokio::test]
async fn list_indexes_left_suspended_are_created_again_at_start() {
    let node = TestApp::spawn().await;
    let before = bulk_indexes(&node).await;
    let suspended = suspend_bulk_indexes(&node).await;
    let names = suspended.names().to_vec();
    // The process ends here: nothing runs that would create them again.
    std::mem::forget(suspended);
    assert!(names.len() >= 10, "{names:?}");
    let during = bulk_indexes(&node).await;
    assert_eq!(during.len() + names.len(), before.len());
    assert!(during.iter().all(|(name, _)| !names.contains(name)));
    api::ops::migrate::run(&node.state.db).await.unwrap();
    assert_eq!(bulk_indexes(&node).await, before);
    assert_eq!(stored_definitions(&node).await, vec![]);
}

/// A sync cancelled while it holds list indexes suspended (an admin's `syncPeer` request whose
/// client went away drops it mid-write) does not leave them suspended until the next start:
/// they are created again in the background.
#[tokio::test]
async fn list_indexes_of_a_cancelled_load_are_created_again() {
    let node = TestApp::spawn().await;
    let before = bulk_indexes(&node).await;
    let suspended = suspend_bulk_indexes(&node).await;
    assert!(!suspended.names().is_empty());
    assert_ne!(bulk_indexes(&node).await, before);
    drop(suspended);
    eventually(10, "the suspended indexes created again", async || {
        (bulk_indexes(&node).await == before).then_some(())
    })
    .await;
    assert_eq!(stored_definitions(&node).await, vec![]);
}

/// Pages pulled together where a record comes twice (changed, then removed, while the mirror
/// was behind) end as the last entry of each record says.
#[tokio::test]
async fn a_record_changed_twice_in_one_pull_ends_as_its_last_entry() {
    use api::federation::protocol::Record;
    let (node, pages) = node_with_paged_nijmegen().await;
    let mut other = peer_offer();
    other.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12".into();
    other.locations[0].id = "nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f7".into();
    let mut renamed = peer_offer();
    renamed.title = "Wandelen langs de Waal".into();
    renamed.version += 1;
    let first = feed_page(
        0,
        true,
        vec![
            upsert(Record::Organisation(Box::new(peer_org()))),
            upsert(Record::Offer(Box::new(peer_offer()))),
            upsert(Record::Offer(Box::new(other.clone()))),
        ],
    );
    let second = feed_page(
        3,
        false,
        vec![
            upsert(Record::Offer(Box::new(renamed))),
            (entities::RecordKind::Offer, other.id.clone(), None),
        ],
    );
    pages.lock().unwrap().extend([(0, first), (3, second)]);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(status["cursor"], 5, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 1, 1));
    let stored = entities::offer::Entity::find_by_id(PEER_OFFER)
        .one(&node.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, "Wandelen langs de Waal");
}

/// Every derived column of the offers and locations stored, one row per line (in id order),
/// as the database prints it.
async fn derived_columns(node: &TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &node.state.db;
    let text = |c: &str| format!("COALESCE(CAST({c} AS TEXT), '-')");
    let locations = [
        "id",
        "gemeente_code",
        "wijk_code",
        "offer_title",
        "offer_active",
        "offer_kind",
        "offer_has_room",
        "offer_for_older",
        "offer_domains",
        "first_in_gemeente",
        "first_in_wijk",
        "first_in_buurt",
    ];
    let sql = [
        format!(
            "SELECT {} AS row FROM locations ORDER BY id",
            locations.map(text).join(" || '|' || ")
        ),
        format!(
            "SELECT {} || '|' || {} AS row FROM offers ORDER BY id",
            text("id"),
            text("is_public")
        ),
    ];
    let mut rows = Vec::new();
    for sql in sql {
        let stmt = Statement::from_string(db.get_database_backend(), sql);
        for r in db.query_all_raw(stmt).await.unwrap() {
            rows.push(r.try_get::<String>("", "row").unwrap());
        }
    }
    rows
}

/// A mirror writes offers and locations with their derived columns (visibility, gemeente and
/// wijk, what coverage counts, the first location of an offer per area) computed from the
/// records; deriving them again in SQL, as local writes do, changes nothing.
#[tokio::test]
async fn mirrored_rows_store_what_a_refresh_derives() {
    use api::federation::protocol::{LocationRecord, Record};
    use entities::{LifeDomain, OfferStatus, TargetGroup};
    let (node, pages) = node_with_paged_nijmegen().await;
    let location = |id: &str, buurt: Option<&str>| LocationRecord {
        id: format!("nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5{id}"),
        name: None,
        street: None,
        postcode: Some("6511AA".into()),
        city: Some("Nijmegen".into()),
        lat: 51.8475,
        lon: 5.8625,
        buurt_code: buurt.map(String::from),
        version: 1,
    };
    // Two buurten of wijk WK026801, one of WK026802, and a place outside every buurt; ids
    // not in the order of the positions.
    let mut spread = peer_offer();
    spread.target_groups = vec![TargetGroup::Ouderen, TargetGroup::Eenzaamheid];
    spread.life_domains = vec![LifeDomain::Beweging, LifeDomain::SocialeContacten];
    spread.locations = vec![
        location("f9", Some("BU02680100")),
        location("f1", Some("BU02680101")),
        location("f5", Some("BU02680100")),
        location("f7", None),
        location("f3", Some("BU02680202")),
    ];
    let mut full = peer_offer();
    full.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12".into();
    full.status = OfferStatus::Full;
    full.kind = entities::OfferKind::Herstelcirkel;
    full.locations = vec![location("a1", Some("BU02680101"))];
    let mut paused = peer_offer();
    paused.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e13".into();
    paused.status = OfferStatus::Paused;
    paused.locations = vec![location("a2", Some("BU99999999"))];
    let page = feed_page(
        0,
        false,
        vec![
            upsert(Record::Organisation(Box::new(peer_org()))),
            upsert(Record::Offer(Box::new(spread))),
            upsert(Record::Offer(Box::new(full))),
            upsert(Record::Offer(Box::new(paused))),
        ],
    );
    pages.lock().unwrap().insert(0, page);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let mirrored = derived_columns(&node).await;
    let ids: Vec<String> = (entities::offer::Entity::find().all(&node.state.db).await)
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    api::read_model::derived::refresh_offers(&node.state.db, &ids)
        .await
        .unwrap();
    assert_eq!(mirrored, derived_columns(&node).await);
    // What the rows hold (`true` prints as 1 on SQLite).
    let flags = |row: &str| {
        let f: Vec<&str> = row.split('|').collect();
        let yes = |v: &str| v == "1" || v == "true";
        (f[1].to_string(), yes(f[9]), yes(f[10]), yes(f[11]))
    };
    let row = |suffix: &str| {
        let row = (mirrored.iter())
            .find(|r| {
                r.starts_with(&format!(
                    "nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5{suffix}"
                ))
            })
            .unwrap_or_else(|| panic!("location {suffix}: {mirrored:?}"));
        flags(row)
    };
    let gm = "GM0268".to_string();
    assert_eq!(row("f1"), (gm.clone(), true, true, true), "{mirrored:?}");
    assert_eq!(row("f5"), (gm.clone(), false, false, true), "{mirrored:?}");
    assert_eq!(row("f9"), (gm.clone(), false, false, false), "{mirrored:?}");
    assert_eq!(row("f3"), (gm, false, true, true), "{mirrored:?}");
    assert_eq!(row("f7"), ("-".into(), true, true, true), "{mirrored:?}");
    assert_eq!(row("a2"), ("-".into(), true, true, true), "{mirrored:?}");
    node.stop().await;
}

/// Pages applied together (while catching up) commit together: when a later page is refused,
/// the stored cursor is never past the records stored, so the next pull after the peer mends
/// its feed misses nothing of the earlier pages.
#[tokio::test]
async fn a_refused_page_never_moves_the_cursor_past_what_is_stored() {
    use api::federation::protocol::Record;
    let (node, pages) = node_with_paged_nijmegen().await;
    let second = |location: &str| {
        let mut offer = peer_offer();
        offer.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12".into();
        offer.title = "Samen koken".into();
        offer.locations[0].id = location.into();
        upsert(Record::Offer(Box::new(offer)))
    };
    let first_page = feed_page(
        0,
        true,
        vec![
            upsert(Record::Organisation(Box::new(peer_org()))),
            upsert(Record::Offer(Box::new(peer_offer()))),
        ],
    );
    pages.lock().unwrap().insert(0, first_page);
    // The second page relays a location of another node: refused.
    let refused = feed_page(
        2,
        false,
        vec![second("zl:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f7")],
    );
    pages.lock().unwrap().insert(2, refused);
    let status = sync(&node, "nijmegen").await;
    assert!(
        (status["lastError"].as_str().unwrap_or_default()).contains("does not belong"),
        "{status}"
    );
    let stored = stored_from_nijmegen(&node).await;
    match status["cursor"].as_i64() {
        Some(0) => assert_eq!(stored, (0, 0, 0), "{status}"),
        Some(2) => assert_eq!(stored, (1, 1, 1), "{status}"),
        _ => panic!("cursor past the stored records: {status} {stored:?}"),
    }

    let mended = feed_page(
        2,
        false,
        vec![second("nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f7")],
    );
    pages.lock().unwrap().insert(2, mended);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(status["cursor"], 3, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 2, 2));
}

/// While one transaction's pages are written the next ones are fetched beside it: when that
/// fetch fails, the pages written still commit, the cursor stops right after them and the
/// error is told; the next pull goes on from there and misses nothing.
#[tokio::test]
async fn a_failed_fetch_beside_a_write_keeps_what_was_written() {
    use api::federation::protocol::Record;
    let (node, pages) = node_with_paged_nijmegen().await;
    // Five pages of a thousand entries fill one transaction; the feed goes on after them.
    const PAGE: i64 = 1000;
    let tombstone = |n: i64| {
        let id = format!("nijmegen:00000000-0000-4000-8000-{n:012}");
        (entities::RecordKind::Offer, id, None)
    };
    for since in (0..5).map(|p| p * PAGE) {
        let mut entries: Vec<Entry> = (since..since + PAGE).map(tombstone).collect();
        if since == 0 {
            entries[0] = upsert(Record::Organisation(Box::new(peer_org())));
            entries[1] = upsert(Record::Offer(Box::new(peer_offer())));
        }
        pages
            .lock()
            .unwrap()
            .insert(since, feed_page(since, true, entries));
    }
    // The page after them fails: the peer answers with nothing.
    let status = sync(&node, "nijmegen").await;
    assert!(
        (status["lastError"].as_str().unwrap_or_default()).contains("no JSON"),
        "{status}"
    );
    assert_eq!(status["cursor"], 5 * PAGE, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 1, 1));

    let mut later = peer_offer();
    later.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12".into();
    later.locations[0].id = "nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f7".into();
    let last = feed_page(
        5 * PAGE,
        false,
        vec![upsert(Record::Offer(Box::new(later)))],
    );
    pages.lock().unwrap().insert(5 * PAGE, last);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(status["cursor"], 5 * PAGE + 1, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 2, 2));
}

/// A page of a peer's feed is written in the same number of SQL statements whether it holds
/// three offers or thirty, and so is a page of their tombstones: each kind of row goes for the
/// whole page at once. The circle plans went offer by offer, two statements each, which made
/// every transaction of a mirror catching up wait for ten thousand round trips to the
/// database; tombstones went one by one too.
#[tokio::test]
async fn a_page_costs_as_many_statements_for_thirty_offers_as_for_three() {
    use api::federation::protocol::Record;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    async fn statements_for(offers: usize) -> (u64, u64) {
        let (node, pages) = node_with_paged_nijmegen().await;
        let id = |i: usize| format!("nijmegen:00000000-0000-4000-8000-{i:012}");
        let mut entries = vec![upsert(Record::Organisation(Box::new(peer_org())))];
        for i in 0..offers {
            let mut o = peer_offer();
            o.id = id(i);
            o.locations[0].id = format!("nijmegen:00000000-0000-4000-9000-{i:012}");
            o.circle = Some(api::read_model::circle::CircleRecord {
                group_min: Some(16),
                group_max: Some(20),
                ..Default::default()
            });
            entries.push(upsert(Record::Offer(Box::new(o))));
        }
        let applied = offers as i64 + 1;
        pages
            .lock()
            .unwrap()
            .insert(0, feed_page(0, false, entries));
        let counted = async |node: &TestApp| {
            let counter = api::db::QueryCounter::default();
            let status = counter
                .scope(node.state.puller().sync_peer("nijmegen"))
                .await
                .unwrap_or_else(|e| panic!("{}", e.message()));
            (status, counter.get())
        };
        let (status, upserts) = counted(&node).await;
        assert_eq!(status.cursor, applied);
        let n = offers as u64;
        assert_eq!(stored_from_nijmegen(&node).await, (1, n, n));
        let plans = entities::offer_circle::Entity::find()
            .filter(entities::offer_circle::Column::OfferId.starts_with("nijmegen:"))
            .count(&node.state.db)
            .await
            .unwrap();
        assert_eq!(plans, n, "every mirrored offer keeps its circle plan");

        // Tombstones of all offers but the last, and of the organisation, which takes its
        // last offer with it.
        let mut gone: Vec<Entry> = (0..offers - 1)
            .map(|i| (entities::RecordKind::Offer, id(i), None))
            .collect();
        gone.push((entities::RecordKind::Organisation, PEER_ORG.into(), None));
        pages
            .lock()
            .unwrap()
            .insert(applied, feed_page(applied, false, gone));
        let (status, tombstones) = counted(&node).await;
        assert_eq!(status.records_applied, 2 * applied, "{status:?}");
        assert_eq!(stored_from_nijmegen(&node).await, (0, 0, 0));
        (upserts, tombstones)
    }
    let (few, many) = (statements_for(3).await, statements_for(30).await);
    assert_eq!(
        few, many,
        "3 offers: {few:?} statements, 30 offers: {many:?}"
    );
}

/// An offer whose organisation the mirror does not hold (a peer that sent it before, or
/// without, its organisation) is skipped, not stored as an orphan nor an error; the rest of the
/// page is applied, and the offer arrives with its organisation on a later page.
#[tokio::test]
async fn an_offer_without_its_organisation_is_skipped_until_the_organisation_comes() {
    use api::federation::protocol::Record;
    let (node, pages) = node_with_paged_nijmegen().await;
    let mut org_less = peer_offer();
    org_less.id = "nijmegen:0e3b8f0e-2c59-4bb5-9a51-6c2b7d3f9e12".into();
    org_less.organisation_id = "nijmegen:5b9e0c1d-7a2f-4c3e-9d8b-1f2e3a4b5c6d".into();
    org_less.locations[0].id = "nijmegen:7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f7".into();
    let first = feed_page(
        0,
        false,
        vec![
            upsert(Record::Organisation(Box::new(peer_org()))),
            upsert(Record::Offer(Box::new(org_less.clone()))),
            upsert(Record::Offer(Box::new(peer_offer()))),
        ],
    );
    pages.lock().unwrap().insert(0, first);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(status["cursor"], 3, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (1, 1, 1));

    let mut org = peer_org();
    org.id = org_less.organisation_id.clone();
    let second = feed_page(
        3,
        false,
        vec![
            upsert(Record::Organisation(Box::new(org))),
            upsert(Record::Offer(Box::new(org_less))),
        ],
    );
    pages.lock().unwrap().insert(3, second);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (2, 2, 2));
}

/// A feed answer that carries GraphQL errors beside its data is refused as the errors say,
/// not applied as if the data were whole.
#[tokio::test]
async fn a_feed_answer_with_errors_beside_its_data_is_refused() {
    use api::federation::protocol::Record;
    let (node, pages) = node_with_paged_nijmegen().await;
    let page = feed_page(
        0,
        false,
        vec![
            upsert(Record::Organisation(Box::new(peer_org()))),
            upsert(Record::Offer(Box::new(peer_offer()))),
        ],
    );
    let mut answer: Value = serde_json::from_str(&page).unwrap();
    answer["errors"] = json!([{"message": "half of this page could not be read"}]);
    pages.lock().unwrap().insert(0, answer.to_string());
    let status = sync(&node, "nijmegen").await;
    assert!(
        (status["lastError"].as_str().unwrap_or_default()).contains("half of this page"),
        "{status}"
    );
    assert_eq!(status["cursor"], 0, "{status}");
    assert_eq!(stored_from_nijmegen(&node).await, (0, 0, 0));
}

/// POSTs a GraphQL request to `node` with the credentials of peer `as_peer`.
async fn as_peer(node: &TestApp, as_peer: &str, query: &str, variables: Value) -> Value {
    node.client
        .post(node.url("/graphql"))
        .header("x-wijk-node", as_peer)
        .bearer_auth(secret(as_peer, node.state.node_id.as_str()))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every entry of `node`'s change feed as peer `reader` reads it, page by page.
async fn whole_feed(node: &TestApp, reader: &str) -> Vec<Value> {
    let mut since = 0;
    let mut entries = Vec::new();
    loop {
        let body = as_peer(
            node,
            reader,
            "query($s: Int!) { changeFeed(since: $s, first: 50) }",
            json!({"s": since}),
        )
        .await;
        let page = &body["data"]["changeFeed"];
        entries.extend(page["entries"].as_array().expect("a feed page").clone());
        since = page["next_cursor"].as_i64().unwrap();
        if page["has_more"] != true {
            return entries;
        }
    }
}

async fn create_org(node: &TestApp, name: &str, publish: bool) -> String {
    let data = node
        .gql_ok(
            r#"mutation($n: String!) { createOrganisation(input: {name: $n, kind: WELFARE, areaCodes: ["GM0268"]}) { id } }"#,
            json!({"n": name}),
        )
        .await;
    let id = data["createOrganisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    if publish {
        node.gql_ok(
            "mutation($id: ID!) { publishOrganisation(id: $id, version: 1) { id } }",
            json!({"id": id}),
        )
        .await;
    }
    id
}

async fn create_offer(node: &TestApp, org: &str, title: &str, publish: bool) -> String {
    let data = node
        .gql_ok(
            r#"mutation($org: ID!, $t: String!) { createOffer(organisationId: $org, input: {title: $t, kind: GROUP,
                 locations: [{postcode: "6576"}]}) { id } }"#,
            json!({"org": org, "t": title}),
        )
        .await;
    let id = data["createOffer"]["id"].as_str().unwrap().to_string();
    if publish {
        node.gql_ok(
            "mutation($id: ID!) { publishOffer(id: $id, version: 1) { id } }",
            json!({"id": id}),
        )
        .await;
    }
    id
}

/// What a node never shares: draft and unpublished organisations and offers, ended records and
/// the records it mirrors from a third node stay out of its change feed (a tombstone at most)
/// and out of its peers' databases, also when a record was shared before it ended.
#[tokio::test]
async fn drafts_ended_and_third_node_records_never_leave_their_node() {
    let nodes = three_nodes().await;
    let nij = &nodes[0];
    let draft_org = create_org(nij, "Conceptorganisatie", false).await;
    let offer_of_draft_org = create_offer(nij, &draft_org, "Aanbod van een concept", true).await;
    let public_org = create_org(nij, "Openbare organisatie", true).await;
    let unpublished = create_offer(nij, &public_org, "Nog niet gepubliceerd", false).await;
    let to_end = create_offer(nij, &public_org, "Straks beëindigd", true).await;
    let org_to_end = create_org(nij, "Straks opgeheven", true).await;
    let offer_of_org_to_end = create_offer(nij, &org_to_end, "Van een opgeheven", true).await;
    sync_all(&nodes).await;
    for node in &nodes[1..] {
        assert!(
            seen(node, &to_end, Value::Null).await.is_some(),
            "shared while public"
        );
    }
    nij.gql_ok(
        "mutation($id: ID!) { endOffer(id: $id, version: 2) { id } }",
        json!({"id": to_end}),
    )
    .await;
    nij.gql_ok(
        "mutation($id: ID!) { endOrganisation(id: $id, version: 2) { id } }",
        json!({"id": org_to_end}),
    )
    .await;
    sync_all(&nodes).await;

    let hidden = [
        &draft_org,
        &offer_of_draft_org,
        &unpublished,
        &to_end,
        &org_to_end,
        &offer_of_org_to_end,
    ];
    for reader in ["nhn", "zl"] {
        for e in whole_feed(nij, reader).await {
            if hidden.iter().any(|h| e["id"] == h.as_str()) {
                assert_eq!(e["record"], Value::Null, "only a tombstone: {e}");
            }
        }
    }
    for node in &nodes[1..] {
        for id in hidden {
            let org = entities::organisation::Entity::find_by_id(id.as_str())
                .one(&node.state.db)
                .await
                .unwrap();
            let offer = entities::offer::Entity::find_by_id(id.as_str())
                .one(&node.state.db)
                .await
                .unwrap();
            assert!(
                org.is_none() && offer.is_none(),
                "{id} at {}",
                node.state.node_id
            );
        }
    }

    // Each node's feed carries only its own records, never those it mirrors.
    for (i, node) in nodes.iter().enumerate() {
        let reader = REGIONS[(i + 1) % 3].0;
        let own = format!("{}:", node.state.node_id);
        let entries = whole_feed(node, reader).await;
        assert!(!entries.is_empty());
        for e in entries {
            assert!(e["id"].as_str().unwrap().starts_with(&own), "{e}");
        }
    }
}

/// A peer's credentials open the change feed and referral delivery only: every other query
/// answers a peer exactly what it answers an anonymous caller (no referrals, no drafts, no
/// users), and mutations are refused.
#[tokio::test]
async fn peer_credentials_read_nothing_beyond_the_public_feed() {
    let nodes = three_nodes().await;
    let nij = &nodes[0];
    let draft_org = create_org(nij, "Geheime conceptorganisatie", false).await;
    let public_org = create_org(nij, "Openbare organisatie", true).await;
    let draft_offer = create_offer(nij, &public_org, "Geheim conceptaanbod", false).await;
    let local = offers_from(nij, "nijmegen", json!(["OPEN", "RUNNING"])).await;
    let gp = nij.sign_in(demo::GP).await;
    let sent = nij
        .gql_with(
            Some(&gp),
            r#"mutation($o: ID!) { sendReferral(input: {offerId: $o, patientRef: "PEER-SECRET-1",
                 consent: true, reasonDomains: [SOCIALE_CONTACTEN], note: "Niet voor peers"}) { id } }"#,
            json!({"o": local[0]["id"]}),
        )
        .await;
    let referral = sent["data"]["sendReferral"]["id"].clone();
    assert!(referral.is_string(), "{sent}");

    let reads = [
        ("{ me { id email memberships { role } } }", json!({})),
        ("{ referrals { id patientRef note } }", json!({})),
        (
            "query($id: ID!) { referral(id: $id) { id patientRef note } }",
            json!({"id": referral}),
        ),
        (
            r#"{ referralCounts(gemeenteCode: "GM0268") { status count } }"#,
            json!({}),
        ),
        ("{ federationStatus { id cursor } }", json!({})),
        (
            "query($id: ID!) { organisation(id: $id) { id name status } }",
            json!({"id": draft_org}),
        ),
        (
            "query($id: ID!) { offer(id: $id) { id title } }",
            json!({"id": draft_offer}),
        ),
        (
            "{ organisations(first: 100) { id name status } }",
            json!({}),
        ),
        (
            "query($id: ID!) { organisation(id: $id) { offers(first: 50) { totalCount edges { node { id title } } } } }",
            json!({"id": public_org}),
        ),
        (
            r#"{ offers(filter: {originNode: "nijmegen", statuses: [PLANNED, OPEN, FULL, RUNNING, PAUSED, ENDED]}, first: 100) { totalCount edges { node { id title } } } }"#,
            json!({}),
        ),
        (
            r#"{ searchOffers(query: "geheim conceptaanbod") { totalCount hits { offer { id } } } }"#,
            json!({}),
        ),
    ];
    for (query, vars) in reads {
        let peer = as_peer(nij, "nhn", query, vars.clone()).await;
        let anonymous = nij.gql_with(None, query, vars).await;
        if anonymous.get("errors").is_none() {
            assert_eq!(peer["data"], anonymous["data"], "{query}: {peer}");
        } else {
            // Refused to an anonymous caller: a peer gets an error or an empty answer.
            let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
            assert!(
                peer.get("errors").is_some()
                    || peer["data"]
                        .as_object()
                        .is_some_and(|d| d.values().all(empty)),
                "{query}: {peer}"
            );
        }
        let text = peer.to_string();
        for secret in ["PEER-SECRET-1", "Niet voor peers", "Geheim", "huisarts@"] {
            assert!(!text.contains(secret), "{query} leaks {secret}: {text}");
        }
    }
    for (mutation, vars) in [
        (
            r#"mutation { createOrganisation(input: {name: "Via een peer"}) { id } }"#,
            json!({}),
        ),
        (
            "mutation($id: ID!) { publishOrganisation(id: $id, version: 1) { id } }",
            json!({"id": draft_org}),
        ),
        (
            r#"mutation($id: ID!) { updateReferralStatus(id: $id, version: 1, status: CANCELLED) { id } }"#,
            json!({"id": referral}),
        ),
        (r#"mutation { syncPeer(id: "zl") { id } }"#, json!({})),
    ] {
        let body = as_peer(nij, "nhn", mutation, vars).await;
        assert!(
            matches!(
                error_code(&body),
                Some("FORBIDDEN" | "UNAUTHENTICATED" | "NOT_FOUND")
            ),
            "{mutation}: {body}"
        );
    }
}

#[tokio::test]
async fn a_failing_peer_says_why_and_when_it_is_pulled_again() {
    // Nothing listens on port 1: the cause is named, and the puller backs off visibly.
    let node = TestApp::spawn_with(|c| {
        c.node.id = "nijmegen".into();
        let mut down = peer("nijmegen", "nhn", 1);
        down.interval_secs = 1;
        c.federation.peers = vec![down];
    })
    .await
    .signed_in(demo::ADMIN)
    .await;
    let status = eventually(10, "the puller has failed once", || async {
        let data = node
            .gql_ok(
                "{ federationStatus { id lastError nextSyncAt lastAttemptAt } }",
                json!({}),
            )
            .await;
        let s = data["federationStatus"][0].clone();
        s["nextSyncAt"].is_string().then_some(s)
    })
    .await;
    let error = status["lastError"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("connection refused"), "{status}");
    let next: chrono::DateTime<chrono::Utc> =
        status["nextSyncAt"].as_str().unwrap().parse().unwrap();
    let last: chrono::DateTime<chrono::Utc> =
        status["lastAttemptAt"].as_str().unwrap().parse().unwrap();
    assert!(
        next - last >= chrono::Duration::seconds(2),
        "a failure doubles the wait: {status}"
    );

    // A peer that does not accept this node's secret: the status says what to check.
    let (la, lb) = (listener().await, listener().await);
    let (pa, pb) = (port_of(&la), port_of(&lb));
    let a = TestApp::spawn_on(la, |c| {
        c.node.id = "a".into();
        c.federation.peers = vec![peer("a", "b", pb)];
    })
    .await
    .signed_in(demo::ADMIN)
    .await;
    let _b = TestApp::spawn_on(lb, |c| {
        c.node.id = "b".into();
        let mut wrong = peer("b", "a", pa);
        wrong.secret = Some("another-secret".into());
        c.federation.peers = vec![wrong];
    })
    .await;
    let status = sync(&a, "b").await;
    let error = status["lastError"].as_str().unwrap_or_default();
    assert!(
        error.contains("did not accept this node's credentials") && error.contains("secret"),
        "{status}"
    );
}

const RECOVERY_READ: &str = r#"query($id: ID!) { offer(id: $id) { id version originNode
  suitability { contraIndications note commitments minAge maxAge languages }
  freshness { confirmedAt confirmedBy } recoveryFocus } }"#;
const SEND_REFERRAL: &str =
    r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id offerNode } }"#;

fn recovery_referral(offer: &str, suitability: Value) -> Value {
    json!({"input": {"offerId": offer, "patientRef": "P-2026-0101", "consent": true,
        "reasonDomains": ["SOCIALE_CONTACTEN"], "suitability": suitability}})
}

/// Two real nodes: an offer's suitability, "last confirmed current" date and recovery focus
/// set at its node reach the mirror (never who confirmed it), and a referral from the mirror's
/// GP that conflicts with the mirrored suitability needs confirmation as a local one would.
#[tokio::test]
async fn suitability_freshness_and_recovery_focus_reach_a_mirror_and_its_referrals() {
    let nodes = nodes_with(&REGIONS[..2], |_| {}).await;
    let (nijmegen, nhn) = (&nodes[0], &nodes[1]);
    let editor = nijmegen.sign_in(demo::EDITOR).await;
    let id = crate::suitability::suitable_offer(nijmegen, &editor).await;
    let v = nijmegen.gql_ok(RECOVERY_READ, json!({"id": id})).await["offer"]["version"].clone();
    let body = nijmegen
        .gql_with(
            Some(&editor),
            "mutation($id: ID!, $v: Int!) { setOfferRecoveryFocus(offerId: $id, version: $v, focus: [HOOP, VERBINDING, HOOP]) { version } }",
            json!({"id": id, "v": v}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = nijmegen
        .gql_with(
            Some(&editor),
            "mutation($id: ID!) { confirmOfferCurrent(offerId: $id) { confirmedAt confirmedBy } }",
            json!({"id": id}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let origin = nijmegen.gql_ok(RECOVERY_READ, json!({"id": id})).await["offer"].clone();
    let confirmer = origin["freshness"]["confirmedBy"]
        .as_str()
        .unwrap()
        .to_string();

    // The feed carries the date, not the person.
    let feed = whole_feed(nijmegen, "nhn").await;
    let entry = feed
        .iter()
        .rev()
        .find(|e| e["id"] == json!(id))
        .expect("the offer in the feed");
    let record = &entry["record"];
    assert!(record["confirmed_at"].is_string(), "{record}");
    assert!(record.get("confirmed_by").is_none(), "{record}");
    assert!(!record.to_string().contains(&confirmer), "{record}");
    assert_eq!(record["recovery_focus"], json!(["verbinding", "hoop"]));

    let status = sync(nhn, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let mirror = nhn.gql_ok(RECOVERY_READ, json!({"id": id})).await["offer"].clone();
    assert_eq!(mirror["originNode"], "nijmegen");
    assert_eq!(mirror["suitability"], origin["suitability"]);
    assert_eq!(
        mirror["suitability"]["contraIndications"],
        json!(["ACUTE_PSYCHOSIS", "TERMINAL_ILLNESS"])
    );
    assert_eq!(mirror["recoveryFocus"], json!(["VERBINDING", "HOOP"]));
    assert_eq!(
        mirror["freshness"]["confirmedAt"],
        origin["freshness"]["confirmedAt"]
    );
    assert_eq!(mirror["freshness"]["confirmedBy"], Value::Null);

    // A GP at the mirror: a conflict asks for confirmation; confirmed, the referral goes.
    let gp = nhn.sign_in("huisarts@heiloo.example").await;
    let body = nhn
        .gql_with(
            Some(&gp),
            SEND_REFERRAL,
            recovery_referral(
                &id,
                json!({"contraIndications": ["ACUTE_PSYCHOSIS"], "age": 30}),
            ),
        )
        .await;
    assert_eq!(error_code(&body), Some("NEEDS_CONFIRMATION"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["conflicts"],
        json!(["acute_psychose", "age"])
    );
    let body = nhn
        .gql_with(
            Some(&gp),
            SEND_REFERRAL,
            recovery_referral(
                &id,
                json!({"contraIndications": ["ACUTE_PSYCHOSIS"], "confirmed": true}),
            ),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["sendReferral"]["offerNode"], "nijmegen");
}

/// A peer that predates suitability, freshness and recovery focus sends none of them: the
/// mirror reads that as unknown (nothing said; confirmed at the last change), and a newer
/// peer that stops sending them takes back what it sent before.
#[tokio::test]
async fn a_peer_without_suitability_freshness_or_focus_reads_as_unknown() {
    let (node, body) = node_with_fake_nijmegen().await;
    let base = peer_offer();
    let older = page_of("nijmegen", peer_org(), base.clone());
    for key in ["suitability", "confirmed_at", "recovery_focus"] {
        assert!(!older.contains(key), "{key} in {older}");
    }
    *body.lock().unwrap() = older.clone();
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let unknown = |o: &Value| {
        assert_eq!(o["suitability"]["contraIndications"], json!([]), "{o}");
        assert_eq!(o["suitability"]["note"], Value::Null, "{o}");
        assert_eq!(o["recoveryFocus"], json!([]), "{o}");
        assert_eq!(o["freshness"]["confirmedBy"], Value::Null, "{o}");
        let at: chrono::DateTime<chrono::Utc> = o["freshness"]["confirmedAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (at - base.updated_at).num_seconds().abs() <= 1,
            "confirmed at its last change: {o}"
        );
    };
    let got = node.gql_ok(RECOVERY_READ, json!({"id": PEER_OFFER})).await["offer"].clone();
    unknown(&got);

    // The same offer from a newer peer, then from that peer after a downgrade.
    let mut newer = peer_offer();
    newer.suitability = Some(api::federation::protocol::SuitabilityRecord {
        contra_indications: vec!["actieve_verslaving".into()],
        note: Some("Niet tijdens een opname.".into()),
        commitments: vec!["Elke week komen".into()],
    });
    newer.recovery_focus = Some(vec!["betekenis".into()]);
    newer.confirmed_at = Some(chrono::Utc::now() - chrono::Duration::days(400));
    *body.lock().unwrap() = page_of("nijmegen", peer_org(), newer);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let got = node.gql_ok(RECOVERY_READ, json!({"id": PEER_OFFER})).await["offer"].clone();
    assert_eq!(
        got["suitability"]["contraIndications"],
        json!(["ACTIVE_ADDICTION"])
    );
    assert_eq!(got["recoveryFocus"], json!(["BETEKENIS"]));
    let stale = node
        .gql_ok(
            "query($id: ID!) { offer(id: $id) { freshness { stale monthsAgo } } }",
            json!({"id": PEER_OFFER}),
        )
        .await;
    assert_eq!(stale["offer"]["freshness"]["stale"], true, "{stale}");

    *body.lock().unwrap() = older;
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let got = node.gql_ok(RECOVERY_READ, json!({"id": PEER_OFFER})).await["offer"].clone();
    unknown(&got);
}

/// A hostile peer's suitability is parsed like an editor's: an over-long note or commitment or
/// too many commitments refuse the page whole (nothing stored); codes this node does not know
/// are left out, duplicates fold, and a "confirmed" date in the future is stored as now.
#[tokio::test]
async fn a_hostile_peer_cannot_store_invalid_suitability_or_a_future_confirmation() {
    use api::federation::protocol::{OfferRecord, SuitabilityRecord};
    let (node, body) = node_with_fake_nijmegen().await;
    let with = |s: SuitabilityRecord| {
        let mut o: OfferRecord = peer_offer();
        o.suitability = Some(s);
        page_of("nijmegen", peer_org(), o)
    };
    let refused = [
        SuitabilityRecord {
            note: Some("x".repeat(1001)),
            ..Default::default()
        },
        SuitabilityRecord {
            commitments: (0..13).map(|i| format!("Afspraak {i}")).collect(),
            ..Default::default()
        },
        SuitabilityRecord {
            commitments: vec!["y".repeat(201)],
            ..Default::default()
        },
    ];
    for s in refused {
        *body.lock().unwrap() = with(s.clone());
        let status = sync(&node, "nijmegen").await;
        let error = status["lastError"].as_str().unwrap_or_default();
        assert!(error.contains("suitability"), "{s:?}: {status}");
        assert_eq!(status["cursor"], 0);
        assert_eq!(stored_from_nijmegen(&node).await, (0, 0, 0));
        let rows = entities::offer_suitability::Entity::find()
            .all(&node.state.db)
            .await
            .unwrap();
        assert!(rows.is_empty(), "{rows:?}");
    }

    let mut offer = peer_offer();
    offer.suitability = Some(SuitabilityRecord {
        contra_indications: vec![
            "griep".into(),
            "acute_psychose".into(),
            "acute_psychose".into(),
        ],
        note: Some("  Niet in een acute crisis.  ".into()),
        commitments: vec!["Afspraken ondertekenen".into(), "  ".into()],
    });
    offer.confirmed_at = Some(chrono::Utc::now() + chrono::Duration::days(3650));
    offer.recovery_focus = Some(vec!["hoop".into(), "diagnose".into(), "hoop".into()]);
    *body.lock().unwrap() = page_of("nijmegen", peer_org(), offer);
    let status = sync(&node, "nijmegen").await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let got = node.gql_ok(RECOVERY_READ, json!({"id": PEER_OFFER})).await["offer"].clone();
    assert_eq!(
        got["suitability"]["contraIndications"],
        json!(["ACUTE_PSYCHOSIS"])
    );
    assert_eq!(got["suitability"]["note"], "Niet in een acute crisis.");
    assert_eq!(
        got["suitability"]["commitments"],
        json!(["Afspraken ondertekenen"])
    );
    assert_eq!(got["recoveryFocus"], json!(["HOOP"]));
    let row = entities::offer_suitability::Entity::find_by_id(PEER_OFFER)
        .one(&node.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.contra_indications.0, vec!["acute_psychose".to_string()]);
    let at: chrono::DateTime<chrono::Utc> = got["freshness"]["confirmedAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(at <= chrono::Utc::now(), "{got}");
}
