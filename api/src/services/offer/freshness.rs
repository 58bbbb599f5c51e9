//! Fresh listings: when an offer was last confirmed current and by whom, confirming in one
//! click, and which offers are stale (not confirmed for `[offers] stale_after_days`).
//!
//! Every edit of an offer by its editors (create, update, publish, suitability) counts as a
//! confirmation too ([`touch`]). Offers without a row (none after the migration, which
//! started every offer confirmed at its `updated_at`) count as confirmed at `updated_at`.

use super::edit::load_own;
use crate::db;
use crate::domain::{Actor, GlobalId};
use crate::error::AppResult;
use crate::services::{Ctx, changes};
use chrono::{DateTime, Duration, Utc};
use entities::{ChangeOp, OfferStatus, RecordKind, offer, offer_confirmation};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// When an offer was last confirmed current, and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    pub confirmed_at: DateTime<Utc>,
    /// A display name or organisation; none when the offer started confirmed at its last
    /// change.
    pub confirmed_by: Option<String>,
}

impl Freshness {
    /// Whether the confirmation is older than `cutoff` ([`stale_cutoff`]).
    pub fn is_stale(&self, cutoff: DateTime<Utc>) -> bool {
        self.confirmed_at < cutoff
    }

    /// Whole months between the confirmation and `now` (30.44 days each).
    pub fn months_ago(&self, now: DateTime<Utc>) -> i64 {
        (now - self.confirmed_at).num_days() * 100 / 3044
    }
}

/// The moment before which a confirmation is stale: `now` minus `after_days`.
pub fn stale_cutoff(now: DateTime<Utc>, after_days: i64) -> DateTime<Utc> {
    now - Duration::days(after_days)
}

/// Who `actor` is, as stored with a confirmation: the user's display name.
pub fn confirmer(actor: &Actor) -> String {
    actor
        .user()
        .map_or_else(|_| "Wijkwijzer".to_string(), |u| u.display_name.clone())
}

/// Records that `offer_id` was confirmed current at `at` by `by`; resets its reminder.
pub async fn touch(
    db: &impl ConnectionTrait,
    offer_id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    offer_confirmation::Entity::insert(offer_confirmation::ActiveModel {
        offer_id: Set(offer_id.to_string()),
        confirmed_at: Set(at),
        confirmed_by: Set(Some(by.to_string())),
        reminded_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(offer_confirmation::Column::OfferId)
            .update_columns([
                offer_confirmation::Column::ConfirmedAt,
                offer_confirmation::Column::ConfirmedBy,
                offer_confirmation::Column::RemindedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Confirms an offer of this node current (its editors and node admins only); peers see the
/// new date with the offer's next feed entry. The offer's version does not change.
pub async fn confirm(ctx: &Ctx, actor: &Actor, id: &GlobalId) -> AppResult<Freshness> {
    let txn = db::begin_write(&ctx.db).await?;
    let model = load_own(&txn, &ctx.node_id, id).await?;
    actor.require_edit_organisation(&model.organisation_id)?;
    let fresh = Freshness {
        confirmed_at: Utc::now(),
        confirmed_by: Some(confirmer(actor)),
    };
    let by = fresh.confirmed_by.as_deref().unwrap_or_default();
    touch(&txn, &model.id, by, fresh.confirmed_at).await?;
    changes::record(
        &txn,
        RecordKind::Offer,
        &model.id,
        ChangeOp::Upsert,
        &model.origin_node,
    )
    .await?;
    txn.commit().await?;
    Ok(fresh)
}

/// The freshness of `offer`.
pub async fn of(db: &impl ConnectionTrait, offer: &offer::Model) -> AppResult<Freshness> {
    let row = offer_confirmation::Entity::find_by_id(offer.id.as_str())
        .one(db)
        .await?;
    Ok(from_row(offer, row.as_ref()))
}

/// The freshness of `offer` given its confirmation row (none: confirmed at its last change).
pub fn from_row(offer: &offer::Model, row: Option<&offer_confirmation::Model>) -> Freshness {
    row.map_or_else(
        || Freshness {
            confirmed_at: offer.updated_at,
            confirmed_by: None,
        },
        |r| Freshness {
            confirmed_at: r.confirmed_at,
            confirmed_by: r.confirmed_by.clone(),
        },
    )
}

/// Whether an `offers` row was confirmed current at or after `cutoff` (not stale, see
/// [`Freshness::is_stale`]) as an SQL condition (columns qualified with the table names): its
/// confirmation's date, else its `updated_at`, as [`of`] reads it. Keep it in step with [`of`]
/// and [`stale_ids`] (the `activity_rules_agree_in_sql` integration test compares them).
pub fn confirmed_since_expr(cutoff: DateTime<Utc>) -> Expr {
    let confirmed = Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .column((
                    offer_confirmation::Entity,
                    offer_confirmation::Column::ConfirmedAt,
                ))
                .from(offer_confirmation::Entity)
                .and_where(
                    Expr::col((
                        offer_confirmation::Entity,
                        offer_confirmation::Column::OfferId,
                    ))
                    .equals((offer::Entity, offer::Column::Id)),
                )
                .take()
                .into(),
        ),
    );
    Expr::from(Func::coalesce([
        confirmed,
        Expr::col((offer::Entity, offer::Column::UpdatedAt)),
    ]))
    .gte(cutoff)
}

/// The confirmation rows of each of `ids` that has one. One statement per 30,000 ids.
pub async fn rows_by_offer(
    db: &impl ConnectionTrait,
    ids: &[impl AsRef<str>],
) -> AppResult<HashMap<String, offer_confirmation::Model>> {
    let column = offer_confirmation::Column::OfferId;
    let rows = db::find_in(db, offer_confirmation::Entity::find(), column, ids).await?;
    Ok(rows.into_iter().map(|r| (r.offer_id.clone(), r)).collect())
}

/// Stores when a peer says each of its offers was last confirmed current (never by whom:
/// that is a person of the peer's node); none removes the row, so the offer counts as
/// confirmed at its last change, as before peers sent the date. A constant number of
/// statements for the whole batch.
pub async fn store_mirrored(
    db: &impl ConnectionTrait,
    items: &[(&str, Option<DateTime<Utc>>)],
) -> AppResult<()> {
    let ids: Vec<String> = items.iter().map(|(id, _)| id.to_string()).collect();
    db::delete_in::<offer_confirmation::Entity>(db, offer_confirmation::Column::OfferId, &ids)
        .await?;
    let rows = (items.iter())
        .filter_map(|(id, at)| {
            at.map(|at| offer_confirmation::ActiveModel {
                offer_id: Set(id.to_string()),
                confirmed_at: Set(at),
                confirmed_by: Set(None),
                reminded_at: Set(None),
            })
        })
        .collect();
    db::insert_all(db, rows, None).await?;
    Ok(())
}

/// The freshness of each of `offers`, in two statements at most.
pub async fn of_many(
    db: &impl ConnectionTrait,
    offers: &[offer::Model],
) -> AppResult<HashMap<String, Freshness>> {
    let rows: HashMap<String, offer_confirmation::Model> = offer_confirmation::Entity::find()
        .filter(offer_confirmation::Column::OfferId.is_in(offers.iter().map(|o| o.id.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.offer_id.clone(), r))
        .collect();
    Ok(offers
        .iter()
        .map(|o| (o.id.clone(), from_row(o, rows.get(&o.id))))
        .collect())
}

/// Offers of this node, not ended, not confirmed since `cutoff`, whose organisation `actor`
/// may edit (all for node admins), oldest confirmation first.
pub async fn stale_for(
    ctx: &Ctx,
    actor: &Actor,
    cutoff: DateTime<Utc>,
) -> AppResult<Vec<(offer::Model, Freshness)>> {
    let offers: Vec<offer::Model> = offer::Entity::find()
        .filter(offer::Column::OriginNode.eq(ctx.node_id.as_str()))
        .filter(offer::Column::Status.ne(OfferStatus::Ended))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|o| actor.can_edit_organisation(&o.organisation_id))
        .collect();
    let mut fresh = of_many(&ctx.db, &offers).await?;
    let mut out: Vec<(offer::Model, Freshness)> = offers
        .into_iter()
        .filter_map(|o| {
            let f = fresh.remove(&o.id)?;
            f.is_stale(cutoff).then_some((o, f))
        })
        .collect();
    out.sort_by_key(|(_, f)| f.confirmed_at);
    Ok(out)
}

/// Ids of all offers (local and mirrored) not confirmed since `cutoff`.
pub async fn stale_ids(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> AppResult<std::collections::HashSet<String>> {
    let offers = offer::Entity::find().all(db).await?;
    let fresh = of_many(db, &offers).await?;
    Ok(fresh
        .into_iter()
        .filter(|(_, f)| f.is_stale(cutoff))
        .map(|(id, _)| id)
        .collect())
}
