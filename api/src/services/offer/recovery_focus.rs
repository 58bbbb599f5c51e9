//! The recovery focus of an offer ([`RecoveryFocus`]): reading it for any number of offers in
//! one statement, setting it (its editors, with the offer's optimistic version), and storing
//! what a peer or an import sent.

use super::edit::{begin_edit, save};
use super::freshness;
use crate::db;
use crate::domain::recovery_focus::RecoveryFocus;
use crate::domain::{Actor, GlobalId};
use crate::error::AppResult;
use crate::services::Ctx;
use entities::{offer, offer_recovery_focus};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use std::collections::{BTreeSet, HashMap};

/// A set of recovery-focus words (sorted, without duplicates).
pub type FocusSet = BTreeSet<RecoveryFocus>;

/// The recovery focus of each of `ids` that has any (absent: none). One statement; stored
/// codes this node does not know are left out.
pub async fn by_offer(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, FocusSet>> {
    let column = offer_recovery_focus::Column::OfferId;
    let rows = db::find_in(db, offer_recovery_focus::Entity::find(), column, ids).await?;
    let mut out: HashMap<String, FocusSet> = HashMap::new();
    for r in rows {
        if let Ok(f) = RecoveryFocus::parse(&r.focus) {
            out.entry(r.offer_id).or_default().insert(f);
        }
    }
    Ok(out)
}

/// The recovery focus of one offer.
pub async fn of(db: &impl ConnectionTrait, offer_id: &str) -> AppResult<FocusSet> {
    Ok(by_offer(db, &[offer_id])
        .await?
        .remove(offer_id)
        .unwrap_or_default())
}

/// Replaces the stored focus of each offer of `items` (inside the caller's transaction), in a
/// constant number of statements for the whole batch.
pub async fn write_many(db: &impl ConnectionTrait, items: &[(&str, &FocusSet)]) -> AppResult<()> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.to_string()).collect();
    db::delete_in::<offer_recovery_focus::Entity>(db, offer_recovery_focus::Column::OfferId, &ids)
        .await?;
    let rows = (items.iter())
        .flat_map(|(id, focus)| {
            focus.iter().map(|f| offer_recovery_focus::ActiveModel {
                offer_id: Set(id.to_string()),
                focus: Set(f.code().to_string()),
            })
        })
        .collect();
    db::insert_all(db, rows, None).await?;
    Ok(())
}

/// Replaces the stored focus of `offer_id` with `focus` (inside the caller's transaction).
pub async fn write(db: &impl ConnectionTrait, offer_id: &str, focus: &FocusSet) -> AppResult<()> {
    write_many(db, &[(offer_id, focus)]).await
}

/// Sets the recovery focus of an offer of this node (replacing what was there); its editors
/// and node admins only, `version` must be current. Counts as confirming the offer current
/// and bumps its version (so peers and the search index pick it up). Returns the offer.
pub async fn set(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    focus: FocusSet,
) -> AppResult<offer::Model> {
    let (txn, mut model) = begin_edit(ctx, actor, id, version).await?;
    save(&txn, &mut model, version).await?;
    write(&txn, &model.id, &focus).await?;
    freshness::touch(
        &txn,
        &model.id,
        &freshness::confirmer(actor),
        model.updated_at,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}
