//! Population per CBS area (`code,year,inhabitants,inhabitants_65_plus,households`, lines
//! starting with `#` are comments): loaded from the embedded CBS 2024 file on first start and
//! by `import-areas --population`. An empty cell is unknown (stored as NULL), never zero.
//! A file is checked whole before anything is written, and written in one transaction, so a bad
//! row changes nothing; a re-import replaces each area's figures in place.

use crate::error::{AppError, AppResult};
use entities::{area, area_population};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    DatabaseConnection, EntityTrait, PaginatorTrait, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashSet;

/// The embedded CBS 2024 population (Bron: CBS, CC BY 4.0), filtered to the shipped areas.
const POPULATION_CSV: &str = include_str!("../../data/population.csv");

/// What to do with a code that is not a known area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownCodes {
    /// Reject the file (an operator's import: a wrong file should not half load).
    Reject,
    /// Leave the row out (the embedded file on a node that imported fewer areas).
    Skip,
}

/// One parsed row, with the file line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationRow {
    pub line: u64,
    pub code: String,
    pub year: i32,
    pub inhabitants: Option<i64>,
    pub inhabitants_65_plus: Option<i64>,
    pub households: Option<i64>,
}

/// A count cell: empty is unknown; otherwise a whole number of at least 0.
fn count(line: u64, column: &str, raw: Option<&str>) -> AppResult<Option<i64>> {
    match raw.map(str::trim).unwrap_or("") {
        "" => Ok(None),
        s => match s.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n)),
            _ => Err(AppError::bad_input(format!(
                "line {line}: {column} '{s}' is not a whole number of 0 or more"
            ))),
        },
    }
}

/// Parses population CSV text; the first error names its line.
pub fn parse_csv(text: &str) -> AppResult<Vec<PopulationRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::bad_input(format!("population CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let expected = [
        "code",
        "year",
        "inhabitants",
        "inhabitants_65_plus",
        "households",
    ];
    if header != expected {
        return Err(AppError::bad_input(format!(
            "population CSV: the header must be '{}'",
            expected.join(",")
        )));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| AppError::bad_input(format!("population CSV: {e}")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != expected.len() {
            return Err(AppError::bad_input(format!(
                "line {line}: expected {} cells, found {}",
                expected.len(),
                record.len()
            )));
        }
        let code = record.get(0).unwrap_or("").trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(AppError::bad_input(format!(
                "line {line}: the code is empty"
            )));
        }
        if !seen.insert(code.clone()) {
            return Err(AppError::bad_input(format!(
                "line {line}: {code} appears twice"
            )));
        }
        let year = record
            .get(1)
            .map(str::trim)
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| {
                AppError::bad_input(format!(
                    "line {line}: year '{}' is not a year",
                    record.get(1).unwrap_or("")
                ))
            })?;
        out.push(PopulationRow {
            line,
            year,
            inhabitants: count(line, "inhabitants", record.get(2))?,
            inhabitants_65_plus: count(line, "inhabitants_65_plus", record.get(3))?,
            households: count(line, "households", record.get(4))?,
            code,
        });
    }
    Ok(out)
}

/// Writes `rows` (replacing stored figures of the same areas) in one transaction; codes that
/// are not a known area are rejected or skipped as `unknown` says. Returns the rows written.
pub async fn import(
    db: &DatabaseConnection,
    rows: Vec<PopulationRow>,
    unknown: UnknownCodes,
) -> AppResult<usize> {
    let known: HashSet<String> = area::Entity::find()
        .select_only()
        .column(area::Column::Code)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut models = Vec::with_capacity(rows.len());
    for r in rows {
        if !known.contains(&r.code) {
            match unknown {
                UnknownCodes::Skip => continue,
                UnknownCodes::Reject => {
                    return Err(AppError::bad_input(format!(
                        "line {}: {} is not a known area (import the areas first)",
                        r.line, r.code
                    )));
                }
            }
        }
        models.push(area_population::ActiveModel {
            area_code: Set(r.code),
            year: Set(r.year),
            inhabitants: Set(r.inhabitants),
            inhabitants_65_plus: Set(r.inhabitants_65_plus),
            households: Set(r.households),
        });
    }
    let written = models.len();
    let txn = db.begin().await?;
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<_> = models.by_ref().take(1000).collect();
        area_population::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(area_population::Column::AreaCode)
                    .update_columns([
                        area_population::Column::Year,
                        area_population::Column::Inhabitants,
                        area_population::Column::Inhabitants65Plus,
                        area_population::Column::Households,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(written)
}

/// Reads and imports a population file (`import-areas --population`): every code must be a
/// known area.
pub async fn import_file(db: &DatabaseConnection, path: &std::path::Path) -> AppResult<usize> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", path.display())))?;
    import(db, parse_csv(&text)?, UnknownCodes::Reject).await
}

/// Loads the embedded population when no area has one yet (and areas exist); returns how many
/// rows were written.
pub async fn load_if_empty(db: &DatabaseConnection) -> AppResult<usize> {
    if area_population::Entity::find().count(db).await? > 0
        || area::Entity::find().count(db).await? == 0
    {
        return Ok(0);
    }
    import(db, parse_csv(POPULATION_CSV)?, UnknownCodes::Skip).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const HEADER: &str = "code,year,inhabitants,inhabitants_65_plus,households\n";

    #[test]
    fn empty_cells_are_unknown() {
        let rows = parse_csv(&format!(
            "# Bron: CBS\n{HEADER}GM0268,2024,179073,,\nBU02680101,2024,1200,150,800\n"
        ))
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].inhabitants, Some(179_073));
        assert_eq!(rows[0].inhabitants_65_plus, None);
        assert_eq!(rows[1].households, Some(800));
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let e =
            parse_csv(&format!("{HEADER}GM0268,2024,179073,,\nGM0361,2024,-5,,\n")).unwrap_err();
        assert!(e.message().contains("line 3"), "{}", e.message());
        let e = parse_csv(&format!("{HEADER}GM0268,twenty,1,,\n")).unwrap_err();
        assert!(e.message().contains("line 2"), "{}", e.message());
        let e = parse_csv(&format!("{HEADER}GM0268,2024,1,,\nGM0268,2024,1,,\n")).unwrap_err();
        assert!(e.message().contains("twice"), "{}", e.message());
        assert!(parse_csv("code,inhabitants\nGM0268,5\n").is_err());
    }

    #[test]
    fn embedded_file_parses() {
        let rows = parse_csv(POPULATION_CSV).unwrap();
        assert!(rows.len() > 17_000);
        assert!(rows.iter().any(|r| r.code == "GM0268"));
    }
}
