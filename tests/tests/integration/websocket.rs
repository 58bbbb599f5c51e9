//! `/graphql/ws` under the controls of HTTP: the same-origin rule for cookie-authenticated
//! upgrades, no mutations (so no unthrottled `login`), a message-size limit, a cap on open
//! sockets per user, and subscriptions that end with the session or the role behind them.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tests::{TestApp, demo};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const UPDATES: &str = "subscription { referralUpdates { referralId status } }";

/// Opens `/graphql/ws` with `headers` on the upgrade; the HTTP status when refused.
async fn open(app: &TestApp, headers: &[(&'static str, String)]) -> Result<Socket, u16> {
    let mut req = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    for (k, v) in headers {
        req.headers_mut()
            .insert(*k, v.parse::<axum::http::HeaderValue>().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("websocket: {e}"),
    }
}

/// The next text message as JSON, within 10 s; `None` when the socket closed.
async fn next(ws: &mut Socket) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s");
        match msg {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// `connection_init` with `payload`; the answer.
async fn init(ws: &mut Socket, payload: Value) -> Option<Value> {
    ws.send(Message::text(
        json!({"type": "connection_init", "payload": payload}).to_string(),
    ))
    .await
    .unwrap();
    next(ws).await
}

async fn subscribe(ws: &mut Socket, id: &str, query: &str) {
    ws.send(Message::text(
        json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn cookie_upgrades_must_come_from_this_node() {
    let app = TestApp::spawn().await;
    let cookie = format!("wijk_session={}", app.sign_in(demo::GP).await);
    for origin in ["https://evil.example", "null"] {
        let refused = open(
            &app,
            &[("cookie", cookie.clone()), ("origin", origin.to_string())],
        )
        .await;
        assert_eq!(refused.err(), Some(403), "{origin}");
    }
    let mut ws = open(&app, &[("cookie", cookie), ("origin", app.url(""))])
        .await
        .unwrap();
    assert_eq!(
        init(&mut ws, json!({})).await.unwrap()["type"],
        "connection_ack"
    );
    subscribe(&mut ws, "1", "{ me { email } }").await;
    let me = next(&mut ws).await.unwrap();
    assert_eq!(me["payload"]["data"]["me"]["email"], demo::GP, "{me}");
}

#[tokio::test]
async fn mutations_and_login_are_refused_over_websockets() {
    let app = TestApp::spawn().await;
    let token = app.sign_in(demo::ADMIN).await;
    let mut ws = open(&app, &[]).await.unwrap();
    assert_eq!(
        init(&mut ws, json!({})).await.unwrap()["type"],
        "connection_ack"
    );
    for i in 0..5 {
        subscribe(
            &mut ws,
            &format!("login-{i}"),
            r#"mutation { login(email: "huisarts@lent.example", password: "guess-guess-guess") { token } }"#,
        )
        .await;
        let answer = next(&mut ws).await.unwrap();
        assert_eq!(answer["id"], format!("login-{i}"));
        assert_eq!(
            answer["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{answer}"
        );
        assert_eq!(next(&mut ws).await.unwrap()["type"], "complete");
    }
    let mut ws = open(&app, &[]).await.unwrap();
    init(&mut ws, json!({"authorization": format!("Bearer {token}")})).await;
    subscribe(
        &mut ws,
        "m",
        r#"mutation { createOrganisation(input: {name: "Over de websocket"}) { id } }"#,
    )
    .await;
    let answer = next(&mut ws).await.unwrap();
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{answer}"
    );
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let written = entities::organisation::Entity::find()
        .filter(entities::organisation::Column::Name.eq("Over de websocket"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing was written");
}

#[tokio::test]
async fn big_messages_close_the_socket() {
    let app = TestApp::spawn_with(|c| c.limits.body_limit_bytes = 4096).await;
    let mut ws = open(&app, &[]).await.unwrap();
    assert_eq!(
        init(&mut ws, json!({})).await.unwrap()["type"],
        "connection_ack"
    );
    let big = format!("{{ __typename {} }}", "__typename ".repeat(1000));
    subscribe(&mut ws, "big", &big).await;
    assert!(next(&mut ws).await.is_none(), "the socket is closed");
}

#[tokio::test]
async fn open_sockets_per_user_are_capped() {
    let app = TestApp::spawn_with(|c| c.server.ws_connections_per_user = 2).await;
    let token = app.sign_in(demo::GP).await;
    let auth = json!({"authorization": format!("Bearer {token}")});
    let mut first = open(&app, &[]).await.unwrap();
    assert_eq!(
        init(&mut first, auth.clone()).await.unwrap()["type"],
        "connection_ack"
    );
    let mut second = open(&app, &[]).await.unwrap();
    assert_eq!(
        init(&mut second, auth.clone()).await.unwrap()["type"],
        "connection_ack"
    );
    let mut third = open(&app, &[]).await.unwrap();
    let answer = init(&mut third, auth.clone()).await;
    assert_ne!(
        answer.as_ref().map(|a| a["type"].clone()),
        Some(json!("connection_ack")),
        "{answer:?}"
    );
    // Another user is not affected; a closed socket frees its place.
    let other = app.sign_in(demo::POH).await;
    let mut ws = open(&app, &[]).await.unwrap();
    let ack = init(&mut ws, json!({"authorization": format!("Bearer {other}")})).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    first.close(None).await.unwrap();
    drop(first);
    tests::eventually(10, "a place is free again", || async {
        let mut ws = open(&app, &[]).await.unwrap();
        let ack = init(&mut ws, auth.clone()).await?;
        (ack["type"] == "connection_ack").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_subscription_ends_when_its_session_ends() {
    let app = TestApp::spawn().await;
    let token = app.sign_in(demo::GP).await;
    let mut ws = open(&app, &[]).await.unwrap();
    init(&mut ws, json!({"authorization": format!("Bearer {token}")})).await;
    subscribe(&mut ws, "1", UPDATES).await;
    // Sign out (another tab): the subscription is told and ends at once.
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let ended = next(&mut ws).await.unwrap();
    assert_eq!(ended["id"], "1");
    assert_eq!(
        ended["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{ended}"
    );
    let complete = next(&mut ws).await.unwrap();
    assert_eq!(complete["type"], "complete", "{complete}");
    // New operations on the socket are refused too.
    subscribe(&mut ws, "2", UPDATES).await;
    let refused = next(&mut ws).await.unwrap();
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_subscription_ends_when_its_user_loses_the_role() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn_with(|c| c.auth.session_recheck_secs = 1).await;
    let token = app.sign_in(demo::EDITOR).await;
    let mut ws = open(&app, &[]).await.unwrap();
    init(&mut ws, json!({"authorization": format!("Bearer {token}")})).await;
    subscribe(&mut ws, "1", UPDATES).await;
    let user = entities::user::Entity::find()
        .filter(entities::user::Column::Email.eq(demo::EDITOR))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    entities::membership::Entity::delete_many()
        .filter(entities::membership::Column::UserId.eq(user.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let ended = next(&mut ws).await.unwrap();
    assert_eq!(
        ended["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{ended}"
    );
}
