//! Typed values kept in JSON columns (lists that are shown, not filtered on, in SQL).

use chrono::NaiveDate;
use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A list of strings (languages, coach names, gemeente codes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

/// A list of calendar dates (e.g. Herstelcirkel sounding-board meetings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct DateList(pub Vec<NaiveDate>);

/// One recurring period of an offer's schedule, after RFC 5545 RRULE and HSDS `schedule`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulePeriod {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: String,
    /// Every `interval` periods (2 = every other week).
    pub interval: u32,
    /// Days as RFC 5545 two-letter codes: MO TU WE TH FR SA SU.
    pub byday: Vec<String>,
    /// Local start time `HH:MM`.
    pub opens_at: String,
    /// Local end time `HH:MM`.
    pub closes_at: String,
    /// Optional free text ("in de schoolvakanties niet").
    pub description: Option<String>,
    /// First day this period applies (e.g. "every two weeks for the first months"); none: always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day this period applies; none: open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// All periods of an offer's schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Schedule(pub Vec<SchedulePeriod>);
