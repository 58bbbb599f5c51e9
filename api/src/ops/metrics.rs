//! Prometheus metrics at `/metrics`.
//!
//! Recorded as requests run: `http_requests_total` and `http_request_duration_seconds` (labels
//! `method`, `route` = the matched route template, `status`), `graphql_requests_total` and
//! `graphql_request_duration_seconds` (labels `operation` = the operation name, `anonymous`, or
//! `other` for odd names and for new names once [`MAX_OPERATION_LABELS`] are in use, so callers
//! cannot grow the series without bound; `outcome` = `ok`|`error`). Sampled at scrape time: `db_pool_connections` (`state` =
//! `size`|`idle`), `change_log_max_seq` and `change_log_backlog` per consumer (max seq minus the
//! consumer's cursor), `federation_peers` (configured) and per peer `federation_peer_lag_records`,
//! `federation_peer_lag_seconds` (since the last successful pull) and `federation_peer_up` (the
//! last pull succeeded) and `federation_referral_deliveries_pending` (referral messages not yet
//! delivered to the peer). The recorder is process-wide (installed once), so nodes sharing a
//! process (tests) share the request metrics.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use entities::{change, consumer_cursor, peer_sync};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{DbBackend, EntityTrait, QueryOrder};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Latency buckets in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once) and returns its handle; `None` when another
/// recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = match PrometheusBuilder::new().set_buckets(&BUCKETS) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: bad buckets");
                    return None;
                }
            };
            match builder.install_recorder() {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Middleware recording the count and latency of every HTTP request by route template.
pub async fn track_http(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Most distinct operation names that get series of their own (process-wide, like the
/// recorder); later new names are counted as `other`.
pub const MAX_OPERATION_LABELS: usize = 100;

/// Operation names that have a series.
static OPERATIONS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// A label-safe operation name: the client's name if it is a plain identifier and one of the
/// first [`MAX_OPERATION_LABELS`] names seen, else `other`.
pub fn operation_label(name: Option<&str>) -> String {
    match name {
        None | Some("") => "anonymous".into(),
        Some(n) if n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            let mut seen = OPERATIONS
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen.contains(n) {
                n.to_string()
            } else if seen.len() < MAX_OPERATION_LABELS {
                seen.insert(n.to_string());
                n.to_string()
            } else {
                "other".into()
            }
        }
        Some(_) => "other".into(),
    }
}

/// Records one GraphQL operation.
pub fn record_graphql(operation: &str, ok: bool, seconds: f64) {
    let labels = [
        ("operation", operation.to_string()),
        ("outcome", if ok { "ok" } else { "error" }.to_string()),
    ];
    metrics::counter!("graphql_requests_total", &labels).increment(1);
    metrics::histogram!("graphql_request_duration_seconds", &labels).record(seconds);
}

/// Samples the pool and change-log gauges of this node's database.
async fn sample(state: &AppState) {
    let (size, idle) = match state.db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = state.db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    metrics::gauge!("db_pool_connections", "state" => "size").set(f64::from(size));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database.max_connections));
    let max_seq: Option<i64> = match change::Entity::find()
        .order_by_desc(change::Column::Seq)
        .one(&state.db)
        .await
    {
        Ok(v) => v.map(|c| c.seq),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read change log");
            return;
        }
    };
    let max_seq = max_seq.unwrap_or(0);
    metrics::gauge!("change_log_max_seq").set(max_seq as f64);
    match consumer_cursor::Entity::find().all(&state.db).await {
        Ok(cursors) => {
            for c in cursors {
                metrics::gauge!("change_log_backlog", "consumer" => c.consumer)
                    .set((max_seq - c.seq).max(0) as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read consumer cursors"),
    }
    // Federation: per configured peer, how far behind its feed this node is.
    metrics::gauge!("federation_peers").set(state.config.federation.peers.len() as f64);
    match peer_sync::Entity::find().all(&state.db).await {
        Ok(rows) => {
            for row in rows {
                let peer = row.peer_id.clone();
                metrics::gauge!("federation_peer_lag_records", "peer" => peer.clone())
                    .set((row.head_seq - row.cursor).max(0) as f64);
                if let Some(at) = row.last_success_at {
                    let secs = (chrono::Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0;
                    metrics::gauge!("federation_peer_lag_seconds", "peer" => peer.clone())
                        .set(secs);
                }
                metrics::gauge!("federation_peer_up", "peer" => peer)
                    .set(if row.last_error.is_none() { 1.0 } else { 0.0 });
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read peer sync status"),
    }
    for peer in &state.config.federation.peers {
        match crate::federation::delivery::backlog(&state.db, &peer.id).await {
            Ok(b) => {
                metrics::gauge!("federation_referral_deliveries_pending", "peer" => peer.id.clone())
                    .set(b.pending as f64)
            }
            Err(e) => e.log_if_internal(),
        }
    }
}

/// `/metrics` in the Prometheus text format.
pub async fn metrics_handler(State(state): State<AppState>) -> Response {
    let Some(handle) = handle() else {
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed",
        )
            .into_response();
    };
    sample(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
