//! Each request limit with a request just under it (answered) and just over it (refused):
//! complexity, depth, page size, SQL statements and wall time per request, and the cap on
//! operation names in `/metrics`.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::{TestApp, error_code, error_field};

/// `n` aliases of `field` in one query.
fn aliases(n: usize, field: &str) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: {field}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

fn refused_as_too_costly(body: &Value) {
    assert_eq!(error_code(body), Some("QUERY_TOO_COSTLY"), "{body}");
    assert!(body.get("data").is_none(), "{body}");
}

#[tokio::test]
async fn complexity_refuses_a_wide_aliased_query_just_over_the_limit() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.max_complexity = 100;
    })
    .await;
    // `areas(limit: 1) { code }` costs 2: one area with one field, plus the list itself.
    let under = app
        .gql(&aliases(50, "areas(limit: 1) { code }"), json!({}))
        .await;
    assert!(under.get("errors").is_none(), "{under}");
    assert_eq!(
        under["data"]["a49"][0]["code"],
        under["data"]["a0"][0]["code"]
    );
    let over = app
        .gql(&aliases(51, "areas(limit: 1) { code }"), json!({}))
        .await;
    refused_as_too_costly(&over);
    assert!(
        over["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex (102 > 100)"),
        "{over}"
    );
    // A list counts its size: one alias asking for 50 areas costs as much as 50 aliases.
    let wide = app.gql("{ areas(limit: 50) { code } }", json!({})).await;
    assert!(wide.get("errors").is_none(), "{wide}");
    refused_as_too_costly(&app.gql("{ areas(limit: 100) { code } }", json!({})).await);
    app.stop().await;
}

#[tokio::test]
async fn depth_refuses_a_query_just_over_the_limit() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.max_depth = 6;
    })
    .await;
    let nested = |parents: usize| {
        let mut inner = String::from("code");
        for _ in 0..parents {
            inner = format!("parent {{ {inner} }}");
        }
        format!(r#"{{ area(code: "BU02680970") {{ {inner} }} }}"#)
    };
    // `area` is level 1 and `code` the last level: 4 parents make 6 levels.
    let under = app.gql(&nested(4), json!({})).await;
    assert!(under.get("errors").is_none(), "{under}");
    let over = app.gql(&nested(5), json!({})).await;
    refused_as_too_costly(&over);
    assert!(
        over["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep (7 > 6)"),
        "{over}"
    );
    app.stop().await;
}

#[tokio::test]
async fn page_size_refuses_a_page_just_over_the_maximum() {
    let app = TestApp::spawn_with(|c| c.limits.max_page_size = 3).await;
    for (list, path) in [
        (
            "offers(first: $n) { edges { node { id } } }",
            "/offers/edges",
        ),
        ("organisations(first: $n) { id }", "/organisations"),
        (
            r#"area(code: "GM0268") { offers(first: $n) { edges { node { id } } } }"#,
            "/area/offers/edges",
        ),
    ] {
        let query = format!("query($n: Int) {{ {list} }}");
        let under = app.gql(&query, json!({"n": 3})).await;
        assert!(under.get("errors").is_none(), "{list}: {under}");
        assert_eq!(
            under["data"]
                .pointer(path)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            3,
            "{list}"
        );
        let over = app.gql(&query, json!({"n": 4})).await;
        assert_eq!(error_code(&over), Some("BAD_USER_INPUT"), "{list}: {over}");
        assert_eq!(error_field(&over), Some("first"), "{list}: {over}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_statement_budget_stops_a_request_just_over_it() {
    let app = crate::query_cost::quiet_node(|c| {
        c.seed.demo = false;
        c.limits.max_sql_statements = 5;
    })
    .await;
    // Each `area` is one statement of its own.
    let field = r#"area(code: "GM0268") { code }"#;
    let before = app.state.queries.get();
    let under = app.gql(&aliases(5, field), json!({})).await;
    assert!(under.get("errors").is_none(), "{under}");
    assert_eq!(app.state.queries.get() - before, 5);
    let over = app.gql(&aliases(6, field), json!({})).await;
    refused_as_too_costly(&over);
    assert!(
        over["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("after 6 SQL statements (at most 5 per request)"),
        "{over}"
    );
    // DataLoader batches count too (they run in tasks of their own): the areas, then one
    // batch for all their children.
    let batched = r#"{ areas(limit: 2) { children { code } } }"#;
    let body = app.gql(batched, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let app = {
        app.stop().await;
        TestApp::spawn_with(|c| {
            c.seed.demo = false;
            c.limits.max_sql_statements = 1;
        })
        .await
    };
    refused_as_too_costly(&app.gql(batched, json!({})).await);
    app.stop().await;
}

#[tokio::test]
async fn the_time_budget_stops_a_request_at_its_deadline() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.max_request_ms = 1000;
        c.database.max_connections = 1;
        c.search.poll_interval_ms = 3_600_000;
        c.federation.delivery_poll_ms = 3_600_000;
    })
    .await;
    let query = r#"{ area(code: "GM0268") { name children { code } } }"#;
    let started = Instant::now();
    let under = app.gql(query, json!({})).await;
    assert!(under.get("errors").is_none(), "{under}");
    assert!(started.elapsed() < Duration::from_millis(1000));
    // Hold the only connection: the request waits for it until its deadline, not until the
    // pool's 10 s acquire timeout or the 30 s request timeout.
    let held = sea_orm::TransactionTrait::begin(&app.state.db)
        .await
        .unwrap();
    let started = Instant::now();
    let over = app.gql(query, json!({})).await;
    let took = started.elapsed();
    refused_as_too_costly(&over);
    assert!(
        over["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("(at most 1000 ms per request)"),
        "{over}"
    );
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    held.rollback().await.unwrap();
    let again = app.gql(query, json!({})).await;
    assert!(again.get("errors").is_none(), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn operation_names_cannot_grow_the_metrics_without_bound() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let cap = api::ops::metrics::MAX_OPERATION_LABELS;
    for i in 0..cap + 50 {
        let body = app
            .gql(&format!("query Probe{i} {{ __typename }}"), json!({}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut operations: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("graphql_requests_total{"))
        .filter_map(|l| l.split("operation=\"").nth(1)?.split('"').next())
        .collect();
    operations.sort();
    operations.dedup();
    // At most the cap, plus `anonymous` and `other`; the later names are counted as `other`.
    assert!(
        operations.len() <= cap + 2,
        "{} series: {operations:?}",
        operations.len()
    );
    assert!(operations.contains(&"other"), "{operations:?}");
    assert!(operations.contains(&"Probe0"), "{operations:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_mutations_own_work_is_not_charged_to_the_budget() {
    let app = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.limits.max_sql_statements = 2;
    })
    .await;
    // Signing in and creating an organisation each run more than two statements in their
    // services; what they return is read within the budget, which starts afresh.
    let token = app.admin_token().await;
    let body = app
        .gql_with(
            Some(&token),
            r#"mutation { createOrganisation(input: {name: "Buurtkamer"}) { id name } }"#,
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["createOrganisation"]["name"], "Buurtkamer");
    // A query of three statements is still refused.
    refused_as_too_costly(
        &app.gql(&aliases(3, r#"area(code: "GM0268") { code }"#), json!({}))
            .await,
    );
    app.stop().await;
}
