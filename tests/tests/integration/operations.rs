//! Operations surface: `/metrics`, `/ready`, CORS, the body size limit and graceful shutdown.

use entities::consumer_cursor;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;
use std::time::Duration;
use tests::TestApp;

#[tokio::test]
async fn metrics_report_requests_pool_and_backlog() {
    let app = TestApp::spawn().await;
    // A consumer that has seen nothing: its backlog is the whole change log.
    consumer_cursor::ActiveModel {
        consumer: Set("test-consumer".into()),
        seq: Set(0),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    app.gql_ok(
        "query OpsMetricsProbe { offers(first: 2) { totalCount } }",
        json!({}),
    )
    .await;
    app.client.get(app.url("/health")).send().await.unwrap();
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for needle in [
        "graphql_request_duration_seconds_bucket{operation=\"OpsMetricsProbe\",outcome=\"ok\"",
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\"",
        "http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"}",
        "db_pool_connections{state=\"size\"}",
        "db_pool_connections{state=\"idle\"}",
        "change_log_max_seq",
        "federation_peers 0",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    let backlog = text
        .lines()
        .find(|l| l.starts_with("change_log_backlog{consumer=\"test-consumer\"}"))
        .expect("backlog of test-consumer");
    let value: f64 = backlog.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(value > 0.0, "demo data made changes: {backlog}");
    app.stop().await;
}

#[tokio::test]
async fn ready_checks_database_and_migrations() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
    // Once shutdown begins the node reports not ready.
    app.state.shutdown.trigger();
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    // With the database gone it is not ready either (and /health says so too).
    app.state.db.clone().close().await.unwrap();
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "unreachable");
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.cors.allowed_origins = vec!["https://kaart.example.nl".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let ok = preflight("https://kaart.example.nl").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://kaart.example.nl"
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    app.stop().await;

    // The default allows no cross-origin calls.
    let closed = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let res = closed
        .client
        .get(closed.url("/health"))
        .header("origin", "https://kaart.example.nl")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    closed.stop().await;
}

#[tokio::test]
async fn body_limit_rejects_large_requests() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.body_limit_bytes = 4096;
    })
    .await;
    let small = json!({"query": "{ __typename }"});
    let res = app
        .client
        .post(app.url("/graphql"))
        .json(&small)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let padding = "x".repeat(8192);
    let big = json!({"query": format!("{{ __typename }} # {padding}")});
    let res = app
        .client
        .post(app.url("/graphql"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn slow_requests_time_out() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.request_timeout_secs = 1;
    })
    .await;
    let token = app.admin_token().await;
    // Hold the write lock (SQLite) / an exclusive table lock (PostgreSQL) so a write waits.
    let txn = api::db::begin_write(&app.state.db).await.unwrap();
    if app.state.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(
            &json!({"query": "mutation { createOrganisation(input: {name: \"Te laat\"}) { id } }"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    txn.rollback().await.unwrap();
    // The node serves again once the lock is gone.
    let res = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight() {
    // No background worker touches the database during the test, so a second busy pool
    // connection is the request's.
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.search.poll_interval_ms = 3_600_000;
        c.federation.delivery_poll_ms = 3_600_000;
    })
    .await;
    let shutdown = app.state.shutdown.clone();
    let db = app.state.db.clone();
    let token = app.admin_token().await;
    // Hold the write lock so a write is certainly in flight when the stop arrives.
    let txn = api::db::begin_write(&db).await.unwrap();
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let mutations_before = app.state.auth.mutations.events();
    let in_flight = tokio::spawn({
        let client = app.client.clone();
        let url = app.url("/graphql");
        async move {
            let res = client
                .post(url)
                .bearer_auth(&token)
                .json(&json!({"query": "mutation { createOrganisation(input: {name: \"Onderweg\"}) { id } }"}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    });
    // In flight: the request holds a pool connection beside the test's transaction.
    let busy = || match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            pool.size() as usize - pool.num_idle()
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            pool.size() as usize - pool.num_idle()
        }
    };
    // The mutation reached the handler (it was counted for the rate limit) and then the
    // database, where it waits for the write lock.
    tests::eventually(10, "the request reaches the handler", || async {
        (app.state.auth.mutations.events() > mutations_before).then_some(())
    })
    .await;
    tests::eventually(10, "the request reaches the database", || async {
        (busy() >= 2).then_some(())
    })
    .await;
    let addr = app.addr;
    let stopping = tokio::spawn(app.stop());
    // The stop waits for the request; the shutdown token fires at once.
    tokio::time::timeout(Duration::from_secs(5), shutdown.wait())
        .await
        .expect("workers were told to stop");
    assert!(
        !stopping.is_finished(),
        "server waits for the request in flight"
    );
    txn.rollback().await.unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        body["data"]["createOrganisation"]["id"].is_string(),
        "{body}"
    );
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("server stops once the request is done")
        .unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
