//! Area queries: one area by CBS code and areas by level, parent and name.

use super::Area;
use crate::domain::AreaCode;
use crate::error::AppError;
use crate::graphql::app;
use crate::graphql::enums::AreaKind;
use crate::services;
use async_graphql::{Context, Object, Result};

/// Queries on areas.
#[derive(Default)]
pub struct AreaQuery;

#[Object]
impl AreaQuery {
    /// One area by CBS code.
    async fn area(&self, ctx: &Context<'_>, code: String) -> Result<Area> {
        let code = AreaCode::parse(&code).map_err(|e| e.in_field("code"))?;
        Ok(Area(services::area::get(&app(ctx)?.db, &code).await?))
    }

    /// Areas by level, parent and name; without arguments, all gemeenten. The tree is walked
    /// with `children` and `parent`.
    #[graphql(complexity = "crate::graphql::cost::areas(limit, child_complexity)")]
    async fn areas(
        &self,
        ctx: &Context<'_>,
        kind: Option<AreaKind>,
        parent_code: Option<String>,
        name_contains: Option<String>,
        #[graphql(default = 500)] limit: i32,
    ) -> Result<Vec<Area>> {
        if !(1..=crate::graphql::cost::MAX_AREAS as i32).contains(&limit) {
            return Err(AppError::field("limit", "must be between 1 and 1000").into());
        }
        let parent = parent_code
            .as_deref()
            .map(AreaCode::parse)
            .transpose()
            .map_err(|e| e.in_field("parentCode"))?;
        let rows = services::area::list(
            &app(ctx)?.db,
            kind.map(Into::into),
            parent.as_ref(),
            name_contains.as_deref(),
            limit as u64,
        )
        .await?;
        Ok(rows.into_iter().map(Area).collect())
    }
}
