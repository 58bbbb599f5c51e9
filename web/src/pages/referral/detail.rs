//! One referral's page at `/verwijzingen/{id}` and its status moves: the receiving
//! organisation confirms receipt, accepts (taking a place, or the waiting list when the offer
//! is full), rejects with a reason and closes with an outcome; the referrer cancels after a
//! confirmation step (a JavaScript `confirm` when scripts run).

use super::{context_of, referral_id, status_badge, when};
use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData};
use crate::labels::Label;
use crate::layout::{encode, notice, page};
use api::domain::GlobalId;
use api::error::AppError;
use api::services::offer_view::OfferView;
use api::services::referral::{self, Move, MoveDetails, Outcome, lifecycle::Side};
use api::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use entities::{
    LifeDomain, ReferralOutcome, ReferralStatus, StopReason, referral as referral_entity,
};
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
    let side = referral::lifecycle::side_of(&ctx.actor, &r, &receiving);
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
            (outcome_facts(ctx, &r))
            @if let (false, Some(side)) = (next.is_empty(), side) { (update_forms(ctx, &r, &next, side, errors)) }
            h2 { (ctx.t("Verloop", "History")) }
            ol {
                @for e in &events {
                    li { (when(ctx, e.at)) ": " (e.to_status.label(ctx.lang)) @if let Some(n) = &e.note { " – " (n) }
                        @if let Some(o) = e.outcome { " – " (ctx.t("uitkomst: ", "outcome: ")) (outcome_label(ctx, o)) } }
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
            dd { (super::source_label(ctx, r, practices)) }
            dt { (ctx.t("Patiënt", "Patient")) }
            dd { (super::patient_label(r, ctx.t("(verwijderd na de bewaartermijn)", "(removed after the retention period)"))) }
            dt { (ctx.t("Contact", "Contact")) }
            dd { (r.contact_preference.map(|c| c.label(ctx.lang)).unwrap_or("–")) }
            dt { (ctx.t("Werken aan", "Working on")) }
            dd { (r.reason_domains.0.iter().filter_map(|d| LifeDomain::from_str_opt(d)).map(|d| d.label(ctx.lang)).collect::<Vec<_>>().join(", ")) }
            (practical_needs(ctx, r))
            @if let Some(n) = &r.note { dt { (ctx.t("Toelichting", "Note")) } dd { (n) } }
            @if r.offer_was_full { dt { (ctx.t("Let op", "Note")) } dd { (ctx.t("Het aanbod was vol bij het verwijzen.", "The offer was full when referred.")) } }
        }
    }
}

/// The referral's practical needs as a term of the facts list (nothing when none were given).
fn practical_needs(ctx: &Ctx, r: &referral_entity::Model) -> Markup {
    let needs = api::domain::PracticalNeeds::from_json(r.practical_needs.as_ref());
    let lines = super::needs::lines(ctx.lang, &needs);
    html! {
        @if !lines.is_empty() {
            dt { (ctx.t("Praktisch", "Practical needs")) }
            dd #practical-needs { ul.plain { @for l in &lines { li { (l) } } } }
        }
    }
}

/// What the organisation recorded: the outcome, its request to contact the patient and the
/// expected start on the waiting list (both sides see it).
fn outcome_facts(ctx: &Ctx, r: &referral_entity::Model) -> Markup {
    html! {
        @if r.outcome.is_some() || r.contact_patient || r.expected_start.is_some() {
            dl.facts #outcome {
                @if let Some(o) = r.outcome {
                    dt { (ctx.t("Uitkomst", "Outcome")) }
                    dd { (outcome_label(ctx, o))
                        @if let Some(d) = r.first_meeting_on { " " (ctx.t("op", "on")) " " (crate::labels::date(ctx.lang, d)) }
                        @if let Some(reason) = r.stop_reason { ": " (stop_reason_label(ctx, reason)) } }
                }
                @if r.contact_patient {
                    dt { (ctx.t("Terug naar de huisarts", "Back to the GP")) }
                    dd #contact-patient { strong { (ctx.t("Graag contact opnemen met de patiënt.", "Please contact the patient.")) }
                        @if let Some(n) = &r.contact_note { " " (n) } }
                }
                @if let (Some(d), ReferralStatus::OnHold) = (r.expected_start, r.status) {
                    dt { (ctx.t("Verwachte start", "Expected start")) }
                    dd { (crate::labels::date(ctx.lang, d)) }
                }
            }
        }
    }
}

/// The forms for the moves `next` the user (on `side`) may make now.
fn update_forms(
    ctx: &Ctx,
    r: &referral_entity::Model,
    next: &[ReferralStatus],
    side: Side,
    errors: &Errors,
) -> Markup {
    use ReferralStatus::*;
    let action = format!("/verwijzingen/{}/status", encode(&r.id));
    let simple: Vec<ReferralStatus> = next
        .iter()
        .copied()
        .filter(|s| matches!(s, Received | InProgress))
        .collect();
    let receiver = side != Side::Referrer;
    let closes = next.contains(&Completed) || (receiver && next.contains(&Cancelled));
    html! {
        h2 { (ctx.t("Bijwerken", "Update")) }
        @if !simple.is_empty() {
            form method="post" action=(action) {
                input type="hidden" name="version" value=(r.version);
                div.actions { @for s in &simple {
                    button type="submit" name="to" value=(s.as_str()) { (action_label(ctx, *s)) }
                } }
            }
        }
        @if next.contains(&Accepted) || next.contains(&OnHold) { (accept_form(ctx, r, next, &action, errors)) }
        @if next.contains(&Rejected) {
            form method="post" action=(action) {
                input type="hidden" name="version" value=(r.version);
                (Field::new("note", ctx.t("Reden (nodig bij afwijzen)", "Reason (needed to reject)")).textarea(errors, 2))
                div.actions { button.warning type="submit" name="to" value="rejected" { (action_label(ctx, Rejected)) } }
            }
        }
        @if receiver && closes { (close_form(ctx, r, next, &action, errors)) }
        @if !receiver && next.contains(&Cancelled) { (cancel_form(ctx, r, &action, errors)) }
    }
}

/// Accepting (taking a place, by default) and the waiting list with an expected start.
fn accept_form(
    ctx: &Ctx,
    r: &referral_entity::Model,
    next: &[ReferralStatus],
    action: &str,
    errors: &Errors,
) -> Markup {
    let waiting = next.contains(&ReferralStatus::OnHold);
    html! {
        form method="post" action=(action) {
            input type="hidden" name="version" value=(r.version);
            @if next.contains(&ReferralStatus::Accepted) {
                div.field.choice {
                    input type="checkbox" id="takePlace" name="takePlace" value="1" checked;
                    label for="takePlace" { (ctx.t("Neem een plek in op het aanbod (is het vol, dan komt de verwijzing op de wachtlijst)", "Take a place on the offer (when it is full, the referral goes on the waiting list)")) }
                }
            }
            @if waiting {
                (Field::new("expectedStart", ctx.t("Verwachte start (wachtlijst)", "Expected start (waiting list)")).kind("date").input(errors))
            }
            div.actions {
                @if next.contains(&ReferralStatus::Accepted) {
                    button type="submit" name="to" value="accepted" { (action_label(ctx, ReferralStatus::Accepted)) }
                }
                @if waiting {
                    button.secondary type="submit" name="to" value="on_hold" { (action_label(ctx, ReferralStatus::OnHold)) }
                }
            }
        }
    }
}

/// Closing with an outcome: joined, first meeting or completed (to `completed`), or stopped
/// with a reason (to `cancelled`); optionally asking the referrer to contact the patient.
fn close_form(
    ctx: &Ctx,
    r: &referral_entity::Model,
    next: &[ReferralStatus],
    action: &str,
    errors: &Errors,
) -> Markup {
    let mut outcomes = Vec::new();
    if next.contains(&ReferralStatus::Completed) {
        for o in [
            ReferralOutcome::Joined,
            ReferralOutcome::FirstMeeting,
            ReferralOutcome::Completed,
        ] {
            outcomes.push((o.as_str().to_string(), outcome_label(ctx, o).to_string()));
        }
    }
    if next.contains(&ReferralStatus::Cancelled) {
        let o = ReferralOutcome::Stopped;
        outcomes.push((o.as_str().to_string(), outcome_label(ctx, o).to_string()));
    }
    let mut reasons = vec![(
        String::new(),
        ctx.t("(kies bij gestopt)", "(choose when stopped)")
            .to_string(),
    )];
    reasons.extend(StopReason::ALL.iter().map(|s| {
        (
            s.as_str().to_string(),
            stop_reason_label(ctx, *s).to_string(),
        )
    }));
    html! {
        h3 { (ctx.t("Afsluiten met een uitkomst", "Close with an outcome")) }
        form method="post" action=(action) {
            input type="hidden" name="version" value=(r.version);
            input type="hidden" name="to" value="close";
            (crate::form::choices("outcome", ctx.t("Wat is er van de verwijzing geworden?", "What became of the referral?"), &outcomes, &[], errors, true))
            (Field::new("firstMeetingOn", ctx.t("Datum eerste bijeenkomst", "Date of the first meeting")).kind("date").hint(ctx.t("Bij 'eerste bijeenkomst bijgewoond'", "With 'attended the first meeting'")).input(errors))
            (Field::new("stopReason", ctx.t("Reden van stoppen", "Reason for stopping")).hint(ctx.t("Bij 'gestopt'", "With 'stopped'")).select(errors, &reasons))
            div.field.choice {
                input type="checkbox" id="contactPatient" name="contactPatient" value="1";
                label for="contactPatient" { (ctx.t("Terug naar de huisarts: vraag de praktijk contact op te nemen met de patiënt", "Back to the GP: ask the practice to contact the patient")) }
            }
            (Field::new("contactNote", ctx.t("Korte toelichting voor de praktijk (geen medische informatie)", "Short note for the practice (no medical information)")).textarea(errors, 2))
            div.actions { button type="submit" { (ctx.t("Afsluiten", "Close")) } }
        }
    }
}

/// The referrer's cancellation: a reason of its own (optional) and a confirmation, by
/// `confirm()` when scripts run (the script then sets `bevestigd`), else a confirmation page.
fn cancel_form(ctx: &Ctx, r: &referral_entity::Model, action: &str, errors: &Errors) -> Markup {
    html! {
        form method="post" action=(action) data-confirm=(ctx.t("Weet u zeker dat u deze verwijzing wilt annuleren?", "Are you sure you want to cancel this referral?")) data-confirm-field="bevestigd" {
            input type="hidden" name="version" value=(r.version);
            input type="hidden" name="bevestigd" value="0";
            (Field::new("note", ctx.t("Reden van annuleren (niet verplicht)", "Reason for cancelling (optional)")).textarea(errors, 2))
            div.actions { button.secondary type="submit" name="to" value="cancelled" { (action_label(ctx, ReferralStatus::Cancelled)) } }
        }
    }
}

/// The confirmation step of a cancellation without scripts: the same request, confirmed.
fn confirm_cancel(ctx: &Ctx, id: &str, version: i32, note: &str) -> Markup {
    page(
        ctx,
        ctx.t("Verwijzing annuleren?", "Cancel the referral?"),
        html! {
            p { (ctx.t("Weet u zeker dat u deze verwijzing wilt annuleren? De organisatie ziet dat u hebt geannuleerd.", "Are you sure you want to cancel this referral? The organisation will see that you cancelled.")) }
            form method="post" action=(format!("/verwijzingen/{}/status", encode(id))) {
                input type="hidden" name="version" value=(version);
                input type="hidden" name="note" value=(note);
                input type="hidden" name="bevestigd" value="1";
                div.actions {
                    button type="submit" name="to" value="cancelled" { (ctx.t("Ja, annuleren", "Yes, cancel")) }
                    a.button.secondary href=(format!("/verwijzingen/{}", encode(id))) { (ctx.t("Nee, terug", "No, go back")) }
                }
            }
        },
    )
}

fn action_label(ctx: &Ctx, s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Received => ctx.lang.t("Ontvangst bevestigen", "Confirm receipt"),
        ReferralStatus::Accepted => ctx.lang.t("Accepteren", "Accept"),
        ReferralStatus::Rejected => ctx.lang.t("Afwijzen", "Reject"),
        ReferralStatus::OnHold => ctx
            .lang
            .t("Op de wachtlijst zetten", "Put on the waiting list"),
        ReferralStatus::InProgress => ctx.lang.t("Gestart", "Started"),
        ReferralStatus::Completed => ctx.lang.t("Afronden", "Complete"),
        ReferralStatus::Cancelled => ctx.lang.t("Annuleren", "Cancel"),
        other => other.label(ctx.lang),
    }
}

fn outcome_label(ctx: &Ctx, o: ReferralOutcome) -> &'static str {
    match o {
        ReferralOutcome::Joined => ctx.lang.t("Doet mee", "Joined"),
        ReferralOutcome::FirstMeeting => ctx.lang.t(
            "Eerste bijeenkomst bijgewoond",
            "Attended the first meeting",
        ),
        ReferralOutcome::Completed => ctx.lang.t("Helemaal afgerond", "Completed"),
        ReferralOutcome::Stopped => ctx.lang.t("Gestopt", "Stopped"),
    }
}

/// A stop reason as the pages read it (also on the figures page).
pub(super) fn stop_reason_label(ctx: &Ctx, s: StopReason) -> &'static str {
    match s {
        StopReason::NotSuitable => ctx.lang.t("Paste niet", "Not suitable"),
        StopReason::NoLongerWanted => ctx.lang.t("Wilde niet meer", "No longer wanted"),
        StopReason::Moved => ctx.lang.t("Verhuisd", "Moved"),
        StopReason::FoundOtherHelp => ctx.lang.t("Andere hulp gevonden", "Found other help"),
        StopReason::Unreachable => ctx.lang.t("Niet bereikbaar", "Could not be reached"),
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

/// `POST /verwijzingen/{id}/status`: the move of the form sent ([`move_of`]); a referrer's
/// cancellation goes through a confirmation step unless the page's script confirmed it.
pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let id = referral_id(&ctx, &id)?;
    let Some(version) = f.get("version").and_then(|v| v.parse::<i32>().ok()) else {
        return Err(PageError::new(
            &ctx,
            AppError::bad_input("version and status are required"),
        ));
    };
    let result = match move_of(&f) {
        Ok(mv) if needs_confirmation(&mv, &f) => {
            return Ok(
                confirm_cancel(&ctx, &id.to_string(), version, f.value("note")).into_response(),
            );
        }
        Ok(mv) => referral::transition(&state, &ctx.actor, &id, version, mv).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(
            Redirect::to(&format!("/verwijzingen/{}?bijgewerkt=1", encode(&r.id))).into_response(),
        ),
        Err(AppError::BadInput { field: None, .. }) if f.get("to").is_none() => Err(
            PageError::new(&ctx, AppError::bad_input("version and status are required")),
        ),
        Err(e) => {
            let errors = errors_of(&ctx, e).or_page(&ctx)?;
            let body = detail(&state, &ctx, &id, None, &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// Whether `mv` is a cancellation without an outcome (the referrer's) not yet confirmed.
fn needs_confirmation(mv: &Move, f: &FormData) -> bool {
    mv.to == ReferralStatus::Cancelled
        && mv.details.outcome.is_none()
        && f.get("bevestigd") != Some("1")
}

/// The move a form asks: `to` names the status, or `close` for the closing form, whose
/// outcome decides it (stopped: cancelled, else completed). Fields the chosen outcome does
/// not use (a stop reason with "joined") are left out rather than refused.
fn move_of(f: &FormData) -> Result<Move, AppError> {
    let to = match f.get("to") {
        Some("close") => None,
        Some(s) => Some(
            ReferralStatus::from_str_opt(s)
                .ok_or_else(|| AppError::bad_input("version and status are required"))?,
        ),
        None => return Err(AppError::bad_input("version and status are required")),
    };
    let note = f
        .get("note")
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string);
    let mut mv = Move::to(to.unwrap_or(ReferralStatus::Completed), note);
    if to.is_none() {
        let kind = f
            .get("outcome")
            .and_then(ReferralOutcome::from_str_opt)
            .ok_or_else(|| AppError::field("outcome", "is required to close a referral"))?;
        if kind == ReferralOutcome::Stopped {
            mv.to = ReferralStatus::Cancelled;
        }
        mv.details = MoveDetails {
            outcome: Some(Outcome {
                kind,
                stop_reason: (kind == ReferralOutcome::Stopped)
                    .then(|| f.get("stopReason").and_then(StopReason::from_str_opt))
                    .flatten(),
                first_meeting_on: match kind {
                    ReferralOutcome::FirstMeeting => date_of(f, "firstMeetingOn")?,
                    _ => None,
                },
            }),
            contact_patient: f.checked("contactPatient"),
            contact_note: f
                .get("contactNote")
                .filter(|n| !n.trim().is_empty())
                .map(str::to_string),
            expected_start: None,
        };
    }
    if matches!(mv.to, ReferralStatus::Accepted | ReferralStatus::OnHold) {
        mv.details.expected_start = date_of(f, "expectedStart")?;
        mv.take_place = mv.to == ReferralStatus::Accepted && f.checked("takePlace");
    }
    Ok(mv)
}

/// The date in field `name` (`YYYY-MM-DD`, as date inputs send it); empty is none.
fn date_of(f: &FormData, name: &str) -> Result<Option<NaiveDate>, AppError> {
    match f.get(name).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::field(name, "is not a date (YYYY-MM-DD)")),
    }
}

/// The errors of a failed move for the page, the messages of this page's rules in Dutch on a
/// Dutch page (the others as the shared table has them).
fn errors_of(ctx: &Ctx, e: AppError) -> Result<Errors, AppError> {
    let dutch = |m: &str| {
        MESSAGES
            .iter()
            .find(|(en, _)| m == *en || m.ends_with(&format!(" {en}")))
            .map(|(_, nl)| *nl)
            .or_else(|| {
                m.contains("does not fit a move to")
                    .then_some("deze uitkomst past niet bij deze stap")
            })
    };
    if ctx.lang == crate::i18n::Lang::Nl {
        match &e {
            AppError::BadInput { field, message } if dutch(message).is_some() => {
                let text = dutch(message).unwrap_or_default();
                return Ok(Errors::one(ctx, field.as_deref().unwrap_or_default(), text));
            }
            AppError::Conflict(message) if dutch(message).is_some() => {
                return Ok(Errors::one(ctx, "", dutch(message).unwrap_or_default()));
            }
            _ => {}
        }
    }
    Errors::from_app(ctx, e)
}

/// The messages of the outcome and waiting-list rules, in Dutch.
const MESSAGES: &[(&str, &str)] = &[
    (
        "is required to close a referral",
        "kies wat er van de verwijzing is geworden",
    ),
    (
        "is recorded only by the receiving organisation when it closes the referral",
        "alleen de organisatie legt een uitkomst vast bij het afsluiten",
    ),
    (
        "can be asked only with an outcome",
        "kan alleen samen met een uitkomst",
    ),
    (
        "goes with a request to contact the patient",
        "hoort bij het verzoek om contact op te nemen met de patiënt",
    ),
    (
        "goes with the waiting list (on hold)",
        "hoort bij de wachtlijst",
    ),
    ("must not be in the past", "mag niet in het verleden liggen"),
    ("is required when stopped", "kies een reden van stoppen"),
    (
        "is required with a first meeting",
        "vul de datum van de eerste bijeenkomst in",
    ),
    (
        "must lie between the referral and today",
        "moet tussen de verwijzing en vandaag liggen",
    ),
    (
        "the offer is full: the referral stays on the waiting list",
        "het aanbod is vol: de verwijzing blijft op de wachtlijst",
    ),
    ("is not a date (YYYY-MM-DD)", "is geen geldige datum"),
];
