//! Queries on referrals; every referral returned is written to the audit log.

use super::types::{PracticeReferralStats, Referral, ReferralCount};
use crate::domain::GlobalId;
use crate::graphql::enums::ReferralStatus;
use crate::graphql::{actor, app};
use crate::services::{page, referral as svc};
use async_graphql::{Context, ID, Object, Result};
use chrono::NaiveDate;

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
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
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
    /// analysts of that gemeente and node admins).
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
