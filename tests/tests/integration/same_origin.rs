//! What a page of another site can make a signed-in (or not yet signed-in) browser do: the
//! same-origin rule on every cookie-setting or state-changing route and on cookie-authenticated
//! GraphQL (login CSRF, form CSRF, `text/plain` GraphQL), redirects after sign-in only to this
//! node (open redirect), and the security headers on every page.

use crate::web::client;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};
use tests::{TestApp, demo};

const EVIL: &str = "https://evil.example";

async fn session(app: &TestApp, email: &str) -> String {
    format!("wijk_session={}", app.sign_in(email).await)
}

#[tokio::test]
async fn sign_in_forms_refuse_other_sites_and_null_origins() {
    let app = TestApp::spawn().await;
    let login = [
        ("email", demo::EDITOR),
        ("password", api::seed::users::DEMO_PASSWORD),
    ];
    for (path, origin) in [
        ("/auth/login", EVIL),
        ("/auth/login", "null"),
        ("/inloggen", EVIL),
        ("/inloggen", "null"),
    ] {
        let res = client()
            .post(app.url(path))
            .header(ORIGIN, origin)
            .form(&login)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path} from {origin}");
        assert!(
            res.headers().get(SET_COOKIE).is_none(),
            "no session for {path}"
        );
    }
    // Browsers without Origin still say where the post came from.
    let res = client()
        .post(app.url("/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client()
        .post(app.url("/auth/login"))
        .header("referer", format!("{EVIL}/"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The node's own form signs in.
    let res = client()
        .post(app.url("/auth/login"))
        .header(ORIGIN, app.url(""))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers().get(SET_COOKIE).is_some());
}

#[tokio::test]
async fn sign_out_and_form_posts_refuse_other_sites() {
    let app = TestApp::spawn().await;
    let cookie = session(&app, demo::EDITOR).await;
    let res = client()
        .post(app.url("/auth/logout"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "null")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let me: Value = client()
        .post(app.url("/graphql"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, app.url(""))
        .json(&json!({"query": "{ me { email } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["email"], demo::EDITOR, "still signed in");
    let res = client()
        .post(app.url("/beheer/aanbod/x/plekken"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "null")
        .form(&[("version", "1"), ("placesTaken", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "Origin: null is no origin"
    );
}

const CREATE_ORG: &str =
    r#"mutation { createOrganisation(input: {name: "Via een andere site"}) { id } }"#;

async fn organisations_named(app: &TestApp, name: &str) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Name.eq(name))
        .all(&app.state.db)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn cookie_graphql_must_be_same_origin_json() {
    let app = TestApp::spawn().await;
    let cookie = session(&app, demo::ADMIN).await;
    let body = json!({"query": CREATE_ORG}).to_string();
    // A form-like cross-site post (no preflight): text/plain, with or without Origin.
    for origin in [Some(EVIL), Some("null"), None] {
        let mut req = client()
            .post(app.url("/graphql"))
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, "text/plain")
            .body(body.clone());
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "text/plain from {origin:?}"
        );
    }
    // JSON from another site, and a GET query from another site, with the cookie.
    let res = client()
        .post(app.url("/graphql"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, EVIL)
        .json(&json!({"query": CREATE_ORG}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client()
        .get(app.url("/graphql?query=%7Bme%7Bemail%7D%7D"))
        .header(COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(organisations_named(&app, "Via een andere site").await, 0);

    // The node's own pages (GraphiQL) post JSON with the cookie.
    let res: Value = client()
        .post(app.url("/graphql"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, app.url(""))
        .json(&json!({"query": CREATE_ORG}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res.get("errors").is_none(), "{res}");
    // Bearer tokens and anonymous calls are not ambient: CORS governs them, not this rule.
    let token = app.sign_in(demo::ADMIN).await;
    let res: Value = client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header(ORIGIN, EVIL)
        .json(&json!({"query": CREATE_ORG}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(res.get("errors").is_none(), "{res}");
    let res = client()
        .post(app.url("/graphql"))
        .header(ORIGIN, EVIL)
        .json(&json!({"query": "{ offers(first: 1) { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// `next` values that leave the node (or may, once a browser normalises them).
const NASTY_NEXT: [&str; 14] = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "/./evil.example",
    "/.//evil.example",
    "///evil.example",
    "/%0a/x\u{7f}",
];

#[tokio::test]
async fn sign_in_returns_only_to_pages_of_this_node() {
    let app = TestApp::spawn().await;
    for next in NASTY_NEXT {
        let mut url = reqwest::Url::parse(&app.url("/inloggen")).unwrap();
        url.query_pairs_mut().append_pair("next", next);
        let res = client().get(url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            html.contains(r#"name="next" value="/""#),
            "{next:?} kept in the form"
        );
        let res = client()
            .post(app.url("/inloggen"))
            .form(&[
                ("email", demo::EDITOR),
                ("password", api::seed::users::DEMO_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.headers()[LOCATION], "/", "{next:?}");
    }
    let res = client()
        .post(app.url("/inloggen"))
        .form(&[
            ("email", demo::EDITOR),
            ("password", api::seed::users::DEMO_PASSWORD),
            ("next", "/beheer?tab=aanbod"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/beheer?tab=aanbod");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let cookie = session(&app, demo::EDITOR).await;
    for path in [
        "/",
        "/inloggen",
        "/dekking",
        "/beheer",
        "/verwijzingen",
        "/static/app.js",
        "/graphql?query=%7B__typename%7D",
        "/hsds/",
        "/health",
        "/bestaat-niet",
    ] {
        let res = client()
            .get(app.url(path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let h = res.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no TLS: {path}"
        );
        let body = res.text().await.unwrap();
        // Nothing the policy would block: no inline script, handlers or styles.
        assert!(!body.contains("<script>"), "{path}: inline script");
        assert!(!body.contains(" style="), "{path}: inline style");
        assert!(!body.contains(" onclick="), "{path}: inline handler");
    }
    // GraphiQL keeps working under its own policy: its inline script by hash only.
    let res = client().get(app.url("/graphiql")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe-inline'"), "{csp}");

    let tls = TestApp::spawn_with(|c| {
        c.seed.demo = false;
        c.auth.secure_cookies = true;
    })
    .await;
    let res = client().get(tls.url("/")).send().await.unwrap();
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age="),
    );
}
