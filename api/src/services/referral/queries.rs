//! Reading referrals: one, a list, their events, whether an offer has any, and anonymous counts
//! for analysts. Every referral returned to a person is written to the audit log.

use super::audit;
use super::lifecycle::side_of;
use crate::domain::{Actor, AreaCode, GlobalId};
use crate::error::{AppError, AppResult};
use crate::services::Ctx;
use crate::services::insight::suppress::{Line, suppress};
use crate::services::insight::{Scope, require_reach};
use entities::{ReferralStatus, offer, referral, referral_event};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One referral the actor may see (`NOT_FOUND` otherwise, so ids do not leak); audited.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &GlobalId) -> AppResult<referral::Model> {
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let model = referral::Entity::find_by_id(id.to_string())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("referral {id}")))?;
    let receiving = super::receiving_organisation(&ctx.db, &model.offer_id).await?;
    if side_of(actor, &model, &receiving).is_none() {
        return Err(AppError::NotFound(format!("referral {id}")));
    }
    audit(&ctx.db, actor, "read", &model.id).await?;
    Ok(model)
}

/// Referrals the actor may see, newest first: those of its practices and those sent to its
/// organisations; the first page of [`super::pages::page`]. Analysts and admins see none.
/// Every returned referral is audited as read.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    status: Option<ReferralStatus>,
    limit: u64,
) -> AppResult<Vec<referral::Model>> {
    Ok(super::pages::page(ctx, actor, status, None, limit).await?.0)
}

/// Whether any referral names offer `offer_id`. Such an offer is ended rather than deleted, so
/// both sides keep reading (and the referrer cancelling) its referrals with the offer's title.
pub async fn offer_has_referrals(db: &impl ConnectionTrait, offer_id: &str) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(referral::Entity::find()
        .filter(referral::Column::OfferId.eq(offer_id))
        .count(db)
        .await?
        > 0)
}

/// The event log of a referral, oldest first (the caller has checked visibility).
pub async fn events(
    db: &impl ConnectionTrait,
    referral_id: &str,
) -> AppResult<Vec<referral_event::Model>> {
    Ok(referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.eq(referral_id))
        .order_by_asc(referral_event::Column::Id)
        .all(db)
        .await?)
}

/// Anonymous referral counts per status for offers of organisations serving `gemeente_code`,
/// for those who may see the gemeente's referral figures ([`require_reach`]: its analysts and
/// node admins). The counts are suppressed as every referral figure shown to analysts
/// ([`suppress`]: the statuses with the total as one line), and a status whose count is hidden
/// is left out, so a missing status means "none" or "fewer than 5".
pub async fn counts_by_status(
    ctx: &Ctx,
    actor: &Actor,
    gemeente_code: &str,
) -> AppResult<Vec<(ReferralStatus, u64)>> {
    let gemeente = AreaCode::parse_gemeente(gemeente_code, "gemeenteCode")?;
    require_reach(actor, &Scope::Gemeente(gemeente))?;
    let db = &ctx.db;
    let area_codes: Vec<String> = entities::area::Entity::find()
        .select_only()
        .column(entities::area::Column::Code)
        .filter(entities::area::Column::GemeenteCode.eq(gemeente_code))
        .into_tuple()
        .all(db)
        .await?;
    let org_ids: Vec<String> = entities::organisation_area::Entity::find()
        .select_only()
        .column(entities::organisation_area::Column::OrganisationId)
        .filter(entities::organisation_area::Column::AreaCode.is_in(area_codes))
        .into_tuple()
        .all(db)
        .await?;
    let offer_ids: Vec<String> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .filter(offer::Column::OrganisationId.is_in(org_ids))
        .into_tuple()
        .all(db)
        .await?;
    let rows: Vec<(ReferralStatus, i64)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Status)
        .column_as(referral::Column::Id.count(), "n")
        .filter(referral::Column::OfferId.is_in(offer_ids))
        .group_by(referral::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut rows: Vec<(ReferralStatus, u64)> = rows
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
        .collect();
    rows.sort();
    let mut counts: Vec<u64> = rows.iter().map(|(_, n)| *n).collect();
    counts.push(counts.iter().sum());
    let line = Line {
        members: (0..rows.len()).collect(),
        total: rows.len(),
    };
    let cells = suppress(&counts, &[line]);
    Ok(rows
        .into_iter()
        .zip(cells)
        .filter_map(|((status, _), cell)| cell.count().map(|n| (status, n)))
        .collect())
}
