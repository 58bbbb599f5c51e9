//! Population figures beside coverage (CBS Kerncijfers wijken en buurten, "Bron: CBS"): the
//! stored population of areas and rates per 10,000 inhabitants. Unknown is never zero: a buurt
//! without a figure is counted apart ("onbekend"), and a rate over an unknown or zero
//! population is none.

use crate::domain::AreaCode;
use crate::error::AppResult;
use entities::{AreaKind, area, area_population};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Attribution to show beside population figures.
pub const SOURCE: &str = "Bron: CBS, Kerncijfers wijken en buurten";

/// `count` per 10,000 of `population`; none when the population is unknown or zero.
pub fn per_10k(count: u64, population: Option<i64>) -> Option<f64> {
    population
        .filter(|p| *p > 0)
        .map(|p| count as f64 * 10_000.0 / p as f64)
}

/// The stored population of the buurten within `within` and of the areas `codes`, by code
/// (one statement). Areas without a row are unknown.
pub async fn of_areas(
    db: &impl ConnectionTrait,
    within: &AreaCode,
    codes: &[&str],
) -> AppResult<HashMap<String, area_population::Model>> {
    of(db, super::area::buurten_within(within), codes).await
}

/// The stored population of the buurten of the gemeenten `gemeenten` and of the gemeenten
/// themselves, by code (one statement, whatever the number of gemeenten).
pub async fn of_gemeenten(
    db: &impl ConnectionTrait,
    gemeenten: &[String],
) -> AppResult<HashMap<String, area_population::Model>> {
    let buurten = Query::select()
        .column(area::Column::Code)
        .from(area::Entity)
        .and_where(Expr::col(area::Column::GemeenteCode).is_in(gemeenten.iter().cloned()))
        .and_where(Expr::col(area::Column::Kind).eq(AreaKind::Buurt.as_str()))
        .to_owned();
    let codes: Vec<&str> = gemeenten.iter().map(String::as_str).collect();
    of(db, buurten, &codes).await
}

/// The population of the areas `buurten` selects and of `codes`.
async fn of(
    db: &impl ConnectionTrait,
    buurten: SelectStatement,
    codes: &[&str],
) -> AppResult<HashMap<String, area_population::Model>> {
    Ok(area_population::Entity::find()
        .filter(
            Condition::any()
                .add(area_population::Column::AreaCode.in_subquery(buurten))
                .add(area_population::Column::AreaCode.is_in(codes.iter().copied())),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.area_code.clone(), p))
        .collect())
}

/// A figure in a CSV or page cell with one decimal, `,` or `.`; empty when none.
pub fn decimal(value: Option<f64>, comma: bool) -> String {
    decimal_places(value, 1, comma)
}

/// A figure with `places` decimals, `,` or `.`; empty when none.
pub fn decimal_places(value: Option<f64>, places: usize, comma: bool) -> String {
    let s = value.map(|v| format!("{v:.places$}")).unwrap_or_default();
    if comma { s.replace('.', ",") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_a_known_population() {
        assert_eq!(per_10k(3, Some(20_000)), Some(1.5));
        assert_eq!(per_10k(3, Some(0)), None);
        assert_eq!(per_10k(3, None), None);
    }

    #[test]
    fn decimals_follow_the_style() {
        assert_eq!(decimal(Some(1.26), true), "1,3");
        assert_eq!(decimal(Some(1.26), false), "1.3");
        assert_eq!(decimal(None, false), "");
    }
}
