//! Suitability and freshness of an offer on the web (issue 19): the "Geschikt voor" section
//! and "laatst bevestigd" line of the offer page with its one-click confirmation
//! (`POST /beheer/aanbod/{id}/bevestigen`, same-origin checked at the router root), the
//! suitability fields of the referral form with the confirm step on a conflict, and the "Voor
//! wie" part of the offer form (age range and languages are the offer's own fields; the
//! contra-indications, note and commitments go to `services::offer::suitability::set`).

use crate::ctx::Ctx;
use crate::error::{OrPage, PageResult};
use crate::form::{Errors, Field, FormData, choices};
use crate::layout::encode;
use api::auth::Actor;
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

/// The offer form's name of the contra-indication checkboxes.
const CONTRA: &str = "suitability.contraIndications";
/// The offer form's name of the suitability note.
const NOTE: &str = "suitability.note";
/// The offer form's name of the commitments (one per line).
const COMMITMENTS: &str = "suitability.commitments";

/// The offer form's values of a stored suitability.
pub fn editor_values(out: &mut Vec<(String, String)>, s: &Suitability) {
    for c in &s.contra_indications {
        out.push((CONTRA.into(), c.code().into()));
    }
    out.push((NOTE.into(), s.note.clone().unwrap_or_default()));
    out.push((COMMITMENTS.into(), s.commitments.join("\n")));
}

/// The "Voor wie" part of the offer form: age range, languages, who the offer is not for
/// (the fixed list as checkboxes, and a note) and what participants commit to.
pub fn editor_fields(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    let contra: Vec<(String, String)> = ContraIndication::ALL
        .iter()
        .map(|c| (c.code().to_string(), label(ctx, *c).to_string()))
        .collect();
    html! {
        h2 { (ctx.t("Voor wie", "Who it is for")) }
        div.row {
            (Field::new("minAge", ctx.t("Leeftijd vanaf", "Age from")).kind("number").range(0, 120).value(f.value("minAge")).input(errors))
            (Field::new("maxAge", ctx.t("Leeftijd tot en met", "Age up to")).kind("number").range(0, 120).value(f.value("maxAge")).input(errors))
        }
        (Field::new("languages", ctx.t("Talen die een deelnemer nodig heeft", "Languages a participant needs")).value(f.value("languages")).hint(ctx.t("Codes van twee letters, gescheiden door komma's, bijvoorbeeld nl, en", "Two-letter codes separated by commas, for example nl, en")).input(errors))
        (choices(CONTRA, ctx.t("Niet geschikt bij", "Not suitable with"), &contra, &f.all(CONTRA), errors, false))
        (Field::new(NOTE, ctx.t("Toelichting op de geschiktheid", "Note on suitability")).value(f.value(NOTE)).hint(ctx.t("Bijvoorbeeld: niet in een acute crisis. Geen gegevens over personen.", "For example: not during an acute crisis. No personal data.")).textarea(errors, 2))
        (Field::new(COMMITMENTS, ctx.t("Deelnemers spreken af", "Participants agree to")).value(f.value(COMMITMENTS)).hint(ctx.t("Eén afspraak per regel, bijvoorbeeld wat deelnemers bij de intake ondertekenen (hoogstens 12).", "One agreement per line, for example what participants sign at intake (at most 12).")).textarea(errors, 3))
    }
}

/// The suitability part of the offer form, parsed by the domain's rule; errors name the
/// form's fields (`suitability.note`).
pub fn read_form(f: &FormData) -> AppResult<Suitability> {
    let contra = f
        .all(CONTRA)
        .into_iter()
        .map(ContraIndication::parse)
        .collect::<AppResult<Vec<_>>>()
        .map_err(|e| e.in_field(CONTRA))?;
    let commitments: Vec<String> = f.value(COMMITMENTS).lines().map(str::to_string).collect();
    Suitability::parse(contra, f.get(NOTE), &commitments).map_err(|e| e.in_field("suitability"))
}

/// Stores the offer form's suitability `s` for `o` (just saved, at its current version) when
/// it differs from what is stored; returns the offer as it is afterwards. The offer and its
/// suitability are two writes: the form checked `s` before the first.
pub async fn save_from_form(
    state: &AppState,
    actor: &Actor,
    o: offer::Model,
    s: Suitability,
) -> AppResult<offer::Model> {
    if suitability::load(&state.db, &o.id).await? == s {
        return Ok(o);
    }
    let id = GlobalId::parse(&o.id)?;
    suitability::set(state, actor, &id, o.version, s).await
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
