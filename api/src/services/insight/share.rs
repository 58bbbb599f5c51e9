//! The share of group-based support: per step of a period, the referrals to offers located in
//! a gemeente (or the node's region) that went to group-based offers
//! ([`OfferKind::is_group_based`]) against all others, suppressed like every insight figure.

use super::sql::{self, By, KEY, R, col, count};
use super::suppress::{self, Cell, Line};
use super::{Period, Scope, require_reach};
use crate::domain::Actor;
use crate::error::AppResult;
use crate::read_model::derived;
use crate::services::Ctx;
use entities::OfferKind;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, UnionType};
use std::collections::HashMap;

/// One step (or the total) of the share.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareRow {
    /// `2026-03`, `2026-Q1` or `total`.
    pub key: String,
    /// Referrals to group-based offers.
    pub group_based: Cell,
    /// Referrals to every other offer (individual support, activities, offers unknown here).
    pub other: Cell,
    pub total: Cell,
    /// `group_based / total`, when both are shown and the total is at least 5.
    pub share: Option<f64>,
}

/// The share of group-based support of a gemeente or region over a period.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupShare {
    /// The gemeente codes covered.
    pub gemeenten: Vec<String>,
    pub period: Period,
    /// One row per step, in order (the trend).
    pub rows: Vec<ShareRow>,
    pub total: ShareRow,
}

/// The share of group-based support in `scope` over `period`: for node admins and the
/// analysts `scope` is in reach of ([`require_reach`]).
pub async fn group_share(
    ctx: &Ctx,
    actor: &Actor,
    scope: &Scope,
    period: &Period,
) -> AppResult<GroupShare> {
    require_reach(actor, scope)?;
    let codes = scope.codes();
    let mut counts = load(&ctx.db, &codes, period, false).await?;
    Ok(assemble(
        codes,
        period,
        &counts.remove("").unwrap_or_default(),
    ))
}

/// [`group_share`] of each of `gemeenten` on its own, by gemeente code, in one statement
/// whatever their number (the region comparison). Each must be in `actor`'s reach.
pub async fn group_share_each(
    ctx: &Ctx,
    actor: &Actor,
    gemeenten: &[crate::domain::AreaCode],
    period: &Period,
) -> AppResult<HashMap<String, GroupShare>> {
    for g in gemeenten {
        require_reach(actor, &Scope::Gemeente(g.clone()))?;
    }
    let codes: Vec<String> = gemeenten.iter().map(ToString::to_string).collect();
    let counts = load(&ctx.db, &codes, period, true).await?;
    let none = HashMap::new();
    Ok(codes
        .into_iter()
        .map(|g| {
            let share = assemble(vec![g.clone()], period, counts.get(&g).unwrap_or(&none));
            (g, share)
        })
        .collect())
}

/// The referrals to offers located in `codes` over `period`, `(step key, group-based?) ->
/// referrals`, by gemeente when `per_gemeente` (else all under `""`). One statement: a grouped
/// count per step, joined by `UNION ALL`, so each step is one range of the gemeente index (a
/// `CASE` choosing the step of every referral costs more than counting them: three times as
/// much at 100,000 referrals on SQLite).
async fn load(
    db: &impl ConnectionTrait,
    codes: &[String],
    period: &Period,
    per_gemeente: bool,
) -> AppResult<HashMap<String, HashMap<(String, bool), u64>>> {
    let kind = || col(R, derived::offer_kind_col());
    let gemeente = || col(R, derived::offer_gemeente_col());
    let mut steps = period.steps().into_iter().map(|step| {
        let mut s = sql::scope_between(By::OfferIn, codes, step.start, step.end);
        s.expr_as(Expr::val(step.key), Alias::new(KEY))
            .expr_as(kind(), Alias::new("kind"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .add_group_by([kind()]);
        if per_gemeente {
            s.expr_as(gemeente(), Alias::new("g"))
                .add_group_by([gemeente()]);
        }
        s
    });
    let mut out: HashMap<String, HashMap<(String, bool), u64>> = HashMap::new();
    let Some(mut q) = steps.next().filter(|_| !codes.is_empty()) else {
        return Ok(out);
    };
    for s in steps {
        q.union(UnionType::All, s);
    }
    for row in db.query_all(&q).await? {
        let g: Option<String> = if per_gemeente {
            row.try_get("", "g")?
        } else {
            None
        };
        let key: Option<String> = row.try_get("", KEY)?;
        let kind: Option<String> = row.try_get("", "kind")?;
        let group = kind
            .as_deref()
            .and_then(OfferKind::from_str_opt)
            .is_some_and(OfferKind::is_group_based);
        *out.entry(g.unwrap_or_default())
            .or_default()
            .entry((key.unwrap_or_default(), group))
            .or_default() += count(&row, "n")?;
    }
    Ok(out)
}

/// Suppresses the table (steps × group-based / other / total, plus the total row).
fn assemble(
    gemeenten: Vec<String>,
    period: &Period,
    counts: &HashMap<(String, bool), u64>,
) -> GroupShare {
    let mut keys: Vec<String> = period.steps().into_iter().map(|s| s.key).collect();
    let get = |k: &str, g: bool| counts.get(&(k.to_string(), g)).copied().unwrap_or(0);
    let mut grid: Vec<u64> = Vec::new();
    let (mut group_sum, mut other_sum) = (0, 0);
    for k in &keys {
        let (g, o) = (get(k, true), get(k, false));
        grid.extend([g, o, g + o]);
        group_sum += g;
        other_sum += o;
    }
    grid.extend([group_sum, other_sum, group_sum + other_sum]);
    keys.push("total".into());
    let mut lines = suppress::column_lines(keys.len() - 1, 3);
    lines.extend((0..keys.len()).map(|r| Line {
        members: vec![r * 3, r * 3 + 1],
        total: r * 3 + 2,
    }));
    let cells = suppress::suppress(&grid, &lines);
    let mut rows: Vec<ShareRow> = keys
        .into_iter()
        .enumerate()
        .map(|(i, key)| ShareRow {
            key,
            group_based: cells[i * 3],
            other: cells[i * 3 + 1],
            total: cells[i * 3 + 2],
            share: suppress::rate(cells[i * 3], cells[i * 3 + 2]),
        })
        .collect();
    let total = rows.pop().unwrap_or(ShareRow {
        key: "total".into(),
        group_based: Cell::Count(0),
        other: Cell::Count(0),
        total: Cell::Count(0),
        share: None,
    });
    GroupShare {
        gemeenten,
        period: *period,
        rows,
        total,
    }
}
