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
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeSet, HashSet};

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

/// One share of the list: the referrals of one of the actor's practices, or those sent to
/// one of its organisations.
enum Share {
    Practice(String),
    Received(String),
}

impl Share {
    /// The referrals of the share as one index walk: by the practice, or by the stored
    /// receiving organisation (`referrals.receiving_organisation_id`).
    fn candidates(&self) -> Condition {
        match self {
            Share::Practice(p) => {
                Condition::all().add(referral::Column::ReferrerOrganisationId.eq(p.as_str()))
            }
            Share::Received(org) => {
                Condition::all().add(Expr::col((referral::Entity, receiving_col())).eq(org))
            }
        }
    }

    /// Exactly the share's referrals, as one condition (for counting): for an organisation,
    /// the candidates whose offer still is one of its offers (the receiving side is the
    /// organisation of the offer, as [`super::receiving_organisation`] decides for one
    /// referral). Keep it in step with [`Share::keep`].
    fn exact(&self) -> Condition {
        match self {
            Share::Practice(_) => self.candidates(),
            Share::Received(org) => {
                let offer_of_org = Query::select()
                    .expr(Expr::val(1))
                    .from(offer::Entity)
                    .and_where(
                        Expr::col((offer::Entity, offer::Column::Id))
                            .equals((referral::Entity, referral::Column::OfferId)),
                    )
                    .and_where(Expr::col((offer::Entity, offer::Column::OrganisationId)).eq(org))
                    .take();
                self.candidates().add(Expr::exists(offer_of_org))
            }
        }
    }

    /// The candidates of `batch` that are the share's (see [`Share::exact`]): for an
    /// organisation, one statement reads which of their offers still are its offers. Checked
    /// after the walk rather than in it: PostgreSQL turns the condition into a semi-join and
    /// sorts the organisation's whole list instead of walking its index.
    async fn keep(
        &self,
        db: &impl ConnectionTrait,
        mut batch: Vec<referral::Model>,
    ) -> AppResult<Vec<referral::Model>> {
        let Share::Received(org) = self else {
            return Ok(batch);
        };
        let offer_ids: BTreeSet<&str> = batch.iter().map(|r| r.offer_id.as_str()).collect();
        let owned: HashSet<String> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .filter(offer::Column::Id.is_in(offer_ids))
            .filter(offer::Column::OrganisationId.eq(org.as_str()))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        batch.retain(|r| owned.contains(&r.offer_id));
        Ok(batch)
    }

    /// The first `limit + 1` referrals of the share after `after` (newest first), or all of
    /// them when fewer: one walk of the share's index in batches of `limit + 1`, each batch
    /// checked by [`Share::keep`], so a page costs O(page + log N).
    async fn walk(
        &self,
        db: &impl ConnectionTrait,
        status: Option<ReferralStatus>,
        after: Option<&ReferralCursor>,
        limit: u64,
    ) -> AppResult<Vec<referral::Model>> {
        let mut kept = Vec::new();
        let mut from = after.cloned();
        loop {
            let batch = referral::Entity::find()
                .filter(after_in(self.candidates(), status, from.as_ref()))
                .order_by_desc(referral::Column::CreatedAt)
                .order_by_desc(referral::Column::Id)
                .limit(limit + 1)
                .all(db)
                .await?;
            let full = batch.len() as u64 > limit;
            from = batch.last().map(ReferralCursor::of);
            kept.extend(self.keep(db, batch).await?);
            if !full || kept.len() as u64 > limit {
                return Ok(kept);
            }
        }
    }
}

/// The shares of the list: one per practice and per receiving organisation of `actor`.
/// Empty for anyone else (analysts and admins see no referrals).
fn shares(actor: &Actor) -> AppResult<Vec<Share>> {
    if matches!(actor, Actor::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    let practices = actor.practices().into_iter().map(Share::Practice);
    let receiving = (actor.receiving_organisations().into_iter()).map(Share::Received);
    Ok(practices.chain(receiving).collect())
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
        rows.extend(share.walk(&ctx.db, status, after, limit).await?);
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
    let any = (shares.iter().map(Share::exact)).fold(Condition::any(), Condition::add);
    Ok(referral::Entity::find()
        .filter(any)
        .filter(Condition::all().add_option(status.map(|s| referral::Column::Status.eq(s))))
        .count(&ctx.db)
        .await?)
}
