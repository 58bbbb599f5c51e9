//! The HSDS 3.0 API under `/hsds`: `/`, `/services`, `/services/{id}`, `/organizations`,
//! `/organizations/{id}`, `/service_at_locations`, `/service_at_locations/{id}`.
//!
//! Lists are paged with the HSDS `Page` wrapper (`page` is 1-based, `per_page` up to the
//! configured maximum page size, or up to 10,000 with `minimal=true`). Query parameters combine
//! as AND. `format=ndjson` streams the page's items one JSON object per line instead.

use super::export::{self, ServiceFilter};
use super::types::Page;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Largest page with `minimal=true`.
const MAX_MINIMAL_PAGE: u64 = 10_000;

/// The `/hsds` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hsds", get(root))
        .route("/hsds/", get(root))
        .route("/hsds/services", get(services))
        .route("/hsds/services/{id}", get(service))
        .route("/hsds/organizations", get(organizations))
        .route("/hsds/organizations/{id}", get(organization))
        .route("/hsds/service_at_locations", get(service_at_locations))
        .route("/hsds/service_at_locations/{id}", get(service_at_location))
}

/// Query parameters of the list endpoints (strings, parsed here so errors carry our codes).
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    page: Option<String>,
    per_page: Option<String>,
    modified_after: Option<String>,
    organization_id: Option<String>,
    search: Option<String>,
    minimal: Option<String>,
    format: Option<String>,
}

/// JSON error body: `{"code": "...", "message": "..."}`.
struct HsdsError(AppError);

impl From<AppError> for HsdsError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for HsdsError {
    fn into_response(self) -> Response {
        self.0.log_if_internal();
        (
            self.0.status(),
            axum::Json(serde_json::json!({"code": self.0.code(), "message": self.0.message()})),
        )
            .into_response()
    }
}

fn parse_u64(raw: Option<&str>, field: &str, default: u64, min: u64, max: u64) -> AppResult<u64> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(default),
        Some(r) => match r.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(AppError::field(
                field,
                format!("must be a whole number from {min} to {max}"),
            )),
        },
    }
}

fn parse_bool(raw: Option<&str>, field: &str) -> AppResult<bool> {
    match raw.map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(AppError::field(field, "must be true or false")),
    }
}

/// Parses `modified_after`: an RFC 3339 timestamp or a date (midnight UTC).
pub fn parse_modified_after(raw: &str) -> AppResult<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(AppError::field(
        "modified_after",
        "must be an RFC 3339 date-time or a date YYYY-MM-DD",
    ))
}

/// Whether the response is NDJSON.
fn is_ndjson(format: Option<&str>) -> AppResult<bool> {
    match format.map(str::trim) {
        None | Some("") | Some("json") => Ok(false),
        Some("ndjson") => Ok(true),
        Some(_) => Err(AppError::field("format", "must be json or ndjson")),
    }
}

fn list_response<T: Serialize>(page: Page<T>, ndjson: bool) -> AppResult<Response> {
    if !ndjson {
        return Ok(axum::Json(page).into_response());
    }
    let mut body = String::new();
    for item in &page.contents {
        body.push_str(&serde_json::to_string(item).map_err(|e| AppError::Internal(e.into()))?);
        body.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// The HSDS API root: the version and where the (unmodified, official) API description lives.
async fn root() -> Response {
    axum::Json(serde_json::json!({
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/latest/hsds/overview.html",
        "openapi_url":
            "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }))
    .into_response()
}

/// `page`, `per_page` (default and maximum given) and whether `format=ndjson` was asked.
fn paging(params: &ListParams, default: u64, max: u64) -> Result<(u64, u64, bool), HsdsError> {
    let ndjson = is_ndjson(params.format.as_deref())?;
    let per_page = parse_u64(params.per_page.as_deref(), "per_page", default, 1, max)?;
    let page = parse_u64(params.page.as_deref(), "page", 1, 1, u64::from(u32::MAX))?;
    Ok((page, per_page, ndjson))
}

/// The configured default and maximum page size of the full (not minimal) lists.
fn page_sizes(state: &AppState) -> (u64, u64) {
    let limits = &state.config.limits;
    (limits.default_page_size as u64, limits.max_page_size as u64)
}

/// One list response, the same for every list: parses the paging in `params` (with the
/// default and maximum `per_page` given), loads that page with `load(page, per_page)` (its
/// items and the total count) and writes it as an HSDS `Page` or as NDJSON.
async fn paged<T, F, Fut>(
    params: &ListParams,
    (default, max): (u64, u64),
    load: F,
) -> Result<Response, HsdsError>
where
    T: Serialize,
    F: FnOnce(u64, u64) -> Fut,
    Fut: Future<Output = AppResult<(Vec<T>, u64)>>,
{
    let (page, per_page, ndjson) = paging(params, default, max)?;
    let (items, total) = load(page, per_page).await?;
    Ok(list_response(
        Page::new(items, total, page, per_page),
        ndjson,
    )?)
}

/// The service filter of `/hsds/services` from its query parameters.
fn service_filter(params: &ListParams) -> AppResult<ServiceFilter> {
    Ok(ServiceFilter {
        modified_after: params
            .modified_after
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .map(parse_modified_after)
            .transpose()?,
        organization_id: params.organization_id.clone(),
        search: params.search.clone(),
    })
}

async fn services(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, HsdsError> {
    let minimal = parse_bool(params.minimal.as_deref(), "minimal")?;
    let state = &state;
    let params = &params;
    // The filter is parsed after the paging (inside `load`), so a bad page is reported first.
    if minimal {
        paged(
            params,
            (MAX_MINIMAL_PAGE, MAX_MINIMAL_PAGE),
            |page, per_page| async move {
                export::services_minimal(state, &service_filter(params)?, page, per_page).await
            },
        )
        .await
    } else {
        paged(params, page_sizes(state), |page, per_page| async move {
            export::services_page(state, &service_filter(params)?, page, per_page).await
        })
        .await
    }
}

async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HsdsError> {
    Ok(axum::Json(export::service(&state, &id).await?).into_response())
}

async fn organizations(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, HsdsError> {
    paged(&params, page_sizes(&state), |page, per_page| {
        export::organizations_page(&state, page, per_page)
    })
    .await
}

async fn organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HsdsError> {
    Ok(axum::Json(export::organization(&state, &id).await?).into_response())
}

async fn service_at_locations(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, HsdsError> {
    paged(&params, page_sizes(&state), |page, per_page| {
        export::service_at_locations_page(&state, page, per_page)
    })
    .await
}

async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HsdsError> {
    Ok(axum::Json(export::service_at_location(&state, &id).await?).into_response())
}
