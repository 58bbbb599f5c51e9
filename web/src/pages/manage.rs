//! Managing listings (`/beheer`), for organisation editors and node admins: each organisation
//! with its offers and a quick "places taken" form per offer; the full offer form for new
//! offers and edits; publish and end. Writes go through `api::services::offer`.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, FormData, answer, error_line, id_of};
use crate::labels::{self, Label};
use crate::layout::{encode, notice, page};
use crate::pages::offer_form;
use api::domain::GlobalId;
use api::error::{AppError, AppResult};
use api::services::offer::{self, OfferFields, OfferPatch};
use api::services::offer_view::{self, OfferView};
use api::services::organisation;
use api::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

/// A notice to show after a redirect: `?opgeslagen=` with what happened.
#[derive(Deserialize, Default)]
pub struct Saved {
    opgeslagen: Option<String>,
}

impl Saved {
    /// The notice, in the page's language: a new offer is a draft until published.
    fn notice<'a>(&self, ctx: &'a Ctx) -> Option<&'a str> {
        Some(match self.opgeslagen.as_deref()? {
            "concept" => ctx.t(
                "Aangemaakt als concept. Publiceer het als verwijzers het mogen zien.",
                "Created as a draft. Publish it when referrers may see it.",
            ),
            "gepubliceerd" => ctx.t("Gepubliceerd.", "Published."),
            "beeindigd" => ctx.t("Beëindigd.", "Ended."),
            _ => ctx.t("Opgeslagen.", "Saved."),
        })
    }
}

/// "15 van 20 plekken bezet": how full an offer is, for its editors.
fn taken(ctx: &Ctx, o: &entities::offer::Model) -> String {
    match (o.capacity, ctx.lang) {
        (Some(c), crate::i18n::Lang::Nl) => format!("{} van {c} plekken bezet", o.places_taken),
        (Some(c), crate::i18n::Lang::En) => format!("{} of {c} places taken", o.places_taken),
        (None, crate::i18n::Lang::Nl) => format!("{} bezet (geen vaste grens)", o.places_taken),
        (None, crate::i18n::Lang::En) => format!("{} taken (no fixed limit)", o.places_taken),
    }
}

/// An error to show beside one offer's places field.
struct RowError<'a> {
    offer_id: &'a str,
    message: String,
    value: String,
}

fn version_of(ctx: &Ctx, f: &FormData) -> Result<i32, PageError> {
    f.get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            PageError::new(
                ctx,
                AppError::bad_input("the form has no version; reload it"),
            )
        })
}

fn places_form(ctx: &Ctx, v: &OfferView, row_error: Option<&RowError>) -> Markup {
    let o = &v.offer;
    let id = format!("places-{}", o.id.replace(':', "-"));
    let error = row_error.filter(|e| e.offer_id == o.id);
    let value = error
        .map(|e| e.value.clone())
        .unwrap_or_else(|| o.places_taken.to_string());
    html! {
        form.inline method="post" action=(format!("/beheer/aanbod/{}/plekken", encode(&o.id))) {
            input type="hidden" name="version" value=(o.version);
            div.field.has-error[error.is_some()] {
                label for=(id) { (ctx.t("Bezette plekken", "Places taken")) }
                @if let Some(e) = error { (error_line(ctx.lang, &format!("{id}-error"), &e.message)) }
                input id=(id) name="placesTaken" type="number" min="0" value=(value)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| format!("{id}-error"))];
                " " button type="submit" { (ctx.t("Opslaan", "Save")) span.visually-hidden { " " (o.title) } }
            }
        }
    }
}

async fn overview(
    state: &AppState,
    ctx: &Ctx,
    message: Option<&str>,
    row_error: Option<&RowError<'_>>,
) -> Result<Markup, PageError> {
    let orgs = organisation::editable(state, &ctx.actor)
        .await
        .or_page(ctx)?;
    if orgs.is_empty() {
        return Err(PageError::new(
            ctx,
            ctx.actor
                .denied("manage listings (organisation editors only)"),
        ));
    }
    let mut sections = Vec::new();
    for org in orgs {
        let mut offers = offer_view::of_organisation(state, &ctx.actor, &org.id)
            .await
            .or_page(ctx)?;
        // A stable order (by title), so a row stays where it was after a save.
        offers.sort_by_cached_key(|v| (v.offer.title.to_lowercase(), v.offer.id.clone()));
        sections.push((org, offers));
    }
    let to_confirm = super::offer_suitability::to_confirm(state, ctx)
        .await
        .or_page(ctx)?;
    let title = ctx.t("Beheer van uw aanbod", "Manage your offers");
    Ok(page(
        ctx,
        title,
        html! {
            @if let Some(m) = message { (notice(m)) }
            (to_confirm)
            @for (org, offers) in &sections {
                section aria-labelledby=(id_of(&org.id)) {
                    h2 id=(id_of(&org.id)) { (org.name) }
                    div.actions {
                        a.button href=(format!("/beheer/organisatie/{}/aanbod/nieuw", encode(&org.id))) { (ctx.t("Nieuw aanbod", "New offer")) }
                    }
                    @if offers.is_empty() { p { (ctx.t("Nog geen aanbod.", "No offers yet.")) } }
                    @else {
                        div.table-scroll role="region" tabindex="0" aria-label=(format!("{} {}", ctx.t("Aanbod van", "Offers of"), org.name)) {
                        table {
                            caption.visually-hidden { (ctx.t("Aanbod van", "Offers of")) " " (org.name) }
                            thead { tr {
                                th scope="col" { (ctx.t("Aanbod", "Offer")) }
                                th scope="col" { (ctx.t("Status", "Status")) }
                                th scope="col" { (ctx.t("Plekken", "Places")) }
                                th scope="col" { (ctx.t("Bijwerken", "Update")) }
                            } }
                            tbody {
                                @for v in offers {
                                    tr id=(format!("aanbod-{}", v.offer.id.replace(':', "-"))) {
                                        td {
                                            a href=(format!("/beheer/aanbod/{}", encode(&v.offer.id))) { (v.offer.title) }
                                            br; span.meta { (v.offer.kind.label(ctx.lang)) }
                                        }
                                        td {
                                            (v.offer.status.label(ctx.lang))
                                            @if v.offer.published_at.is_none() { br; span.meta { (ctx.t("niet gepubliceerd", "not published")) } }
                                        }
                                        td { (labels::places(ctx.lang, &v.offer)) }
                                        td {
                                            @if v.offer.status == entities::OfferStatus::Ended { "–" }
                                            @else { (places_form(ctx, v, row_error)) }
                                            p.meta.taken { (taken(ctx, &v.offer)) }
                                        }
                                    }
                                }
                            }
                        }
                        }
                    }
                }
            }
        },
    ))
}

/// `GET /beheer`.
pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(saved): Query<Saved>,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let message = saved.notice(&ctx);
    Ok(overview(&state, &ctx, message, None).await?.into_response())
}

/// `POST /beheer/aanbod/{id}/plekken`: updates the places taken of one offer.
pub async fn set_places(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let version = version_of(&ctx, &f)?;
    let raw = f.value("placesTaken").to_string();
    let result = match raw.parse::<i32>() {
        Ok(n) => set_places_taken(&state, &ctx, &id, version, n).await,
        Err(_) => Err(AppError::field(
            "placesTaken",
            ctx.t("vul een heel getal in", "enter a whole number"),
        )),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/beheer?opgeslagen=1#aanbod-{}",
            id.replace(':', "-")
        ))
        .into_response()),
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            let message = errors.first().unwrap_or_default().to_string();
            let row = RowError {
                offer_id: &id,
                message,
                value: raw,
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                overview(&state, &ctx, None, Some(&row)).await?,
            )
                .into_response())
        }
    }
}

/// Parses the offer id of a path; an error names `id`.
fn offer_id(raw: &str) -> AppResult<GlobalId> {
    GlobalId::parse(raw).map_err(|e| e.in_field("id"))
}

async fn set_places_taken(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    version: i32,
    places_taken: i32,
) -> AppResult<()> {
    let patch = OfferPatch::try_from(OfferFields {
        places_taken: Some(places_taken),
        ..OfferFields::default()
    })?;
    offer::update(state, &ctx.actor, &offer_id(id)?, version, patch).await?;
    Ok(())
}

fn edit_page(
    ctx: &Ctx,
    v: &OfferView,
    f: &FormData,
    errors: &Errors,
    message: Option<&str>,
) -> Markup {
    let o = &v.offer;
    let title = format!("{}: {}", ctx.t("Bewerken", "Edit"), o.title);
    page(
        ctx,
        &title,
        html! {
            @if let Some(m) = message { (notice(m)) }
            p { a href=(format!("/aanbod/{}", encode(&o.id))) { (ctx.t("Bekijk zoals verwijzers het zien", "View as referrers see it")) } " · " a href="/beheer" { (ctx.t("Terug naar beheer", "Back to manage")) } }
            div.actions {
                @if o.published_at.is_none() {
                    form.inline method="post" action=(format!("/beheer/aanbod/{}/publiceren", encode(&o.id))) {
                        input type="hidden" name="version" value=(o.version);
                        button type="submit" { (ctx.t("Publiceren", "Publish")) }
                    }
                }
            }
            form method="post" action=(format!("/beheer/aanbod/{}", encode(&o.id))) {
                (errors.summary(ctx))
                (offer_form::enter_saves(ctx, ("Opslaan", "Save")))
                input type="hidden" name="version" value=(o.version);
                (offer_form::fields(ctx, f, errors))
                p { button type="submit" { (ctx.t("Opslaan", "Save")) } }
            }
            (offer_form::circle_link(ctx, o))
            (end_section(ctx, o))
        },
    )
}

/// Ending an offer, in its own section after the form (away from "Opslaan"): it cannot be
/// undone, so the button asks for confirmation (with JavaScript) and says what it does.
fn end_section(ctx: &Ctx, o: &entities::offer::Model) -> Markup {
    html! {
        section.end-offer aria-labelledby="beeindigen-titel" {
            h2 #beeindigen-titel { (ctx.t("Aanbod beëindigen", "End this offer")) }
            p { (ctx.t("Loopt het aanbod niet meer? Beëindig het: het verdwijnt uit de zoekresultaten en kan daarna niet meer worden gewijzigd. Verwijzingen blijven leesbaar.", "Has the offer stopped? End it: it leaves the search results and cannot be changed afterwards. Referrals stay readable.")) }
            form.inline method="post" action=(format!("/beheer/aanbod/{}/beeindigen", encode(&o.id)))
                data-confirm=(ctx.t("Dit aanbod beëindigen? Daarna kan het niet meer worden gewijzigd.", "End this offer? It cannot be changed afterwards.")) {
                input type="hidden" name="version" value=(o.version);
                button.warning type="submit" { (ctx.t("Beëindigen", "End")) }
            }
        }
    }
}

/// Loads an offer for editing: it must be this node's and the actor must edit it. The one access
/// check of every offer editing page (the offer form, its funding and its circle plan).
pub async fn editable(state: &AppState, ctx: &Ctx, id: &str) -> Result<OfferView, PageError> {
    let v = offer_view::get(state, &ctx.actor, id).await.or_page(ctx)?;
    if v.is_mirrored(state) {
        return Err(PageError::new(
            ctx,
            AppError::Forbidden(format!(
                "offer {id} is owned by node {}",
                v.offer.origin_node
            )),
        ));
    }
    ctx.actor
        .require_edit_organisation(&v.organisation.id)
        .or_page(ctx)?;
    Ok(v)
}

/// `GET /beheer/aanbod/{id}`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let v = editable(&state, &ctx, &id).await?;
    let message = saved.notice(&ctx);
    let suitability = api::services::offer::suitability::load(&state.db, &v.offer.id)
        .await
        .or_page(&ctx)?;
    Ok(edit_page(
        &ctx,
        &v,
        &offer_form::values_of(&v, &suitability),
        &Errors::none(),
        message,
    )
    .into_response())
}

/// `POST /beheer/aanbod/{id}`: saves the whole form.
pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let v = editable(&state, &ctx, &id).await?;
    if offer_form::adds_row(&f) {
        return Ok(edit_page(&ctx, &v, &f, &Errors::none(), None).into_response());
    }
    let version = version_of(&ctx, &f)?;
    let result = match (offer_form::read(&f), suitability_of(&f), offer_id(&id)) {
        (Ok(patch), Ok(s), Ok(id)) => {
            match offer::update(&state, &ctx.actor, &id, version, patch).await {
                Ok(d) => with_suitability(&state, &ctx, d, s).await,
                Err(e) => Err(e),
            }
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    answer(
        &ctx,
        result.map_err(|e| offer_form::form_error(&f, e)),
        |d| {
            let what = if d.offer.published_at.is_some() {
                "1"
            } else {
                "concept"
            };
            format!("/beheer/aanbod/{}?opgeslagen={what}", encode(&d.offer.id))
        },
        |errors| edit_page(&ctx, &v, &f, errors, None),
    )
}

/// The suitability part of the offer form.
fn suitability_of(f: &FormData) -> AppResult<api::domain::Suitability> {
    super::offer_suitability::read_form(f)
}

/// Stores the form's suitability for the offer just saved (when it changed).
async fn with_suitability(
    state: &AppState,
    ctx: &Ctx,
    mut d: offer::OfferDraft,
    s: api::domain::Suitability,
) -> AppResult<offer::OfferDraft> {
    d.offer = super::offer_suitability::save_from_form(state, &ctx.actor, d.offer, s).await?;
    Ok(d)
}

/// `POST /beheer/aanbod/{id}/publiceren`.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let version = version_of(&ctx, &f)?;
    let gid = offer_id(&id).or_page(&ctx)?;
    offer::publish(&state, &ctx.actor, &gid, version)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&format!(
        "/beheer/aanbod/{}?opgeslagen=gepubliceerd",
        encode(&id)
    ))
    .into_response())
}

/// `POST /beheer/aanbod/{id}/beeindigen`.
pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let version = version_of(&ctx, &f)?;
    let gid = offer_id(&id).or_page(&ctx)?;
    offer::end(&state, &ctx.actor, &gid, version)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&format!(
        "/beheer?opgeslagen=beeindigd#aanbod-{}",
        id.replace(':', "-")
    ))
    .into_response())
}

fn new_page(
    ctx: &Ctx,
    org: &entities::organisation::Model,
    f: &FormData,
    errors: &Errors,
) -> Markup {
    let title = format!("{}: {}", ctx.t("Nieuw aanbod", "New offer"), org.name);
    page(
        ctx,
        &title,
        html! {
            form method="post" action=(format!("/beheer/organisatie/{}/aanbod/nieuw", encode(&org.id))) {
                (errors.summary(ctx))
                (offer_form::enter_saves(ctx, ("Aanmaken", "Create")))
                (offer_form::fields(ctx, f, errors))
                p { button type="submit" { (ctx.t("Aanmaken", "Create")) } }
            }
        },
    )
}

async fn own_org(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<entities::organisation::Model, PageError> {
    organisation::editable(state, &ctx.actor)
        .await
        .or_page(ctx)?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| PageError::new(ctx, AppError::NotFound(format!("organisation {id}"))))
}

/// `GET /beheer/organisatie/{id}/aanbod/nieuw`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(org_id): Path<String>,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let org = own_org(&state, &ctx, &org_id).await?;
    let defaults = FormData(vec![
        ("status".into(), "planned".into()),
        ("kind".into(), "group".into()),
        ("languages".into(), "nl".into()),
    ]);
    Ok(new_page(&ctx, &org, &defaults, &Errors::none()).into_response())
}

/// `POST /beheer/organisatie/{id}/aanbod/nieuw`: creates the offer (unpublished).
pub async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(org_id): Path<String>,
    f: FormData,
) -> PageResult {
    let org = own_org(&state, &ctx, &org_id).await?;
    if offer_form::adds_row(&f) {
        return Ok(new_page(&ctx, &org, &f, &Errors::none()).into_response());
    }
    let org_id = GlobalId::parse(&org.id).or_page(&ctx)?;
    let result = match (offer_form::read(&f), suitability_of(&f)) {
        (Ok(patch), Ok(s)) => match offer::create(&state, &ctx.actor, &org_id, patch).await {
            Ok(d) => with_suitability(&state, &ctx, d, s).await,
            Err(e) => Err(e),
        },
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    answer(
        &ctx,
        result.map_err(|e| offer_form::form_error(&f, e)),
        |d| format!("/beheer/aanbod/{}?opgeslagen=concept", encode(&d.offer.id)),
        |errors| new_page(&ctx, &org, &f, errors),
    )
}
