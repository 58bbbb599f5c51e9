//! The HTTP surface: `/graphql` (GET and POST per GraphQL over HTTP), `/graphiql`, `/health`,
//! `/ready`, `/metrics`, the HSDS API under `/hsds`, plus whatever routes the binary adds (the
//! web UI). Layers: request metrics, CORS, body size limit, request timeout, tracing.

use crate::auth::Actor;
use crate::error::AppError;
use crate::federation::peer_auth;
use crate::graphql::{self, WijkSchema, loaders::Loaders};
use crate::state::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::{parse_query, types::OperationType};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
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
        .route("/graphiql", get(graphiql))
        .route("/health", get(health))
        .route("/ready", get(crate::ops::ready::ready))
        .route("/metrics", get(crate::ops::metrics::metrics_handler))
        .merge(crate::hsds::routes::routes())
        .merge(extra)
        .route_layer(axum::middleware::from_fn(crate::ops::metrics::track_http))
        .layer(Extension(schema))
        .layer(DefaultBodyLimit::max(limits.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(limits.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(limits.request_timeout_secs),
        ))
        .layer(crate::ops::cors::layer(&state.config.cors))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// True when the request would run a mutation (not allowed over GET).
fn is_mutation(req: &async_graphql::Request) -> bool {
    let Ok(doc) = parse_query(&req.query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        let selected = match (&req.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

/// The actor of a request: a peer node when it names itself in `X-Wijk-Node` (and proves it),
/// otherwise, until sign-in lands (issue #4), the node itself.
fn request_actor(state: &AppState, headers: &HeaderMap) -> Result<Actor, AppError> {
    let Some(node) = headers.get(peer_auth::NODE_HEADER) else {
        return Ok(Actor::System);
    };
    let node = node.to_str().map_err(|_| AppError::Unauthenticated)?;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    peer_auth::authenticate(&state.config.federation, node, bearer)
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

async fn graphql_handler(
    State(state): State<AppState>,
    Extension(schema): Extension<WijkSchema>,
    method: Method,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    let req = req.into_inner();
    if method == Method::GET && is_mutation(&req) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "mutations must be sent with POST",
        )
            .into_response();
    }
    let actor = match request_actor(&state, &headers) {
        Ok(actor) => actor,
        Err(e) => {
            let response = async_graphql::Response::from_errors(vec![
                async_graphql::Error::from(e).into_server_error(async_graphql::Pos::default()),
            ]);
            return (StatusCode::UNAUTHORIZED, GraphQLResponse::from(response)).into_response();
        }
    };
    let operation = crate::ops::metrics::operation_label(operation_name(&req).as_deref());
    let req = req.data(Loaders::new(&state.db)).data(actor);
    let start = std::time::Instant::now();
    let response = schema.execute(req).await;
    crate::ops::metrics::record_graphql(
        &operation,
        response.errors.is_empty(),
        start.elapsed().as_secs_f64(),
    );
    GraphQLResponse::from(response).into_response()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Wijkwijzer GraphiQL")
            .finish(),
    )
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
