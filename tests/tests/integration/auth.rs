//! Sign-in (local accounts, bearer and cookie sessions), brute-force throttling, rate limits
//! and each role's allowed and forbidden actions.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{TestApp, demo, error_code};

const ME: &str = "{ me { email memberships { role organisationId gemeenteCode } } }";
const CREATE_ORG: &str =
    r#"mutation($input: OrganisationInput!) { createOrganisation(input: $input) { id version } }"#;
const UPDATE_OFFER: &str = r#"mutation($id: ID!, $v: Int!, $input: OfferInput!) {
  updateOffer(id: $id, version: $v, input: $input) { id version title } }"#;
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }";

/// (id, version) of a demo offer by title.
pub async fn offer_by_title(app: &TestApp, title: &str) -> (String, i32) {
    use entities::offer;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let o = offer::Entity::find()
        .filter(offer::Column::Title.eq(title))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo offer {title}"));
    (o.id, o.version)
}

#[tokio::test]
async fn anonymous_callers_read_public_data_but_cannot_write() {
    let app = TestApp::spawn().await;
    let me = app.gql_ok(ME, json!({})).await;
    assert_eq!(me["me"], Value::Null);
    let body = app.gql(CREATE_ORG, json!({"input": {"name": "X"}})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let offers = app
        .gql_ok("{ offers(first: 1) { totalCount } }", json!({}))
        .await;
    assert!(offers["offers"]["totalCount"].as_i64().unwrap() > 0);
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth("wjs_forged-or-expired")
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn local_login_gives_a_bearer_session_with_roles() {
    let app = TestApp::spawn().await;
    let wrong = app
        .gql(LOGIN, json!({"e": demo::GP, "p": "not-the-password"}))
        .await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"));
    let token = app.sign_in(demo::GP).await;
    assert!(token.starts_with("wjs_"));
    let me = app.gql_with(Some(&token), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["email"], demo::GP);
    assert_eq!(me["data"]["me"]["memberships"][0]["role"], "PRACTITIONER");
    let stored = entities::session::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|s| s.token_hash != token && s.token_hash.len() == 64),
        "only hashes are stored"
    );
    let again = app.gql_with(Some(&token), ME, json!({})).await;
    assert_eq!(again["data"]["me"]["email"], demo::GP, "{again}");
    let later = chrono::Utc::now() + chrono::Duration::hours(13);
    assert_eq!(
        api::auth::session::delete_expired(&app.state.db, chrono::Utc::now())
            .await
            .unwrap(),
        0
    );
    let second = app.sign_in(demo::GP).await;
    assert!(
        api::auth::session::delete_expired(&app.state.db, later)
            .await
            .unwrap()
            >= 2,
        "sessions expire after auth.session_hours"
    );
    let gone = app.gql_with(Some(&second), ME, json!({})).await;
    assert_eq!(error_code(&gone), Some("UNAUTHENTICATED"));
    let token = app.sign_in(demo::GP).await;
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let after = app.gql_with(Some(&token), ME, json!({})).await;
    assert_eq!(error_code(&after), Some("UNAUTHENTICATED"), "{after}");
}

#[tokio::test]
async fn login_form_sets_an_http_only_lax_cookie() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(app.url("/auth/login")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("name=\"password\""));
    let bad = client
        .post(app.url("/auth/login"))
        .form(&[("email", demo::EDITOR), ("password", "nope-nope-nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let res = client
        .post(app.url("/auth/login"))
        .form(&[
            ("email", demo::EDITOR),
            ("password", api::seed::users::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("wijk_session=wjs_"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "not behind TLS in tests");
    let pair = cookie.split(';').next().unwrap();
    let me: Value = client
        .post(app.url("/graphql"))
        .header("cookie", pair)
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["email"], demo::EDITOR);
    let out = client
        .post(app.url("/auth/logout"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let me: Value = client
        .post(app.url("/graphql"))
        .header("cookie", pair)
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["data"]["me"],
        Value::Null,
        "revoked session is anonymous"
    );
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_for_a_while() {
    let app = TestApp::spawn_with(|c| {
        c.auth.login_free_failures = 3;
        c.auth.login_lockout_secs = 1;
    })
    .await;
    for _ in 0..3 {
        let body = app
            .gql(LOGIN, json!({"e": demo::GP, "p": "guess-guess-guess"}))
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    }
    let body = app
        .gql(LOGIN, json!({"e": demo::GP, "p": "guess-guess-guess"}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let locked = app
        .gql(
            LOGIN,
            json!({"e": demo::GP, "p": api::seed::users::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(
        error_code(&locked),
        Some("TOO_MANY_REQUESTS"),
        "even the right password waits: {locked}"
    );
    let other = app
        .gql(LOGIN, json!({"e": demo::EDITOR, "p": "guess-guess-guess"}))
        .await;
    assert_eq!(
        error_code(&other),
        Some("TOO_MANY_REQUESTS"),
        "the IP is locked too"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let ok = app
        .gql(
            LOGIN,
            json!({"e": demo::GP, "p": api::seed::users::DEMO_PASSWORD}),
        )
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

#[tokio::test]
async fn mutations_are_rate_limited_per_caller() {
    let app = TestApp::spawn_with(|c| c.auth.mutations_per_minute = 2)
        .await
        .signed_in(demo::ADMIN)
        .await;
    // The login mutation above counted for the anonymous IP, not for the admin.
    for _ in 0..2 {
        let body = app.gql(CREATE_ORG, json!({"input": {"name": "X"}})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body = app.gql(CREATE_ORG, json!({"input": {"name": "X"}})).await;
    assert_eq!(error_code(&body), Some("TOO_MANY_REQUESTS"));
}

#[tokio::test]
async fn each_role_may_do_its_own_work_only() {
    let app = TestApp::spawn().await;
    let editor = app.sign_in(demo::EDITOR).await;
    let gp = app.sign_in(demo::GP).await;
    let analyst = app.sign_in(demo::ANALYST).await;
    let admin = app.sign_in(demo::ADMIN).await;

    let (own, v) = offer_by_title(&app, "Wandelgroep Lent").await;
    let ok = app
        .gql_with(
            Some(&editor),
            UPDATE_OFFER,
            json!({"id": own, "v": v, "input": {"title": "Wandelgroep Lent-Oosterhout"}}),
        )
        .await;
    assert_eq!(
        ok["data"]["updateOffer"]["title"], "Wandelgroep Lent-Oosterhout",
        "{ok}"
    );

    let foreign = {
        use entities::offer;
        use sea_orm::{ColumnTrait, QueryFilter};
        let bindkracht = offer::Entity::find_by_id(own.clone())
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .organisation_id;
        offer::Entity::find()
            .filter(offer::Column::OrganisationId.ne(bindkracht))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    let denied = app
        .gql_with(
            Some(&editor),
            UPDATE_OFFER,
            json!({"id": foreign.id, "v": foreign.version, "input": {"title": "Overgenomen"}}),
        )
        .await;
    assert_eq!(error_code(&denied), Some("FORBIDDEN"), "{denied}");

    for token in [&editor, &gp, &analyst] {
        let body = app
            .gql_with(Some(token), CREATE_ORG, json!({"input": {"name": "X"}}))
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
    }
    let body = app
        .gql_with(Some(&admin), CREATE_ORG, json!({"input": {"name": "X"}}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    for token in [&gp, &analyst] {
        let body = app
            .gql_with(
                Some(token),
                UPDATE_OFFER,
                json!({"id": own, "v": 2, "input": {"title": "Nee"}}),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
    }
}
