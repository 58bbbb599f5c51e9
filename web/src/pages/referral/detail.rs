//! One referral's page at `/verwijzingen/{id}` and its status moves.

use super::{context_of, referral_id, status_badge, when};
use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData};
use crate::labels::Label;
use crate::layout::{encode, notice, page};
use api::domain::GlobalId;
use api::error::AppError;
use api::services::offer_view::OfferView;
use api::services::referral;
use api::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use entities::{LifeDomain, ReferralStatus, referral as referral_entity};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// The query of a referral's page after an action.
#[derive(Deserialize, Default)]
pub struct Done {
    verstuurd: Option<String>,
    bijgewerkt: Option<String>,
}

/// The page of one referral: its facts, the moves the user may make, its history.
async fn detail(
    state: &AppState,
    ctx: &Ctx,
    id: &GlobalId,
    done: Option<&str>,
    errors: &Errors,
) -> Result<maud::Markup, PageError> {
    let r = referral::get(state, &ctx.actor, id).await.or_page(ctx)?;
    let events = referral::events(&state.db, &r.id).await.or_page(ctx)?;
    let (offers, practices) = context_of(state, ctx, std::slice::from_ref(&r))
        .await
        .or_page(ctx)?;
    let offer = offers.get(&r.offer_id);
    let receiving = match offer {
        Some(v) => v.organisation.id.clone(),
        None => String::new(),
    };
    let next = referral::next_statuses(&ctx.actor, &r, &receiving);
    let other_node = api::federation::delivery::counterpart_node(&state.node_id, &r);
    let pending = match &other_node {
        Some(_) => api::federation::delivery::is_pending(&state.db, &r.id)
            .await
            .or_page(ctx)?,
        None => false,
    };
    let delivery = other_node.map(|node| (node, pending));
    let contact = super::contact_view::section(state, ctx, &r, &receiving).await?;
    let title = ctx.t("Verwijzing", "Referral");
    Ok(page(
        ctx,
        title,
        html! {
            @if let Some(d) = done { (notice(d)) }
            (errors.summary(ctx))
            (facts(ctx, &r, offer, &practices, delivery))
            (contact)
            @if !next.is_empty() { (update_form(ctx, &r, &next, errors)) }
            h2 { (ctx.t("Verloop", "History")) }
            ol {
                @for e in &events {
                    li { (when(ctx, e.at)) ": " (e.to_status.label(ctx.lang)) @if let Some(n) = &e.note { " – " (n) } }
                }
            }
        },
    ))
}

/// What is known of a referral; `delivery` is the node of the other side and whether messages
/// to it still wait.
fn facts(
    ctx: &Ctx,
    r: &referral_entity::Model,
    offer: Option<&OfferView>,
    practices: &HashMap<String, String>,
    delivery: Option<(String, bool)>,
) -> Markup {
    html! {
        dl.facts {
            dt { (ctx.t("Status", "Status")) }
            dd #status { (status_badge(ctx, r.status)) @if let Some(reason) = &r.status_reason { " – " (reason) } }
            dt { (ctx.t("Aanbod", "Offer")) }
            dd { @match offer {
                Some(v) => { a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } " · " (v.organisation.name) },
                None => { (r.offer_id) },
            } }
            @if let Some((node, pending)) = &delivery {
                dt { (ctx.t("Regio", "Region")) }
                dd #delivery {
                    @if r.offer_node == *node {
                        (ctx.t("Doorgestuurd naar het knooppunt ", "Forwarded to the node ")) strong { (node) } (ctx.t(", dat de verwijzing afhandelt", ", which handles the referral"))
                    } @else {
                        (ctx.t("Ontvangen van het knooppunt ", "Received from the node ")) strong { (node) }
                    }
                    @if *pending {
                        " – " (ctx.t("nog niet afgeleverd; wordt automatisch opnieuw geprobeerd", "not delivered yet; retried automatically"))
                    }
                }
            }
            dt { (ctx.t("Praktijk", "Practice")) }
            dd { (r.referrer_organisation_id.as_ref().and_then(|p| practices.get(p)).map(String::as_str).unwrap_or("–")) }
            dt { (ctx.t("Patiënt", "Patient")) }
            dd { (r.patient_ref.as_deref().unwrap_or(ctx.t("(verwijderd na de bewaartermijn)", "(removed after the retention period)"))) }
            dt { (ctx.t("Contact", "Contact")) }
            dd { (r.contact_preference.map(|c| c.label(ctx.lang)).unwrap_or("–")) }
            dt { (ctx.t("Werken aan", "Working on")) }
            dd { (r.reason_domains.0.iter().filter_map(|d| LifeDomain::from_str_opt(d)).map(|d| d.label(ctx.lang)).collect::<Vec<_>>().join(", ")) }
            @if let Some(n) = &r.note { dt { (ctx.t("Toelichting", "Note")) } dd { (n) } }
            @if r.offer_was_full { dt { (ctx.t("Let op", "Note")) } dd { (ctx.t("Het aanbod was vol bij het verwijzen.", "The offer was full when referred.")) } }
        }
    }
}

/// The form with a button per status the user may move the referral to.
fn update_form(
    ctx: &Ctx,
    r: &referral_entity::Model,
    next: &[ReferralStatus],
    errors: &Errors,
) -> Markup {
    html! {
        h2 { (ctx.t("Bijwerken", "Update")) }
        form method="post" action=(format!("/verwijzingen/{}/status", encode(&r.id))) {
            input type="hidden" name="version" value=(r.version);
            (Field::new("note", ctx.t("Toelichting of reden (nodig bij afwijzen)", "Note or reason (needed to reject)")).textarea(errors, 2))
            div.actions {
                @for s in next {
                    button.warning[matches!(s, ReferralStatus::Rejected | ReferralStatus::Cancelled)] type="submit" name="to" value=(s.as_str()) {
                        (action_label(ctx, *s))
                    }
                }
            }
        }
    }
}

fn action_label(ctx: &Ctx, s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Received => ctx.lang.t("Ontvangst bevestigen", "Confirm receipt"),
        ReferralStatus::Accepted => ctx.lang.t("Accepteren", "Accept"),
        ReferralStatus::Rejected => ctx.lang.t("Afwijzen", "Reject"),
        ReferralStatus::InProgress => ctx.lang.t("Gestart", "Started"),
        ReferralStatus::Completed => ctx.lang.t("Afronden", "Complete"),
        ReferralStatus::Cancelled => ctx.lang.t("Annuleren", "Cancel"),
        other => other.label(ctx.lang),
    }
}

/// `GET /verwijzingen/{id}`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> PageResult {
    let message = match (done.verstuurd, done.bijgewerkt) {
        (Some(_), _) => Some(ctx.t("De verwijzing is verstuurd.", "The referral has been sent.")),
        (_, Some(_)) => Some(ctx.t("De status is bijgewerkt.", "The status has been updated.")),
        _ => None,
    };
    let id = referral_id(&ctx, &id)?;
    Ok(detail(&state, &ctx, &id, message, &Errors::none())
        .await?
        .into_response())
}

/// `POST /verwijzingen/{id}/status`: moves the referral to the status of the button pressed.
pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let version = f.get("version").and_then(|v| v.parse::<i32>().ok());
    let to = f.get("to").and_then(ReferralStatus::from_str_opt);
    let (Some(version), Some(to)) = (version, to) else {
        return Err(PageError::new(
            &ctx,
            AppError::bad_input("version and status are required"),
        ));
    };
    let id = referral_id(&ctx, &id)?;
    match referral::transition(
        &state,
        &ctx.actor,
        &id,
        version,
        to,
        f.get("note").map(str::to_string),
    )
    .await
    {
        Ok(r) => Ok(
            Redirect::to(&format!("/verwijzingen/{}?bijgewerkt=1", encode(&r.id))).into_response(),
        ),
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            let body = detail(&state, &ctx, &id, None, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}
