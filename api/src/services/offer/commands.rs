//! The offer commands: create, update, publish, end and delete. Each is one transaction that
//! checks the actor, the stored version and the draft's rules, writes the offer and its lists,
//! and appends to the change log. Ids and fields arrive parsed.

use super::edit::{begin_edit, load_own, save};
use super::lists::{load_draft, write_lists};
use super::{OfferDraft, OfferPatch};
use crate::db;
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::read_model::derived;
use crate::services::organisation::check_version;
use crate::services::{Ctx, changes};
use chrono::Utc;
use entities::{ChangeOp, OfferStatus, OrganisationStatus, RecordKind, offer};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

/// Creates an unpublished offer for an organisation of this node.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    organisation_id: &GlobalId,
    patch: OfferPatch,
) -> AppResult<OfferDraft> {
    if patch.title.is_none() {
        return Err(AppError::field("title", "is required"));
    }
    if patch.kind.is_none() {
        return Err(AppError::field("kind", "is required"));
    }
    if patch.status == Some(OfferStatus::Ended) {
        return Err(AppError::field("status", "a new offer cannot be ended"));
    }
    let txn = db::begin_write(&ctx.db).await?;
    let org = crate::services::organisation::load_own(&txn, &ctx.node_id, organisation_id).await?;
    actor.require_edit_organisation(&org.id)?;
    if org.status == OrganisationStatus::Ended {
        return Err(AppError::Conflict(
            "an ended organisation cannot get new offers".into(),
        ));
    }
    let mut draft = OfferDraft::new(&ctx.node_id, org.id);
    draft.apply(&patch, &ctx.gazetteer)?;
    draft.check()?;
    let active: offer::ActiveModel = draft.offer.clone().into();
    active.insert(&txn).await?;
    write_lists(&txn, &draft, &ctx.node_id).await?;
    derived::refresh_offers(&txn, &[&draft.offer.id]).await?;
    super::freshness::touch(
        &txn,
        &draft.offer.id,
        &super::freshness::confirmer(actor),
        draft.offer.updated_at,
    )
    .await?;
    changes::record(
        &txn,
        RecordKind::Offer,
        &draft.offer.id,
        ChangeOp::Upsert,
        &draft.offer.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(draft)
}

async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    edit: impl FnOnce(&mut OfferDraft) -> AppResult<()>,
) -> AppResult<OfferDraft> {
    let (txn, model) = begin_edit(ctx, actor, id, version).await?;
    let mut draft = load_draft(&txn, model).await?;
    edit(&mut draft)?;
    draft.check()?;
    save(&txn, &mut draft.offer, version).await?;
    write_lists(&txn, &draft, &ctx.node_id).await?;
    derived::refresh_offers(&txn, &[&draft.offer.id]).await?;
    super::freshness::touch(
        &txn,
        &draft.offer.id,
        &super::freshness::confirmer(actor),
        draft.offer.updated_at,
    )
    .await?;
    txn.commit().await?;
    Ok(draft)
}

/// Updates an offer if `version` is current.
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    patch: OfferPatch,
) -> AppResult<OfferDraft> {
    if patch.status == Some(OfferStatus::Ended) {
        return Err(AppError::field("status", "use endOffer to end an offer"));
    }
    change(ctx, actor, id, version, |draft| {
        draft.apply(&patch, &ctx.gazetteer)
    })
    .await
}

/// Publishes an offer (visible once its organisation is published too).
pub async fn publish(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
) -> AppResult<OfferDraft> {
    change(ctx, actor, id, version, |draft| {
        draft.offer.published_at.get_or_insert_with(Utc::now);
        Ok(())
    })
    .await
}

/// Ends an offer; it stays readable but cannot be changed again.
pub async fn end(ctx: &Ctx, actor: &Actor, id: &GlobalId, version: i32) -> AppResult<OfferDraft> {
    change(ctx, actor, id, version, |draft| {
        draft.offer.status = OfferStatus::Ended;
        Ok(())
    })
    .await
}

/// Deletes an offer of this node (its locations and lists go with it); peers receive a
/// tombstone. `version` must be current. An offer with referrals is not deleted (`CONFLICT`):
/// it is ended instead, so its referrals keep their offer.
pub async fn delete(ctx: &Ctx, actor: &Actor, id: &GlobalId, version: i32) -> AppResult<()> {
    let txn = db::begin_write(&ctx.db).await?;
    let model = load_own(&txn, &ctx.node_id, id).await?;
    actor.require_edit_organisation(&model.organisation_id)?;
    check_version(model.version, version, "offer")?;
    if crate::services::referral::offer_has_referrals(&txn, &model.id).await? {
        return Err(AppError::Conflict(
            "this offer has referrals; end it instead, so they stay readable".into(),
        ));
    }
    let done = offer::Entity::delete_many()
        .filter(offer::Column::Id.eq(model.id.as_str()))
        .filter(offer::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "offer {id} was changed by someone else; reload and try again"
        )));
    }
    changes::record(
        &txn,
        RecordKind::Offer,
        &model.id,
        ChangeOp::Delete,
        &model.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
