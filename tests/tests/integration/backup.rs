//! Backup and restore (`wijkwijzer backup` / `restore`): a copy taken while the node takes writes
//! holds every write acknowledged before it began, and a node restored from it into an empty
//! directory serves them, search included. PostgreSQL nodes are pointed to `pg_dump`.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tests::{TestApp, backend_name, demo};

const CREATE_ORG: &str =
    r#"mutation($input: OrganisationInput!) { createOrganisation(input: $input) { id } }"#;
const SEND: &str = r#"mutation($input: ReferralInput!) { sendReferral(input: $input) { id } }"#;

#[tokio::test]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let app = TestApp::spawn_with(|c| c.auth.mutations_per_minute = 100_000).await;
    let out = app.dir.path().join("backup.sqlite");
    if backend_name() == "postgres" {
        let err = api::ops::backup::backup(&app.state.db, &out)
            .await
            .expect_err("PostgreSQL is backed up with pg_dump");
        assert!(err.message().contains("pg_dump"), "{}", err.message());
        return;
    }
    let admin = app.sign_in(demo::ADMIN).await;
    let gp = app.sign_in(demo::GP).await;
    let offers = app
        .gql_with(
            Some(&gp),
            "{ offers(first: 20) { edges { node { id title organisation { name } } } } }",
            json!({}),
        )
        .await;
    let offer = offers["data"]["offers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|o| o["organisation"]["name"] == "Bindkracht10")
        .expect("a Bindkracht10 offer");
    let referral = app
        .gql_with(
            Some(&gp),
            SEND,
            json!({"input": {"offerId": offer["id"], "patientRef": "BK-0001", "consent": true,
                   "contactPreference": "PHONE", "reasonDomains": ["SOCIALE_CONTACTEN"]}}),
        )
        .await;
    let referral_id = referral["data"]["sendReferral"]["id"].clone();
    assert!(referral_id.is_string(), "{referral}");

    // A writer keeps creating organisations while the backup runs.
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        let (client, url, admin) = (app.client.clone(), app.url("/graphql"), admin.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let body: Value = client
                    .post(&url)
                    .bearer_auth(&admin)
                    .json(&json!({"query": CREATE_ORG, "variables": {"input": {
                        "name": format!("Back-up-test {i}"), "kind": "VOLUNTEER_GROUP"}}}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = body["data"]["createOrganisation"]["id"]
                    .as_str()
                    .map(str::to_string);
                acknowledged.lock().unwrap().push(id.expect("created"));
            }
        })
    };
    tests::eventually(20, "the writer is writing", || async {
        (acknowledged.lock().unwrap().len() >= 20).then_some(())
    })
    .await;
    let before: Vec<String> = acknowledged.lock().unwrap().clone();

    let size = api::ops::backup::backup(&app.state.db, &out).await.unwrap();
    assert!(size > 0);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    let err = api::ops::backup::backup(&app.state.db, &out)
        .await
        .expect_err("an existing file is not overwritten");
    assert_eq!(err.field_name(), Some("out"));

    // Restore into an empty directory, as `wijkwijzer restore` does, and start from it.
    let restored_dir = tempfile::tempdir().unwrap();
    let mut config = (*app.state.config).clone();
    config.data_dir = restored_dir.path().to_path_buf();
    config.database.url = String::new();
    config.server.bind = "127.0.0.1:0".into();
    api::ops::backup::restore_file(&config, &out).unwrap();
    let restored = TestApp::restart(config, restored_dir).await;
    restored.state.search.reindex().await.unwrap();
    for id in &before {
        let row = entities::organisation::Entity::find_by_id(id.as_str())
            .one(&restored.state.db)
            .await
            .unwrap();
        assert!(
            row.is_some(),
            "{id} was acknowledged before the backup began"
        );
    }
    let body = restored
        .gql_with(
            Some(&gp),
            "query($id: ID!) { referral(id: $id) { patientRef events { toStatus } } }",
            json!({"id": referral_id}),
        )
        .await;
    assert_eq!(body["data"]["referral"]["patientRef"], "BK-0001", "{body}");
    let found = restored
        .gql_with(
            None,
            "query($q: String) { searchOffers(query: $q) { hits { offer { id } } } }",
            json!({"q": offer["title"]}),
        )
        .await;
    let hits = found["data"]["searchOffers"]["hits"].as_array().unwrap();
    assert!(
        hits.iter().any(|h| h["offer"]["id"] == offer["id"]),
        "the restored node's search index is rebuilt: {found}"
    );
}
