//! Unmet search demand (`/beheer/zoekvraag`): for node admins and organisation editors, the
//! most frequent searches that found no or few offers, per gemeente, over the last weeks.
//! Anonymous counts only (see [`api::search::demand`]).

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field};
use crate::layout::{encode, page};
use api::error::{AppError, AppResult};
use api::search::demand;
use api::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use maud::html;
use serde::Deserialize;

/// Weeks offered.
const WEEKS: [u32; 5] = [4, 8, 13, 26, 52];

/// The page's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DemandParams {
    /// Gemeente: name or CBS code; all when empty.
    gemeente: String,
    /// Weeks to look back.
    weken: String,
}

/// `GET /beheer/zoekvraag`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<DemandParams>,
) -> PageResult {
    if !ctx.actor.may_see_search_demand() {
        let err = match ctx.actor {
            api::auth::Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden(
                "only node admins and organisation editors see unmet search demand".into(),
            ),
        };
        return Err(PageError::new(&ctx, err));
    }
    // One of the offered periods; anything else reads as the default.
    let weeks: u32 = p
        .weken
        .trim()
        .parse()
        .ok()
        .filter(|w| WEEKS.contains(w))
        .unwrap_or(8);
    let mut errors = Errors::none();
    let mut rows = Vec::new();
    let mut gemeente_name = None;
    let result: AppResult<Vec<demand::DemandRow>> = async {
        let gemeente = match p.gemeente.trim() {
            "" => None,
            raw => Some(super::area_named(&state, ctx.lang, raw, "gemeente").await?),
        };
        let code = gemeente.as_ref().map(|g| {
            api::domain::AreaCode::parse(&g.code).map_or_else(|_| g.code.clone(), |c| c.gemeente())
        });
        gemeente_name = gemeente.map(|g| g.name);
        let today = chrono::Utc::now().date_naive();
        demand::top(&state.db, code.as_deref(), weeks as i32, today).await
    }
    .await;
    match result {
        Ok(r) => rows = r,
        Err(e) => errors = Errors::from_app(&ctx, e).or_page(&ctx)?,
    }
    let weeks_options: Vec<(String, String)> = WEEKS
        .iter()
        .map(|w| (w.to_string(), format!("{w} {}", ctx.t("weken", "weeks"))))
        .collect();
    let title = ctx.t("Gezocht maar niet gevonden", "Searched but not found");
    let body = html! {
        p { (ctx.t(
            "Zoekopdrachten die geen of weinig aanbod vonden, geteld per week en gemeente. Er wordt niet bewaard wie zocht; teksten die op persoonsgegevens lijken (namen, e-mail, telefoon, BSN, adres) worden niet opgeslagen.",
            "Searches that found no or few offers, counted per week and municipality. Who searched is not kept; texts that look like personal data (names, e-mail, phone, BSN, address) are not stored."
        )) }
        form.filters method="get" action="/beheer/zoekvraag" {
            (errors.summary(&ctx))
            (Field::new("gemeente", ctx.t("Gemeente", "Municipality"))
                .value(p.gemeente.clone())
                .hint(ctx.t("Naam of code; leeg voor alle gemeenten", "Name or code; empty for all municipalities"))
                .input(&errors))
            (Field::new("weken", ctx.t("Periode", "Period"))
                .value(weeks.to_string())
                .select(&errors, &weeks_options))
            p { button type="submit" { (ctx.t("Tonen", "Show")) } }
        }
        @if errors.is_empty() {
            @if rows.is_empty() {
                p { (ctx.t("Geen zoekopdrachten zonder resultaat in deze periode.", "No searches without results in this period.")) }
            } @else {
                div.table-scroll role="region" tabindex="0" aria-label=(title) {
                    table {
                        caption {
                            (title)
                            @if let Some(n) = &gemeente_name { " (" (n) ")" }
                        }
                        thead { tr {
                            th scope="col" { (ctx.t("Zoektekst", "Search text")) }
                            th scope="col" { (ctx.t("Gemeente", "Municipality")) }
                            th scope="col" { (ctx.t("Aantal keer", "Times")) }
                        } }
                        tbody {
                            @for r in &rows {
                                tr {
                                    td { a href=(format!("/?q={}", encode(&r.query_text))) { (r.query_text) } }
                                    td { @if r.gemeente_code.is_empty() { (ctx.t("onbekend", "unknown")) } @else { (r.gemeente_code) } }
                                    td { (r.searches) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, page(&ctx, title, body)).into_response())
}
