//! Municipality insight: anonymous referral flows ([`flows`]) and the share of group-based
//! support ([`share`]) for analysts of a gemeente and node admins. Every figure leaves through
//! the one suppression rule ([`suppress`]); no referral, person, practice or free text does.

pub mod csv;
pub mod flows;
pub mod share;
mod sql;
pub mod suppress;

pub use flows::{FlowGroup, FlowQuery, FlowRow, Flows, Side, referral_flows};
pub use share::{GroupShare, ShareRow, group_share};
pub use suppress::Cell;

use crate::domain::{Actor, AreaCode};
use crate::error::{AppError, AppResult};
use chrono::{Datelike, Days, Months, NaiveDate};

/// The longest period asked at once, in days (about five years).
const MAX_DAYS: i64 = 1830;

/// The width of a period's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Month,
    Quarter,
}

/// Referrals sent from `from` to `to` (both days included, UTC), in steps of `granularity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
}

/// One step of a period: sent on `start` up to (not including) `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// `2026-03` for a month, `2026-Q1` for a quarter.
    pub key: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// A period; `BAD_USER_INPUT` on `to` when it ends before it starts or spans over five years.
    pub fn new(from: NaiveDate, to: NaiveDate, granularity: Granularity) -> AppResult<Self> {
        if to < from {
            return Err(AppError::field("to", "must not be before from"));
        }
        if (to - from).num_days() > MAX_DAYS {
            return Err(AppError::field("to", "the period is at most five years"));
        }
        if to.checked_add_days(Days::new(1)).is_none() {
            return Err(AppError::field("to", "is too far ahead"));
        }
        Ok(Self {
            from,
            to,
            granularity,
        })
    }

    /// The day after `to` (the period's exclusive end).
    pub fn end(&self) -> NaiveDate {
        self.to.checked_add_days(Days::new(1)).unwrap_or(self.to)
    }

    /// The calendar months or quarters of the period, the first and last cut at its ends.
    pub fn steps(&self) -> Vec<Step> {
        let months = match self.granularity {
            Granularity::Month => 1,
            Granularity::Quarter => 3,
        };
        let first_month = (self.from.month0() / months) * months + 1;
        let mut start =
            NaiveDate::from_ymd_opt(self.from.year(), first_month, 1).unwrap_or(self.from);
        let end = self.end();
        let mut out = Vec::new();
        while start < end {
            let Some(next) = start.checked_add_months(Months::new(months)) else {
                break;
            };
            let key = match self.granularity {
                Granularity::Month => format!("{}-{:02}", start.year(), start.month()),
                Granularity::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
            };
            out.push(Step {
                key,
                start: start.max(self.from),
                end: next.min(end),
            });
            start = next;
        }
        out
    }
}

/// Which gemeenten a figure covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One gemeente: for its analysts and node admins.
    Gemeente(AreaCode),
    /// The node's region (its gemeenten): for node admins and analysts of one of them.
    Region(Vec<AreaCode>),
}

impl Scope {
    /// The gemeente codes covered.
    pub fn codes(&self) -> Vec<String> {
        match self {
            Scope::Gemeente(code) => vec![code.to_string()],
            Scope::Region(codes) => codes.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The reach rule: node admins see every gemeente; a municipality analyst sees the gemeenten of
/// their memberships (and the region they lie in); everybody else is refused (`FORBIDDEN`, or
/// `UNAUTHENTICATED` when anonymous).
pub fn require_reach(actor: &Actor, scope: &Scope) -> AppResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    let mine: Vec<&str> = match actor {
        Actor::User(u) => u.analyst_gemeenten().collect(),
        _ => Vec::new(),
    };
    let codes = scope.codes();
    let allowed = match scope {
        Scope::Gemeente(_) => codes.iter().all(|c| mine.contains(&c.as_str())),
        Scope::Region(_) => codes.iter().any(|c| mine.contains(&c.as_str())),
    };
    if allowed {
        Ok(())
    } else {
        Err(actor.denied("see the referral figures of this gemeente"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn steps_follow_the_calendar_and_are_cut_at_the_ends() {
        let p = Period::new(day("2026-01-15"), day("2026-03-10"), Granularity::Month).unwrap();
        let steps = p.steps();
        let keys: Vec<&str> = steps.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(steps[0].start, day("2026-01-15"));
        assert_eq!(steps[2].end, day("2026-03-11"));
        let q = Period::new(day("2025-11-01"), day("2026-04-01"), Granularity::Quarter).unwrap();
        let keys: Vec<String> = q.steps().into_iter().map(|s| s.key).collect();
        assert_eq!(keys, ["2025-Q4", "2026-Q1", "2026-Q2"]);
        assert!(Period::new(day("2026-02-01"), day("2026-01-01"), Granularity::Month).is_err());
    }
}
