//! Anonymous referral flows of a gemeente, for its analysts: referrals to offers located in it
//! (or, separately, from practices serving it) per step of a period, per wijk, per kind of
//! offer or per life domain, with what became of them and the unmet demand.
//!
//! Definitions, for referrals *sent* in the period (by `created_at`):
//! - **accepted** / **started**: ever moved to `accepted` / `in_progress`;
//! - **completed**: closed with the outcome `completed` (took part to the end);
//! - **stopped**: closed with the outcome `stopped` (per reason in [`Flows::stop_reasons`]);
//! - **to a full offer**: the offer had no open places when the referral was made;
//! - **rejected**: status `rejected`, split into "the offer was full" and "other" (the free
//!   text reason never leaves the organisation);
//! - rates are over the referrals sent; medians are in days, from sending to the first move to
//!   `accepted`, and to the first meeting's date.
//!
//! A wijk is the wijk of the offer's first location. Per life domain, a referral counts once
//! for each domain of its offer, so those rows add up to more than the total.

use super::sql::{self, By, KEY, R, col, count, first_reached, reached};
use super::suppress::{self, Cell, Line};
use super::{Period, Scope, require_reach};
use crate::domain::{Actor, AreaCode};
use crate::error::AppResult;
use crate::read_model::derived;
use crate::services::Ctx;
use chrono::{DateTime, NaiveDate, Utc};
use entities::{
    LifeDomain, OfferKind, ReferralOutcome, ReferralStatus, StopReason, area, offer_life_domain,
    referral,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Which referrals of a gemeente.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// To offers located in it.
    ToOffers,
    /// From practices serving it.
    FromPractices,
}

/// What the rows of a flow table are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowGroup {
    Period,
    Wijk,
    Kind,
    LifeDomain,
}

/// A question for [`referral_flows`].
#[derive(Clone, Debug)]
pub struct FlowQuery {
    pub gemeente: AreaCode,
    pub side: Side,
    pub period: Period,
    pub group_by: FlowGroup,
}

/// The measures of a row, in this order in [`FlowRow::cells`] and in CSV.
pub const MEASURES: [&str; 9] = [
    "sent",
    "accepted",
    "started",
    "completed",
    "stopped",
    "to_full_offer",
    "rejected",
    "rejected_offer_full",
    "rejected_other",
];
const SENT: usize = 0;
const ACCEPTED: usize = 1;
const STARTED: usize = 2;
const COMPLETED: usize = 3;
const STOPPED: usize = 4;
const REJECTED: usize = 6;
const REJECTED_FULL: usize = 7;
const REJECTED_OTHER: usize = 8;

/// One row of a flow table, suppressed.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRow {
    /// The step (`2026-03`), wijk code, kind or life domain; empty for "unknown" and `total`
    /// for the total row.
    pub key: String,
    /// The wijk's name for a wijk row; else the key.
    pub label: String,
    /// One cell per [`MEASURES`].
    pub cells: Vec<Cell>,
    pub acceptance_rate: Option<f64>,
    pub start_rate: Option<f64>,
    pub completion_rate: Option<f64>,
    pub median_days_to_accepted: Option<f64>,
    pub median_days_to_first_meeting: Option<f64>,
}

impl FlowRow {
    /// The cell of measure `name` (one of [`MEASURES`]).
    pub fn cell(&self, name: &str) -> Cell {
        MEASURES
            .iter()
            .position(|m| *m == name)
            .and_then(|i| self.cells.get(i).copied())
            .unwrap_or(Cell::Suppressed)
    }
}

/// A gemeente's flow table.
#[derive(Clone, Debug, PartialEq)]
pub struct Flows {
    pub gemeente: String,
    pub side: Side,
    pub period: Period,
    pub group_by: FlowGroup,
    pub rows: Vec<FlowRow>,
    pub total: FlowRow,
    /// Stopped referrals per reason (`None`: no reason given), adding up to the total's stopped.
    pub stop_reasons: Vec<(Option<StopReason>, Cell)>,
}

/// The counts and median inputs of one row, before suppression.
#[derive(Clone, Debug, Default)]
struct Raw {
    counts: [u64; MEASURES.len()],
    to_accepted: Vec<f64>,
    to_first_meeting: Vec<f64>,
}

/// The flow table of `q`, for analysts of that gemeente and node admins.
pub async fn referral_flows(ctx: &Ctx, actor: &Actor, q: &FlowQuery) -> AppResult<Flows> {
    require_reach(actor, &Scope::Gemeente(q.gemeente.clone()))?;
    let codes = vec![q.gemeente.to_string()];
    let by = match q.side {
        Side::ToOffers => By::OfferIn,
        Side::FromPractices => By::PracticeIn,
    };
    let key = key_expr(q);
    let mut raw = load_counts(&ctx.db, by, &codes, q, key.clone()).await?;
    load_days(&ctx.db, by, &codes, q, key, &mut raw).await?;
    let total = if q.group_by == FlowGroup::LifeDomain {
        // A referral counts under each domain of its offer: the total is not their sum.
        let whole = FlowQuery {
            group_by: FlowGroup::Period,
            ..q.clone()
        };
        let mut t = load_counts(&ctx.db, by, &codes, &whole, Expr::val("total")).await?;
        load_days(&ctx.db, by, &codes, &whole, Expr::val("total"), &mut t).await?;
        Some(t.remove("total").unwrap_or_default())
    } else {
        None
    };
    let reasons = load_stop_reasons(&ctx.db, by, &codes, &q.period).await?;
    let keys = row_keys(&ctx.db, q, &raw).await?;
    Ok(assemble(q, keys, raw, total, reasons))
}

/// The row keys in order with their labels: every step, kind or domain (zeros included);
/// the wijken with referrals, by name; "unknown" last when present.
async fn row_keys(
    db: &impl ConnectionTrait,
    q: &FlowQuery,
    raw: &HashMap<String, Raw>,
) -> AppResult<Vec<(String, String)>> {
    let same = |k: &str| (k.to_string(), k.to_string());
    let mut keys: Vec<(String, String)> = match q.group_by {
        FlowGroup::Period => q.period.steps().iter().map(|s| same(&s.key)).collect(),
        FlowGroup::Kind => OfferKind::ALL.iter().map(|k| same(k.as_str())).collect(),
        FlowGroup::LifeDomain => LifeDomain::ALL.iter().map(|d| same(d.as_str())).collect(),
        FlowGroup::Wijk => {
            let codes: Vec<String> = raw.keys().filter(|k| !k.is_empty()).cloned().collect();
            let mut named: Vec<(String, String)> = area::Entity::find()
                .select_only()
                .column(area::Column::Code)
                .column(area::Column::Name)
                .filter(area::Column::Code.is_in(codes))
                .into_tuple()
                .all(db)
                .await?;
            named.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            named
        }
    };
    let known: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let mut rest: Vec<&String> = raw.keys().filter(|k| !known.contains(k)).collect();
    rest.sort();
    keys.extend(rest.into_iter().map(|k| (k.clone(), k.clone())));
    Ok(keys)
}

/// The grouping key of `q` as an expression over the scope's aliases.
fn key_expr(q: &FlowQuery) -> Expr {
    match q.group_by {
        FlowGroup::Period => sql::step_key(&q.period.steps()),
        FlowGroup::Wijk => col(R, derived::offer_wijk_col()),
        FlowGroup::Kind => col(R, derived::offer_kind_col()),
        FlowGroup::LifeDomain => col("d", offer_life_domain::Column::LifeDomain),
    }
}

/// The scope of `q`, with the life domains joined when grouped by them.
fn grouped_scope(by: By, codes: &[String], q: &FlowQuery) -> SelectStatement {
    let mut s = sql::scope(by, codes, &q.period);
    if q.group_by == FlowGroup::LifeDomain {
        s.join_as(
            JoinType::LeftJoin,
            offer_life_domain::Entity,
            Alias::new("d"),
            col("d", offer_life_domain::Column::OfferId)
                .equals((Alias::new(R), referral::Column::OfferId)),
        );
    }
    s
}

/// The counts per row key, in one grouped statement (the key computed in an inner select and
/// grouped on outside, so both databases group on the same expression).
async fn load_counts(
    db: &impl ConnectionTrait,
    by: By,
    codes: &[String],
    q: &FlowQuery,
    key: Expr,
) -> AppResult<HashMap<String, Raw>> {
    use referral::Column as C;
    let status = |s: ReferralStatus| col(R, C::Status).eq(s.as_str());
    let outcome = |o: ReferralOutcome| col(R, C::Outcome).eq(o.as_str());
    let full = || col(R, C::OfferWasFull).eq(true);
    let flags: [(&str, Expr); 7] = [
        ("accepted", reached(ReferralStatus::Accepted)),
        ("started", reached(ReferralStatus::InProgress)),
        ("completed", outcome(ReferralOutcome::Completed)),
        ("stopped", outcome(ReferralOutcome::Stopped)),
        ("to_full_offer", full()),
        ("rejected", status(ReferralStatus::Rejected)),
        (
            "rejected_offer_full",
            status(ReferralStatus::Rejected).and(full()),
        ),
    ];
    let mut inner = grouped_scope(by, codes, q);
    inner.expr_as(key, Alias::new(KEY));
    for (name, cond) in flags {
        inner.expr_as(
            Expr::Case(Box::new(
                sea_orm::sea_query::CaseStatement::new()
                    .case(cond, Expr::val(1))
                    .finally(Expr::val(0)),
            )),
            Alias::new(name),
        );
    }
    let t = Alias::new("t");
    let mut outer = Query::select();
    outer
        .expr_as(Expr::col((t.clone(), Alias::new(KEY))), Alias::new(KEY))
        .from_subquery(inner, t.clone())
        .group_by_col((t.clone(), Alias::new(KEY)));
    for name in MEASURES
        .iter()
        .filter(|m| **m != "sent" && **m != "rejected_other")
    {
        outer.expr_as(
            Expr::col((t.clone(), Alias::new(*name))).sum(),
            Alias::new(*name),
        );
    }
    outer.expr_as(Expr::cust("COUNT(*)"), Alias::new("sent"));
    let mut out: HashMap<String, Raw> = HashMap::new();
    for row in db.query_all(&outer).await? {
        let key: Option<String> = row.try_get("", KEY)?;
        let mut raw = Raw::default();
        for (i, name) in MEASURES.iter().enumerate() {
            if i != REJECTED_OTHER {
                raw.counts[i] = count(&row, name)?;
            }
        }
        raw.counts[REJECTED_OTHER] = raw.counts[REJECTED].saturating_sub(raw.counts[REJECTED_FULL]);
        out.insert(key.unwrap_or_default(), raw);
    }
    Ok(out)
}

/// The days to acceptance and to the first meeting of the accepted or met referrals, per key.
async fn load_days(
    db: &impl ConnectionTrait,
    by: By,
    codes: &[String],
    q: &FlowQuery,
    key: Expr,
    raw: &mut HashMap<String, Raw>,
) -> AppResult<()> {
    use referral::Column as C;
    let mut s = grouped_scope(by, codes, q);
    s.expr_as(key, Alias::new(KEY))
        .expr_as(col(R, C::CreatedAt), Alias::new("sent_at"))
        .expr_as(
            first_reached(ReferralStatus::Accepted),
            Alias::new("accepted_at"),
        )
        .expr_as(col(R, C::FirstMeetingOn), Alias::new("met_on"))
        .and_where(reached(ReferralStatus::Accepted).or(col(R, C::FirstMeetingOn).is_not_null()));
    for row in db.query_all(&s).await? {
        let key: Option<String> = row.try_get("", KEY)?;
        let sent: DateTime<Utc> = row.try_get("", "sent_at")?;
        let accepted: Option<DateTime<Utc>> = row.try_get("", "accepted_at")?;
        let met: Option<NaiveDate> = row.try_get("", "met_on")?;
        let r = raw.entry(key.unwrap_or_default()).or_default();
        if let Some(a) = accepted {
            r.to_accepted
                .push(std::cmp::max((a - sent).num_seconds(), 0) as f64 / 86_400.0);
        }
        if let Some(m) = met {
            r.to_first_meeting
                .push(std::cmp::max((m - sent.date_naive()).num_days(), 0) as f64);
        }
    }
    Ok(())
}

/// Stopped referrals per reason (whatever the grouping).
async fn load_stop_reasons(
    db: &impl ConnectionTrait,
    by: By,
    codes: &[String],
    period: &Period,
) -> AppResult<HashMap<Option<StopReason>, u64>> {
    let mut s = sql::scope(by, codes, period);
    s.expr_as(col(R, referral::Column::StopReason), Alias::new(KEY))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .and_where(col(R, referral::Column::Outcome).eq(ReferralOutcome::Stopped.as_str()))
        .add_group_by([col(R, referral::Column::StopReason)]);
    let mut out = HashMap::new();
    for row in db.query_all(&s).await? {
        let key: Option<String> = row.try_get("", KEY)?;
        out.insert(
            key.as_deref().and_then(StopReason::from_str_opt),
            count(&row, "n")?,
        );
    }
    Ok(out)
}

/// Suppresses the counts of every row, the total and the stop reasons together, then derives
/// rates and medians from what is shown.
fn assemble(
    q: &FlowQuery,
    keys: Vec<(String, String)>,
    mut raw: HashMap<String, Raw>,
    whole: Option<Raw>,
    reasons: HashMap<Option<StopReason>, u64>,
) -> Flows {
    let n = MEASURES.len();
    let mut rows: Vec<(String, String, Raw)> = keys
        .into_iter()
        .map(|(k, label)| {
            let r = raw.remove(&k).unwrap_or_default();
            (k, label, r)
        })
        .collect();
    let mut total = Raw::default();
    for (_, _, r) in &rows {
        for (t, c) in total.counts.iter_mut().zip(r.counts) {
            *t += c;
        }
        total.to_accepted.extend(&r.to_accepted);
        total.to_first_meeting.extend(&r.to_first_meeting);
    }
    if let Some(whole) = whole {
        total = whole;
    }
    rows.push(("total".into(), "total".into(), total));
    let reason_keys: Vec<Option<StopReason>> = StopReason::ALL
        .iter()
        .map(|r| Some(*r))
        .chain([None])
        .collect();
    let mut counts: Vec<u64> = rows.iter().flat_map(|(_, _, r)| r.counts).collect();
    counts.extend(
        reason_keys
            .iter()
            .map(|k| reasons.get(k).copied().unwrap_or(0)),
    );
    let cells = suppress::suppress(&counts, &lines(rows.len() - 1, reason_keys.len()));
    let mut out: Vec<FlowRow> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (key, label, mut r))| row(key, label, cells[i * n..(i + 1) * n].to_vec(), &mut r))
        .collect();
    let total = out.pop().unwrap_or_else(|| {
        let zeros = vec![Cell::Count(0); n];
        row("total".into(), "total".into(), zeros, &mut Raw::default())
    });
    let reason_cells = &cells[cells.len() - reason_keys.len()..];
    Flows {
        gemeente: q.gemeente.to_string(),
        side: q.side,
        period: q.period,
        group_by: q.group_by,
        rows: out,
        total,
        stop_reasons: reason_keys
            .into_iter()
            .zip(reason_cells.iter().copied())
            .collect(),
    }
}

/// The lines of a flow table of `rows` data rows plus the total row, followed by `reasons`
/// stop-reason cells: each measure's rows add up to the total row; in every row the two kinds
/// of rejection add up to the rejections; the stop reasons add up to the total's stopped.
fn lines(rows: usize, reasons: usize) -> Vec<Line> {
    let n = MEASURES.len();
    let mut out = suppress::column_lines(rows, n);
    out.extend((0..=rows).map(|r| Line {
        members: vec![r * n + REJECTED_FULL, r * n + REJECTED_OTHER],
        total: r * n + REJECTED,
    }));
    let first = (rows + 1) * n;
    out.push(Line {
        members: (first..first + reasons).collect(),
        total: rows * n + STOPPED,
    });
    out
}

/// A suppressed row with its rates and medians.
fn row(key: String, label: String, cells: Vec<Cell>, r: &mut Raw) -> FlowRow {
    let sent = cells[SENT];
    FlowRow {
        key,
        label,
        acceptance_rate: suppress::rate(cells[ACCEPTED], sent),
        start_rate: suppress::rate(cells[STARTED], sent),
        completion_rate: suppress::rate(cells[COMPLETED], sent),
        median_days_to_accepted: suppress::median(&mut r.to_accepted),
        median_days_to_first_meeting: suppress::median(&mut r.to_first_meeting),
        cells,
    }
}
