//! Application state shared by every request: configuration, database, gazetteer, sign-in
//! machinery and the referral change channel.

use crate::auth::AuthRuntime;
use crate::config::Config;
use crate::db::QueryCounter;
use crate::domain::NodeId;
use crate::geo::Gazetteer;
use crate::search::SearchService;
use crate::services::referral::ReferralChange;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Cheap to clone; passed to handlers, resolvers and workers.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    /// This node's id, the prefix of the ids it creates.
    pub node_id: NodeId,
    pub gazetteer: Arc<Gazetteer>,
    /// Statements executed on `db` since start.
    pub queries: QueryCounter,
    /// Federation peers.
    pub peers: Arc<crate::federation::sync::Peers>,
    /// Set when the node is stopping; workers watch it to flush and exit.
    pub shutdown: crate::ops::shutdown::Shutdown,
    /// Search over public offers (index and indexer).
    pub search: SearchService,
    /// Sign-in throttles, rate limits and JWKS cache.
    pub auth: Arc<AuthRuntime>,
    /// Referral status changes, for subscriptions (no personal data on this channel).
    pub referral_changes: tokio::sync::broadcast::Sender<ReferralChange>,
    /// Wakes the cross-node referral delivery worker.
    pub delivery: Arc<crate::federation::delivery::DeliveryRuntime>,
}
