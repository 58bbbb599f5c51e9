//! Three regional nodes in-process, each with its own database, pulling each other's feeds.

use api::config::{Config, PeerConfig};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code, free_port};

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
    let ports: Vec<u16> = REGIONS.iter().map(|_| free_port()).collect();
    let mut nodes = Vec::new();
    for (i, (id, region)) in REGIONS.iter().enumerate() {
        let peers: Vec<PeerConfig> = REGIONS
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, (pid, _))| peer(id, pid, ports[j]))
            .collect();
        let port = ports[i];
        nodes.push(
            TestApp::spawn_with(|c: &mut Config| {
                c.node.id = id.to_string();
                c.server.bind = format!("127.0.0.1:{port}");
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
            seen(node, &id, Value::Null).await.is_none(),
            "ended offers leave the default listing"
        );
        assert_eq!(
            seen(node, &id, json!(["ENDED"]))
                .await
                .expect("ended offer mirrored")["status"],
            "ENDED"
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

/// A fake peer on loopback whose `/graphql` answers with whatever body the test sets.
async fn fake_peer(body: std::sync::Arc<std::sync::Mutex<String>>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || {
            let body = body.lock().unwrap().clone();
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
    let port = fake_peer(body.clone()).await;
    let node = TestApp::spawn_with(|c: &mut Config| {
        c.node.id = "nhn".into();
        c.seed.demo_regions = vec!["noord-holland-noord".into()];
        c.federation.peers = vec![peer("nhn", "nijmegen", port)];
    })
    .await
    .signed_in(demo::ADMIN)
    .await;
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
        life_domains: vec![],
        target_groups: vec![],
        locations: vec![],
        created_at: now,
        updated_at: now,
        version,
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
