//! The README's two-node quickstart, run from exactly its files (`tests/quickstart/*.toml`):
//! only the ports, data directories and database are the test's. A search at one node finds the
//! other region's offers, a referral crosses and its answer comes back, and a referral sent while
//! the other node is down arrives when it is back.

use api::config::Config;
use serde_json::{Value, json};
use tests::{TestApp, eventually, listener, port_of};

/// The quickstart file `name`, as `wijkwijzer` would read it.
fn quickstart(name: &str) -> Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("quickstart")
        .join(name);
    Config::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Starts the node of `file` on `listener`, its one peer at `peer_port`.
async fn start(file: &str, listener: tokio::net::TcpListener, peer_port: u16) -> TestApp {
    let mut from_file = quickstart(file);
    let port = port_of(&listener);
    TestApp::spawn_on(listener, move |c| {
        from_file.data_dir = c.data_dir.clone();
        from_file.database = c.database.clone();
        from_file.server.bind = "127.0.0.1:0".into();
        from_file.node.base_url = Some(format!("http://127.0.0.1:{port}"));
        from_file.federation.peers[0].base_url = format!("http://127.0.0.1:{peer_port}");
        *c = from_file;
    })
    .await
}

async fn gql(node: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = node.gql_with(Some(token), query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

const SEARCH: &str =
    r#"query($q: String) { searchOffers(query: $q) { hits { offer { id title originNode } } } }"#;
const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id status deliveryPending } }"#;
const ONE: &str = r#"query($id: ID!) { referral(id: $id) { id status version } }"#;

/// The referral `id` at `node` once it has `status`.
async fn wait_status(node: &TestApp, token: &str, id: &Value, status: &str) -> Value {
    eventually(20, &format!("{id} is {status}"), || async {
        let body = node.gql_with(Some(token), ONE, json!({"id": id})).await;
        (body["data"]["referral"]["status"] == status).then(|| body["data"]["referral"].clone())
    })
    .await
}

#[tokio::test]
async fn the_two_node_quickstart_works_as_the_readme_says() {
    let (la, lb) = (listener().await, listener().await);
    let (pa, pb) = (port_of(&la), port_of(&lb));
    let nijmegen = start("nijmegen.toml", la, pb).await;
    let nhn = start("nhn.toml", lb, pa).await;

    // "Pull now" as the admin (or wait interval_secs): Nijmegen finds the NHN Herstelcirkels.
    let admin = nijmegen.sign_in("beheer@wijkwijzer.example").await;
    let synced = gql(
        &nijmegen,
        &admin,
        "mutation { syncPeer(id: \"nhn\") { lastError } }",
        json!({}),
    )
    .await;
    assert_eq!(synced["syncPeer"]["lastError"], Value::Null, "{synced}");
    let hit = eventually(20, "the other region's offer is found", || async {
        let data = gql(
            &nijmegen,
            &admin,
            SEARCH,
            json!({"q": "herstelcirkel alkmaar"}),
        )
        .await;
        data["searchOffers"]["hits"].as_array().and_then(|hits| {
            hits.iter()
                .find(|h| h["offer"]["originNode"] == "nhn")
                .cloned()
        })
    })
    .await;
    let offer = hit["offer"]["id"].clone();

    // The GP at Nijmegen refers; the editor at NHN accepts; the GP sees it.
    let gp = nijmegen.sign_in("huisarts@lent.example").await;
    let input = |patient: &str| {
        json!({"input": {"offerId": offer, "patientRef": patient, "consent": true,
               "contactPreference": "PHONE", "reasonDomains": ["SOCIALE_CONTACTEN"]}})
    };
    let sent = gql(&nijmegen, &gp, SEND, input("QS-0001")).await["sendReferral"].clone();
    let editor = nhn.sign_in("redactie@wonenpluswelzijn.example").await;
    let mut version = wait_status(&nhn, &editor, &sent["id"], "REQUESTED").await["version"].clone();
    for status in ["RECEIVED", "ACCEPTED"] {
        let moved = gql(
            &nhn,
            &editor,
            "mutation($id: ID!, $v: Int!, $s: ReferralStatus!) { updateReferralStatus(id: $id, version: $v, status: $s) { version } }",
            json!({"id": sent["id"], "v": version, "s": status}),
        )
        .await;
        version = moved["updateReferralStatus"]["version"].clone();
    }
    wait_status(&nijmegen, &gp, &sent["id"], "ACCEPTED").await;

    // NHN down: the referral waits at Nijmegen and arrives when NHN is back.
    let (config, dir) = nhn.stop_keeping_data().await;
    let waiting = gql(&nijmegen, &gp, SEND, input("QS-0002")).await["sendReferral"].clone();
    assert_eq!(waiting["deliveryPending"], true, "{waiting}");
    let nhn = TestApp::restart(config, dir).await;
    wait_status(&nhn, &editor, &waiting["id"], "REQUESTED").await;
}
