//! Operations surface: `/metrics`, `/ready`, CORS, the body size limit and graceful shutdown.

use entities::consumer_cursor;
use sea_orm::{ActiveModelTrait, Set};
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
async fn graceful_shutdown_finishes_requests_in_flight() {
    let app = TestApp::spawn().await;
    let shutdown = app.state.shutdown.clone();
    // Start many requests, then ask the server to stop while they run.
    let mut requests = Vec::new();
    for _ in 0..20 {
        let client = app.client.clone();
        let url = app.url("/hsds/services?per_page=100");
        requests.push(tokio::spawn(async move {
            client.get(url).send().await.map(|r| r.status().as_u16())
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let addr = app.addr;
    tokio::time::timeout(Duration::from_secs(30), app.stop())
        .await
        .expect("server stops within the timeout");
    assert!(shutdown.is_triggered(), "workers were told to stop");
    let mut finished = 0;
    for r in requests {
        // A request either completed with 200 or was never accepted (connection refused); none
        // is cut off with an error status.
        if let Ok(status) = r.await.unwrap() {
            assert_eq!(status, 200);
            finished += 1;
        }
    }
    assert!(finished > 0, "requests in flight were finished");
    // And the port no longer accepts connections.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
