//! `/graphql` follows the GraphQL-over-HTTP specification: media types by `Accept`, request
//! bodies only as `application/json`, status codes and the `data` entry per media type.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};
use tests::TestApp;

const GQL: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Status, response content type and body of a POST with `accept` (none: no header) and `body`
/// sent as `application/json`.
async fn post(app: &TestApp, accept: Option<&str>, body: &str) -> (u16, String, Value) {
    post_typed(app, accept, Some(JSON), body).await
}

async fn post_typed(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String, Value) {
    let mut req = app.client.post(app.url("/graphql")).body(body.to_string());
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    if let Some(t) = content_type {
        req = req.header(CONTENT_TYPE, t);
    }
    answer(req.send().await.unwrap()).await
}

async fn get(app: &TestApp, accept: Option<&str>, params: &[(&str, &str)]) -> (u16, String, Value) {
    let mut req = app.client.get(app.url("/graphql")).query(params);
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    answer(req.send().await.unwrap()).await
}

async fn answer(res: reqwest::Response) -> (u16, String, Value) {
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, content_type, body)
}

fn q(query: &str) -> String {
    json!({ "query": query }).to_string()
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let ok = q("{ __typename }");
    // Accept: application/json gets application/json (MUST), in UTF-8 (MUST).
    let (status, ct, body) = post(&app, Some(JSON), &ok).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/json; charset=utf-8")
    );
    assert_eq!(body["data"]["__typename"], "Query");
    // The preferred type when asked for, with the highest q winning.
    let (status, ct, _) = post(&app, Some(GQL), &ok).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with(GQL), "{ct}");
    let (_, ct, _) = post(
        &app,
        Some("application/graphql-response+json;q=0.5, application/json"),
        &ok,
    )
    .await;
    assert!(ct.starts_with("application/json"), "{ct}");
    // No Accept (after the 2025 watershed) and */* get application/graphql-response+json.
    let (status, ct, _) = post(&app, None, &ok).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with(GQL), "{ct}");
    let (_, ct, _) = post(&app, Some("*/*"), &ok).await;
    assert!(ct.starts_with(GQL), "{ct}");
    // Nothing supported: 406 Not Acceptable, and nothing runs.
    let (status, _, _) = post(&app, Some("text/html"), &ok).await;
    assert_eq!(status, 406);
    app.stop().await;
}

#[tokio::test]
async fn post_bodies_must_be_json() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let ok = q("{ __typename }");
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
    ] {
        let (status, _, _) = post_typed(&app, Some(GQL), content_type, &ok).await;
        assert_eq!(status, 415, "Content-Type {content_type:?}");
    }
    let (status, _, body) = post_typed(
        &app,
        Some(GQL),
        Some("application/json; charset=utf-8"),
        &ok,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn malformed_requests_are_400_without_data() {
    let app = TestApp::spawn_with(|c| c.seed.demo = false).await;
    let bodies = [
        r#"{ "not a JSON"#.to_string(),
        "[]".to_string(),
        String::new(),
        json!({"qeury": "{ __typename }"}).to_string(),
        json!({"query": {"obj": "ect"}}).to_string(),
        json!({"query": 0}).to_string(),
        json!({"query": false}).to_string(),
        json!({"query": ["array"]}).to_string(),
        json!({"query": "{ __typename }", "operationName": 0}).to_string(),
        json!({"query": "{ __typename }", "variables": "string"}).to_string(),
        json!({"query": "{ __typename }", "variables": [7]}).to_string(),
        json!({"query": "{ __typename }", "extensions": false}).to_string(),
    ];
    for accept in [GQL, JSON] {
        for body in &bodies {
            let (status, _, answer) = post(&app, Some(accept), body).await;
            assert_eq!(status, 400, "{accept}: {body} -> {answer}");
            assert!(answer.get("data").is_none(), "{accept}: {body} -> {answer}");
            assert_eq!(tests::error_code(&answer), Some("BAD_USER_INPUT"));
        }
    }
    // Null optional parameters and map extensions are fine.
    let fine = json!({"query": "{ __typename }", "operationName": null, "variables": null,
        "extensions": {"some": "value"}});
    let (status, _, answer) = post(&app, Some(GQL), &fine.to_string()).await;
    assert_eq!(status, 200);
    assert!(answer.get("errors").is_none(), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_graphql_response_json() {
    let app = TestApp::spawn().await;
    let cases = [
        // Document parse failure.
        q("{"),
        // Validation failure.
        q("{ noSuchField }"),
        // The operation cannot be determined.
        q("query A { __typename } query B { __typename }"),
        json!({"query": "query A { __typename }", "operationName": "C"}).to_string(),
        // Variable coercion failures.
        json!({"query": "query($n: Int) { offers(first: $n) { totalCount } }",
            "variables": {"n": "many"}})
        .to_string(),
        json!({"query": "query($code: String!) { area(code: $code) { name } }"}).to_string(),
    ];
    for body in &cases {
        let (status, ct, answer) = post(&app, Some(GQL), body).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert!(ct.starts_with(GQL));
        assert!(answer.get("data").is_none(), "{body} -> {answer}");
        assert!(answer["errors"][0]["message"].is_string(), "{answer}");
        // The legacy type answers 200 (SHOULD), still without data.
        let (status, ct, answer) = post(&app, Some(JSON), body).await;
        assert_eq!(status, 200, "{body} -> {answer}");
        assert!(ct.starts_with(JSON));
        assert!(answer.get("data").is_none(), "{body} -> {answer}");
        assert!(answer["errors"].is_array(), "{answer}");
    }
    // A field error is an executed request: 200 with the data entry (null here), both types.
    let missing = q(r#"{ offer(id: "test:00000000-0000-0000-0000-000000000000") { id } }"#);
    for accept in [GQL, JSON] {
        let (status, _, answer) = post(&app, Some(accept), &missing).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.get("data").is_some(), "{answer}");
        assert_eq!(tests::error_code(&answer), Some("NOT_FOUND"));
    }
    app.stop().await;
}

#[tokio::test]
async fn get_requests_carry_their_parameters_in_the_url() {
    let app = TestApp::spawn().await;
    let (status, ct, body) = get(
        &app,
        Some(JSON),
        &[
            (
                "query",
                "query Area($code: String!) { area(code: $code) { name } }",
            ),
            ("variables", r#"{"code": "GM0361"}"#),
            ("operationName", "Area"),
        ],
    )
    .await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/json; charset=utf-8")
    );
    assert_eq!(body["data"]["area"]["name"], "Alkmaar");
    // No query, or variables that are not JSON: not well-formed.
    for params in [
        vec![],
        vec![("operationName", "Area")],
        vec![("query", "{ __typename }"), ("variables", "code=GM0361")],
    ] {
        let (status, _, body) = get(&app, Some(GQL), &params).await;
        assert_eq!(status, 400, "{params:?} -> {body}");
        assert!(body.get("data").is_none());
    }
    // Mutations are never run over GET: 405.
    let (status, _, _) = get(
        &app,
        Some(GQL),
        &[(
            "query",
            r#"mutation { login(email: "a@b.example", password: "x") { token } }"#,
        )],
    )
    .await;
    assert_eq!(status, 405);
    app.stop().await;
}
