//! Queries on referrals; every referral returned is written to the audit log.

use super::types::{PracticeReferralStats, Referral, ReferralCount};
use crate::domain::GlobalId;
use crate::graphql::enums::ReferralStatus;
use crate::graphql::{actor, app};
use crate::services::referral::pages::{self, ReferralCursor};
use crate::services::{page, referral as svc};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;

/// Extra fields of a referral list.
pub struct ReferralListInfo {
    status: Option<entities::ReferralStatus>,
}

#[Object]
impl ReferralListInfo {
    /// Number of referrals you may see with this filter (all pages); counted only when asked.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(pages::count(app(ctx)?, actor(ctx)?, self.status).await?)
    }
}

/// A page of referrals (Relay connection).
pub type ReferralConnection = Connection<String, Referral, ReferralListInfo, EmptyFields>;

/// Queries on referrals.
#[derive(Default)]
pub struct ReferralQuery;

#[Object]
impl ReferralQuery {
    /// One referral sent by your practice or to your organisation.
    async fn referral(&self, ctx: &Context<'_>, id: ID) -> Result<Referral> {
        let id = GlobalId::parse(&id).map_err(|e| e.in_field("id"))?;
        Ok(Referral(svc::get(app(ctx)?, actor(ctx)?, &id).await?))
    }

    /// Referrals sent by your practices and to your organisations, newest first.
    #[graphql(
        complexity = "crate::graphql::cost::page(first, child_complexity)",
        deprecation = "only the newest page can be reached; use referralsConnection"
    )]
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        status: Option<ReferralStatus>,
        first: Option<i32>,
    ) -> Result<Vec<Referral>> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        Ok(svc::list(state, actor(ctx)?, status.map(Into::into), limit)
            .await?
            .into_iter()
            .map(Referral)
            .collect())
    }

    /// Referrals sent by your practices and to your organisations, newest first, paged with
    /// `first` and `after` (a Relay connection, keyset on creation time and id; `totalCount`
    /// on request). Optionally of one status. Every referral returned is audited as read.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn referrals_connection(
        &self,
        ctx: &Context<'_>,
        status: Option<ReferralStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReferralConnection> {
        let state = app(ctx)?;
        let limit = page::page_size(first, &state.config.limits)?;
        let after = after.as_deref().map(ReferralCursor::decode).transpose()?;
        let status = status.map(Into::into);
        let (rows, more) = pages::page(state, actor(ctx)?, status, after.as_ref(), limit).await?;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), more, ReferralListInfo { status });
        conn.edges.extend(
            rows.into_iter()
                .map(|r| Edge::new(ReferralCursor::of(&r).encode(), Referral(r))),
        );
        Ok(conn)
    }

    /// Anonymous figures of the referrals your practice sent from `from` to `to` (both days
    /// included), in total and per offer: sent, accepted, started, completed, stopped (per
    /// reason) and the median days to the organisation's first answer. Users of that
    /// practice only (FORBIDDEN otherwise); no referral or person is shown.
    async fn practice_referral_stats(
        &self,
        ctx: &Context<'_>,
        practice_id: ID,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PracticeReferralStats> {
        let practice = GlobalId::parse(&practice_id).map_err(|e| e.in_field("practiceId"))?;
        let stats = svc::stats::practice_stats(app(ctx)?, actor(ctx)?, &practice, from, to).await?;
        Ok(stats.into())
    }

    /// Anonymous counts per status of referrals to offers serving a gemeente (municipality
    /// analysts of that gemeente and node admins). Suppressed as every referral figure: a
    /// status with fewer than 5 referrals (or hidden to protect one) is left out.
    async fn referral_counts(
        &self,
        ctx: &Context<'_>,
        gemeente_code: String,
    ) -> Result<Vec<ReferralCount>> {
        Ok(
            svc::counts_by_status(app(ctx)?, actor(ctx)?, &gemeente_code)
                .await?
                .into_iter()
                .map(|(status, count)| ReferralCount {
                    status: status.into(),
                    count,
                })
                .collect(),
        )
    }
}
