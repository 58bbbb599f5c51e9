//! Organisation queries: one published organisation, and published organisations by kind and
//! name.

use super::Organisation;
use crate::domain::GlobalId;
use crate::error::AppError;
use crate::graphql::app;
use crate::graphql::enums::OrganisationKind;
use crate::services::page;
use async_graphql::{Context, ID, Object, Result};
use entities::{OrganisationStatus, organisation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
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
}
