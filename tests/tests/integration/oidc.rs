//! OpenID Connect against a real provider (npm `oidc-provider`, started by the harness): the
//! web sign-in through the authorization code flow with PKCE, bearer JWT access tokens,
//! forged and expired tokens, and a JWKS refresh when the provider rotates its key.

use api::auth::Membership;
use api::auth::users::{self, NewUser};
use entities::{Role, organisation};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::oidc::{
    AUDIENCE, Browser, CLIENT_ID, CLIENT_SECRET, OidcProvider, access_token,
    client_credentials_token, tokens,
};
use tests::{TestApp, demo, error_code, listener, port_of};

const ME: &str = "{ me { email memberships { role } } }";

/// A provider (on a port it picks) for a node that will serve on a bound listener, and that
/// node, with a practitioner and an editor account; access tokens live `access_ttl` seconds.
async fn provider_and_node(access_ttl: u32) -> (OidcProvider, TestApp) {
    provider_and_node_for(access_ttl, Some(AUDIENCE)).await
}

/// Like [`provider_and_node`], the node expecting bearer tokens for `audience` (none: the
/// client id).
async fn provider_and_node_for(access_ttl: u32, audience: Option<&str>) -> (OidcProvider, TestApp) {
    let listener = listener().await;
    let callback = format!("http://127.0.0.1:{}/auth/callback", port_of(&listener));
    let provider = OidcProvider::start(0, &callback, access_ttl).await;
    let app = node_for(listener, &provider.issuer, audience).await;
    (provider, app)
}

/// A node on `listener` using the provider at `issuer` and expecting bearer tokens for
/// `audience`, with a practitioner and an editor account.
async fn node_for(
    listener: tokio::net::TcpListener,
    issuer: &str,
    audience: Option<&str>,
) -> TestApp {
    let issuer = issuer.to_string();
    let app = TestApp::spawn_on(listener, |c| {
        c.auth.issuer = Some(issuer);
        c.auth.client_id = CLIENT_ID.into();
        c.auth.client_secret = CLIENT_SECRET.into();
        c.auth.audience = audience.map(str::to_string);
    })
    .await;
    for (email, role, org) in [
        (demo::GP, Role::Practitioner, "Huisartsenpraktijk Lent"),
        (demo::EDITOR, Role::OrganisationEditor, "Bindkracht10"),
    ] {
        let org = organisation::Entity::find()
            .filter(organisation::Column::Name.eq(org))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        users::create(
            &app.state.db,
            &app.state.node_id,
            NewUser {
                email: email.into(),
                display_name: email.into(),
                password: None,
                // Access tokens carry `sub` only; the provider's `sub` is the e-mail.
                oidc_subject: (email == demo::EDITOR).then(|| email.to_string()),
                memberships: vec![Membership {
                    role,
                    organisation_id: Some(org.id),
                    gemeente_code: None,
                }],
            },
        )
        .await
        .unwrap();
    }
    app
}

async fn me_with_bearer(app: &TestApp, token: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// An RSA key the provider does not publish (made by node's crypto), PKCS#1 DER.
fn foreign_key() -> EncodingKey {
    let out = std::process::Command::new("node")
        .args(["-e", "const {generateKeyPairSync}=require('crypto');const {privateKey}=generateKeyPairSync('rsa',{modulusLength:2048});process.stdout.write(privateKey.export({type:'pkcs1',format:'der'}))"])
        .output()
        .unwrap();
    EncodingKey::from_rsa_der(&out.stdout)
}

fn forge(issuer: &str, kid: &str, key: &EncodingKey) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let exp = chrono::Utc::now().timestamp() + 300;
    let claims =
        json!({"iss": issuer, "aud": AUDIENCE, "sub": demo::GP, "email": demo::GP, "exp": exp});
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn web_sign_in_through_the_authorization_code_flow() {
    let (provider, app) = provider_and_node(300).await;
    let callback = app.url("/auth/callback");

    let mut browser = Browser::new();
    let res = browser.get(&app.url("/auth/login")).await;
    assert_eq!(res.status(), 303);
    let to_provider = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to_provider.starts_with(&provider.issuer));
    for part in [
        "code_challenge=",
        "code_challenge_method=S256",
        "nonce=",
        "state=",
    ] {
        assert!(to_provider.contains(part), "{part} in {to_provider}");
    }
    let back = browser
        .sign_in_at_provider(&to_provider, demo::GP, &callback)
        .await;
    let res = browser.get(&back).await;
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    let session = browser.cookies.get("wijk_session").unwrap().clone();
    let me: Value = browser
        .client
        .post(app.url("/graphql"))
        .header("cookie", format!("wijk_session={session}"))
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["me"]["email"], demo::GP, "{me}");
    let stored = entities::user::Entity::find()
        .filter(entities::user::Column::Email.eq(demo::GP))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.oidc_subject.as_deref(),
        Some(demo::GP),
        "sub remembered"
    );

    let replay = browser.get(&back).await;
    assert_eq!(replay.status(), 400, "a state is used once");

    let mut stranger = Browser::new();
    let res = stranger.get(&app.url("/auth/login")).await;
    let to_provider = res.headers()["location"].to_str().unwrap().to_string();
    let back = stranger
        .sign_in_at_provider(&to_provider, "stranger@example.org", &callback)
        .await;
    assert_eq!(stranger.get(&back).await.status(), 403, "no local account");

    let local = app
        .gql(
            "mutation { login(email: \"huisarts@lent.example\", password: \"wijkwijzer-demo\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&local),
        Some("FORBIDDEN"),
        "local accounts are off"
    );
    provider.stop().await;
}

#[tokio::test]
async fn bearer_access_tokens_are_checked_against_the_jwks() {
    let (provider, app) = provider_and_node(300).await;
    let callback = app.url("/auth/callback");

    let editor = access_token(&provider, &callback, demo::EDITOR).await;
    let (status, me) = me_with_bearer(&app, &editor).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["data"]["me"]["email"], demo::EDITOR);
    assert_eq!(
        me["data"]["me"]["memberships"][0]["role"],
        "ORGANISATION_EDITOR"
    );
    let body = app
        .gql_with(
            Some(&editor),
            r#"mutation { createOrganisation(input: {name: "X"}) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    // A valid token of an identity not linked to a local account gets no access.
    let gp = access_token(&provider, &callback, demo::GP).await;
    let (status, body) = me_with_bearer(&app, &gp).await;
    assert_eq!(status, 403);
    assert_eq!(error_code(&body), Some("FORBIDDEN"));

    let mut tampered = gp.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(me_with_bearer(&app, &tampered).await.0, 401);

    let key = foreign_key();
    let forged_same_kid = forge(&provider.issuer, &kid_of(&gp), &key);
    assert_eq!(me_with_bearer(&app, &forged_same_kid).await.0, 401);
    let forged_new_kid = forge(&provider.issuer, "not-published", &key);
    let (status, body) = me_with_bearer(&app, &forged_new_kid).await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    provider.stop().await;
}

#[tokio::test]
async fn expired_tokens_fail_and_a_rotated_key_is_fetched() {
    let (provider, app) = provider_and_node(1).await;
    let callback = app.url("/auth/callback");
    let jwks = || app.state.auth.jwks.as_ref().unwrap();
    let port = provider.port;

    let short = access_token(&provider, &callback, demo::EDITOR).await;
    assert_eq!(me_with_bearer(&app, &short).await.0, 200);
    assert_eq!(jwks().fetches().await, 1);
    // Refused once its one-second lifetime (and the clock leeway) has passed.
    tests::eventually(
        10 + api::auth::jwt::LEEWAY_SECS,
        "the short token expires",
        || async { (me_with_bearer(&app, &short).await.0 == 401).then_some(()) },
    )
    .await;
    provider.stop().await;

    // A restart signs with a new key under a new kid: the node refreshes its cached JWKS.
    let provider = OidcProvider::start(port, &callback, 300).await;
    let fresh = access_token(&provider, &callback, demo::EDITOR).await;
    assert_ne!(kid_of(&fresh), kid_of(&short));
    // Parallel requests with the new kid share one fetch (single flight).
    let answers = futures::future::join_all((0..8).map(|_| me_with_bearer(&app, &fresh))).await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert_eq!(jwks().fetches().await, 2, "one refresh for the unknown kid");
    assert_eq!(me_with_bearer(&app, &fresh).await.0, 200);
    assert_eq!(jwks().fetches().await, 2, "then served from the cache");
    provider.stop().await;
}

/// Nijmegen's client at the provider, for calls to the Noord-Holland-Noord node.
const PEER_CLIENT: (&str, &str) = ("node-nijmegen", "cc-secret-nijmegen");

/// Two nodes whose calls carry OAuth2 client-credentials tokens of the provider at `issuer`
/// instead of a shared secret: `nhn` validates them against the provider's JWKS and takes the
/// token of `PEER_CLIENT` as node `nijmegen`; `nijmegen` gets them with `client_secret`.
async fn oauth2_peers(issuer: &str, client_secret: &str) -> (TestApp, TestApp) {
    let (nhn_listener, nijmegen_listener) = (listener().await, listener().await);
    let (nhn_port, nijmegen_port) = (port_of(&nhn_listener), port_of(&nijmegen_listener));
    let nhn = TestApp::spawn_on(nhn_listener, |c| {
        c.node.id = "nhn".into();
        c.node.base_url = Some(format!("http://127.0.0.1:{nhn_port}"));
        c.seed.demo_regions = vec!["noord-holland-noord".into()];
        c.auth.issuer = Some(issuer.to_string());
        c.auth.client_id = CLIENT_ID.into();
        c.auth.client_secret = CLIENT_SECRET.into();
        c.auth.audience = Some(AUDIENCE.into());
        c.federation.peers = vec![api::config::PeerConfig {
            id: "nijmegen".into(),
            base_url: format!("http://127.0.0.1:{nijmegen_port}"),
            secret: None,
            interval_secs: 0,
            token_url: None,
            client_id: None,
            client_secret: None,
            inbound_client_id: Some(PEER_CLIENT.0.into()),
        }];
    })
    .await;
    let nijmegen = TestApp::spawn_on(nijmegen_listener, |c| {
        c.node.id = "nijmegen".into();
        c.seed.demo_regions = vec!["nijmegen".into()];
        c.federation.peers = vec![api::config::PeerConfig {
            id: "nhn".into(),
            base_url: format!("http://127.0.0.1:{nhn_port}"),
            secret: None,
            interval_secs: 0,
            token_url: Some(format!("{issuer}/token")),
            client_id: Some(PEER_CLIENT.0.into()),
            client_secret: Some(client_secret.into()),
            inbound_client_id: None,
        }];
    })
    .await
    .signed_in(demo::ADMIN)
    .await;
    (nhn, nijmegen)
}

const SYNC: &str = r#"mutation { syncPeer(id: "nhn") { recordsApplied lastError } }"#;

#[tokio::test]
async fn peers_call_each_other_with_oauth2_client_credentials() {
    let provider =
        OidcProvider::start_with_peers(0, "http://127.0.0.1/auth/callback", 300, &[PEER_CLIENT])
            .await;
    let (nhn, nijmegen) = oauth2_peers(&provider.issuer, PEER_CLIENT.1).await;

    // The feed is pulled with a client-credentials token.
    let status = nijmegen.gql_ok(SYNC, json!({})).await["syncPeer"].clone();
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert!(status["recordsApplied"].as_i64().unwrap() > 0, "{status}");

    // A referral to a mirrored offer is delivered with one too.
    let offer = nijmegen
        .gql_ok(
            r#"{ offers(filter: {originNode: "nhn", statuses: [OPEN, RUNNING]}, first: 1) { edges { node { id } } } }"#,
            json!({}),
        )
        .await["offers"]["edges"][0]["node"]["id"]
        .clone();
    let gp = nijmegen.sign_in(demo::GP).await;
    let body = nijmegen
        .gql_with(
            Some(&gp),
            r#"mutation($o: ID!) { sendReferral(input: {offerId: $o, patientRef: "P-OAUTH-01", consent: true,
                 reasonDomains: [ZINGEVING]}) { id } }"#,
            json!({"o": offer}),
        )
        .await;
    let id = body["data"]["sendReferral"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    tests::eventually(15, "the referral reaches nhn", || async {
        entities::referral::Entity::find_by_id(id.as_str())
            .one(&nhn.state.db)
            .await
            .unwrap()
    })
    .await;

    // The same client with a wrong secret gets no token, and so no feed.
    let (_, impostor) = oauth2_peers(&provider.issuer, "wrong-secret").await;
    let status = impostor.gql_ok(SYNC, json!({})).await["syncPeer"].clone();
    let error = status["lastError"].as_str().unwrap_or_default();
    assert!(error.contains("token request"), "{status}");
    assert_eq!(status["recordsApplied"], 0);
    provider.stop().await;
}

#[tokio::test]
async fn a_callback_only_completes_in_the_browser_that_started_it() {
    let (provider, app) = provider_and_node(300).await;
    let callback = app.url("/auth/callback");

    let mut victim = Browser::new();
    let res = victim.get(&app.url("/auth/login?next=/verwijzingen")).await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("wijk_oidc="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/auth", "Max-Age=600"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let to_provider = res.headers()["location"].to_str().unwrap().to_string();
    let back = victim
        .sign_in_at_provider(&to_provider, demo::GP, &callback)
        .await;

    // The callback URL opened in another browser, with no sign-in or with one of its own
    // (login CSRF: an attacker's account pushed into the victim's browser), is refused.
    let mut other = Browser::new();
    let res = other.get(&back).await;
    assert_eq!(res.status(), 400);
    assert!(!other.cookies.contains_key("wijk_session"));
    let mut started_elsewhere = Browser::new();
    started_elsewhere.get(&app.url("/auth/login")).await;
    assert!(started_elsewhere.cookies.contains_key("wijk_oidc"));
    let res = started_elsewhere.get(&back).await;
    assert_eq!(res.status(), 400);
    assert!(!started_elsewhere.cookies.contains_key("wijk_session"));
    assert!(
        !started_elsewhere.cookies.contains_key("wijk_oidc"),
        "a failed callback drops the sign-in cookie"
    );

    // The browser that started it signs in and returns where it wanted to go.
    let res = victim.get(&back).await;
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    assert_eq!(res.headers()["location"], "/verwijzingen");
    assert!(victim.cookies.contains_key("wijk_session"));
    assert!(!victim.cookies.contains_key("wijk_oidc"), "used once");
    provider.stop().await;
}

#[tokio::test]
async fn sign_in_start_keeps_only_local_return_paths() {
    let (provider, app) = provider_and_node(300).await;
    let callback = app.url("/auth/callback");
    let mut browser = Browser::new();
    let mut start = reqwest::Url::parse(&app.url("/auth/login")).unwrap();
    start
        .query_pairs_mut()
        .append_pair("next", "/\t/evil.example");
    let res = browser.get(start.as_str()).await;
    let to_provider = res.headers()["location"].to_str().unwrap().to_string();
    let back = browser
        .sign_in_at_provider(&to_provider, demo::GP, &callback)
        .await;
    let res = browser.get(&back).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    // The web sign-in page hands `next` over to the provider sign-in.
    let res = browser.get(&app.url("/inloggen?next=%2Fbeheer")).await;
    assert_eq!(res.headers()["location"], "/auth/login?next=%2Fbeheer");
    provider.stop().await;
}

#[tokio::test]
async fn an_unverified_email_is_not_linked_to_a_local_account() {
    let (provider, app) = provider_and_node(300).await;
    let callback = app.url("/auth/callback");
    // A local user whose address someone registers, unverified, at the provider.
    let email = "unverified-poh@lent.example";
    users::create(
        &app.state.db,
        &app.state.node_id,
        NewUser {
            email: email.into(),
            display_name: email.into(),
            password: None,
            oidc_subject: None,
            memberships: vec![],
        },
    )
    .await
    .unwrap();
    let mut browser = Browser::new();
    let res = browser.get(&app.url("/auth/login")).await;
    let to_provider = res.headers()["location"].to_str().unwrap().to_string();
    let back = browser
        .sign_in_at_provider(&to_provider, email, &callback)
        .await;
    assert_eq!(browser.get(&back).await.status(), 403);
    let stored = entities::user::Entity::find()
        .filter(entities::user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.oidc_subject, None, "not linked");
    provider.stop().await;
}

#[tokio::test]
async fn id_tokens_are_no_bearer_tokens() {
    // Bearer tokens for the client id (the default audience), as ID tokens are.
    let (provider, app) = provider_and_node_for(300, None).await;
    let callback = app.url("/auth/callback");
    let (_, id_token) = tokens(&provider, &callback, demo::EDITOR).await;
    let (status, body) = me_with_bearer(&app, &id_token).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    provider.stop().await;
}

#[tokio::test]
async fn peer_tokens_must_be_issued_for_this_node() {
    let provider =
        OidcProvider::start_with_peers(0, "http://127.0.0.1/auth/callback", 300, &[PEER_CLIENT])
            .await;
    let (nhn, _nijmegen) = oauth2_peers(&provider.issuer, PEER_CLIENT.1).await;
    let call = |token: String| {
        let nhn = &nhn;
        async move {
            nhn.client
                .post(nhn.url("/graphql"))
                .header("x-wijk-node", "nijmegen")
                .bearer_auth(token)
                .json(&json!({"query": "{ __typename }"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let for_nhn = client_credentials_token(&provider, PEER_CLIENT, Some(&nhn.url(""))).await;
    assert_eq!(call(for_nhn).await, 200);
    // The same client's token for the user API, or for another node, is no key to nhn.
    let for_api = client_credentials_token(&provider, PEER_CLIENT, None).await;
    assert_eq!(call(for_api).await, 401);
    let for_other =
        client_credentials_token(&provider, PEER_CLIENT, Some("http://127.0.0.1:1")).await;
    assert_eq!(call(for_other).await, 401);
    provider.stop().await;
}

#[tokio::test]
async fn a_provider_that_is_down_is_not_asked_again_at_once() {
    // The provider never comes up: nothing listens on port 1 of loopback.
    let issuer = "http://127.0.0.1:1";
    let app = node_for(listener().await, issuer, Some(AUDIENCE)).await;
    let jwks = || app.state.auth.jwks.as_ref().unwrap();
    assert_eq!(jwks().fetch_attempts(), 0);
    // Tokens with key ids the node does not know, in parallel and after each other: one
    // failed fetch, then none for a while, however many tokens arrive.
    let key = foreign_key();
    let forged: Vec<String> = (0..8)
        .map(|i| forge(issuer, &format!("kid-{i}"), &key))
        .collect();
    let statuses = futures::future::join_all(forged.iter().map(|t| me_with_bearer(&app, t))).await;
    assert!(statuses.iter().all(|(s, _)| *s != 200), "{statuses:?}");
    for t in &forged {
        assert_ne!(me_with_bearer(&app, t).await.0, 200);
    }
    assert_eq!(jwks().fetch_attempts(), 1, "one failed fetch, then a pause");
    // Sign-in starts are not a way around it either.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(jwks().fetch_attempts(), 1);
}
