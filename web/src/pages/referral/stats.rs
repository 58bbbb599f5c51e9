//! A practice's referral figures at `/verwijzingen/cijfers`: how many referrals it sent in a
//! period and what became of them, in total and per offer. Counts only, no person; the rules
//! and definitions are in `api::services::referral::stats`.

use super::detail::stop_reason_label;
use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field};
use crate::layout::{encode, page};
use api::domain::GlobalId;
use api::error::AppError;
use api::services::offer_view;
use api::services::referral::stats::{self, Figures, PracticeStats};
use api::state::AppState;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use chrono::{Days, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;

/// The query of the figures page.
#[derive(Deserialize, Default)]
pub struct Period {
    praktijk: Option<String>,
    van: Option<String>,
    tot: Option<String>,
}

/// The chosen period: `van`..`tot`, by default the last 365 days up to today.
fn period(q: &Period) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = Utc::now().date_naive();
    let parse = |raw: &Option<String>, field: &str| -> Result<Option<NaiveDate>, AppError> {
        match raw.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::field(field, "is not a date (YYYY-MM-DD)")),
        }
    };
    let to = parse(&q.tot, "tot")?.unwrap_or(today);
    let from =
        parse(&q.van, "van")?.unwrap_or_else(|| to.checked_sub_days(Days::new(365)).unwrap_or(to));
    Ok((from, to))
}

/// `GET /verwijzingen/cijfers`: the figures of one of the user's practices (FORBIDDEN for
/// anyone else).
pub async fn show(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Period>) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let practices = ctx.actor.practices();
    let chosen = match q.praktijk.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => p.to_string(),
        None => practices
            .first()
            .cloned()
            .ok_or_else(|| {
                ctx.actor
                    .denied("see referral figures (practitioners only)")
            })
            .or_page(&ctx)?,
    };
    let practice = GlobalId::parse(&chosen)
        .map_err(|e| e.in_field("praktijk"))
        .or_page(&ctx)?;
    let names = offer_view::organisations(&state.db, practices.clone())
        .await
        .or_page(&ctx)?;
    let options: Vec<(String, String)> = practices
        .iter()
        .map(|p| {
            (
                p.clone(),
                names.get(p).map_or(p.clone(), |o| o.name.clone()),
            )
        })
        .collect();
    let title = ctx.t("Cijfers van uw verwijzingen", "Your referral figures");
    let (result, errors) = match period(&q) {
        Ok((from, to)) => {
            match stats::practice_stats(&state, &ctx.actor, &practice, from, to).await {
                Ok(s) => (Some(s), Errors::none()),
                Err(e @ AppError::BadInput { .. }) => {
                    (None, Errors::from_app(&ctx, e).or_page(&ctx)?)
                }
                Err(e) => return Err(e).or_page(&ctx),
            }
        }
        Err(e) => (None, Errors::from_app(&ctx, e).or_page(&ctx)?),
    };
    let body = html! {
        p { (ctx.t("Alleen aantallen: geen patiënten, geen verwijzingen. Eerste contact is het eerste antwoord van de organisatie (ontvangen, geaccepteerd, afgewezen, wachtlijst).", "Counts only: no patients, no referrals. First contact is the organisation's first answer (received, accepted, rejected, waiting list).")) }
        (errors.summary(&ctx))
        form.filters method="get" action="/verwijzingen/cijfers" {
            @if options.len() > 1 {
                (Field::new("praktijk", ctx.t("Praktijk", "Practice")).value(chosen.clone()).select(&errors, &options))
            } @else {
                input type="hidden" name="praktijk" value=(chosen);
            }
            (Field::new("van", ctx.t("Verstuurd vanaf", "Sent from")).kind("date").value(q.van.clone().unwrap_or_default()).input(&errors))
            (Field::new("tot", ctx.t("tot en met", "up to and including")).kind("date").value(q.tot.clone().unwrap_or_default()).input(&errors))
            div.actions { button type="submit" { (ctx.t("Toon", "Show")) } }
        }
        @if let Some(s) = &result { (figures_tables(&ctx, s)) }
    };
    Ok(page(&ctx, title, body).into_response())
}

/// The totals, the stop reasons and a row per offer.
fn figures_tables(ctx: &Ctx, s: &PracticeStats) -> Markup {
    html! {
        div.figures-scroll {
            table #figures {
                caption { (ctx.t("Verwijzingen van ", "Referrals from ")) (crate::labels::date(ctx.lang, s.from)) " – " (crate::labels::date(ctx.lang, s.to)) }
                thead { tr {
                    th scope="col" { (ctx.t("Aanbod", "Offer")) }
                    th scope="col" { (ctx.t("Verstuurd", "Sent")) }
                    th scope="col" { (ctx.t("Geaccepteerd", "Accepted")) }
                    th scope="col" { (ctx.t("Gestart", "Started")) }
                    th scope="col" { (ctx.t("Afgerond", "Completed")) }
                    th scope="col" { (ctx.t("Gestopt", "Stopped")) }
                    th scope="col" { (ctx.t("Dagen tot eerste contact (mediaan)", "Days to first contact (median)")) }
                } }
                tbody {
                    (row(ctx, html! { strong { (ctx.t("Alle aanbod", "All offers")) } }, &s.total))
                    @for o in &s.offers {
                        (row(ctx, html! { a href=(format!("/aanbod/{}", encode(&o.offer_id))) { (o.title.as_deref().unwrap_or(o.offer_id.as_str())) } }, &o.figures))
                    }
                }
            }
        }
        h2 { (ctx.t("Redenen van stoppen", "Reasons for stopping")) }
        table #stop-reasons {
            caption.visually-hidden { (ctx.t("Redenen van stoppen", "Reasons for stopping")) }
            thead { tr { th scope="col" { (ctx.t("Reden", "Reason")) } th scope="col" { (ctx.t("Aantal", "Number")) } } }
            tbody { @for (reason, n) in &s.total.stop_reasons {
                tr { td { (stop_reason_label(ctx, *reason)) } td { (n) } }
            } }
        }
    }
}

fn row(ctx: &Ctx, name: Markup, f: &Figures) -> Markup {
    let median = f.median_days_to_first_contact.map_or_else(
        || "–".to_string(),
        |d| {
            let text = format!("{d:.1}");
            match ctx.lang {
                crate::i18n::Lang::Nl => text.replace('.', ","),
                crate::i18n::Lang::En => text,
            }
        },
    );
    html! {
        tr {
            th scope="row" { (name) }
            td { (f.sent) } td { (f.accepted) } td { (f.started) } td { (f.completed) } td { (f.stopped) } td { (median) }
        }
    }
}
