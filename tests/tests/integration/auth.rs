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
    // Wait for the lockout to run out without signing in (each try would extend it).
    let localhost = Some(std::net::IpAddr::from([127, 0, 0, 1]));
    tests::eventually(10, "the lockout runs out", || async {
        (!app.state.auth.logins.is_locked(demo::GP, localhost)).then_some(())
    })
    .await;
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

async fn login_code(app: &TestApp, email: &str, password: &str, forwarded: Option<&str>) -> String {
    let mut req = app.client.post(app.url("/graphql"));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let body: Value = req
        .json(&json!({"query": LOGIN, "variables": {"e": email, "p": password}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    error_code(&body).unwrap_or("OK").to_string()
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_checked() {
    let app = TestApp::spawn_with(|c| {
        c.auth.login_free_failures = 3;
        c.auth.login_lockout_secs = 60;
    })
    .await;
    let guesses = (0..24).map(|_| login_code(&app, demo::GP, "guess-guess-guess", None));
    let codes = futures::future::join_all(guesses).await;
    let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let locked = codes.iter().filter(|c| *c == "TOO_MANY_REQUESTS").count();
    assert_eq!(checked + locked, 24, "{codes:?}");
    assert!(
        checked <= 4,
        "at most the free failures and the one that locks are checked: {codes:?}"
    );
    assert_eq!(
        login_code(&app, demo::GP, api::seed::users::DEMO_PASSWORD, None).await,
        "TOO_MANY_REQUESTS"
    );
}

#[tokio::test]
async fn a_success_clears_the_email_not_the_address() {
    let app = TestApp::spawn_with(|c| {
        c.auth.login_free_failures = 2;
        c.auth.login_lockout_secs = 60;
    })
    .await;
    for email in ["a@guess.example", "b@guess.example"] {
        assert_eq!(
            login_code(&app, email, "guess-guess-guess", None).await,
            "UNAUTHENTICATED"
        );
    }
    // The attacker's own account signs in fine ...
    assert_eq!(
        login_code(&app, demo::POH, api::seed::users::DEMO_PASSWORD, None).await,
        "OK"
    );
    // ... but that does not give the address new free guesses.
    assert_eq!(
        login_code(&app, "c@guess.example", "guess-guess-guess", None).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        login_code(&app, demo::GP, "guess-guess-guess", None).await,
        "TOO_MANY_REQUESTS"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let throttled = |trusted: bool| {
        TestApp::spawn_with(move |c| {
            c.auth.login_free_failures = 1;
            c.auth.login_lockout_secs = 60;
            if trusted {
                c.server.trusted_proxies = vec!["127.0.0.0/8".into()];
            }
        })
    };
    // A caller cannot pick a new address with X-Forwarded-For: the TCP peer is counted.
    let direct = throttled(false).await;
    let mut codes = Vec::new();
    for i in 0..3 {
        let (email, ip) = (format!("u{i}@guess.example"), format!("203.0.113.{i}"));
        codes.push(login_code(&direct, &email, "guess-guess-guess", Some(&ip)).await);
    }
    assert_eq!(
        codes,
        ["UNAUTHENTICATED", "UNAUTHENTICATED", "TOO_MANY_REQUESTS"],
        "one counter for the peer"
    );

    // Behind a trusted proxy each forwarded client has its own counter.
    let proxied = throttled(true).await;
    for i in 0..3 {
        let ip = format!("203.0.113.{i}");
        let email = format!("u{i}@guess.example");
        assert_eq!(
            login_code(&proxied, &email, "guess-guess-guess", Some(&ip)).await,
            "UNAUTHENTICATED"
        );
    }
    // Entries left of the one the proxy added are the client's to invent: only that one
    // counts (203.0.113.0 failed once above; its second failure locks it).
    let mut codes = Vec::new();
    for i in 0..3 {
        let chain = format!("198.51.100.{i}, 203.0.113.0");
        let email = format!("v{i}@guess.example");
        codes.push(login_code(&proxied, &email, "guess-guess-guess", Some(&chain)).await);
    }
    assert_eq!(
        codes,
        ["UNAUTHENTICATED", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]
    );
}

#[tokio::test]
async fn a_public_node_has_no_demo_accounts_and_will_not_serve_published_passwords() {
    use sea_orm::PaginatorTrait;
    let public = TestApp::spawn_with(|c| c.server.bind = "0.0.0.0:0".into()).await;
    let users = entities::user::Entity::find()
        .count(&public.state.db)
        .await
        .unwrap();
    assert_eq!(
        users, 0,
        "no demo accounts on a non-loopback bind, demo data or not"
    );
    assert!(
        entities::organisation::Entity::find()
            .count(&public.state.db)
            .await
            .unwrap()
            > 0,
        "the demo organisations are loaded"
    );
    // Demo accounts made earlier (say on a laptop) keep the node from listening publicly.
    api::seed::users::load_if_empty(&public.state, &[])
        .await
        .unwrap();
    let refused = api::app::serve(public.state.clone(), "0.0.0.0:0", web::routes(), async {})
        .await
        .err()
        .expect("refused to serve");
    let message = refused.message();
    assert!(message.contains("beheer@wijkwijzer.example"), "{message}");
    assert!(message.contains("create-user"), "{message}");
    assert!(message.contains("disable-demo-accounts"), "{message}");
    let local = api::app::serve(public.state.clone(), "127.0.0.1:0", web::routes(), async {}).await;
    assert!(local.is_ok(), "a loopback demo still runs");
    local.unwrap().handle.await.unwrap();
    // Once they are disabled, the node serves publicly.
    assert_eq!(
        api::seed::users::disable_demo_accounts(&public.state.db)
            .await
            .unwrap(),
        11,
        "three per demo region and the admin"
    );
    let public_again =
        api::app::serve(public.state.clone(), "0.0.0.0:0", web::routes(), async {}).await;
    assert!(public_again.is_ok(), "no published password left");
    public_again.unwrap().handle.await.unwrap();
}

#[tokio::test]
async fn a_node_seeded_with_one_region_gets_that_regions_demo_accounts() {
    let app = TestApp::spawn_with(|c| c.seed.demo_regions = vec!["zuid-limburg".into()]).await;
    let me = r#"{ me { memberships { role organisationId gemeenteCode } } }"#;
    for (email, role) in [
        ("huisarts@maastricht-west.example", "PRACTITIONER"),
        ("redactie@trajekt.example", "ORGANISATION_EDITOR"),
        ("analist@maastricht.example", "MUNICIPALITY_ANALYST"),
        ("beheer@wijkwijzer.example", "NODE_ADMIN"),
    ] {
        let token = app.sign_in(email).await;
        let body = app.gql_with(Some(&token), me, json!({})).await;
        assert_eq!(
            body["data"]["me"]["memberships"][0]["role"], role,
            "{email}: {body}"
        );
    }
    let other_region = login_code(
        &app,
        "huisarts@lent.example",
        api::seed::users::DEMO_PASSWORD,
        None,
    )
    .await;
    assert_eq!(
        other_region, "UNAUTHENTICATED",
        "no accounts of regions not loaded"
    );
}

#[tokio::test]
async fn a_wrong_password_says_so() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(LOGIN, json!({"e": demo::GP, "p": "not-the-password"}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(
        body["errors"][0]["message"], "e-mail or password is wrong",
        "not the generic 'sign-in required': {body}"
    );
}
