//! Server-rendered pages of a Wijkwijzer node. They call the `api` crate's services in-process.

use api::state::AppState;
use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

/// The routes of the web UI.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(|| async { Redirect::temporary("/graphiql") }))
}
