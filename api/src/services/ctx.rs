//! What a service may use: the database, this node's id, the gazetteer and the channel on which
//! referral changes are announced. Runtimes (search, federation, sign-in) stay at the composition
//! root ([`crate::app`]); services never see them.

use crate::domain::NodeId;
use crate::geo::Gazetteer;
use crate::services::referral::ReferralChange;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::broadcast;

/// The narrow context every service takes; cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    /// This node's id, the prefix of the ids it creates.
    pub node_id: NodeId,
    pub gazetteer: Arc<Gazetteer>,
    /// Referral status changes, announced after commit (ids and status only, no personal data):
    /// subscriptions listen, and so do workers that act on a change.
    pub referral_changes: broadcast::Sender<ReferralChange>,
}

impl Ctx {
    /// A context with a fresh change channel.
    pub fn new(db: DatabaseConnection, node_id: NodeId, gazetteer: Arc<Gazetteer>) -> Self {
        Self {
            db,
            node_id,
            gazetteer,
            referral_changes: broadcast::channel(256).0,
        }
    }
}
