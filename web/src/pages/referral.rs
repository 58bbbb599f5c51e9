//! Referrals on the web: a practitioner refers a patient from an offer's page
//! (`/aanbod/{id}/verwijzen`), both sides follow it at `/verwijzingen`, and the receiving
//! organisation answers on the referral's page. Rules live in `api::services::referral`.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData, answer, choices};
use crate::labels::{self, Label};
use crate::layout::{encode, notice, page};
use api::error::{AppError, AppResult};
use api::services::offer_view::{self, OfferView};
use api::services::referral::{self, NewReferral};
use api::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::{DateTime, Utc};
use entities::{ContactPreference, LifeDomain, ReferralStatus, referral as referral_entity};
use maud::{Markup, html};
use sea_orm::Iterable;
use serde::Deserialize;
use std::collections::HashMap;

fn when(ctx: &Ctx, at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        labels::date(ctx.lang, at.date_naive()),
        at.format("%H:%M")
    )
}

fn refer_form(
    ctx: &Ctx,
    v: &OfferView,
    practices: &[(String, String)],
    f: &FormData,
    errors: &Errors,
) -> Markup {
    let domains: Vec<(String, String)> = LifeDomain::iter()
        .map(|d| (d.as_str().to_string(), d.label(ctx.lang).to_string()))
        .collect();
    let contact: Vec<(String, String)> = ContactPreference::iter()
        .map(|c| (c.as_str().to_string(), c.label(ctx.lang).to_string()))
        .collect();
    let chosen_domains = if f.0.is_empty() {
        v.life_domains.iter().map(|d| d.as_str()).collect()
    } else {
        f.all("reasonDomains")
    };
    html! {
        p { (ctx.t("Naar", "To")) " " a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } " · " (v.organisation.name) }
        @if !labels::has_room(&v.offer) {
            p.provenance { (labels::places(ctx.lang, &v.offer)) ". " (ctx.t("U kunt toch verwijzen; de organisatie neemt contact op over de mogelijkheden.", "You can still refer; the organisation will get in touch about the options.")) }
        }
        form method="post" action=(format!("/aanbod/{}/verwijzen", encode(&v.offer.id))) {
            (errors.summary(ctx))
            @if practices.len() > 1 {
                (Field::new("practiceId", ctx.t("Praktijk", "Practice")).value(f.value("practiceId")).select(errors, practices))
            }
            (Field::new("patientRef", ctx.t("Patiëntreferentie", "Patient reference"))
                .value(f.value("patientRef"))
                .hint(ctx.t("Het pseudoniem uit uw HIS, geen naam of BSN.", "The pseudonym from your practice system, not a name or citizen number."))
                .required()
                .input(errors))
            (choices("consent", ctx.t("Toestemming", "Consent"),
                &[("1".to_string(), ctx.t("De patiënt geeft toestemming om deze verwijzing te sturen", "The patient consents to this referral being sent").to_string())],
                &f.all("consent"), errors, false))
            (choices("contactPreference", ctx.t("Hoe wil de patiënt benaderd worden?", "How does the patient want to be contacted?"),
                &contact, &f.all("contactPreference"), errors, true))
            (choices("reasonDomains", ctx.t("Waar wil de patiënt aan werken?", "What does the patient want to work on?"),
                &domains, &chosen_domains, errors, false))
            (Field::new("note", ctx.t("Korte toelichting (optioneel)", "Short note (optional)"))
                .value(f.value("note"))
                .hint(ctx.t("Praktische zaken, geen diagnose of medicatie. Hoogstens 280 tekens.", "Practical matters, no diagnosis or medication. At most 280 characters."))
                .textarea(errors, 3))
            p { button type="submit" { (ctx.t("Verwijzing versturen", "Send referral")) } }
        }
    }
}

async fn practices(state: &AppState, ctx: &Ctx) -> AppResult<Vec<(String, String)>> {
    let ids = ctx.actor.practices();
    if ids.is_empty() {
        return Err(ctx.actor.denied("send referrals (practitioners only)"));
    }
    let names = offer_view::organisations(&state.db, ids.clone()).await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let name = names
                .get(&id)
                .map(|o| o.name.clone())
                .unwrap_or_else(|| id.clone());
            (id, name)
        })
        .collect())
}

/// `GET /aanbod/{id}/verwijzen`.
pub async fn refer_form_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let practices = practices(&state, &ctx).await.or_page(&ctx)?;
    let v = offer_view::get(&state, &ctx.actor, &id)
        .await
        .or_page(&ctx)?;
    let title = ctx.t("Patiënt verwijzen", "Refer a patient");
    Ok(page(
        &ctx,
        title,
        refer_form(&ctx, &v, &practices, &FormData::default(), &Errors::none()),
    )
    .into_response())
}

/// `POST /aanbod/{id}/verwijzen`: sends the referral, then shows it.
pub async fn refer_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let practice_list = practices(&state, &ctx).await.or_page(&ctx)?;
    let v = offer_view::get(&state, &ctx.actor, &id)
        .await
        .or_page(&ctx)?;
    let reason_domains: Result<Vec<LifeDomain>, AppError> = f
        .all("reasonDomains")
        .into_iter()
        .map(|d| {
            LifeDomain::from_str_opt(d).ok_or_else(|| {
                AppError::field("reasonDomains", format!("unknown life domain '{d}'"))
            })
        })
        .collect();
    let contact_preference = match f.get("contactPreference") {
        None => None,
        Some(c) => match ContactPreference::from_str_opt(c) {
            Some(c) => Some(c),
            None => {
                let errors = Errors::one(
                    &ctx,
                    "contactPreference",
                    ctx.t("kies een van de mogelijkheden", "choose one of the options"),
                );
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    page(
                        &ctx,
                        ctx.t("Patiënt verwijzen", "Refer a patient"),
                        refer_form(&ctx, &v, &practice_list, &f, &errors),
                    ),
                )
                    .into_response());
            }
        },
    };
    let result = match reason_domains {
        Ok(reason_domains) => {
            referral::create(
                &state,
                &ctx.actor,
                NewReferral {
                    offer_id: v.offer.id.clone(),
                    practice_id: f.get("practiceId").map(str::to_string),
                    patient_ref: f.value("patientRef").to_string(),
                    consent: f.checked("consent"),
                    contact_preference,
                    reason_domains,
                    note: f.get("note").map(str::to_string),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    let title = ctx.t("Patiënt verwijzen", "Refer a patient");
    answer(
        &ctx,
        result,
        |r| format!("/verwijzingen/{}?verstuurd=1", encode(&r.id)),
        |errors| {
            page(
                &ctx,
                title,
                refer_form(&ctx, &v, &practice_list, &f, errors),
            )
        },
    )
}

/// Offer titles and organisation names for a list of referrals.
async fn context_of(
    state: &AppState,
    ctx: &Ctx,
    rows: &[referral_entity::Model],
) -> AppResult<(HashMap<String, OfferView>, HashMap<String, String>)> {
    let offer_ids: Vec<String> = rows.iter().map(|r| r.offer_id.clone()).collect();
    let offers = offer_view::many(&state.db, &ctx.actor, &offer_ids)
        .await?
        .into_iter()
        .map(|v| (v.offer.id.clone(), v))
        .collect();
    let practice_ids = rows
        .iter()
        .filter_map(|r| r.referrer_organisation_id.clone());
    let practices = offer_view::organisations(&state.db, practice_ids)
        .await?
        .into_iter()
        .map(|(id, o)| (id, o.name))
        .collect();
    Ok((offers, practices))
}

fn status_badge(ctx: &Ctx, s: ReferralStatus) -> Markup {
    let class = match s {
        ReferralStatus::Accepted | ReferralStatus::InProgress | ReferralStatus::Completed => {
            "badge ok"
        }
        ReferralStatus::Rejected | ReferralStatus::Cancelled | ReferralStatus::Failed => {
            "badge full"
        }
        _ => "badge neutral",
    };
    html! { span class=(class) { (s.label(ctx.lang)) } }
}

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
                        td { (r.referrer_organisation_id.as_ref().and_then(|p| practices.get(p)).map(String::as_str).unwrap_or("–")) }
                        td { (r.patient_ref.as_deref().unwrap_or(ctx.t("(verwijderd)", "(removed)"))) }
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

/// The query of a referral's page after an action.
#[derive(Deserialize, Default)]
pub struct Done {
    verstuurd: Option<String>,
    bijgewerkt: Option<String>,
}

async fn detail(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
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
    let other_node = referral::counterpart_node(state, &r);
    let pending = match &other_node {
        Some(_) => api::federation::delivery::is_pending(&state.db, &r.id)
            .await
            .or_page(ctx)?,
        None => false,
    };
    let title = ctx.t("Verwijzing", "Referral");
    Ok(page(
        ctx,
        title,
        html! {
            @if let Some(d) = done { (notice(d)) }
            (errors.summary(ctx))
            dl.facts {
                dt { (ctx.t("Status", "Status")) }
                dd #status { (status_badge(ctx, r.status)) @if let Some(reason) = &r.status_reason { " – " (reason) } }
                dt { (ctx.t("Aanbod", "Offer")) }
                dd { @match offer {
                    Some(v) => { a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } " · " (v.organisation.name) },
                    None => { (r.offer_id) },
                } }
                @if let Some(node) = &other_node {
                    dt { (ctx.t("Regio", "Region")) }
                    dd #delivery {
                        @if r.offer_node == *node {
                            (ctx.t("Doorgestuurd naar het knooppunt ", "Forwarded to the node ")) strong { (node) } (ctx.t(", dat de verwijzing afhandelt", ", which handles the referral"))
                        } @else {
                            (ctx.t("Ontvangen van het knooppunt ", "Received from the node ")) strong { (node) }
                        }
                        @if pending {
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
            @if !next.is_empty() { (update_form(ctx, &r, &next, errors)) }
            (history(ctx, &events))
        },
    ))
}

/// The form that moves a referral to one of the statuses `next`, with a note.
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

/// A referral's status changes, oldest first.
fn history(ctx: &Ctx, events: &[entities::referral_event::Model]) -> Markup {
    html! {
        h2 { (ctx.t("Verloop", "History")) }
        ol {
            @for e in events {
                li { (when(ctx, e.at)) ": " (e.to_status.label(ctx.lang)) @if let Some(n) = &e.note { " – " (n) } }
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
