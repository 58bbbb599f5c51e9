//! CBS areas: lookup, tree navigation and the set of buurten below an area.

use crate::domain::AreaCode;
use crate::error::{AppError, AppResult};
use entities::{AreaKind, area};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// One area by code.
pub async fn get(db: &impl ConnectionTrait, code: &AreaCode) -> AppResult<area::Model> {
    area::Entity::find_by_id(code.as_str())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("area {code}")))
}

/// Areas filtered by kind, parent and name, ordered by code.
pub async fn list(
    db: &impl ConnectionTrait,
    kind: Option<AreaKind>,
    parent: Option<&AreaCode>,
    name_contains: Option<&str>,
    limit: u64,
) -> AppResult<Vec<area::Model>> {
    let mut query = area::Entity::find()
        .order_by_asc(area::Column::Code)
        .limit(limit);
    if let Some(kind) = kind {
        query = query.filter(area::Column::Kind.eq(kind));
    }
    match parent {
        Some(parent) => query = query.filter(area::Column::ParentCode.eq(parent.as_str())),
        None if kind.is_none() && name_contains.is_none() => {
            query = query.filter(area::Column::Kind.eq(AreaKind::Gemeente));
        }
        None => {}
    }
    if let Some(name) = name_contains.map(str::trim).filter(|n| !n.is_empty()) {
        query = query.filter(area::Column::Name.contains(name));
    }
    Ok(query.all(db).await?)
}

/// A page of the children of `parent` (wijken of a gemeente, buurten of a wijk) by code,
/// after the child `after`, at most `limit`; and whether more follow. One walk of the index
/// on `(parent_code, code)`.
pub async fn children_page(
    db: &impl ConnectionTrait,
    parent: &AreaCode,
    after: Option<&str>,
    limit: u64,
) -> AppResult<(Vec<area::Model>, bool)> {
    let mut query = area::Entity::find().filter(area::Column::ParentCode.eq(parent.as_str()));
    if let Some(after) = after {
        query = query.filter(area::Column::Code.gt(after));
    }
    let mut rows = query
        .order_by_asc(area::Column::Code)
        .limit(limit.saturating_add(1))
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// The number of children of `parent`.
pub async fn children_count(db: &impl ConnectionTrait, parent: &AreaCode) -> AppResult<u64> {
    Ok(area::Entity::find()
        .filter(area::Column::ParentCode.eq(parent.as_str()))
        .count(db)
        .await?)
}

/// The condition on `areas` selecting every buurt in or equal to `code` (gemeente, wijk or
/// buurt): an index lookup (`idx_areas_gemeente`, `idx_areas_parent`, the key).
pub fn buurten_within_condition(code: &AreaCode) -> Condition {
    let col = match code.kind() {
        AreaKind::Gemeente => area::Column::GemeenteCode,
        AreaKind::Wijk => area::Column::ParentCode,
        AreaKind::Buurt => area::Column::Code,
    };
    Condition::all()
        .add(col.eq(code.as_str()))
        .add(area::Column::Kind.eq(AreaKind::Buurt))
}

/// Sub-query selecting the codes of every buurt in or equal to `code` (gemeente, wijk or buurt).
pub fn buurten_within(code: &AreaCode) -> SelectStatement {
    Query::select()
        .column(area::Column::Code)
        .from(area::Entity)
        .cond_where(buurten_within_condition(code))
        .to_owned()
}

/// The names of the areas `codes`, by code (codes without an area left out).
pub async fn names_of(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<std::collections::HashMap<String, String>> {
    if codes.is_empty() {
        return Ok(Default::default());
    }
    Ok(area::Entity::find()
        .select_only()
        .column(area::Column::Code)
        .column(area::Column::Name)
        .filter(area::Column::Code.is_in(codes.iter().map(String::as_str)))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Areas whose name is `name` as people type it (case, accents, hyphens and spaces do not
/// count, see [`geo::names`](crate::geo::names)), broadest kind first (gemeente, wijk, buurt),
/// then by code; at most `limit`.
pub async fn by_name(
    db: &impl ConnectionTrait,
    name: &str,
    limit: u64,
) -> AppResult<Vec<area::Model>> {
    use crate::geo::names;
    use sea_orm::sea_query::Func;
    let wanted = names::key(name);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = area::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(area::Column::Name))).like(names::like_pattern(name)),
        )
        .order_by_asc(area::Column::Code)
        .limit(limit.saturating_mul(20))
        .all(db)
        .await?;
    found.retain(|a| names::key(&a.name) == wanted);
    let rank = |k: AreaKind| match k {
        AreaKind::Gemeente => 0,
        AreaKind::Wijk => 1,
        AreaKind::Buurt => 2,
    };
    found.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then_with(|| a.code.cmp(&b.code))
    });
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}

/// Areas of `kind` with a known geometry whose centroid lies within the box (for map
/// backgrounds), at most `limit`.
pub async fn with_geometry_in(
    db: &impl ConnectionTrait,
    kind: AreaKind,
    (min_lat, min_lon): (f64, f64),
    (max_lat, max_lon): (f64, f64),
    limit: u64,
) -> AppResult<Vec<area::Model>> {
    Ok(area::Entity::find()
        .filter(area::Column::Kind.eq(kind))
        .filter(area::Column::Geometry.is_not_null())
        .filter(area::Column::CentroidLat.between(min_lat, max_lat))
        .filter(area::Column::CentroidLon.between(min_lon, max_lon))
        .order_by_asc(area::Column::Code)
        .limit(limit)
        .all(db)
        .await?)
}
