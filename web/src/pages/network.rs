//! Networks (`/netwerken`, `/netwerken/{id}`): the networks of this node with their member
//! organisations and practices and the offers of the members; node admins create networks and
//! add or remove members with simple forms on the same pages (`api::services::network`).

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData, answer};
use crate::layout::{encode, page};
use api::domain::GlobalId;
use api::error::AppError;
use api::services::network::{self as svc, NetworkFields, NetworkPatch};
use api::services::offer_list::{self, OfferFilter};
use api::state::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use entities::network;
use maud::{Markup, html};

/// Offers shown on a network's page.
const OFFERS_SHOWN: u64 = 50;

fn create_form(ctx: &Ctx, f: &FormData, errors: &Errors) -> Markup {
    html! {
        h2 { (ctx.t("Nieuw netwerk", "New network")) }
        form method="post" action="/netwerken" {
            (errors.summary(ctx))
            (Field::new("name", ctx.t("Naam", "Name")).value(f.value("name")).required().input(errors))
            (Field::new("description", ctx.t("Beschrijving", "Description")).value(f.value("description")).textarea(errors, 3))
            (Field::new("website", ctx.t("Website", "Website")).kind("url").value(f.value("website")).input(errors))
            (Field::new("region", ctx.t("Gemeenten (CBS-codes, gescheiden door komma's)", "Municipalities (CBS codes, separated by commas)"))
                .value(f.value("region")).hint("GM0361, GM0373").input(errors))
            p { button type="submit" { (ctx.t("Netwerk toevoegen", "Add network")) } }
        }
    }
}

fn list_page(ctx: &Ctx, networks: &[network::Model], f: &FormData, errors: &Errors) -> Markup {
    page(
        ctx,
        ctx.t("Netwerken", "Networks"),
        html! {
            p { (ctx.t("Netwerken van organisaties en praktijken die samenwerken in de regio.",
                       "Networks of organisations and practices working together in the region.")) }
            @if networks.is_empty() {
                p { (ctx.t("Er zijn nog geen netwerken.", "There are no networks yet.")) }
            }
            ul.networks {
                @for n in networks {
                    li { a href=(format!("/netwerken/{}", encode(&n.id))) { (n.name) } }
                }
            }
            @if ctx.actor.is_admin() { (create_form(ctx, f, errors)) }
        },
    )
}

/// `GET /netwerken`: every network; node admins also see the form to add one.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let networks = svc::list(&state.db).await.or_page(&ctx)?;
    Ok(list_page(&ctx, &networks, &FormData::default(), &Errors::none()).into_response())
}

/// `POST /netwerken`: a node admin adds a network.
pub async fn create(State(state): State<AppState>, ctx: Ctx, f: FormData) -> PageResult {
    let fields = NetworkFields {
        name: f.value("name").to_string(),
        description: f.get("description").map(str::to_string),
        website: f.get("website").map(str::to_string),
        region: (f.value("region").split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let result = match NetworkPatch::parse(fields) {
        Ok(patch) => svc::create(&state, &ctx.actor, patch).await,
        Err(e) => Err(region_field(e)),
    };
    let networks = svc::list(&state.db).await.or_page(&ctx)?;
    answer(
        &ctx,
        result,
        |n| format!("/netwerken/{}", encode(&n.id)),
        |errors| list_page(&ctx, &networks, &f, errors),
    )
}

/// Errors on `region.N` belong to the one `region` field of the form.
fn region_field(e: AppError) -> AppError {
    match e.field_name() {
        Some(f) if f.starts_with("region") => AppError::field("region", e.text()),
        _ => e,
    }
}

async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<network::Model, PageError> {
    let id = GlobalId::parse(id)
        .map_err(|_| AppError::NotFound(format!("network {id}")))
        .or_page(ctx)?;
    svc::get(&state.db, &id).await.or_page(ctx)
}

/// `GET /netwerken/{id}`: the network, its members and the offers of its members.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let n = load(&state, &ctx, &id).await?;
    Ok(show_page(&state, &ctx, &n, &Errors::none())
        .await?
        .into_response())
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    n: &network::Model,
    errors: &Errors,
) -> Result<Markup, PageError> {
    let members = svc::members(&state.db, &ctx.actor, &n.id)
        .await
        .or_page(ctx)?;
    let filter = OfferFilter {
        network_id: Some(n.id.clone()),
        ..OfferFilter::default()
    };
    let (offers, more) = offer_list::page(&state.db, &filter, None, OFFERS_SHOWN)
        .await
        .or_page(ctx)?;
    let action = format!("/netwerken/{}/leden", encode(&n.id));
    Ok(page(
        ctx,
        &n.name,
        html! {
            p { a href="/netwerken" { (ctx.t("Alle netwerken", "All networks")) } }
            @if !n.description.is_empty() { p.description { (n.description) } }
            @if let Some(w) = &n.website { p { a href=(w) rel="noopener" { (w) } } }
            @if !n.region.0.is_empty() {
                p.region { (ctx.t("Werkgebied: ", "Region: ")) (n.region.0.join(", ")) }
            }
            h2 { (ctx.t("Leden", "Members")) }
            @if members.is_empty() { p { (ctx.t("Nog geen leden.", "No members yet.")) } }
            ul.members {
                @for m in &members {
                    li {
                        (m.name) " (" (crate::labels::Label::label(m.kind, ctx.lang)) ")"
                        @if ctx.actor.is_admin() {
                            form.inline method="post" action=(action) {
                                input type="hidden" name="organisation" value=(m.id);
                                input type="hidden" name="remove" value="1";
                                button.secondary type="submit" {
                                    (ctx.t("Verwijderen", "Remove"))
                                    span.visually-hidden { ": " (m.name) }
                                }
                            }
                        }
                    }
                }
            }
            @if ctx.actor.is_admin() {
                form method="post" action=(action) {
                    (errors.summary(ctx))
                    (Field::new("organisation", ctx.t("Lid toevoegen (id van organisatie of praktijk)", "Add member (id of organisation or practice)"))
                        .required().input(errors))
                    p { button type="submit" { (ctx.t("Toevoegen", "Add")) } }
                }
            }
            h2 #aanbod { (ctx.t("Aanbod van de leden", "Offers of the members")) }
            @if offers.is_empty() { p { (ctx.t("Geen aanbod gevonden.", "No offers found.")) } }
            ul.network-offers {
                @for o in &offers {
                    li { a href=(format!("/aanbod/{}", encode(&o.id))) { (o.title) } }
                }
            }
            @if more {
                p { a href=(format!("/?netwerk={}", encode(&n.id))) { (ctx.t("Meer aanbod zoeken", "Search more offers")) } }
            }
        },
    ))
}

/// `POST /netwerken/{id}/leden`: a node admin adds (or, with `remove`, removes) a member.
pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let n = load(&state, &ctx, &id).await?;
    let network_id = GlobalId::parse(&n.id).or_page(&ctx)?;
    let result = match GlobalId::parse(f.value("organisation")) {
        Err(e) => Err(e.in_field("organisation")),
        Ok(org) if f.checked("remove") => {
            svc::remove_member(&state, &ctx.actor, &network_id, &org).await
        }
        Ok(org) => svc::add_member(&state, &ctx.actor, &network_id, &org)
            .await
            .map_err(|e| match e.field_name() {
                Some("organisationId") => AppError::field("organisation", e.text()),
                _ => e,
            }),
    };
    match result {
        Ok(n) => Ok(
            axum::response::Redirect::to(&format!("/netwerken/{}", encode(&n.id))).into_response(),
        ),
        Err(e) => {
            let errors = Errors::from_app(&ctx, e).or_page(&ctx)?;
            let body = show_page(&state, &ctx, &n, &errors).await?;
            Ok((axum::http::StatusCode::BAD_REQUEST, body).into_response())
        }
    }
}
