//! Search administration: rebuilding the search index.

use super::types::ReindexResult;
use crate::error::AppError;
use crate::graphql::{actor, app};
use async_graphql::{Context, Object, Result};

/// Search administration.
#[derive(Default)]
pub struct SearchMutation;

#[Object]
impl SearchMutation {
    /// Rebuilds the search index from the database (node admins only).
    async fn reindex_search(&self, ctx: &Context<'_>) -> Result<ReindexResult> {
        if !actor(ctx)?.is_admin() {
            return Err(AppError::Forbidden(
                "only a node admin can rebuild the search index".into(),
            )
            .into());
        }
        let state = app(ctx)?;
        state.search.reload_synonyms(&state.config.search).await?;
        let indexed = state.search.reindex().await?;
        Ok(ReindexResult {
            indexed,
            backend: state.search.index().backend().to_string(),
        })
    }
}
