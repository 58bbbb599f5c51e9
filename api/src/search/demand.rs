//! Unmet search demand, anonymously: searches that found no or few offers, counted per
//! normalised query text, gemeente and ISO week, so node admins and organisation editors see
//! what people look for and cannot find.
//!
//! Stored: the normalised text, the gemeente (of the area filter or the search point; empty
//! when the search named no place), the ISO week and a count. Never a user, IP address,
//! session or a time finer than the week. Before anything is stored, a text that may hold
//! personal data is dropped ([`looks_personal`]):
//!
//! - an e-mail address: any `@`;
//! - a phone number, BSN, date of birth or bank number: a run of 6 or more digits, spaces,
//!   dashes, dots and slashes between them ignored (stricter than the BSN elfproef: every
//!   9-digit number goes);
//! - a postcode with a house number: `1234 AB 5` (with or without spaces);
//! - a name: a word written with a capital that is not a known word (a word of an indexed
//!   offer, an area name of the gazetteer or a word of the synonym list), a word after a
//!   title (`dhr`, `mevr`, `mw`, `meneer`, `mevrouw`, `patiënt`, `geb`), or an unknown word
//!   after a tussenvoegsel (`van`, `der`, `den`, `ter`, `ten`, `vd`).
//!
//! Rows older than `search.demand_retention_weeks` are purged when a search is recorded.

use super::query::{SearchQuery, SearchResults};
use super::text::fold;
use crate::error::{AppError, AppResult};
use crate::geo::Gazetteer;
use chrono::{Datelike, NaiveDate};
use entities::search_demand;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A search with at most this many offers counts as unmet demand.
pub const FEW_RESULTS: u64 = 2;
/// Longest normalised text stored, in characters (longer texts are not stored).
pub const MAX_TEXT_CHARS: usize = 100;
/// Most weeks a caller may look back.
pub const MAX_WEEKS: u32 = 52;
/// Most rows of [`top`].
pub const TOP_LIMIT: usize = 50;

/// Words after which a name follows.
const TITLES: [&str; 9] = [
    "dhr", "mevr", "mw", "meneer", "mevrouw", "patient", "pt", "geb", "geboren",
];
/// Tussenvoegsels of Dutch surnames.
const TUSSENVOEGSELS: [&str; 6] = ["van", "der", "den", "ter", "ten", "vd"];
/// Shortest digit run taken for a number about a person.
const PERSONAL_DIGITS: usize = 6;

/// Whether a search counts as unmet demand: text was given and it found no or few offers, or
/// only offers matching some of its words.
pub fn is_unmet(query: &SearchQuery, results: &SearchResults) -> bool {
    !query.words.is_empty()
        && query.offset == 0
        && (results.by_words() <= FEW_RESULTS || results.matched_words.is_some())
}

/// The text as stored: lower case, accents folded, only letters, digits and single spaces.
pub fn normalise(text: &str) -> String {
    fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` (as typed) may hold personal data (see the module doc); `known` tells a
/// known word (lower case, folded) from a possible name.
pub fn looks_personal(text: &str, known: impl Fn(&str) -> bool) -> bool {
    text.contains('@')
        || longest_digit_run(text) >= PERSONAL_DIGITS
        || has_postcode_with_number(text)
        || has_name(text, known)
}

/// The longest run of digits, ignoring spaces, dashes, dots, slashes and a leading `+`.
fn longest_digit_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            best = best.max(run);
        } else if !matches!(c, ' ' | '-' | '.' | '/' | '+' | '(' | ')') {
            run = 0;
        }
    }
    best
}

/// `1234 AB 5`, `1234AB5`, `1234 ab, 5a`: four digits, two letters, then a number.
fn has_postcode_with_number(text: &str) -> bool {
    let compact: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    compact.windows(7).any(|w| {
        w[..4].iter().all(char::is_ascii_digit)
            && w[4..6].iter().all(char::is_ascii_alphabetic)
            && w[6].is_ascii_digit()
    })
}

/// The name rule of the module doc.
fn has_name(text: &str, known: impl Fn(&str) -> bool) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
    words.iter().zip(&folded).enumerate().any(|(i, (w, f))| {
        let capital = w.chars().next().is_some_and(char::is_uppercase);
        let after = |set: &[&str]| i > 0 && set.contains(&folded[i - 1].as_str());
        let unknown = !known(f) && !f.chars().all(|c| c.is_ascii_digit());
        // The two letters of a postcode (`6663 AB`) are no name.
        let postcode_letters = w.len() == 2
            && i > 0
            && words[i - 1].len() == 4
            && words[i - 1].chars().all(|c| c.is_ascii_digit());
        (capital && unknown && !postcode_letters)
            || after(&TITLES[..])
            || (TITLES.contains(&f.as_str()) && i + 1 == words.len())
            || (after(&TUSSENVOEGSELS[..]) && unknown)
    })
}

/// The ISO week of `date`: `2026-W49`.
pub fn iso_week(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The ISO week `weeks` weeks before the week of `today`.
fn weeks_before(today: NaiveDate, weeks: u32) -> String {
    iso_week(today - chrono::Duration::weeks(i64::from(weeks)))
}

/// The gemeente a search is about: of its area filter, else of the buurt nearest its point.
pub fn gemeente_of(query: &SearchQuery, gazetteer: &Gazetteer) -> Option<String> {
    if let Some(area) = &query.filter.area {
        return Some(area.gemeente());
    }
    let near = query.near?;
    let buurt = gazetteer.nearest_buurt(near.lat, near.lon)?;
    crate::domain::AreaCode::parse(buurt)
        .ok()
        .map(|c| c.gemeente())
}

/// Counts `text` for `gemeente` in the week of `today`, unless it looks personal or is too
/// long; then purges the rows older than `retention_weeks`. Returns whether it was counted.
pub async fn record(
    db: &impl ConnectionTrait,
    text: &str,
    gemeente: Option<&str>,
    known: impl Fn(&str) -> bool,
    today: NaiveDate,
    retention_weeks: u32,
) -> AppResult<bool> {
    let normalised = normalise(text);
    let counted = !normalised.is_empty()
        && normalised.chars().count() <= MAX_TEXT_CHARS
        && !looks_personal(text, known);
    if counted {
        use sea_orm::sea_query::ExprTrait;
        let row = search_demand::ActiveModel {
            query_text: sea_orm::Set(normalised),
            gemeente_code: sea_orm::Set(gemeente.unwrap_or_default().to_string()),
            iso_week: sea_orm::Set(iso_week(today)),
            count: sea_orm::Set(1),
        };
        search_demand::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    search_demand::Column::QueryText,
                    search_demand::Column::GemeenteCode,
                    search_demand::Column::IsoWeek,
                ])
                .value(
                    search_demand::Column::Count,
                    Expr::col((search_demand::Entity, search_demand::Column::Count))
                        .add(Expr::val(1)),
                )
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    purge(db, today, retention_weeks).await?;
    Ok(counted)
}

/// Counts a search as unmet demand when [`is_unmet`]; a failure is logged, never shown to the
/// searcher (the search itself succeeded).
pub async fn note(
    search: &super::SearchService,
    gazetteer: &Gazetteer,
    query: &SearchQuery,
    results: &SearchResults,
    retention_weeks: u32,
) {
    if !is_unmet(query, results) {
        return;
    }
    let gemeente = gemeente_of(query, gazetteer);
    let known = |w: &str| search.suggester().is_known(w);
    let today = chrono::Utc::now().date_naive();
    if let Err(e) = record(
        search.db(),
        &query.text,
        gemeente.as_deref(),
        known,
        today,
        retention_weeks,
    )
    .await
    {
        tracing::warn!(error = %e.message(), "could not count an unmet search");
    }
}

/// Removes the rows of weeks more than `retention_weeks` before the week of `today`.
pub async fn purge(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    retention_weeks: u32,
) -> AppResult<u64> {
    let oldest = weeks_before(today, retention_weeks);
    Ok(search_demand::Entity::delete_many()
        .filter(search_demand::Column::IsoWeek.lt(oldest))
        .exec(db)
        .await?
        .rows_affected)
}

/// One unmet search over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemandRow {
    pub query_text: String,
    /// Empty when the searches named no place.
    pub gemeente_code: String,
    pub searches: i64,
}

/// The most frequent unmet searches of the last `weeks` weeks (this one included), most first,
/// for one gemeente or all; `BAD_USER_INPUT` for weeks outside 1..=[`MAX_WEEKS`].
pub async fn top(
    db: &impl ConnectionTrait,
    gemeente: Option<&str>,
    weeks: i32,
    today: NaiveDate,
) -> AppResult<Vec<DemandRow>> {
    if !(1..=MAX_WEEKS as i32).contains(&weeks) {
        return Err(AppError::field(
            "weeks",
            format!("must be from 1 to {MAX_WEEKS}"),
        ));
    }
    let since = weeks_before(today, weeks as u32 - 1);
    let mut q = search_demand::Entity::find().filter(search_demand::Column::IsoWeek.gte(since));
    if let Some(g) = gemeente {
        q = q.filter(search_demand::Column::GemeenteCode.eq(g));
    }
    // Summed here rather than by SQL: `SUM(bigint)` differs between SQLite and PostgreSQL,
    // and the rows are few (one per text, gemeente and week within the retention).
    let mut sums: HashMap<(String, String), i64> = HashMap::new();
    for r in q.all(db).await? {
        *sums.entry((r.query_text, r.gemeente_code)).or_default() += r.count;
    }
    let mut rows: Vec<DemandRow> = sums
        .into_iter()
        .map(|((query_text, gemeente_code), searches)| DemandRow {
            query_text,
            gemeente_code,
            searches,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.searches
            .cmp(&a.searches)
            .then_with(|| a.query_text.cmp(&b.query_text))
            .then_with(|| a.gemeente_code.cmp(&b.gemeente_code))
    });
    rows.truncate(TOP_LIMIT);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(w: &str) -> bool {
        ["wandelgroep", "lent", "autisme", "taalcafe"].contains(&w)
    }

    #[test]
    fn personal_looking_texts_are_recognised() {
        for t in [
            "jan@example.nl",
            "06-12345678",
            "0612345678 wandelen",
            "111222333",
            "12-03-1960",
            "6663 AB 12",
            "6663ab12",
            "wandelgroep Jansen",
            "mevr de wit",
            "hulp van bakkerveld",
        ] {
            assert!(looks_personal(t, known), "{t}");
        }
        for t in [
            "wandelgroep lent",
            "Wandelgroep Lent",
            "autisme",
            "6663 AB",
            "taalcafe 2",
        ] {
            assert!(!looks_personal(t, known), "{t}");
        }
    }

    #[test]
    fn weeks_and_normalising() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(iso_week(d), "2026-W49");
        assert_eq!(
            iso_week(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            "2026-W53"
        );
        assert_eq!(normalise("  Taalcafé,   LENT! "), "taalcafe lent");
    }
}
