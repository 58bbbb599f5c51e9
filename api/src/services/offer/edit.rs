//! Opening and saving an edit of an offer this node owns: what every offer command and the
//! offer's own parts (circle, suitability, recovery focus, freshness) share.

use crate::db;
use crate::domain::{Actor, GlobalId, NodeId};
use crate::error::{AppError, AppResult};
use crate::services::organisation::check_version;
use crate::services::{Ctx, changes};
use chrono::Utc;
use entities::{ChangeOp, OfferStatus, RecordKind, offer};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

/// Loads an offer this node (`node`) may write: it must exist and originate here.
pub async fn load_own(
    db: &impl ConnectionTrait,
    node: &NodeId,
    id: &GlobalId,
) -> AppResult<offer::Model> {
    let model = offer::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("offer {id}")))?;
    if model.origin_node != node.as_str() {
        return Err(AppError::Forbidden(format!(
            "offer {id} is owned by node {}; only its home node can change it",
            model.origin_node
        )));
    }
    Ok(model)
}

/// Opens an edit of offer `id` of this node: the write transaction and the stored offer, once
/// the actor may edit the offer's organisation, `version` is current and the offer has not
/// ended (the one check every offer edit makes first).
pub async fn begin_edit(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
) -> AppResult<(DatabaseTransaction, offer::Model)> {
    let txn = db::begin_write(&ctx.db).await?;
    let model = load_own(&txn, &ctx.node_id, id).await?;
    actor.require_edit_organisation(&model.organisation_id)?;
    check_version(model.version, version, "offer")?;
    if model.status == OfferStatus::Ended {
        return Err(AppError::Conflict(
            "an ended offer cannot be changed".into(),
        ));
    }
    Ok((txn, model))
}

/// Writes the offer row if its stored version is still `expected`; bumps the version.
pub(super) async fn save(
    txn: &DatabaseTransaction,
    offer: &mut offer::Model,
    expected: i32,
) -> AppResult<()> {
    offer.version = expected + 1;
    offer.updated_at = Utc::now();
    let mut active = offer::ActiveModel::from(offer.clone()).reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let done = offer::Entity::update_many()
        .set(active)
        .filter(offer::Column::Id.eq(offer.id.as_str()))
        .filter(offer::Column::Version.eq(expected))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "offer {} was changed by someone else; reload and try again",
            offer.id
        )));
    }
    changes::record(
        txn,
        RecordKind::Offer,
        &offer.id,
        ChangeOp::Upsert,
        &offer.origin_node,
    )
    .await?;
    Ok(())
}
