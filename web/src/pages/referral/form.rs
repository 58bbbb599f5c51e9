//! The practitioner's referral form at `/aanbod/{id}/verwijzen`.

use super::contact_fields;
use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field, FormData, answer, choices};
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use api::domain::GlobalId;
use api::error::{AppError, AppResult};
use api::services::offer_view::{self, OfferView};
use api::services::referral::{self, NewReferral};
use api::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use entities::LifeDomain;
use maud::{Markup, html};
use sea_orm::Iterable;

fn refer_form(
    ctx: &Ctx,
    can_store: bool,
    v: &OfferView,
    practices: &[(String, String)],
    f: &FormData,
    errors: &Errors,
) -> Markup {
    let domains: Vec<(String, String)> = LifeDomain::iter()
        .map(|d| (d.as_str().to_string(), d.label(ctx.lang).to_string()))
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
            (contact_fields::fieldset(ctx, f, errors, can_store))
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

/// Whether this node can keep contact details for a warm handover (a key is configured).
fn can_store(state: &AppState) -> bool {
    referral::contact::available(&state.contact_keys)
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
        refer_form(
            &ctx,
            can_store(&state),
            &v,
            &practices,
            &FormData::default(),
            &Errors::none(),
        ),
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
    let can_store = can_store(&state);
    let contact = match contact_fields::parse(&ctx, &f, can_store) {
        Ok(c) => c,
        Err(errors) => {
            let title = ctx.t("Patiënt verwijzen", "Refer a patient");
            let form = refer_form(&ctx, can_store, &v, &practice_list, &f, &errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, title, form)).into_response());
        }
    };
    let result = match new_referral(&v, &f, reason_domains, contact) {
        Ok(new) => referral::create(&state, &ctx.actor, new, &*state.peers).await,
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
                refer_form(&ctx, can_store, &v, &practice_list, &f, errors),
            )
        },
    )
}

/// The referral the form asks for, its ids parsed.
fn new_referral(
    v: &OfferView,
    f: &FormData,
    reason_domains: AppResult<Vec<LifeDomain>>,
    contact: contact_fields::Contact,
) -> AppResult<NewReferral> {
    let practice_id = match f.get("practiceId") {
        Some(p) => Some(GlobalId::parse(p).map_err(|e| e.in_field("practiceId"))?),
        None => None,
    };
    Ok(NewReferral {
        offer_id: GlobalId::parse(&v.offer.id)?,
        practice_id,
        patient_ref: f.value("patientRef").to_string(),
        consent: f.checked("consent"),
        contact_preference: Some(contact.route),
        reason_domains: reason_domains?,
        note: f.get("note").map(str::to_string),
        contact: contact.handover,
    })
}
