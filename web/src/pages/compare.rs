//! Offers side by side (`GET /vergelijken?id=..&id=..`): the 2 to 4 offers ticked on the
//! search page, one column each, one row per question (when, where, for whom, how to join,
//! cost, places). A plain GET form leads here, so it works without JavaScript.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use crate::pages::search::{for_whom, when_short};
use api::domain::GlobalId;
use api::services::offer_view::{self, OfferView};
use api::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::Query;
use maud::{Markup, html};
use serde::Deserialize;

/// The most offers side by side (more do not fit a screen).
const MAX: usize = 4;

/// The ticked offers and the search to go back to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompareParams {
    id: Vec<String>,
    /// The query string of the search page the offers were ticked on.
    terug: String,
}

/// `GET /vergelijken`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CompareParams>,
) -> PageResult {
    let mut ids: Vec<String> = Vec::new();
    for raw in &p.id {
        // Ids that are no ids are left out like offers one may not see.
        if let Ok(id) = GlobalId::parse(raw) {
            let id = id.to_string();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let back = format!("/?{}", p.terug.replace(['"', '<', '>', '#'], ""));
    let title = ctx.t("Aanbod vergelijken", "Compare offers");
    if ids.len() > MAX {
        return Ok(problem(&ctx, title, &back, ctx.t(
            "U vinkte meer dan 4 aanbiedingen aan. Vink er 2 tot 4 aan om ze naast elkaar te zien.",
            "You ticked more than 4 offers. Tick 2 to 4 to see them side by side.",
        )));
    }
    let views = offer_view::many(&state.db, &ctx.actor, &ids)
        .await
        .or_page(&ctx)?;
    if views.len() < 2 {
        return Ok(problem(
            &ctx,
            title,
            &back,
            ctx.t(
                "Vink op de zoekpagina 2 tot 4 aanbiedingen aan om ze naast elkaar te zien.",
                "Tick 2 to 4 offers on the search page to see them side by side.",
            ),
        ));
    }
    let body = html! {
        p { a href=(back) { (ctx.t("Terug naar de zoekresultaten", "Back to the search results")) } }
        (table(&ctx, &views))
    };
    Ok(page(&ctx, title, body).into_response())
}

/// The page when there is nothing to compare: why, and the way back.
fn problem(ctx: &Ctx, title: &str, back: &str, why: &str) -> axum::response::Response {
    let body = html! {
        p.error-page role="alert" { (why) }
        p { a href=(back) { (ctx.t("Terug naar de zoekresultaten", "Back to the search results")) } }
    };
    (StatusCode::BAD_REQUEST, page(ctx, title, body)).into_response()
}

/// One column per offer, one row per question; in its own scroll area on a narrow screen.
fn table(ctx: &Ctx, views: &[OfferView]) -> Markup {
    let row = |label: &str, cell: &dyn Fn(&OfferView) -> Markup| {
        html! {
            tr {
                th scope="row" { (label) }
                @for v in views { td { (cell(v)) } }
            }
        }
    };
    html! {
        div.table-scroll role="region" aria-labelledby="vergelijking" tabindex="0" {
            table.compare {
                caption #vergelijking { (views.len()) " " (ctx.t("aanbiedingen naast elkaar", "offers side by side")) }
                thead {
                    tr {
                        td {}
                        @for v in views {
                            th scope="col" { a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } }
                        }
                    }
                }
                tbody {
                    (row(ctx.t("Soort", "Kind"), &|v| html! { (v.offer.kind.label(ctx.lang)) }))
                    (row(ctx.t("Wie", "Who"), &|v| html! { (v.organisation.name) }))
                    (row(ctx.t("Wanneer", "When"), &|v| html! {
                        @if v.offer.schedule.0.len() > 1 {
                            @for p in &v.offer.schedule.0 { (super::offer::capitalise(&labels::period(ctx.lang, p))) br; }
                        } @else { (when_short(ctx.lang, &v.offer)) }
                    }))
                    (row(ctx.t("Waar", "Where"), &|v| html! {
                        @for l in &v.locations {
                            (l.name.iter().chain(&l.street).chain(&l.postcode).chain(&l.city).cloned().collect::<Vec<_>>().join(", ")) br;
                        }
                    }))
                    (row(ctx.t("Voor wie", "For whom"), &|v| html! { (for_whom(ctx.lang, v)) }))
                    (row(ctx.t("Aanmelden", "How to join"), &|v| html! { (v.offer.intake.label(ctx.lang)) }))
                    (row(ctx.t("Kosten", "Cost"), &|v| html! { (labels::cost(ctx.lang, &v.offer)) }))
                    (row(ctx.t("Plekken", "Places"), &|v| html! {
                        span class=(labels::places_badge(&v.offer)) { (labels::places(ctx.lang, &v.offer)) }
                    }))
                    (row(ctx.t("Leefgebieden", "Life domains"), &|v| html! {
                        (v.life_domains.iter().map(|d| d.label(ctx.lang)).collect::<Vec<_>>().join(", "))
                    }))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::pages::search::distance_text;

    #[test]
    fn nothing_between_is_this_neighbourhood() {
        assert_eq!(distance_text(Lang::Nl, 0.01), "in deze buurt");
        assert_eq!(distance_text(Lang::En, 0.0), "in this neighbourhood");
        assert_eq!(distance_text(Lang::Nl, 1.26), "1,3 km");
        assert_eq!(distance_text(Lang::En, 0.05), "0.1 km");
    }
}
