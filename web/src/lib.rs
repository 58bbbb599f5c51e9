//! Server-rendered pages of a Wijkwijzer node. They call the `api` crate's services in-process
//! (never GraphQL over HTTP), work without JavaScript, and speak Dutch or English.
//!
//! - [`pages`]: one module per page group, with its handlers.
//! - [`layout`], [`form`], [`labels`], [`i18n`]: the shell, form controls with errors beside
//!   their field, how values read, and the interface language.
//! - [`error`]: service errors as pages.
//!
//! Cross-site form posts never reach these handlers: the node's router refuses them for every
//! route ([`api::auth::same_origin`]), and its security headers (a Content-Security-Policy
//! without inline script or style) cover every page.

pub mod charts;
pub mod ctx;
pub mod error;
pub mod form;
pub mod i18n;
pub mod labels;
pub mod layout;
pub mod map;
pub mod pages;

use api::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The routes of the web UI.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::search::search))
        .route("/zoeken/suggesties", get(pages::search::suggestions))
        .route("/beheer/zoekvraag", get(pages::search_demand::show))
        .route("/aanbod/{id}", get(pages::offer::show))
        .route("/aanbod/{id}/meegeven", get(pages::handout::show))
        .route("/vergelijken", get(pages::compare::show))
        .route(
            "/aanbod/{id}/aanmelden",
            get(pages::self_referral::form_page)
                .post(pages::self_referral::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::self_referral::BODY_MAX,
                )),
        )
        .route(
            "/aanbod/{id}/aanmelden/bedankt",
            get(pages::self_referral::thanks),
        )
        .route(
            "/aanbod/{id}/verwijzen",
            get(pages::referral::refer_form_page).post(pages::referral::refer_submit),
        )
        .route(
            "/aanbod/{id}/cirkel",
            get(pages::offer_circle_form::edit_form).post(pages::offer_circle_form::edit_submit),
        )
        .route(
            "/aanbod/{id}/financiering",
            get(pages::offer_funding::edit_form).post(pages::offer_funding::edit_submit),
        )
        .route(
            "/netwerken",
            get(pages::network::list).post(pages::network::create),
        )
        .route("/netwerken/{id}", get(pages::network::show))
        .route("/netwerken/{id}/leden", post(pages::network::members))
        .route("/verwijzingen", get(pages::referral::list))
        .route(
            "/verwijzingen/notitie-check",
            post(pages::referral::check_note),
        )
        .route("/verwijzingen/cijfers", get(pages::referral::stats))
        .route("/dekking", get(pages::coverage::show))
        .route("/dekking.csv", get(pages::coverage::csv))
        .route("/dekking.geojson", get(pages::coverage::geojson))
        .route("/dekking/gaten.csv", get(pages::coverage::gaps_csv))
        .route("/dekking/regio", get(pages::region::show))
        .route("/dekking/regio.csv", get(pages::region::csv))
        .route("/inzicht", get(pages::insight::show))
        .route("/inzicht.csv", get(pages::insight::csv))
        .route("/beheer", get(pages::manage::index))
        .route(
            "/beheer/aanbod/{id}",
            get(pages::manage::edit_form).post(pages::manage::edit_submit),
        )
        .route(
            "/beheer/aanbod/{id}/plekken",
            post(pages::manage::set_places),
        )
        .route(
            "/beheer/aanbod/{id}/publiceren",
            post(pages::manage::publish),
        )
        .route("/beheer/aanbod/{id}/beeindigen", post(pages::manage::end))
        .route(
            "/beheer/aanbod/{id}/bevestigen",
            post(pages::offer_suitability::confirm),
        )
        .route(
            "/beheer/organisatie/{id}",
            get(pages::organisation::edit_form).post(pages::organisation::edit_submit),
        )
        .route(
            "/beheer/organisatie/{id}/aanbod/nieuw",
            get(pages::manage::new_form).post(pages::manage::new_submit),
        )
        .route("/verwijzingen/{id}", get(pages::referral::show))
        .route(
            "/verwijzingen/{id}/status",
            post(pages::referral::set_status),
        )
        .route("/meldingen", get(pages::inbox::show))
        .route("/inbox", get(pages::inbox::show))
        .route("/meldingen/gelezen", post(pages::inbox::mark_read))
        .route("/meldingen/instellingen", post(pages::inbox::save_settings))
        .route(
            "/inloggen",
            get(pages::account::login_form).post(pages::account::login_submit),
        )
        .route(
            "/static/app.css",
            get(|| asset("text/css", include_str!("../static/app.css"))),
        )
        .route(
            "/static/app.js",
            get(|| asset("text/javascript", include_str!("../static/app.js"))),
        )
        .route(
            "/favicon.svg",
            get(|| asset("image/svg+xml", include_str!("../static/favicon.svg"))),
        )
        .route("/favicon.ico", get(favicon_ico))
        .fallback(not_found)
        .layer(middleware::from_fn(i18n::remember))
}

/// Any other address: the "not found" page.
async fn not_found(ctx: ctx::Ctx) -> error::PageError {
    error::PageError::new(&ctx, api::error::AppError::NotFound(ctx.here.clone()))
}

/// `/favicon.ico`, asked for by browsers and tools that do not read the page's `<link>`: the
/// same mark as `/favicon.svg`, as a 32x32 icon.
async fn favicon_ico() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/x-icon"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        include_bytes!("../static/favicon.ico").as_slice(),
    )
        .into_response()
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}
