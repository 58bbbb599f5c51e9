//! What a service may use: the database, this node's id, the gazetteer, the channel on which
//! referral changes are announced and the key ring that seals contact details. Runtimes (search, federation, sign-in) stay at the composition
//! root ([`crate::app`]); services never see them.

use crate::domain::NodeId;
use crate::geo::Gazetteer;
use crate::sealing::KeyRing;
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
    /// Seals and opens patients' contact details ([`super::referral_contact`]); empty until the
    /// composition root sets the configured keys, and then contact details are refused.
    pub contact_keys: Arc<KeyRing>,
}

impl Ctx {
    /// A context with a fresh change channel and no contact keys.
    pub fn new(db: DatabaseConnection, node_id: NodeId, gazetteer: Arc<Gazetteer>) -> Self {
        Self {
            db,
            node_id,
            gazetteer,
            referral_changes: broadcast::channel(256).0,
            contact_keys: Arc::new(KeyRing::empty()),
        }
    }
}
