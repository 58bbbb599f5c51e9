//! The region comparison (`/dekking/regio`, `/dekking/regio.csv`): the node's gemeenten side
//! by side for the regional consultation. Public columns for everyone; the referral columns
//! only for node admins and the analysts of each gemeente (others see "—" and a note), counts
//! under 5 as "< 5". See [`api::services::region`].

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field};
use crate::i18n::Lang;
use crate::layout::page;
use crate::pages::coverage::{csv_style, download, source_note};
use api::error::AppError;
use api::services::population::decimal;
use api::services::region::{self, ReferralFigure, RegionComparison};
use api::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use maud::{Markup, html};
use serde::Deserialize;

/// The comparison form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegionParams {
    afstand: String,
}

impl RegionParams {
    /// The gap distance in km (1.5 when none is given).
    fn distance_km(&self) -> Result<f64, AppError> {
        match self.afstand.trim() {
            "" => Ok(1.5),
            s => s
                .replace(',', ".")
                .parse()
                .map_err(|_| AppError::field("afstand", format!("'{s}' is not a distance"))),
        }
    }
}

async fn run(state: &AppState, ctx: &Ctx, p: &RegionParams) -> Result<RegionComparison, AppError> {
    let km = p.distance_km()?;
    region::region_comparison(state, &ctx.actor, km)
        .await
        .map_err(|e| crate::form::moved(e, "distanceKm", "afstand"))
}

fn form(ctx: &Ctx, p: &RegionParams, errors: &Errors) -> Markup {
    let distances: Vec<(String, String)> = ["0.5", "1", "1.5", "2", "3", "5"]
        .iter()
        .map(|d| {
            (
                d.to_string(),
                format!("{} km", d.replace('.', ctx.t(",", "."))),
            )
        })
        .collect();
    html! {
        form.filters method="get" action="/dekking/regio" {
            (errors.summary(ctx))
            (Field::new("afstand", ctx.t("Een buurt is een gat zonder aanbod binnen", "A neighbourhood is a gap without an offer within"))
                .value(if p.afstand.is_empty() { "1.5".to_string() } else { p.afstand.clone() })
                .select(errors, &distances))
            p { button type="submit" { (ctx.t("Vergelijk", "Compare")) } }
        }
    }
}

/// A number or "onbekend".
fn known(ctx: &Ctx, n: Option<i64>) -> String {
    n.map(|n| n.to_string())
        .unwrap_or_else(|| ctx.t("onbekend", "unknown").to_string())
}

/// A rate with one decimal in the page's notation, or "onbekend".
fn rate(ctx: &Ctx, r: Option<f64>) -> String {
    match r {
        Some(_) => decimal(r, ctx.lang == Lang::Nl),
        None => ctx.t("onbekend", "unknown").to_string(),
    }
}

fn table(ctx: &Ctx, r: &RegionComparison) -> Markup {
    let hidden = r
        .rows
        .iter()
        .any(|row| row.referrals == ReferralFigure::Hidden);
    html! {
        div.table-scroll role="region" tabindex="0" aria-labelledby="regio-tabel" {
        table {
            caption #regio-tabel { (ctx.t("Gemeenten van de regio naast elkaar", "The region's municipalities side by side")) }
            thead { tr {
                th scope="col" { (ctx.t("Gemeente", "Municipality")) }
                th.num scope="col" { (ctx.t("Inwoners", "Inhabitants")) }
                th.num scope="col" { (ctx.t("Actief aanbod", "Active offers")) }
                th.num scope="col" { (ctx.t("Aanbod per 10.000 inwoners", "Offers per 10,000 inhabitants")) }
                th.num scope="col" { (ctx.t("Inwoners in gaten", "Residents in gaps")) }
                th.num scope="col" { (ctx.t("Aandeel in gaten", "Share in gaps")) }
                th.num scope="col" { (ctx.t("Verwijzingen (12 maanden)", "Referrals (12 months)")) }
                th.num scope="col" { (ctx.t("Verwijzingen per 10.000 inwoners", "Referrals per 10,000 inhabitants")) }
                th.num scope="col" { (ctx.t("Aandeel groepsgericht", "Share group-based")) }
            } }
            tbody {
                @for row in &r.rows {
                    tr {
                        th scope="row" { a href=(format!("/dekking?gebied={}", row.code)) { (row.name) } }
                        td.num { (known(ctx, row.inhabitants)) }
                        td.num { (row.active_offers) }
                        td.num { (rate(ctx, row.offers_per_10k)) }
                        td.num {
                            (row.residents_in_gaps)
                            @if row.gap_buurten_unknown > 0 {
                                " (+ " (row.gap_buurten_unknown) " " (ctx.t("buurt(en) onbekend", "neighbourhood(s) unknown")) ")"
                            }
                        }
                        td.num { (rate(ctx, row.gap_share.map(|s| s * 100.0))) @if row.gap_share.is_some() { " %" } }
                        @match row.referrals {
                            ReferralFigure::Hidden => { td.num { "—" } td.num { "—" } },
                            ReferralFigure::Small => { td.num { "< 5" } td.num { "—" } },
                            ReferralFigure::Count { count, per_10k } => { td.num { (count) } td.num { (rate(ctx, per_10k)) } },
                        }
                        td.num { (rate(ctx, row.group_based_share.map(|s| s * 100.0))) @if row.group_based_share.is_some() { " %" } }
                    }
                }
            }
        }
        }
        @if hidden {
            p { (ctx.t("Verwijzingscijfers zijn alleen zichtbaar voor analisten van de gemeente en beheerders (—).", "Referral figures are only shown to the municipality's analysts and administrators (—).")) }
        }
        p { (ctx.t("Verwijzingen naar aanbod met een locatie in de gemeente, de laatste 12 maanden; aantallen onder de 5 staan als \"< 5\".", "Referrals to offers with a location in the municipality, the last 12 months; counts under 5 are shown as \"< 5\".")) }
        (source_note(ctx))
    }
}

/// `GET /dekking/regio`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<RegionParams>,
) -> PageResult {
    let title = ctx.t(
        "Gemeenten van de regio vergelijken",
        "Compare the region's municipalities",
    );
    match run(&state, &ctx, &p).await {
        Ok(r) => {
            let body = html! {
                (form(&ctx, &p, &Errors::none()))
                @if r.rows.is_empty() {
                    p { (ctx.t("Deze node heeft nog geen gemeenten in zijn regio.", "This node has no municipalities in its region yet.")) }
                } @else {
                    (table(&ctx, &r))
                    p.actions { a href=(format!("/dekking/regio.csv?afstand={}", r.distance_km)) download { (ctx.t("Download CSV", "Download CSV")) } }
                }
            };
            Ok(page(&ctx, title, body).into_response())
        }
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            Ok((
                StatusCode::BAD_REQUEST,
                page(&ctx, title, form(&ctx, &p, &errors)),
            )
                .into_response())
        }
    }
}

/// `GET /dekking/regio.csv`: the comparison as CSV in the style of the page's language.
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<RegionParams>,
) -> PageResult {
    let r = run(&state, &ctx, &p).await.or_page(&ctx)?;
    let mut style = csv_style(ctx.lang);
    style.header = (ctx.lang == Lang::Nl).then(|| {
        [
            "Code",
            "Gemeente",
            "Inwoners",
            "Actief aanbod",
            "Aanbod per 10.000 inwoners",
            "Inwoners in gaten",
            "Gaten met onbekend aantal inwoners",
            "Aandeel in gaten (%)",
            "Verwijzingen (12 maanden)",
            "Verwijzingen per 10.000 inwoners",
            "Aandeel groepsgericht (%)",
        ]
        .map(String::from)
        .to_vec()
    });
    let body = region::region_csv(&r, &style).or_page(&ctx)?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("regio-{}km.csv", r.distance_km),
        body,
    ))
}
