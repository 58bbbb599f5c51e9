//! An organisation's own details (`/beheer/organisatie/{id}`): name, kind, description, KvK,
//! website and contact, edited by its editors through `api::services::organisation`.

use crate::ctx::Ctx;
use crate::error::{OrPage, PageError, PageResult};
use crate::form::{Errors, Field, FormData, answer};
use crate::labels::Label;
use crate::layout::{encode, notice, page};
use api::domain::GlobalId;
use api::error::AppError;
use api::services::organisation::{self, OrganisationFields, OrganisationPatch};
use api::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use entities::{OrganisationKind, organisation as org_entity};
use maud::{Markup, html};
use sea_orm::Iterable;

/// The organisation's details as form values.
fn values_of(o: &org_entity::Model) -> FormData {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    FormData(vec![
        ("name".into(), o.name.clone()),
        ("kind".into(), o.kind.as_str().into()),
        ("description".into(), o.description.clone()),
        ("kvk".into(), text(&o.kvk)),
        ("website".into(), text(&o.website)),
        ("email".into(), text(&o.email)),
        ("phone".into(), text(&o.phone)),
    ])
}

fn form(
    ctx: &Ctx,
    o: &org_entity::Model,
    f: &FormData,
    errors: &Errors,
    message: Option<&str>,
) -> Markup {
    let kinds: Vec<(String, String)> = OrganisationKind::iter()
        .map(|k| (k.as_str().to_string(), k.label(ctx.lang).to_string()))
        .collect();
    page(
        ctx,
        &o.name,
        html! {
            @if let Some(m) = message { (notice(m)) }
            p { a href="/beheer" { (ctx.t("Terug naar beheer", "Back to manage")) } }
            form method="post" action=(format!("/beheer/organisatie/{}", encode(&o.id))) {
                (errors.summary(ctx))
                input type="hidden" name="version" value=(o.version);
                (Field::new("name", ctx.t("Naam", "Name")).value(f.value("name")).required().input(errors))
                (Field::new("kind", ctx.t("Soort organisatie", "Kind of organisation")).value(f.value("kind")).select(errors, &kinds))
                (Field::new("description", ctx.t("Over de organisatie", "About the organisation")).value(f.value("description")).textarea(errors, 4))
                (Field::new("kvk", ctx.t("KvK-nummer", "Chamber of Commerce number")).value(f.value("kvk")).inputmode("numeric").input(errors))
                (Field::new("website", ctx.t("Website", "Website")).kind("url").value(f.value("website")).input(errors))
                (Field::new("email", ctx.t("E-mail", "E-mail")).kind("email").value(f.value("email")).input(errors))
                (Field::new("phone", ctx.t("Telefoon", "Phone")).kind("tel").value(f.value("phone")).input(errors))
                p { button type="submit" { (ctx.t("Opslaan", "Save")) } }
            }
        },
    )
}

async fn own(state: &AppState, ctx: &Ctx, id: &str) -> Result<org_entity::Model, PageError> {
    organisation::editable(state, &ctx.actor)
        .await
        .or_page(ctx)?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| PageError::new(ctx, AppError::NotFound(format!("organisation {id}"))))
}

/// The notice after saving.
#[derive(serde::Deserialize, Default)]
pub struct Saved {
    opgeslagen: Option<String>,
}

/// `GET /beheer/organisatie/{id}`.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(saved): Query<Saved>,
) -> PageResult {
    ctx.actor.user().cloned().or_page(&ctx)?;
    let o = own(&state, &ctx, &id).await?;
    let message = saved.opgeslagen.map(|_| ctx.t("Opgeslagen.", "Saved."));
    Ok(form(&ctx, &o, &values_of(&o), &Errors::none(), message).into_response())
}

/// `POST /beheer/organisatie/{id}`.
pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    f: FormData,
) -> PageResult {
    let o = own(&state, &ctx, &id).await?;
    let Some(version) = f.get("version").and_then(|v| v.parse().ok()) else {
        return Err(PageError::new(
            &ctx,
            AppError::bad_input("the form has no version; reload it"),
        ));
    };
    let opt = |k: &str| Some(f.get(k).map(str::to_string));
    let fields = OrganisationFields {
        name: Some(f.value("name").to_string()),
        kind: f.get("kind").and_then(OrganisationKind::from_str_opt),
        description: Some(f.value("description").to_string()),
        kvk: opt("kvk"),
        website: opt("website"),
        email: opt("email"),
        phone: opt("phone"),
        ..OrganisationFields::default()
    };
    let id = GlobalId::parse(&o.id).or_page(&ctx)?;
    let result = match OrganisationPatch::try_from(fields) {
        Ok(patch) => organisation::update(&state, &ctx.actor, &id, version, patch).await,
        Err(e) => Err(e),
    };
    answer(
        &ctx,
        result,
        |o| format!("/beheer/organisatie/{}?opgeslagen=1", encode(&o.id)),
        |errors| form(&ctx, &o, &f, errors, None),
    )
}
