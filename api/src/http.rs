//! The HTTP surface: `/graphql` (GET and POST per GraphQL over HTTP, see
//! [`graphql::transport`]; each request within its budget, see [`graphql::budget`]),
//! `/graphiql`, `/health`, `/ready`, `/metrics`, the HSDS API under `/hsds`, plus whatever
//! routes the binary adds (the web UI). Layers: request metrics, identity and the same-origin
//! rule (`authenticate`), body size limit, request timeout, CORS, security headers, tracing.

use crate::auth::{Actor, request as auth_request};
use crate::error::AppError;
use crate::graphql::{self, WijkSchema, transport};
use crate::state::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::parse_query;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The node's router: API routes merged with `extra` (pages), with limits and tracing.
pub fn router(state: AppState, extra: Router<AppState>) -> Router {
    let limits = state.config.limits.clone();
    crate::ops::metrics::handle();
    let schema = graphql::build(Some(state.clone()), &limits);
    Router::new()
        .route("/graphql", get(graphql_handler).post(graphql_handler))
        .route("/graphql/ws", get(graphql::subscription::handler))
        .route("/graphiql", get(graphiql))
        .route("/health", get(health))
        .route("/ready", get(crate::ops::ready::ready))
        .route("/metrics", get(crate::ops::metrics::metrics_handler))
        .merge(crate::hsds::routes::routes())
        .merge(crate::auth::routes::routes())
        .merge(extra)
        .route_layer(axum::middleware::from_fn(crate::ops::metrics::track_http))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(Extension(schema))
        .layer(DefaultBodyLimit::max(limits.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(crate::ops::cors::layer(&state.config.cors))
        .layer(middleware::from_fn({
            let https = state.config.auth.secure_cookies;
            move |req, next| crate::ops::security_headers::add(https, req, next)
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

pub use crate::auth::client_ip::ClientIp;

/// Establishes the identity of every request: refuses cross-site requests that break the
/// same-origin rule ([`same_origin`](crate::auth::same_origin)), then puts the [`Actor`]
/// (bearer token, else session cookie, else anonymous) and the [`ClientIp`] (the peer, or
/// what a trusted proxy forwarded) into the request extensions. An invalid bearer token is
/// answered with `401`, a cross-site request with `403` (a GraphQL error body with its code).
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let site = crate::auth::same_origin::Site {
        base_url: state.config.node.base_url.as_deref(),
        https_only: state.config.auth.secure_cookies,
    };
    if let Err(e) = crate::auth::same_origin::guard(site, req.method(), req.uri(), req.headers()) {
        return error_body(e);
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = state.auth.proxies.client_ip(peer, req.headers());
    match auth_request::actor(&state.auth_ctx(), req.headers()).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            req.extensions_mut().insert(ip);
            next.run(req).await
        }
        Err(e) => error_body(e),
    }
}

/// A GraphQL-shaped error response with the error's HTTP status and code.
pub fn error_body(e: AppError) -> Response {
    e.log_if_internal();
    (
        e.status(),
        Json(serde_json::json!({
            "errors": [{"message": e.message(), "extensions": {"code": e.code()}}]
        })),
    )
        .into_response()
}

/// The operation's name: the one requested, or the name of the document's only operation.
fn operation_name(req: &async_graphql::Request) -> Option<String> {
    if let Some(name) = &req.operation_name {
        return Some(name.clone());
    }
    let doc = parse_query(&req.query).ok()?;
    let mut names = doc.operations.iter().map(|(name, _)| name);
    match (names.next(), names.next()) {
        (Some(Some(name)), None) => Some(name.to_string()),
        _ => None,
    }
}

/// `/graphql` over GET and POST (see [`graphql::transport`] for the GraphQL-over-HTTP rules):
/// mutation rate limit, then the request within its budget ([`graphql::budget`]).
async fn graphql_handler(
    State(state): State<AppState>,
    Extension(schema): Extension<WijkSchema>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    http: Parts,
    body: Bytes,
) -> Response {
    let media = match transport::negotiate(&http.headers) {
        Ok(media) => media,
        Err(refused) => return refused.respond(transport::MediaType::Json),
    };
    let parsed = if http.method == Method::GET {
        transport::from_uri(&http.uri)
    } else {
        transport::from_body(&http.headers, &body)
    };
    let req = match parsed {
        Ok(req) => req,
        Err(malformed) => return malformed.respond(media),
    };
    if let Err(errors) = transport::coerce_variables(&req) {
        return transport::respond(media, async_graphql::Response::from_errors(errors));
    }
    let mutation = graphql::transport::is_mutation(&req);
    if http.method == Method::GET && mutation {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "mutations must be sent with POST",
        )
            .into_response();
    }
    // Peer nodes are exempt: they are configured by the admins, and a backlog of referral
    // messages after an outage must drain at full speed.
    if mutation && !matches!(actor, Actor::Peer(_)) {
        let key = match (&actor, ip.0) {
            (Actor::Anonymous, Some(ip)) => crate::auth::client_ip::throttle_key(ip),
            (other, _) => other.label(),
        };
        if let Err(e) = state.auth.mutations.hit(&key) {
            return error_body(e);
        }
    }
    let operation = crate::ops::metrics::operation_label(operation_name(&req).as_deref());
    let req = req.data(actor).data(ip);
    let start = std::time::Instant::now();
    let response =
        graphql::budget::execute(&schema, req, &state.config.limits, &state.db, mutation).await;
    crate::ops::metrics::record_graphql(
        &operation,
        response.errors.is_empty(),
        start.elapsed().as_secs_f64(),
    );
    transport::respond(media, response)
}

/// GraphiQL, under its own Content-Security-Policy (scripts from unpkg.com).
async fn graphiql() -> Response {
    let html = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Wijkwijzer GraphiQL")
        .finish();
    let policy = crate::ops::security_headers::graphiql_policy(&html);
    ([(header::CONTENT_SECURITY_POLICY, policy)], Html(html)).into_response()
}

/// `/health`: 200 when the database answers, 503 otherwise.
async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "node": state.node_id.as_str()}))
            .into_response(),
        Err(e) => {
            AppError::from(e).log_if_internal();
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}
