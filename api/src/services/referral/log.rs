//! The referral event log (`referral_events`): appended in the transaction of each change, read
//! by its consumers after their cursors. The contract is in the [parent module](super).

use super::lifecycle::MoveDetails;
use crate::domain::Actor;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entities::{ReferralStatus, referral_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};

/// Advisory lock key for appends to the event log on PostgreSQL ("wjre" in ASCII).
const EVENT_LOG_LOCK: i64 = 0x776a_7265;

/// One change to record.
pub struct Event<'a> {
    pub referral_id: &'a str,
    pub from: Option<ReferralStatus>,
    pub to: ReferralStatus,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
    /// The outcome, contact request and expected start the change carries.
    pub details: MoveDetails,
}

/// Appends `event`, made by `actor`, inside the writing transaction `db`. On PostgreSQL a
/// transaction-scoped advisory lock serialises appends, so ids commit in order and a consumer
/// reading `id > cursor` never skips an event that commits late (SQLite has one writer).
/// A change made on a peer's message (`Actor::Peer`) names that peer as its source.
pub async fn record(db: &impl ConnectionTrait, actor: &Actor, event: Event<'_>) -> AppResult<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [EVENT_LOG_LOCK.into()],
        ))
        .await?;
    }
    let source_node = match actor {
        Actor::Peer(node) => Some(node.clone()),
        _ => None,
    };
    referral_event::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        referral_id: Set(event.referral_id.to_string()),
        at: Set(event.at),
        actor: Set(actor.label()),
        from_status: Set(event.from),
        to_status: Set(event.to),
        note: Set(event.note),
        source_node: Set(source_node),
        outcome: Set(event.details.outcome.map(|o| o.kind)),
        stop_reason: Set(event.details.outcome.and_then(|o| o.stop_reason)),
        first_meeting_on: Set(event.details.outcome.and_then(|o| o.first_meeting_on)),
        contact_patient: Set(event.details.contact_patient),
        contact_note: Set(event.details.contact_note),
        expected_start: Set(event.details.expected_start),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Up to `limit` events with an id above `cursor`, oldest first: what a consumer has not
/// handled yet.
pub async fn after(
    db: &impl ConnectionTrait,
    cursor: i64,
    limit: u64,
) -> AppResult<Vec<referral_event::Model>> {
    Ok(referral_event::Entity::find()
        .filter(referral_event::Column::Id.gt(cursor))
        .order_by_asc(referral_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
