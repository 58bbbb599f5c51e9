//! The referral list as keyset pages, newest first (`created_at`, then `id`): the referrals
//! of the actor's practices and those sent to its organisations. Each practice's and each
//! organisation's share is one walk of its own index (`referrals.referrer_organisation_id` /
//! `receiving_organisation_id`, then `created_at`, `id`), so a page costs O(page + log N)
//! however many referrals the node holds; the shares are merged in memory.

use super::audit;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::read_model::derived::receiving_col;
use crate::services::Ctx;
use crate::services::page::KeyCursor;
use chrono::{DateTime, Utc};
use entities::{ReferralStatus, offer, referral};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Where a page of referrals starts: after the referral made at `created_at` with `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralCursor {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

impl ReferralCursor {
    /// The cursor of referral `r`.
    pub fn of(r: &referral::Model) -> Self {
        Self {
            created_at: r.created_at,
            id: r.id.clone(),
        }
    }

    /// The opaque form given to clients.
    pub fn encode(&self) -> String {
        KeyCursor {
            key: self.created_at.to_rfc3339(),
            id: self.id.clone(),
        }
        .encode()
    }

    /// Parses a cursor given by a client (`after`).
    pub fn decode(raw: &str) -> AppResult<Self> {
        let c = KeyCursor::decode(raw)?;
        let created_at = DateTime::parse_from_rfc3339(&c.key)
            .map_err(|_| AppError::field("after", "is not a cursor returned by this API"))?
            .with_timezone(&Utc);
        Ok(Self {
            created_at,
            id: c.id,
        })
    }
}

/// Referrals sent to organisation `org`: stored as its referrals, and its offer still is
/// one of `org`'s (the receiving side is the organisation of the offer, as
/// [`super::receiving_organisation`] decides for one referral). The offer's organisation is
/// read as a scalar subquery per row, not `EXISTS`: PostgreSQL turns an `EXISTS` into a
/// semi-join and sorts the organisation's whole list, where a subquery per row lets it walk
/// the `(receiving_organisation_id, created_at, id)` index and stop after the page.
fn received_by(org: &str) -> Condition {
    let organisation_of_offer = Query::select()
        .column((offer::Entity, offer::Column::OrganisationId))
        .from(offer::Entity)
        .and_where(
            Expr::col((offer::Entity, offer::Column::Id))
                .equals((referral::Entity, referral::Column::OfferId)),
        )
        .take();
    Condition::all()
        .add(Expr::col((referral::Entity, receiving_col())).eq(org))
        .add(Expr::SubQuery(None, Box::new(organisation_of_offer.into())).eq(org))
}

/// The shares of the list: one condition per practice and per receiving organisation of
/// `actor`. Empty for anyone else (analysts and admins see no referrals).
fn shares(actor: &Actor) -> AppResult<Vec<Condition>> {
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let practices = actor
        .practices()
        .into_iter()
        .map(|p| Condition::all().add(referral::Column::ReferrerOrganisationId.eq(p)));
    let receiving = actor.receiving_organisations();
    Ok(practices
        .chain(receiving.iter().map(String::as_str).map(received_by))
        .collect())
}

/// Referrals after `after` (newest first) that `share` and `status` select.
fn after_in(
    share: Condition,
    status: Option<ReferralStatus>,
    after: Option<&ReferralCursor>,
) -> Condition {
    let mut c = share.add_option(status.map(|s| referral::Column::Status.eq(s)));
    if let Some(a) = after {
        c = c.add(
            Condition::any()
                .add(referral::Column::CreatedAt.lt(a.created_at))
                .add(
                    Condition::all()
                        .add(referral::Column::CreatedAt.eq(a.created_at))
                        .add(referral::Column::Id.lt(a.id.as_str())),
                ),
        );
    }
    c
}

/// A page of at most `limit` referrals `actor` may see (optionally of one status), newest
/// first, after `after`; and whether more follow. Every returned referral is audited as read.
pub async fn page(
    ctx: &Ctx,
    actor: &Actor,
    status: Option<ReferralStatus>,
    after: Option<&ReferralCursor>,
    limit: u64,
) -> AppResult<(Vec<referral::Model>, bool)> {
    let mut rows: Vec<referral::Model> = Vec::new();
    for share in shares(actor)? {
        rows.extend(
            referral::Entity::find()
                .filter(after_in(share, status, after))
                .order_by_desc(referral::Column::CreatedAt)
                .order_by_desc(referral::Column::Id)
                .limit(limit + 1)
                .all(&ctx.db)
                .await?,
        );
    }
    // Newest first; a referral of the actor's practice to the actor's organisation is in
    // two shares.
    rows.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    rows.dedup_by(|a, b| a.id == b.id);
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    for r in &rows {
        audit(&ctx.db, actor, "read", &r.id).await?;
    }
    Ok((rows, more))
}

/// The number of referrals `actor` may see (optionally of one status), on every page.
pub async fn count(ctx: &Ctx, actor: &Actor, status: Option<ReferralStatus>) -> AppResult<u64> {
    let shares = shares(actor)?;
    if shares.is_empty() {
        return Ok(0);
    }
    let any = shares.into_iter().fold(Condition::any(), Condition::add);
    Ok(referral::Entity::find()
        .filter(any)
        .filter(Condition::all().add_option(status.map(|s| referral::Column::Status.eq(s))))
        .count(&ctx.db)
        .await?)
}
