//! Suitability and freshness of an offer on the web (issue 19): the "Geschikt voor" section
//! and "laatst bevestigd" line of the offer page with its one-click confirmation
//! (`POST /beheer/aanbod/{id}/bevestigen`, same-origin checked at the router root), and the
//! suitability fields of the referral form with the confirm step on a conflict.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, FormData};
use crate::layout::encode;
use api::domain::GlobalId;
use api::domain::suitability::{ContraIndication, Suitability, SuitabilityAnswers};
use api::error::AppResult;
use api::services::offer::freshness::{self, Freshness};
use api::services::offer::suitability;
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use entities::offer;
use maud::{Markup, html};

/// What the offer page and the referral form show beside the offer itself.
pub struct Extra {
    pub suitability: Suitability,
    pub freshness: Freshness,
    /// Not confirmed for `[offers] stale_after_days`.
    pub stale: bool,
}

/// Loads the suitability and freshness of `o`.
pub async fn load(state: &AppState, o: &offer::Model) -> AppResult<Extra> {
    let freshness = freshness::of(&state.db, o).await?;
    let cutoff = freshness::stale_cutoff(Utc::now(), state.config.offers.stale_after_days);
    Ok(Extra {
        suitability: suitability::load(&state.db, &o.id).await?,
        stale: freshness.is_stale(cutoff),
        freshness,
    })
}

fn label(ctx: &Ctx, c: ContraIndication) -> &'static str {
    ctx.t(c.label_nl(), c.label_en())
}

/// "laatst bevestigd 8 maanden geleden" (Dutch relative months).
pub fn months_ago(ctx: &Ctx, f: &Freshness) -> String {
    match f.months_ago(Utc::now()) {
        0 => ctx
            .t("laatst bevestigd deze maand", "last confirmed this month")
            .into(),
        1 => ctx
            .t(
                "laatst bevestigd 1 maand geleden",
                "last confirmed 1 month ago",
            )
            .into(),
        n => format!(
            "{} {n} {}",
            ctx.t("laatst bevestigd", "last confirmed"),
            ctx.t("maanden geleden", "months ago")
        ),
    }
}

fn age_range(ctx: &Ctx, o: &offer::Model) -> Option<String> {
    match (o.min_age, o.max_age) {
        (Some(a), Some(b)) => Some(format!("{a}-{b} {}", ctx.t("jaar", "years"))),
        (Some(a), None) => Some(format!(
            "{} {a} {}",
            ctx.t("vanaf", "from"),
            ctx.t("jaar", "years")
        )),
        (None, Some(b)) => Some(format!(
            "{} {b} {}",
            ctx.t("tot en met", "up to"),
            ctx.t("jaar", "years")
        )),
        (None, None) => None,
    }
}

/// The suitability list: age, languages, who it is not for, commitments, note.
fn suitability_list(ctx: &Ctx, o: &offer::Model, s: &Suitability) -> Markup {
    html! {
        dl.suitability {
            @if let Some(ages) = age_range(ctx, o) {
                dt { (ctx.t("Leeftijd", "Age")) } dd { (ages) }
            }
            @if !o.languages.0.is_empty() {
                dt { (ctx.t("Taal", "Language")) } dd { (o.languages.0.join(", ")) }
            }
            @if !s.contra_indications.is_empty() {
                dt { (ctx.t("Niet geschikt bij", "Not suitable with")) }
                dd { ul { @for c in &s.contra_indications { li { (label(ctx, *c)) } } } }
            }
            @if !s.commitments.is_empty() {
                dt { (ctx.t("Deelnemers spreken af", "Participants agree to")) }
                dd { ul { @for c in &s.commitments { li { (c) } } } }
            }
            @if let Some(note) = &s.note {
                dt { (ctx.t("Let op", "Note")) } dd { (note) }
            }
        }
    }
}

/// The offer page's section: freshness (with "Bevestig dat dit klopt" for its editors) and
/// who the offer is for.
pub fn section(ctx: &Ctx, o: &offer::Model, x: &Extra, can_edit: bool) -> Markup {
    let s = &x.suitability;
    let shown = !s.is_empty() || o.min_age.is_some() || o.max_age.is_some();
    html! {
        p.freshness.stale[x.stale] {
            (months_ago(ctx, &x.freshness))
            @if let Some(by) = &x.freshness.confirmed_by { " (" (by) ")" }
        }
        @if can_edit {
            form.inline method="post" action=(format!("/beheer/aanbod/{}/bevestigen", encode(&o.id))) {
                button.secondary type="submit" { (ctx.t("Bevestig dat dit aanbod klopt", "Confirm this offer is current")) }
            }
        }
        @if shown {
            section.suitability-section aria-labelledby="geschikt" {
                h2 #geschikt { (ctx.t("Voor wie is dit geschikt?", "Who is this suitable for?")) }
                (suitability_list(ctx, o, s))
            }
        }
    }
}

/// The referrer's answers in the referral form: ticked contra-indications (`geschiktheid`),
/// the age (`leeftijd`) and the confirmation (`geschiktheidBevestigd`).
pub fn answers(f: &FormData) -> AppResult<SuitabilityAnswers> {
    let ticked = f
        .all("geschiktheid")
        .into_iter()
        .map(ContraIndication::parse)
        .collect::<AppResult<Vec<_>>>()
        .map_err(|e| e.in_field("geschiktheid"))?;
    let age = match f.value("leeftijd").trim() {
        "" => None,
        s => Some(s.parse::<i32>().map_err(|_| {
            api::error::AppError::field("leeftijd", format!("'{s}' is not an age"))
        })?),
    };
    SuitabilityAnswers::parse(ticked, age, f.checked("geschiktheidBevestigd")).map_err(|e| {
        if e.field_name() == Some("age") {
            api::error::AppError::field("leeftijd", e.text())
        } else {
            e
        }
    })
}

/// The referral form's fieldset: who the offer is for, the offer's own contra-indications to
/// tick, the age, and on a conflict the conflicts with a confirm checkbox.
pub fn referral_fieldset(
    ctx: &Ctx,
    o: &offer::Model,
    s: &Suitability,
    f: &FormData,
    errors: &Errors,
) -> Markup {
    let conflicts = answers(f)
        .map(|a| {
            if a.confirmed {
                Vec::new()
            } else {
                s.conflicts(o.min_age, o.max_age, &a)
            }
        })
        .unwrap_or_default();
    let age_error = errors.get("leeftijd");
    html! {
        fieldset.field.suitability-fields {
            legend { (ctx.t("Geschiktheid (wordt niet opgeslagen)", "Suitability (not stored)")) }
            (suitability_list(ctx, o, s))
            @for c in &s.contra_indications {
                @let id = format!("f-geschikt-{}", c.code());
                div.choice {
                    input id=(id) type="checkbox" name="geschiktheid" value=(c.code()) checked[f.all("geschiktheid").contains(&c.code())];
                    label for=(id) { (label(ctx, *c)) " " (ctx.t("is van toepassing", "applies")) }
                }
            }
            div.field.has-error[age_error.is_some()] {
                label for="f-leeftijd" { (ctx.t("Leeftijd van de patiënt (optioneel)", "Patient's age (optional)")) }
                input #f-leeftijd type="number" name="leeftijd" min="0" max="120" value=(f.value("leeftijd")) aria-describedby=[age_error.map(|_| "f-leeftijd-error")];
                @if let Some(e) = age_error { p.error #f-leeftijd-error { (e) } }
            }
            @if !conflicts.is_empty() {
                div.conflicts role="alert" {
                    p { (ctx.t("Dit aanbod past mogelijk niet bij deze patiënt:", "This offer may not suit this patient:")) }
                    ul {
                        @for c in &conflicts {
                            li { @match c {
                                api::domain::suitability::Conflict::ContraIndication(ci) => (label(ctx, *ci)),
                                api::domain::suitability::Conflict::Age => (ctx.t("Leeftijd buiten het bereik van het aanbod", "Age outside the offer's range")),
                            } }
                        }
                    }
                    div.choice {
                        input #f-bevestig type="checkbox" name="geschiktheidBevestigd" value="1";
                        label for="f-bevestig" { (ctx.t("Ik heb dit afgewogen en verwijs toch", "I have considered this and refer anyway")) }
                    }
                }
            }
        }
    }
}

/// `POST /beheer/aanbod/{id}/bevestigen`: confirms the offer current, back to its page.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let gid = GlobalId::parse(&id).or_page(&ctx)?;
    freshness::confirm(&state, &ctx.actor, &gid)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&format!("/aanbod/{}", encode(&id))).into_response())
}

/// The "Te bevestigen" section of `/beheer`: offers the caller edits (all for node admins)
/// not confirmed for `[offers] stale_after_days`, each with its confirm button.
pub async fn to_confirm(state: &AppState, ctx: &Ctx) -> AppResult<Markup> {
    let cutoff = freshness::stale_cutoff(Utc::now(), state.config.offers.stale_after_days);
    let stale = freshness::stale_for(state, &ctx.actor, cutoff).await?;
    Ok(html! {
        @if !stale.is_empty() {
            section.to-confirm aria-labelledby="te-bevestigen" {
                h2 #te-bevestigen { (ctx.t("Te bevestigen", "To confirm")) }
                p { (ctx.t("Klopt dit aanbod nog? Bevestig het, of pas het aan.", "Is this offer still current? Confirm it, or edit it.")) }
                ul {
                    @for (o, f) in &stale {
                        li {
                            a href=(format!("/aanbod/{}", encode(&o.id))) { (o.title) }
                            " · " (months_ago(ctx, f)) " "
                            form.inline method="post" action=(format!("/beheer/aanbod/{}/bevestigen", encode(&o.id))) {
                                button.secondary type="submit" aria-label=(format!("{} {}", ctx.t("Bevestig", "Confirm"), o.title)) { (ctx.t("Bevestig", "Confirm")) }
                            }
                        }
                    }
                }
            }
        }
    })
}
