//! Application state shared by every request: the services' context, configuration, and the
//! runtimes of search, federation and sign-in. Assembled at the composition root ([`crate::app`]).

use crate::auth::{AuthCtx, AuthRuntime};
use crate::config::Config;
use crate::db::QueryCounter;
use crate::search::SearchService;
use crate::services::Ctx;
use axum::extract::FromRef;
use std::sync::Arc;

/// Cheap to clone; passed to handlers, resolvers and workers. Dereferences to the services'
/// [`Ctx`] (database, node id, gazetteer, change channel), so `&state` is what a service takes.
#[derive(Clone)]
pub struct AppState {
    /// What services may use.
    pub services: Ctx,
    pub config: Arc<Config>,
    /// Statements executed on the database since start.
    pub queries: QueryCounter,
    /// Federation peers.
    pub peers: Arc<crate::federation::sync::Peers>,
    /// Set when the node is stopping; workers watch it to flush and exit.
    pub shutdown: crate::shutdown::Shutdown,
    /// Search over public offers (index and indexer).
    pub search: SearchService,
    /// Sign-in throttles, rate limits and JWKS cache.
    pub auth: Arc<AuthRuntime>,
    /// Cross-node referral delivery (its worker, on-demand runs).
    pub delivery: crate::federation::delivery::Delivery,
}

impl AppState {
    /// What sign-in needs of this state (the same as [`AuthCtx::from_ref`]).
    pub fn auth_ctx(&self) -> AuthCtx {
        AuthCtx::from_ref(self)
    }

    /// What pulling peers' feeds needs of this state.
    pub fn puller(&self) -> crate::federation::sync::Puller {
        crate::federation::sync::Puller {
            ctx: self.services.clone(),
            peers: self.peers.clone(),
            page_size: self.config.federation.page_size,
            bulk_load_min_changes: self.config.federation.bulk_load_min_changes,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.services
    }
}

/// Sign-in handlers (`State<AuthCtx>`) see only their narrow part of the app state.
impl FromRef<AppState> for AuthCtx {
    fn from_ref(state: &AppState) -> Self {
        Self {
            db: state.db.clone(),
            config: state.config.clone(),
            runtime: state.auth.clone(),
        }
    }
}
