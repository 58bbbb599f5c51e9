//! Organisations: create, update, publish, end. Only the origin node writes a record.
//!
//! A write goes client fields ([`OrganisationFields`]) -> a parsed [`OrganisationPatch`] (built
//! at the edge with `OrganisationPatch::try_from`) -> the stored organisation, in one
//! transaction that also appends to the change log.

use super::patch::{parse_opt, set, set_with};
use super::{Ctx, changes};
use crate::db;
use crate::domain::{
    Actor, AgbCode, AreaCode, Email, GlobalId, KvkNumber, NodeId, Phone, WebUrl, optional_text,
    required_text,
};
use crate::error::{AppError, AppResult};
use crate::read_model::derived;
use chrono::Utc;
use entities::{
    ChangeOp, OfferStatus, OrganisationKind, OrganisationStatus, RecordKind, area, offer,
    organisation, organisation_area,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

/// Fields of an organisation as given by a client. `None` leaves a field as it is; for nullable
/// fields `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct OrganisationFields {
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub description: Option<String>,
    pub kvk: Option<Option<String>>,
    pub agb: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    /// CBS codes of the areas served (replaces the list).
    pub area_codes: Option<Vec<String>>,
}

/// An organisation's fields, parsed: each value through its domain type. `None` leaves a
/// field as it is; `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrganisationPatch {
    /// At most 200 characters, trimmed, not empty.
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub description: Option<String>,
    pub kvk: Option<Option<KvkNumber>>,
    pub agb: Option<Option<AgbCode>>,
    pub website: Option<Option<WebUrl>>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<Phone>>,
    /// Each area once, at most 500 (that they exist is checked on write).
    pub area_codes: Option<Vec<AreaCode>>,
}

impl TryFrom<OrganisationFields> for OrganisationPatch {
    type Error = AppError;

    fn try_from(f: OrganisationFields) -> AppResult<Self> {
        Self::try_from(&f)
    }
}

impl TryFrom<&OrganisationFields> for OrganisationPatch {
    type Error = AppError;

    /// Parses every field; the error names the first bad field.
    fn try_from(f: &OrganisationFields) -> AppResult<Self> {
        Ok(Self {
            name: f
                .name
                .as_deref()
                .map(|n| required_text(n, 200).map_err(|e| e.in_field("name")))
                .transpose()?,
            kind: f.kind,
            description: f
                .description
                .as_deref()
                .map(|d| optional_text(Some(d), 10_000).map_err(|e| e.in_field("description")))
                .transpose()?
                .map(Option::unwrap_or_default),
            kvk: parse_opt(&f.kvk, "kvk", KvkNumber::parse)?,
            agb: parse_opt(&f.agb, "agb", AgbCode::parse)?,
            website: parse_opt(&f.website, "website", WebUrl::parse)?,
            email: parse_opt(&f.email, "email", Email::parse)?,
            phone: parse_opt(&f.phone, "phone", Phone::parse)?,
            area_codes: f.area_codes.as_deref().map(parse_areas).transpose()?,
        })
    }
}

fn apply(model: &mut organisation::Model, p: &OrganisationPatch) {
    set(&mut model.name, &p.name);
    set(&mut model.kind, &p.kind);
    set(&mut model.description, &p.description);
    set_with(&mut model.kvk, &p.kvk, |v| v.to_string());
    set_with(&mut model.agb, &p.agb, |v| v.to_string());
    set_with(&mut model.website, &p.website, |v| v.to_string());
    set_with(&mut model.email, &p.email, |v| v.to_string());
    set_with(&mut model.phone, &p.phone, |v| v.to_string());
}

/// Checks a whole organisation received from elsewhere (a peer's change feed) with the rules
/// of a local write: every field through the same parsers as a form or GraphQL input. Returns
/// the organisation as this node stores it (trimmed, normalised).
pub fn check_received(model: &organisation::Model) -> AppResult<organisation::Model> {
    let mut out = model.clone();
    let patch = OrganisationPatch::try_from(OrganisationFields {
        name: Some(model.name.clone()),
        kind: Some(model.kind),
        description: Some(model.description.clone()),
        kvk: Some(model.kvk.clone()),
        agb: Some(model.agb.clone()),
        website: Some(model.website.clone()),
        email: Some(model.email.clone()),
        phone: Some(model.phone.clone()),
        area_codes: None,
    })?;
    apply(&mut out, &patch);
    Ok(out)
}

/// Parses area codes, each once.
fn parse_areas(raw: &[String]) -> AppResult<Vec<AreaCode>> {
    let mut codes: Vec<AreaCode> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let code = AreaCode::parse(r).map_err(|e| e.in_field(&format!("areaCodes.{i}")))?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > 500 {
        return Err(AppError::field("areaCodes", "at most 500 areas"));
    }
    Ok(codes)
}

/// Checks that each area exists; the error names the first missing one.
async fn check_areas_exist(db: &impl ConnectionTrait, codes: &[AreaCode]) -> AppResult<()> {
    if codes.is_empty() {
        return Ok(());
    }
    let known = area::Entity::find()
        .filter(area::Column::Code.is_in(codes.iter().map(AreaCode::as_str)))
        .count(db)
        .await?;
    if known as usize != codes.len() {
        let existing: Vec<String> = area::Entity::find()
            .filter(area::Column::Code.is_in(codes.iter().map(AreaCode::as_str)))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.code)
            .collect();
        if let Some((i, missing)) = codes
            .iter()
            .enumerate()
            .find(|(_, c)| !existing.iter().any(|e| e == c.as_str()))
        {
            return Err(AppError::field(
                format!("areaCodes.{i}"),
                format!("area {missing} does not exist"),
            ));
        }
    }
    Ok(())
}

async fn replace_areas(txn: &DatabaseTransaction, id: &str, codes: &[AreaCode]) -> AppResult<()> {
    organisation_area::Entity::delete_many()
        .filter(organisation_area::Column::OrganisationId.eq(id))
        .exec(txn)
        .await?;
    if !codes.is_empty() {
        organisation_area::Entity::insert_many(codes.iter().map(|c| {
            organisation_area::ActiveModel {
                organisation_id: Set(id.to_string()),
                area_code: Set(c.as_str().to_string()),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// Loads a record this node (`node`) may write: it must exist and originate here.
pub async fn load_own(
    db: &impl ConnectionTrait,
    node: &NodeId,
    id: &GlobalId,
) -> AppResult<organisation::Model> {
    let model = organisation::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organisation {id}")))?;
    if model.origin_node != node.as_str() {
        return Err(AppError::Forbidden(format!(
            "organisation {id} is owned by node {}; only its home node can change it",
            model.origin_node
        )));
    }
    Ok(model)
}

/// Organisations of this node that `actor` may edit (all of them for an admin), by name.
pub async fn editable(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<organisation::Model>> {
    use sea_orm::QueryOrder;
    let mut query = organisation::Entity::find()
        .filter(organisation::Column::OriginNode.eq(ctx.node_id.as_str()))
        .order_by_asc(organisation::Column::Name);
    if !actor.is_admin() {
        let ids: Vec<String> = match actor {
            Actor::User(u) => u
                .organisations_as(entities::Role::OrganisationEditor)
                .map(str::to_string)
                .collect(),
            _ => return Err(AppError::Unauthenticated),
        };
        query = query.filter(organisation::Column::Id.is_in(ids));
    }
    Ok(query.all(&ctx.db).await?)
}

/// Checks the client's `version` matches the stored one.
pub fn check_version(stored: i32, given: i32, what: &str) -> AppResult<()> {
    if stored == given {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "{what} was changed by someone else (version {stored}, you sent {given}); reload and try again"
        )))
    }
}

/// Writes `model` if its stored version is still `expected`; the version is bumped.
async fn save(
    txn: &DatabaseTransaction,
    mut model: organisation::Model,
    expected: i32,
) -> AppResult<organisation::Model> {
    model.version = expected + 1;
    model.updated_at = Utc::now();
    let id = model.id.clone();
    let mut active = organisation::ActiveModel::from(model.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let done = organisation::Entity::update_many()
        .set(active)
        .filter(organisation::Column::Id.eq(id.as_str()))
        .filter(organisation::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "organisation {id} was changed by someone else; reload and try again"
        )));
    }
    derived::refresh_organisations(txn, &[&id]).await?;
    changes::record(
        txn,
        RecordKind::Organisation,
        &id,
        ChangeOp::Upsert,
        &model.origin_node,
    )
    .await?;
    Ok(model)
}

/// Creates a draft organisation owned by this node.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    patch: OrganisationPatch,
) -> AppResult<organisation::Model> {
    actor.require_create_organisation()?;
    let now = Utc::now();
    let mut model = organisation::Model {
        id: GlobalId::new(&ctx.node_id).to_string(),
        origin_node: ctx.node_id.to_string(),
        name: String::new(),
        kind: patch.kind.unwrap_or(OrganisationKind::Other),
        status: OrganisationStatus::Draft,
        description: String::new(),
        kvk: None,
        agb: None,
        website: None,
        email: None,
        phone: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    if patch.name.is_none() {
        return Err(AppError::field("name", "is required"));
    }
    apply(&mut model, &patch);
    let areas = patch.area_codes.unwrap_or_default();
    check_areas_exist(&ctx.db, &areas).await?;
    let txn = db::begin_write(&ctx.db).await?;
    let active: organisation::ActiveModel = model.clone().into();
    let model = active.insert(&txn).await?;
    replace_areas(&txn, &model.id, &areas).await?;
    changes::record(
        &txn,
        RecordKind::Organisation,
        &model.id,
        ChangeOp::Upsert,
        &model.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Loads an organisation of this node for a change by `actor` at `version`.
async fn load_for_change(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
) -> AppResult<organisation::Model> {
    let model = load_own(txn, &ctx.node_id, id).await?;
    actor.require_edit_organisation(&model.id)?;
    check_version(model.version, version, "organisation")?;
    Ok(model)
}

/// Updates an organisation if `version` is current.
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    patch: OrganisationPatch,
) -> AppResult<organisation::Model> {
    if let Some(areas) = &patch.area_codes {
        check_areas_exist(&ctx.db, areas).await?;
    }
    let txn = db::begin_write(&ctx.db).await?;
    let mut model = load_for_change(&txn, ctx, actor, id, version).await?;
    if model.status == OrganisationStatus::Ended {
        return Err(AppError::Conflict(
            "an ended organisation cannot be changed".into(),
        ));
    }
    apply(&mut model, &patch);
    let model = save(&txn, model, version).await?;
    if let Some(areas) = &patch.area_codes {
        replace_areas(&txn, &model.id, areas).await?;
    }
    txn.commit().await?;
    Ok(model)
}

/// Publishes a draft organisation.
pub async fn publish(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
) -> AppResult<organisation::Model> {
    let txn = db::begin_write(&ctx.db).await?;
    let mut model = load_for_change(&txn, ctx, actor, id, version).await?;
    if model.status == OrganisationStatus::Ended {
        return Err(AppError::Conflict(
            "an ended organisation cannot be published".into(),
        ));
    }
    model.status = OrganisationStatus::Published;
    let model = save(&txn, model, version).await?;
    txn.commit().await?;
    Ok(model)
}

/// Ends an organisation and every offer of it.
pub async fn end(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
) -> AppResult<organisation::Model> {
    let txn = db::begin_write(&ctx.db).await?;
    let mut model = load_for_change(&txn, ctx, actor, id, version).await?;
    model.status = OrganisationStatus::Ended;
    let model = save(&txn, model, version).await?;
    let open: Vec<offer::Model> = offer::Entity::find()
        .filter(offer::Column::OrganisationId.eq(model.id.as_str()))
        .filter(offer::Column::Status.ne(OfferStatus::Ended))
        .all(&txn)
        .await?;
    let now = Utc::now();
    for o in &open {
        offer::Entity::update_many()
            .col_expr(
                offer::Column::Status,
                Expr::value(OfferStatus::Ended.as_str()),
            )
            .col_expr(offer::Column::Version, Expr::value(o.version + 1))
            .col_expr(offer::Column::UpdatedAt, Expr::value(now))
            .filter(offer::Column::Id.eq(o.id.as_str()))
            .exec(&txn)
            .await?;
        changes::record(
            &txn,
            RecordKind::Offer,
            &o.id,
            ChangeOp::Upsert,
            &o.origin_node,
        )
        .await?;
    }
    let ended: Vec<&str> = open.iter().map(|o| o.id.as_str()).collect();
    derived::refresh_offers(&txn, &ended).await?;
    txn.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_fields_parse_and_blank_clears() {
        let patch = OrganisationPatch::try_from(OrganisationFields {
            name: Some("  Bindkracht10 ".into()),
            website: Some(Some(" https://www.bindkracht10.nl/ ".into())),
            email: Some(Some("   ".into())),
            area_codes: Some(vec!["GM0268".into(), "gm0268".into()]),
            ..OrganisationFields::default()
        })
        .unwrap();
        assert_eq!(patch.name.as_deref(), Some("Bindkracht10"));
        assert_eq!(
            patch.website,
            Some(Some(WebUrl::parse("https://www.bindkracht10.nl/").unwrap()))
        );
        assert_eq!(patch.email, Some(None), "blank clears");
        assert_eq!(patch.kvk, None, "not given: unchanged");
        assert_eq!(patch.area_codes.unwrap().len(), 1, "each area once");
    }

    #[test]
    fn each_bad_field_names_its_path() {
        type Edit = fn(&mut OrganisationFields);
        let cases: Vec<(Edit, &str)> = vec![
            (|f| f.name = Some(" ".into()), "name"),
            (|f| f.name = Some("x".repeat(201)), "name"),
            (|f| f.description = Some("x".repeat(10_001)), "description"),
            (|f| f.kvk = Some(Some("4104812".into())), "kvk"),
            (|f| f.agb = Some(Some("1234567x".into())), "agb"),
            (
                |f| f.website = Some(Some("javascript:alert(1)".into())),
                "website",
            ),
            (|f| f.email = Some(Some("info@example".into())), "email"),
            (|f| f.phone = Some(Some("12".into())), "phone"),
            (
                |f| f.area_codes = Some(vec!["GM0268".into(), "XX".into()]),
                "areaCodes.1",
            ),
        ];
        for (edit, path) in cases {
            let mut fields = OrganisationFields::default();
            edit(&mut fields);
            let e = OrganisationPatch::try_from(&fields).expect_err("bad input is refused");
            assert_eq!(e.field_name(), Some(path), "{fields:?}");
        }
    }
}
