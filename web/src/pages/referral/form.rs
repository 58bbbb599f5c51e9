//! The practitioner's referral form at `/aanbod/{id}/verwijzen`, and the note check its
//! script calls while the note is typed (`POST /verwijzingen/notitie-check`).
//!
//! Nothing is ticked in advance: the offer's own life domains come first, the others behind
//! "meer leefgebieden". Practical needs are chosen from options ([`super::needs`]); the short
//! note is checked by the same rule on the server whether or not the script ran.

use super::contact_fields;
use super::needs;
use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field, FormData, answer, choices, id_of};
use crate::labels::{self, Label};
use crate::layout::{encode, page};
use crate::pages::offer_suitability;
use api::domain::GlobalId;
use api::domain::Suitability;
use api::error::{AppError, AppResult};
use api::services::offer::suitability;
use api::services::offer_view::{self, OfferView};
use api::services::referral::{self, NOTE_MAX, NewReferral, note_check};
use api::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
    suitability: &Suitability,
) -> Markup {
    html! {
        p { (ctx.t("Naar", "To")) " " a href=(format!("/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) } " · " (v.organisation.name) }
        @if !labels::has_room(&v.offer) {
            p.provenance { (labels::places(ctx.lang, &v.offer)) ". " (ctx.t("U kunt toch verwijzen; de organisatie neemt contact op over de mogelijkheden.", "You can still refer; the organisation will get in touch about the options.")) }
        }
        form.referral-form method="post" action=(format!("/aanbod/{}/verwijzen", encode(&v.offer.id))) data-note-check="/verwijzingen/notitie-check" {
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
            (offer_suitability::referral_fieldset(ctx, &v.offer, suitability, f, errors))
            (life_domains(ctx, v, f, errors))
            (needs::fieldset(ctx, f, errors))
            (note_field(ctx, f, errors))
            p { button type="submit" { (ctx.t("Verwijzing versturen", "Send referral")) } }
        }
    }
}

/// The life domains as checkboxes, none ticked in advance: the offer's own first, the others
/// behind "meer leefgebieden" (open when one of them is ticked).
fn life_domains(ctx: &Ctx, v: &OfferView, f: &FormData, errors: &Errors) -> Markup {
    let chosen = f.all("reasonDomains");
    let (own, others): (Vec<LifeDomain>, Vec<LifeDomain>) = if v.life_domains.is_empty() {
        (LifeDomain::iter().collect(), Vec::new())
    } else {
        LifeDomain::iter().partition(|d| v.life_domains.contains(d))
    };
    let name = "reasonDomains";
    let id = id_of(name);
    let error = errors.get(name);
    let error_id = format!("{id}-error");
    let other_open = others.iter().any(|d| chosen.contains(&d.as_str()));
    let choice = |i: usize, d: &LifeDomain| {
        let oid = format!("{id}-{i}");
        html! {
            div.choice {
                input type="checkbox" id=(oid) name=(name) value=(d.as_str()) checked[chosen.contains(&d.as_str())];
                label for=(oid) { (d.label(ctx.lang)) }
            }
        }
    };
    html! {
        fieldset.field.choices.has-error[error.is_some()] id=(id) aria-describedby=[error.map(|_| error_id.as_str())] {
            legend { (ctx.t("Waar wil de patiënt aan werken?", "What does the patient want to work on?")) }
            @if let Some(e) = error { (crate::form::error_line(ctx.lang, &error_id, e)) }
            @for (i, d) in own.iter().enumerate() { (choice(i, d)) }
            @if !others.is_empty() {
                details.more-domains open[other_open] {
                    summary { (ctx.t("meer leefgebieden", "more life domains")) }
                    @for (i, d) in others.iter().enumerate() { (choice(own.len() + i, d)) }
                }
            }
        }
    }
}

/// The short note with its rule as hint and a place for the warning the script shows while
/// typing (a polite live region; empty without the script).
fn note_field(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        (Field::new("note", ctx.t("Korte toelichting (optioneel)", "Short note (optional)"))
            .value(f.value("note"))
            .hint(ctx.t(
                "Alleen praktische zaken die hierboven niet staan. Geen medicijnen, doseringen of diagnoses (ook niet in het Engels): die worden geweigerd. Hoogstens 280 tekens.",
                "Only practical matters not covered above. No medicines, doses or diagnoses (in any language): those are refused. At most 280 characters."))
            .textarea(errors, 3))
        p.note-warning id="f-note-warning" aria-live="polite" {}
    }
}

/// The answer of the note check: `ok`, and when not, the kind found and the refusal in the
/// page language.
#[derive(serde::Serialize)]
struct NoteCheck {
    ok: bool,
    kind: Option<&'static str>,
    problem: Option<String>,
}

/// `POST /verwijzingen/notitie-check` (form field `note`): whether the referral form would
/// refuse this note, as JSON, for the form's script while the note is typed. Signed-in users
/// only (same-origin like every post), under the node's per-user mutation rate limit; the
/// form itself is checked again on submit.
pub async fn check_note(State(state): State<AppState>, ctx: Ctx, f: FormData) -> Response {
    let Ok(user) = ctx.actor.user() else {
        return AppError::Unauthenticated.into_response();
    };
    if let Err(e) = state.auth.mutations.hit(&format!("note-check:{}", user.id)) {
        return e.into_response();
    }
    let note = f.value("note");
    let too_long = note.chars().count() > NOTE_MAX;
    let finding = note_check::check(note);
    let problem = match finding {
        Some(k) => Some(format!(
            "{} {}",
            ctx.t("De toelichting", "The note"),
            ctx.t(k.message_nl(), k.message())
        )),
        None if too_long => Some(
            ctx.t(
                "De toelichting is langer dan 280 tekens.",
                "The note is longer than 280 characters.",
            )
            .to_string(),
        ),
        None => None,
    };
    Json(NoteCheck {
        ok: problem.is_none(),
        kind: finding.map(note_check::Finding::as_str),
        problem,
    })
    .into_response()
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
    let suitability = suitability::load(&state.db, &v.offer.id)
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
            &suitability,
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
    let suitability = suitability::load(&state.db, &v.offer.id)
        .await
        .or_page(&ctx)?;
    let contact = match contact_fields::parse(&ctx, &f, can_store) {
        Ok(c) => c,
        Err(errors) => {
            let title = ctx.t("Patiënt verwijzen", "Refer a patient");
            let form = refer_form(
                &ctx,
                can_store,
                &v,
                &practice_list,
                &f,
                &errors,
                &suitability,
            );
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
                refer_form(
                    &ctx,
                    can_store,
                    &v,
                    &practice_list,
                    &f,
                    errors,
                    &suitability,
                ),
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
        practical_needs: needs::from_form(f)?,
        note: f.get("note").map(str::to_string),
        contact: contact.handover,
        suitability: offer_suitability::answers(f)?,
    })
}
