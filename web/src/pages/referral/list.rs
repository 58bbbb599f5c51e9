//! Both sides' referrals at `/verwijzingen`.

use super::{context_of, status_badge, when};
use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::layout::{encode, page};
use api::services::offer_view::OfferView;
use api::services::referral;
use api::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use entities::referral as referral_entity;
use maud::{Markup, html};
use std::collections::HashMap;

fn table(
    ctx: &Ctx,
    caption: &str,
    rows: &[&referral_entity::Model],
    offers: &HashMap<String, OfferView>,
    practices: &HashMap<String, String>,
) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (ctx.t("Verstuurd", "Sent")) }
                th scope="col" { (ctx.t("Aanbod", "Offer")) }
                th scope="col" { (ctx.t("Praktijk", "Practice")) }
                th scope="col" { (ctx.t("Patiënt", "Patient")) }
                th scope="col" { (ctx.t("Status", "Status")) }
            } }
            tbody {
                @for r in rows {
                    tr {
                        td { a href=(format!("/verwijzingen/{}", encode(&r.id))) { (when(ctx, r.created_at)) } }
                        td { (offers.get(&r.offer_id).map(|v| v.offer.title.as_str()).unwrap_or(r.offer_id.as_str())) }
                        td { (super::source_label(ctx, r, practices)) }
                        td { (super::patient_label(r, ctx.t("(verwijderd)", "(removed)"))) }
                        td { (status_badge(ctx, r.status)) }
                    }
                }
            }
        }
    }
}

/// `GET /verwijzingen`: referrals sent by the user's practices and received by the user's
/// organisations, newest first.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let rows = referral::list(&state, &ctx.actor, None, 200)
        .await
        .or_page(&ctx)?;
    let (offers, practices) = context_of(&state, &ctx, &rows).await.or_page(&ctx)?;
    let (sent, received): (Vec<&referral_entity::Model>, Vec<&referral_entity::Model>) =
        rows.iter().partition(|r| {
            ctx.actor
                .is_referrer_side(r.referrer_organisation_id.as_deref())
        });
    let title = ctx.t("Verwijzingen", "Referrals");
    let body = html! {
        @if !ctx.actor.practices().is_empty() {
            p { a href="/verwijzingen/cijfers" { (ctx.t("Cijfers van uw verwijzingen", "Your referral figures")) } }
        }
        @if rows.is_empty() {
            p { (ctx.t("Er zijn nog geen verwijzingen.", "There are no referrals yet.")) }
        }
        @if !sent.is_empty() {
            (table(&ctx, ctx.t("Door uw praktijk verstuurd", "Sent by your practice"), &sent, &offers, &practices))
        }
        @if !received.is_empty() {
            (table(&ctx, ctx.t("Ontvangen door uw organisatie", "Received by your organisation"), &received, &offers, &practices))
        }
    };
    Ok(page(&ctx, title, body).into_response())
}
