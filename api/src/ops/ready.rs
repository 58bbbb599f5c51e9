//! `/ready`: 200 when the node can serve traffic (database reachable, migrations applied, not
//! shutting down), 503 with the failing checks otherwise.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use migration::MigratorTrait;

/// The readiness handler.
pub async fn ready(State(state): State<AppState>) -> Response {
    let database = match state.db.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            "unreachable"
        }
    };
    let migrations = if database != "ok" {
        "unknown".to_string()
    } else {
        match migration::Migrator::get_pending_migrations(&state.db).await {
            Ok(pending) if pending.is_empty() => "ok".into(),
            Ok(pending) => format!("{} pending", pending.len()),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: cannot read migrations");
                "unknown".into()
            }
        }
    };
    let shutting_down = state.shutdown.is_triggered();
    let ok = database == "ok" && migrations == "ok" && !shutting_down;
    let body = Json(serde_json::json!({
        "status": if ok { "ready" } else { "not_ready" },
        "checks": {
            "database": database,
            "migrations": migrations,
            "shutting_down": shutting_down,
        },
    }));
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
}
