//! Suitability of an offer: setting it (with the offer's optimistic version, by its editors),
//! reading it, and checking a referral against it.
//!
//! A referral that conflicts (one of the offer's contra-indications ticked, or an age outside
//! the offer's range) is refused with `NEEDS_CONFIRMATION` naming the conflicts, unless the
//! referrer confirms; then only the moment of that confirmation is stored with the referral.

use super::edit::{begin_edit, save};
use super::freshness;
use crate::db;
use crate::domain::suitability::{Conflict, ContraIndication, Suitability, SuitabilityAnswers};
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use chrono::{DateTime, Utc};
use entities::json::StringList;
use entities::{offer, offer_suitability, referral_suitability_confirmation};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use std::collections::HashMap;

/// The suitability stored for `offer_id` (empty when none is); unknown codes are skipped.
pub async fn load(db: &impl ConnectionTrait, offer_id: &str) -> AppResult<Suitability> {
    let Some(row) = offer_suitability::Entity::find_by_id(offer_id)
        .one(db)
        .await?
    else {
        return Ok(Suitability::default());
    };
    Ok(from_row(row))
}

fn from_row(row: offer_suitability::Model) -> Suitability {
    Suitability {
        contra_indications: row
            .contra_indications
            .0
            .iter()
            .filter_map(|c| ContraIndication::parse(c).ok())
            .collect(),
        note: row.note,
        commitments: row.commitments.0,
    }
}

/// The stored suitability of each of `ids` that has one (absent: none stored). One
/// statement per 30,000 ids.
pub async fn by_offer(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, Suitability>> {
    let column = offer_suitability::Column::OfferId;
    let rows = db::find_in(db, offer_suitability::Entity::find(), column, ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.offer_id.clone(), from_row(r)))
        .collect())
}

/// Replaces the stored suitability of each offer of `items` (none: removes it), in a constant
/// number of statements for the whole batch.
pub async fn write_many(
    db: &impl ConnectionTrait,
    items: &[(&str, Option<&Suitability>)],
) -> AppResult<()> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.to_string()).collect();
    db::delete_in::<offer_suitability::Entity>(db, offer_suitability::Column::OfferId, &ids)
        .await?;
    let rows = (items.iter())
        .filter_map(|(id, s)| s.map(|s| row_of(id, s.clone())))
        .collect();
    db::insert_all(db, rows, None).await?;
    Ok(())
}

/// Replaces the stored suitability of offer `offer_id` (none: removes it).
pub async fn write(
    db: &impl ConnectionTrait,
    offer_id: &str,
    suitability: Option<&Suitability>,
) -> AppResult<()> {
    write_many(db, &[(offer_id, suitability)]).await
}

fn row_of(offer_id: &str, suitability: Suitability) -> offer_suitability::ActiveModel {
    offer_suitability::ActiveModel {
        offer_id: Set(offer_id.to_string()),
        contra_indications: Set(StringList(
            suitability
                .contra_indications
                .iter()
                .map(|c| c.code().to_string())
                .collect(),
        )),
        note: Set(suitability.note),
        commitments: Set(StringList(suitability.commitments)),
    }
}

/// Sets the suitability of an offer of this node; its editors only, `version` must be
/// current. Counts as a confirmation that the offer is current. Returns the offer.
pub async fn set(
    ctx: &Ctx,
    actor: &Actor,
    id: &GlobalId,
    version: i32,
    suitability: Suitability,
) -> AppResult<offer::Model> {
    let (txn, mut model) = begin_edit(ctx, actor, id, version).await?;
    save(&txn, &mut model, version).await?;
    let row = row_of(&model.id, suitability);
    offer_suitability::Entity::insert(row)
        .on_conflict(
            OnConflict::column(offer_suitability::Column::OfferId)
                .update_columns([
                    offer_suitability::Column::ContraIndications,
                    offer_suitability::Column::Note,
                    offer_suitability::Column::Commitments,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
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

/// Checks a referral's answers against `offer`'s suitability: `Ok(None)` without conflicts,
/// `Ok(Some(now))` when there are conflicts and the referrer confirmed, `NEEDS_CONFIRMATION`
/// naming the conflicts otherwise.
pub async fn check_referral(
    db: &impl ConnectionTrait,
    offer: &offer::Model,
    answers: &SuitabilityAnswers,
) -> AppResult<Option<DateTime<Utc>>> {
    let suitability = load(db, &offer.id).await?;
    let conflicts = suitability.conflicts(offer.min_age, offer.max_age, answers);
    if conflicts.is_empty() {
        return Ok(None);
    }
    if answers.confirmed {
        return Ok(Some(Utc::now()));
    }
    Err(AppError::NeedsConfirmation {
        message: "this referral conflicts with who the offer is for; confirm to send it anyway"
            .into(),
        conflicts: conflicts
            .iter()
            .map(|c| Conflict::code(*c).to_string())
            .collect(),
    })
}

/// Stores that the referrer confirmed `referral_id` despite a conflict (only the moment).
pub async fn record_confirmation(
    db: &impl ConnectionTrait,
    referral_id: &str,
    confirmed_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    if let Some(at) = confirmed_at {
        referral_suitability_confirmation::Entity::insert(
            referral_suitability_confirmation::ActiveModel {
                referral_id: Set(referral_id.to_string()),
                confirmed_at: Set(at),
            },
        )
        .exec(db)
        .await?;
    }
    Ok(())
}

/// When the referrer confirmed `referral_id` despite a conflict, if they had to.
pub async fn confirmed_at(
    db: &impl ConnectionTrait,
    referral_id: &str,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(
        referral_suitability_confirmation::Entity::find_by_id(referral_id)
            .one(db)
            .await?
            .map(|r| r.confirmed_at),
    )
}
