//! Organisation queries: one published organisation, and published organisations by kind and
//! name.

use super::Organisation;
use crate::domain::GlobalId;
use crate::error::AppError;
use crate::graphql::app;
use crate::graphql::enums::OrganisationKind;
use crate::services::page;
use crate::services::page::KeyCursor;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use entities::{OrganisationStatus, organisation};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Published organisations, optionally of one kind or matching a name.
fn published(kind: Option<OrganisationKind>, name_contains: Option<&str>) -> Condition {
    Condition::all()
        .add(organisation::Column::Status.eq(OrganisationStatus::Published))
        .add_option(
            kind.map(|k| organisation::Column::Kind.eq(entities::OrganisationKind::from(k))),
        )
        .add_option(
            name_contains
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| organisation::Column::Name.contains(n)),
        )
}

/// Extra fields of an organisation list.
pub struct OrganisationListInfo {
    condition: Condition,
}

#[Object]
impl OrganisationListInfo {
    /// Number of organisations matching the filter (all pages); counted only when asked.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(organisation::Entity::find()
            .filter(self.condition.clone())
            .count(&app(ctx)?.db)
            .await?)
    }
}

/// A page of organisations (Relay connection).
pub type OrganisationConnection =
    Connection<String, Organisation, OrganisationListInfo, EmptyFields>;

/// Queries on organisations.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// One published organisation by id.
    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> Result<Organisation> {
        let gid = GlobalId::parse(&id).map_err(|e| e.in_field("id"))?;
        organisation::Entity::find_by_id(gid.to_string())
            .filter(organisation::Column::Status.eq(OrganisationStatus::Published))
            .one(&app(ctx)?.db)
            .await?
            .map(Organisation)
            .ok_or_else(|| AppError::NotFound(format!("organisation {}", id.as_str())).into())
    }

    /// Published organisations, by name; optionally of one kind or matching a name.
    #[graphql(
        complexity = "crate::graphql::cost::page(first, child_complexity)",
        deprecation = "offset paging slows down with the offset; use organisationsConnection"
    )]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        kind: Option<OrganisationKind>,
        name_contains: Option<String>,
        first: Option<i32>,
        #[graphql(default)] offset: i32,
    ) -> Result<Vec<Organisation>> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        if offset < 0 {
            return Err(AppError::field("offset", "must not be negative").into());
        }
        let mut q = organisation::Entity::find()
            .filter(organisation::Column::Status.eq(OrganisationStatus::Published))
            .order_by_asc(organisation::Column::Name)
            .order_by_asc(organisation::Column::Id)
            .limit(limit)
            .offset(offset as u64);
        if let Some(kind) = kind {
            q = q.filter(organisation::Column::Kind.eq(entities::OrganisationKind::from(kind)));
        }
        if let Some(name) = name_contains
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            q = q.filter(organisation::Column::Name.contains(name));
        }
        Ok(q.all(&state.db)
            .await?
            .into_iter()
            .map(Organisation)
            .collect())
    }

    /// Published organisations by name, paged with `first` and `after` (a Relay connection,
    /// keyset on name and id; `totalCount` on request). Optionally of one kind or matching a
    /// name.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn organisations_connection(
        &self,
        ctx: &Context<'_>,
        kind: Option<OrganisationKind>,
        name_contains: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrganisationConnection> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        let after = after.as_deref().map(KeyCursor::decode).transpose()?;
        let condition = published(kind, name_contains.as_deref());
        let mut q = organisation::Entity::find().filter(condition.clone());
        if let Some(c) = &after {
            q = q.filter(
                Condition::any()
                    .add(organisation::Column::Name.gt(c.key.as_str()))
                    .add(
                        Condition::all()
                            .add(organisation::Column::Name.eq(c.key.as_str()))
                            .add(organisation::Column::Id.gt(c.id.as_str())),
                    ),
            );
        }
        let mut rows = q
            .order_by_asc(organisation::Column::Name)
            .order_by_asc(organisation::Column::Id)
            .limit(limit + 1)
            .all(&state.db)
            .await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let mut conn = Connection::with_additional_fields(
            after.is_some(),
            more,
            OrganisationListInfo { condition },
        );
        conn.edges.extend(rows.into_iter().map(|o| {
            let cursor = KeyCursor {
                key: o.name.clone(),
                id: o.id.clone(),
            };
            Edge::new(cursor.encode(), Organisation(o))
        }));
        Ok(conn)
    }
}
